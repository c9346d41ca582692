//go:build linux

package integration

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
	"golang.org/x/sys/unix"
)

// Hostile trees: sources built to break a naive overlay. Each entry names
// what it must look like through the mount; the daemon must list every
// one, log one warning per malformed entry, never open a special file,
// never read a huge file into memory, and keep serving a plain file that
// is read in parallel throughout.

// hostileKind is what a hostile entry must be presented as.
type hostileKind int

const (
	shownPlain   hostileKind = iota // a regular file (a malformed link shows as stored)
	shownDir                        // a directory
	shownLink                       // a symlink whose readlink is target
	shownSpecial                    // the FIFO, socket or device it is
	shownAny                        // listed and lstat-able; its type is not the point
)

// hostileEntry is one entry of a hostile tree.
type hostileEntry struct {
	stored    string // name on the source, relative to its root
	shown     string // presented name, when it differs from stored
	kind      hostileKind
	target    string // for shownLink
	malformed bool   // the daemon must log exactly one warning naming it
	neverOpen bool   // the daemon must not open it (special files, 1 GiB files)
	// ntfs-3g shows it as a symlink of its own (a reparse point, an
	// Interix file), so its data cannot be read from the source.
	behindNTFS3G bool
}

func (e *hostileEntry) presented() string {
	if e.shown != "" {
		return e.shown
	}
	return e.stored
}

// hostileTree is a source built for this test and what it must show.
type hostileTree struct {
	dir     string
	entries []hostileEntry
}

func (h *hostileTree) add(e hostileEntry) { h.entries = append(h.entries, e) }

func (h *hostileTree) path(name string) string { return filepath.Join(h.dir, name) }

// servedName is the regular file read in parallel while the hostile
// entries are swept; it lives in a subdirectory so that its reads do not
// flood the open watch on the top directory.
const servedName = "served/plain.bin"

func servedContent() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// writeServed writes the file read in parallel during the sweeps.
func (h *hostileTree) writeServed(t *testing.T) {
	t.Helper()
	if err := os.Mkdir(h.path("served"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.path(servedName), servedContent())
}

// reparseEntry attaches a raw reparse buffer to a new empty file (or
// directory) and records what it must show.
func (h *hostileTree) reparseEntry(t *testing.T, name string, dir bool, raw []byte, e hostileEntry) {
	t.Helper()
	if dir {
		if err := os.Mkdir(h.path(name), 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		writeFile(t, h.path(name), nil)
	}
	setXattr(t, h.path(name), "system.ntfs_reparse_data", raw)
	e.stored, e.behindNTFS3G = name, true
	h.add(e)
}

// symlinkBuffer builds an IO_REPARSE_TAG_SYMLINK buffer from explicit
// offsets and lengths, so that they can lie.
func symlinkBuffer(subOff, subLen, printOff, printLen uint16, flags uint32, pathBuffer []byte) []byte {
	data := binary.LittleEndian.AppendUint16(nil, subOff)
	data = binary.LittleEndian.AppendUint16(data, subLen)
	data = binary.LittleEndian.AppendUint16(data, printOff)
	data = binary.LittleEndian.AppendUint16(data, printLen)
	data = binary.LittleEndian.AppendUint32(data, flags)
	return reparseHeader(0xA000000C, append(data, pathBuffer...))
}

func lxBuffer(target []byte) []byte {
	return reparseHeader(0xA000001D, append(le32(2), target...))
}

const nfsSymlinkType = 0x014B4E4C // NFS_SPECFILE_LNK

// writeNTFSHostile fills an ntfs-3g volume with hostile reparse points and
// content links. ntfs-3g validates SYMLINK, MOUNT_POINT and LX buffers on
// setxattr and refuses with EINVAL: a SubstituteName offset or length past
// the buffer, a ReparseDataLength that disagrees with the buffer size, any
// malformed MOUNT_POINT (odd or empty names, offsets past the end), an LX
// buffer with an empty target or a version other than 2, a tag without the
// Microsoft bit, and anything under 8 bytes; over 16 KiB is ERANGE. Those
// cannot reach linkfs from an ntfs-3g source and are the fuzz targets'
// business. What ntfs-3g stores as given is used here: NTFS symlinks whose
// PrintName runs past the end, odd and empty names, 16 KiB targets, LX
// targets with NUL or bytes that are not UTF-8, NFS buffers of every bad
// shape, and unknown Microsoft tags.
func writeNTFSHostile(t *testing.T, dir string) *hostileTree {
	t.Helper()
	h := &hostileTree{dir: dir}
	h.writeServed(t)
	a8k := utf16le(strings.Repeat("a", 8000))

	// NTFS symlinks.
	h.reparseEntry(t, "sym-odd-length", false, symlinkBuffer(0, 7, 0, 8, 1, utf16le("abcd")), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "sym-print-past-end", false, symlinkBuffer(0, 8, 8, 3, 1, utf16le("abcd")), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "sym-empty-relative", false, symlinkBuffer(0, 0, 0, 0, 1, nil), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "sym-empty-absolute", false, symlinkBuffer(0, 0, 0, 0, 0, nil), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "sym-16k", false, symlinkBuffer(0, uint16(len(a8k)), 0, 0, 1, a8k), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "sym-nul", false, symlinkBuffer(0, 6, 6, 6, 1, append(utf16le("a\x00b"), utf16le("a\x00b")...)), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "sym-lone-surrogate", false, symlinkBuffer(0, 2, 2, 2, 1, []byte{0x00, 0xD8, 0x00, 0xD8}), hostileEntry{kind: shownAny})
	h.reparseEntry(t, "dir-sym-odd-length", true, symlinkBuffer(0, 7, 0, 8, 1, utf16le("abcd")), hostileEntry{kind: shownDir, malformed: true})
	// LX symlinks.
	h.reparseEntry(t, "lx-16k", false, lxBuffer(bytes.Repeat([]byte("b"), 16000)), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "lx-nul", false, lxBuffer([]byte("a\x00b")), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "lx-not-utf8", false, lxBuffer([]byte("\xff\xfe")), hostileEntry{kind: shownAny})
	// NFS symlinks: stored as given.
	h.reparseEntry(t, "nfs-odd-length", false, nfsReparse(nfsSymlinkType, []byte("abc")), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "nfs-empty", false, nfsReparse(nfsSymlinkType, nil), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "nfs-truncated", false, reparseHeader(0x80000014, []byte{0x4C, 0x4E}), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "nfs-unknown-type", false, nfsReparse(0x12345678, utf16le("x")), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "nfs-16k", false, nfsReparse(nfsSymlinkType, a8k), hostileEntry{kind: shownPlain, malformed: true})
	// Reparse points that are no links (no name-surrogate bit): plain
	// entries, nothing to warn about.
	h.reparseEntry(t, "tag-unknown", false, reparseHeader(0x8000001B, []byte("hello")), hostileEntry{kind: shownPlain})
	h.reparseEntry(t, "tag-unknown-16k", false, reparseHeader(0x8000001B, bytes.Repeat([]byte("z"), 16384-8)), hostileEntry{kind: shownPlain})
	// An unknown name surrogate is a link linkfs cannot read: one warning.
	h.reparseEntry(t, "tag-surrogate", false, reparseHeader(0xA0000099, []byte("hello")), hostileEntry{kind: shownPlain, malformed: true})
	h.reparseEntry(t, "tag-surrogate-16k", false, reparseHeader(0xA0000099, bytes.Repeat([]byte("z"), 16384-8)), hostileEntry{kind: shownPlain, malformed: true})

	// Content links with the SYSTEM or READONLY attribute that makes
	// Cygwin read them.
	writeContentHostile(t, h, []uint32{dosSystem}, []uint32{dosReadOnly})
	writeSpecials(t, h)
	for i := range h.entries {
		if e := &h.entries[i]; e.stored == "intx-odd-length" {
			// ntfs-3g decodes Interix files itself and shows this one as
			// a symlink to the one whole UTF-16 unit it holds; linkfs
			// sees only that symlink, not the bytes.
			e.kind, e.malformed, e.behindNTFS3G = shownAny, false, true
		}
	}
	return h
}

// writeContentHostile writes malformed and oversized content links. On a
// source with DOS attributes, system and readOnly are the attributes that
// make Cygwin look at them.
func writeContentHostile(t *testing.T, h *hostileTree, system, readOnly []uint32) {
	t.Helper()
	add := func(name string, data []byte, attrs []uint32, e hostileEntry) {
		writeFile(t, h.path(name), data, attrs...)
		e.stored = name
		h.add(e)
	}
	cookieHead := []byte("!<symlink>\xff\xfe")
	add("cookie-no-terminator", append(cookieHead, utf16le("docs/readme.txt")...), system, hostileEntry{kind: shownPlain, malformed: true})
	add("cookie-8bit-no-terminator", []byte("!<symlink>docs/readme.txt"), system, hostileEntry{kind: shownPlain, malformed: true})
	add("cookie-odd-no-terminator", append(cookieHead, 'a', 0, 'b'), system, hostileEntry{kind: shownPlain, malformed: true})
	add("cookie-oversized", append([]byte("!<symlink>"), bytes.Repeat([]byte("a"), 40000)...), system, hostileEntry{kind: shownPlain})
	add("intx-odd-length", []byte("IntxLNK\x01abc"), system, hostileEntry{kind: shownPlain, malformed: true})
	// An MD5 that does not match is not a link, as for Linux: no warning.
	xsym := mfSymlink("docs/readme.txt")
	copy(xsym[10:], "00000000")
	add("xsym-bad-md5", xsym, nil, hostileEntry{kind: shownPlain})
	xsym = mfSymlink("docs/readme.txt")
	copy(xsym[5:], "01x5")
	add("xsym-bad-length", xsym, nil, hostileEntry{kind: shownPlain, malformed: true})
	add("xsym-sized-but-not", bytes.Repeat([]byte("X"), 1067), nil, hostileEntry{kind: shownPlain})
	add("truncated-shortcut.lnk", realShortcut(t, "microsoft_example.lnk")[:120], readOnly, hostileEntry{kind: shownPlain, malformed: true})
	// A 1 GiB sparse file named like a shortcut: never read.
	writeFile(t, h.path("huge.lnk"), nil, readOnly...)
	if err := os.Truncate(h.path("huge.lnk"), 1<<30); err != nil {
		t.Fatal(err)
	}
	h.add(hostileEntry{stored: "huge.lnk", kind: shownPlain, neverOpen: true})
}

// writeSpecials makes a FIFO, a socket and a character device (1:3, like
// /dev/null) named like a shortcut, and a FIFO named like a cookie. The
// daemon must never open them: opening a FIFO would block it.
func writeSpecials(t *testing.T, h *hostileTree) {
	t.Helper()
	for _, name := range []string{"fifo.lnk", "fifo-cookie"} {
		if err := unix.Mkfifo(h.path(name), 0o644); err != nil {
			t.Fatal(err)
		}
		h.add(hostileEntry{stored: name, kind: shownSpecial, neverOpen: true})
	}
	if err := unix.Mknod(h.path("null.lnk"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	h.add(hostileEntry{stored: "null.lnk", kind: shownSpecial, neverOpen: true})
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sock)
	if err := unix.Bind(sock, &unix.SockaddrUnix{Name: h.path("sock.lnk")}); err != nil {
		t.Fatal(err)
	}
	h.add(hostileEntry{stored: "sock.lnk", kind: shownSpecial, neverOpen: true})
}

// chainDepth is the length of the link chains; the kernel follows at most
// 40 links in one lookup, so the start of a chain fails with ELOOP and its
// last 30 links resolve.
const chainDepth = 100

// writePlainHostile fills a plain directory (no DOS attributes: content
// alone decides) with hostile names, loops, chains, climbing targets,
// malformed content links and special files.
func writePlainHostile(t *testing.T, dir string) *hostileTree {
	t.Helper()
	h := &hostileTree{dir: dir}
	h.writeServed(t)
	writeContentHostile(t, h, nil, nil)
	writeSpecials(t, h)

	// Every byte 0x01-0xFF but '/' in a name: one file per byte, and one
	// name holding all 254 of them. Each file holds its own name, so a
	// read shows the right file was served.
	var all []byte
	for b := 1; b <= 0xFF; b++ {
		if b == '/' {
			continue
		}
		all = append(all, byte(b))
		name := "byte-" + string([]byte{byte(b)})
		writeFile(t, h.path(name), []byte(name))
		h.add(hostileEntry{stored: name, kind: shownPlain})
	}
	writeFile(t, h.path(string(all)), all)
	h.add(hostileEntry{stored: string(all), kind: shownPlain})
	// Shortcuts whose presented names are not UTF-8 or are NAME_MAX long.
	for _, name := range []string{"\xff\xfe\x01", strings.Repeat("n", 251)} {
		writeFile(t, h.path(name+".lnk"), cygwinShortcut("docs", `C:\docs`))
		h.add(hostileEntry{stored: name + ".lnk", shown: name, kind: shownLink, target: "docs"})
	}

	// Loops and chains, native and cookie.
	for _, l := range [][2]string{{"loop-a", "loop-b"}, {"loop-b", "loop-a"}, {"loop-self", "loop-self"}} {
		if err := os.Symlink(l[1], h.path(l[0])); err != nil {
			t.Fatal(err)
		}
		h.add(hostileEntry{stored: l[0], kind: shownLink, target: l[1]})
		writeFile(t, h.path("c"+l[0]), cookie("c"+l[1]))
		h.add(hostileEntry{stored: "c" + l[0], kind: shownLink, target: "c" + l[1]})
	}
	for _, prefix := range []string{"native-chain-", "cookie-chain-"} {
		writeFile(t, h.path(prefix+"end"), []byte("end of "+prefix))
		h.add(hostileEntry{stored: prefix + "end", kind: shownPlain})
		for i := range chainDepth {
			name, next := fmt.Sprintf("%s%03d", prefix, i), fmt.Sprintf("%s%03d", prefix, i+1)
			if i == chainDepth-1 {
				next = prefix + "end"
			}
			if prefix == "native-chain-" {
				if err := os.Symlink(next, h.path(name)); err != nil {
					t.Fatal(err)
				}
			} else {
				writeFile(t, h.path(name), cookie(next))
			}
			h.add(hostileEntry{stored: name, kind: shownLink, target: next})
		}
	}

	// Targets that climb above the source root: shown as given, never
	// resolved by the daemon.
	up := strings.Repeat("../", 12) + "etc/passwd"
	if err := os.Symlink(up, h.path("up-native")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.path("up-cookie"), cookie(up))
	writeFile(t, h.path("up-xsym"), mfSymlink(up))
	writeFile(t, h.path("up-interix"), interixContent(up))
	for _, name := range []string{"up-native", "up-cookie", "up-xsym", "up-interix"} {
		h.add(hostileEntry{stored: name, kind: shownLink, target: up})
	}
	return h
}

// TestHostileNTFS mounts an ntfs-3g volume full of hostile reparse points
// and content links.
func TestHostileNTFS(t *testing.T) {
	requireFUSE(t)
	n := testenv.NewNTFS(t)
	h := writeNTFSHostile(t, n.Dir)
	// From the disk, not from ntfs-3g's caches: ntfs-3g cannot stat a
	// reparse point it cannot read until it reloads the inode.
	n.Remount(t)
	checkHostile(t, h)
}

// TestHostilePlain mounts a plain directory full of hostile names, loops,
// chains, climbing targets, content links and special files.
func TestHostilePlain(t *testing.T) {
	requireFUSE(t)
	h := writePlainHostile(t, t.TempDir())
	checkHostile(t, h)
}

func checkHostile(t *testing.T, h *hostileTree) {
	t.Helper()
	watch := watchOpens(t, h.dir)
	m := mountT(t, h.dir)
	reader := startReader(m.path(servedName), servedContent())

	for pass := 1; pass <= 2; pass++ {
		start := time.Now()
		_, stderr, code := runCmd(t, 2*time.Minute, nil, "ls", "-lR", m.dir)
		t.Logf("pass %d: ls -lR over %d hostile entries took %v (exit %d)", pass, len(h.entries), time.Since(start).Round(time.Millisecond), code)
		if code != 0 {
			t.Errorf("ls -lR %s exited %d: %s", m.dir, code, firstLines(stderr, 20))
		}
		links, took := readlinkSweep(t, m.dir, 2*time.Minute)
		t.Logf("pass %d: readlink sweep read %d links in %v", pass, links, took)
	}
	checkHostileEntries(t, h, m)

	reads, err := reader.stop()
	t.Logf("%d reads of %s (%d MiB each) were served during the sweeps", reads, servedName, len(servedContent())>>20)
	if err != nil {
		t.Errorf("the plain file stopped being served during the sweeps: %v", err)
	}

	opened := watch.stop(t)
	for _, e := range h.entries {
		if e.neverOpen && opened[e.stored] > 0 {
			t.Errorf("%q was opened %d times by the daemon; special files and huge files must never be", e.stored, opened[e.stored])
		}
	}

	// One warning per malformed entry, however often it was looked at.
	log := m.stderr.String()
	for _, e := range h.entries {
		got := countWarnings(log, e.stored)
		switch {
		case e.malformed && got != 1:
			t.Errorf("%q: %d warnings in the daemon's log, want exactly 1", e.stored, got)
		case !e.malformed && e.kind != shownAny && got != 0:
			t.Errorf("%q: %d warnings in the daemon's log, want none", e.stored, got)
		}
	}
	if hwm := daemonStatus(t, m.cmd.Process.Pid, "VmHWM"); hwm > 256<<10 {
		t.Errorf("the daemon's peak resident memory is %d KiB: something read a huge file", hwm)
	}
	select {
	case <-m.exited:
		t.Fatalf("the daemon exited during the hostile sweep\nstderr:\n%s", firstLines(log, 40))
	default:
	}
}

// checkHostileEntries checks every hostile entry through the mount.
func checkHostileEntries(t *testing.T, h *hostileTree, m *mounted) {
	t.Helper()
	// The type readdir gives (d_type, what find and WalkDir trust) must
	// be the type lstat gives.
	listed := map[string]fs.FileMode{}
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		t.Fatalf("readdir %s: %v", m.dir, err)
	}
	for _, e := range entries {
		listed[e.Name()] = e.Type()
	}
	for _, e := range h.entries {
		name := e.presented()
		dtype, ok := listed[name]
		if !ok {
			t.Errorf("%q (stored as %q) is not listed through the mount", name, e.stored)
		}
		fi, err := os.Lstat(m.path(name))
		if err != nil {
			t.Errorf("%q: lstat through the mount: %v", name, err)
			continue
		}
		if ok && dtype != fi.Mode().Type() {
			t.Errorf("%q: readdir gives type %v, lstat %v", name, dtype, fi.Mode().Type())
		}
		st := fi.Sys().(*syscall.Stat_t)
		typ := st.Mode & unix.S_IFMT
		switch e.kind {
		case shownPlain:
			if typ != unix.S_IFREG {
				t.Errorf("%q: mode %o through the mount, want a regular file", name, st.Mode)
			}
		case shownDir:
			if typ != unix.S_IFDIR {
				t.Errorf("%q: mode %o through the mount, want a directory", name, st.Mode)
			}
		case shownLink:
			if got, err := os.Readlink(m.path(name)); err != nil || got != e.target {
				t.Errorf("%q: readlink %q, %v; want %q", name, got, err, e.target)
			}
		case shownSpecial:
			var src unix.Stat_t
			if err := unix.Lstat(h.path(e.stored), &src); err != nil {
				t.Fatal(err)
			}
			if typ != src.Mode&unix.S_IFMT || st.Rdev != src.Rdev {
				t.Errorf("%q: mode %o rdev %#x through the mount, want %o %#x as on the source", name, st.Mode, st.Rdev, src.Mode, src.Rdev)
			}
		case shownAny:
			target, _ := os.Readlink(m.path(name))
			t.Logf("%q: shown with mode %o, target %q", name, st.Mode, target)
		}
		if e.behindNTFS3G {
			_, err := os.ReadFile(m.path(name))
			t.Logf("%q: reading the plain file shown through the mount: %v", name, err)
		} else if e.kind == shownPlain && e.stored == name && st.Size < 1<<20 {
			want, err := os.ReadFile(h.path(e.stored))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(m.path(name)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%q: read through the mount: %d bytes, %v; want the %d stored bytes", name, len(got), err, len(want))
			}
		}
	}
	checkChains(t, h, m)
}

// checkChains resolves the loops and chains through the mount: the kernel
// gives up with ELOOP, the daemon never loops itself.
func checkChains(t *testing.T, h *hostileTree, m *mounted) {
	t.Helper()
	if _, err := os.Lstat(h.path("loop-a")); err != nil {
		return // not the plain tree
	}
	for _, name := range []string{"loop-a", "loop-self", "cloop-a", "cloop-self", "native-chain-000", "cookie-chain-000"} {
		if _, err := os.ReadFile(m.path(name)); !errors.Is(err, unix.ELOOP) {
			t.Errorf("read through %s: %v, want ELOOP", name, err)
		}
	}
	for _, prefix := range []string{"native-chain-", "cookie-chain-"} {
		name := fmt.Sprintf("%s%03d", prefix, chainDepth-30)
		if got, err := os.ReadFile(m.path(name)); err != nil || string(got) != "end of "+prefix {
			t.Errorf("read through %s (30 links): %q, %v", name, got, err)
		}
	}
}

// readlinkSweep walks the mount without following links and reads every
// link, in a goroutine bounded by timeout. It returns the number of links
// read and the time the sweep took.
func readlinkSweep(t *testing.T, root string, timeout time.Duration) (int, time.Duration) {
	t.Helper()
	var links int
	var failures []string
	took := within(t, timeout, "readlink sweep of "+root, func() {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				failures = append(failures, fmt.Sprintf("walk %q: %v", p, err))
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if _, err := os.Readlink(p); err != nil {
					failures = append(failures, fmt.Sprintf("readlink %q: %v", p, err))
				}
				links++
			}
			return nil
		})
	})
	for _, f := range failures {
		t.Error(f)
	}
	return links, took
}

// within runs fn in a goroutine and fails the test when it has not
// returned after timeout (a hung daemon). fn must not touch t: after a
// timeout it outlives the test. It returns how long fn took.
func within(t *testing.T, timeout time.Duration, what string, fn func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return time.Since(start).Round(time.Millisecond)
	case <-time.After(timeout):
		t.Fatalf("%s did not finish within %v", what, timeout)
		return 0
	}
}

// servedReader reads one file through the mount over and over, checking
// its content, until stopped.
type servedReader struct {
	reads atomic.Int64
	quit  chan struct{}
	done  chan error
}

func startReader(path string, want []byte) *servedReader {
	r := &servedReader{quit: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		for {
			select {
			case <-r.quit:
				r.done <- nil
				return
			default:
			}
			got, err := os.ReadFile(path)
			if err == nil && !bytes.Equal(got, want) {
				err = fmt.Errorf("read %d bytes that differ from the %d stored", len(got), len(want))
			}
			if err != nil {
				r.done <- fmt.Errorf("read %d of %s: %w", r.reads.Load()+1, path, err)
				return
			}
			r.reads.Add(1)
		}
	}()
	return r
}

// stop ends the reader (bounded: a hung read fails the caller's test
// through the error) and returns how many reads succeeded.
func (r *servedReader) stop() (int64, error) {
	close(r.quit)
	select {
	case err := <-r.done:
		return r.reads.Load(), err
	case <-time.After(time.Minute):
		return r.reads.Load(), errors.New("a read hung for a minute")
	}
}

// openWatch records which entries of one directory are opened or read,
// through inotify: it sees the daemon's opens on the source whatever the
// file system (fsnotify sits in the VFS, ntfs-3g's FUSE mount included).
type openWatch struct {
	f *os.File
}

func watchOpens(t *testing.T, dir string) *openWatch {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_OPEN|unix.IN_ACCESS); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	w := &openWatch{f: os.NewFile(uintptr(fd), "inotify")}
	// The watch must see an open, or its silence proves nothing.
	probe := filepath.Join(dir, "watch-probe")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := w.drain(t); got["watch-probe"] == 0 {
		t.Fatalf("inotify on %s did not report opening watch-probe (saw %v)", dir, got)
	}
	if err := os.Remove(probe); err != nil {
		t.Fatal(err)
	}
	return w
}

// drain reads the events queued so far and counts them per name.
func (w *openWatch) drain(t *testing.T) map[string]int {
	t.Helper()
	counts := map[string]int{}
	buf := make([]byte, 64<<10)
	for {
		w.f.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := w.f.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return counts
		}
		if err != nil {
			t.Fatalf("read inotify events: %v", err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := string(bytes.TrimRight(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+nameLen], "\x00"))
			if mask&unix.IN_Q_OVERFLOW != 0 {
				t.Fatal("inotify queue overflowed: opens may have been missed")
			}
			counts[name]++
			off += unix.SizeofInotifyEvent + nameLen
		}
	}
}

// stop returns the opens and reads seen since the watch started.
func (w *openWatch) stop(t *testing.T) map[string]int {
	t.Helper()
	defer w.f.Close()
	return w.drain(t)
}

// countWarnings counts the daemon's warning lines naming the entry rel.
func countWarnings(log, rel string) int {
	key := "path=" + strconv.Quote(rel)
	if !needsQuoting(rel) {
		key = "path=" + rel
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "level=WARN") && (strings.Contains(line, key+" ") || strings.HasSuffix(line, key)) {
			n++
		}
	}
	return n
}

// needsQuoting mirrors log/slog's text handler: values with spaces,
// quotes, '=' or non-printable bytes are quoted.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == '=' || r == '"' || r >= 0x7f || r == '\\' {
			return true
		}
	}
	return false
}

// daemonStatus returns one kB field (VmHWM, VmRSS...) of /proc/PID/status.
func daemonStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s in /proc/%d/status: %q", field, pid, line)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// firstLines returns at most n lines of s, for readable failures.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines[n] = "..."
	}
	return strings.Join(lines, "\n")
}

// sha is a content checksum, printed short.
func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%x", sum[:8])
}

// fdCount returns how many descriptors process pid holds open.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}
