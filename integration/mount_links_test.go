//go:build linux

package integration

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// wantLink is what one entry must look like through the mount.
type wantLink struct {
	target string // readlink through the mount; "" means not a symlink
	reads  string // content read through the link, when it resolves
}

func checkMountedLinks(t *testing.T, mnt string, want map[string]wantLink) {
	t.Helper()
	for name, w := range want {
		p := filepath.Join(mnt, name)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			t.Errorf("%s: lstat: %v", name, err)
			continue
		}
		isLink := st.Mode&unix.S_IFMT == unix.S_IFLNK
		if w.target == "" {
			if isLink {
				got, _ := os.Readlink(p)
				t.Errorf("%s: is a symlink to %q, want a plain entry", name, got)
			}
			continue
		}
		if !isLink {
			t.Errorf("%s: mode %o, want a symlink to %q", name, st.Mode, w.target)
			continue
		}
		got, err := os.Readlink(p)
		if err != nil || got != w.target {
			t.Errorf("%s: readlink %q, %v; want %q", name, got, err, w.target)
		}
		if st.Size != int64(len(w.target)) {
			t.Errorf("%s: st_size %d, want %d", name, st.Size, len(w.target))
		}
		if w.reads != "" {
			if data, err := os.ReadFile(p); err != nil || string(data) != w.reads {
				t.Errorf("%s: reading through the link: %q, %v; want %q", name, data, err, w.reads)
			}
		}
	}
	// ls -l: the listing shows every presented name, with its type.
	entries, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatalf("readdir: %v", err)
	}
	listed := map[string]os.FileMode{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Errorf("ls -l %s: %v", e.Name(), err)
			continue
		}
		listed[e.Name()] = info.Mode().Type()
	}
	for name, w := range want {
		if strings.Contains(name, "/") {
			continue
		}
		mode, ok := listed[name]
		if !ok {
			t.Errorf("%s: not listed by readdir", name)
		} else if (mode&os.ModeSymlink != 0) != (w.target != "") {
			t.Errorf("%s: listed with type %v", name, mode)
		}
	}
}

const readme = "hello from docs\n"

// writeReparseLinks writes a link of every reparse format on an ntfs-3g
// volume: LX with ntfs-3g's own writer, the others as raw reparse data.
func writeReparseLinks(t *testing.T, dir string) {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	if err := os.Mkdir(p("docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p("docs/readme.txt"), []byte(readme))
	testenv.Run(t, "ln", "-s", "docs/readme.txt", p("lx-rel"))
	testenv.Run(t, "ln", "-s", "/mnt/c/Windows", p("lx-abs"))
	for name, raw := range map[string][]byte{
		"ntfs-rel": symlinkReparse(`docs\readme.txt`, `docs\readme.txt`, true),
		"ntfs-abs": symlinkReparse(`\??\C:\Program Files`, `C:\Program Files`, false),
		"ntfs-unc": symlinkReparse(`\??\UNC\srv\share`, `\\srv\share`, false),
		"nfs-link": nfsReparse(0x014B4E4C, utf16le("docs/readme.txt")),
	} {
		writeFile(t, p(name), nil)
		setXattr(t, p(name), "system.ntfs_reparse_data", raw)
	}
	if err := os.Mkdir(p("junction"), 0o755); err != nil {
		t.Fatal(err)
	}
	setXattr(t, p("junction"), "system.ntfs_reparse_data", mountPointReparse(`\??\C:\Users`, `C:\Users`))
	// Malformed: an NFS link whose UTF-16 target has an odd length
	// (ntfs-3g validates the other link tags itself and refuses bad ones).
	writeFile(t, p("bad-reparse"), nil)
	setXattr(t, p("bad-reparse"), "system.ntfs_reparse_data", nfsReparse(0x014B4E4C, []byte("ABC")))
}

// writeContentLinks writes a link of every content format; attrs adds the
// DOS attributes Cygwin requires (on NTFS).
func writeContentLinks(t *testing.T, dir string, attrs bool) {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	system, readOnly := []uint32{}, []uint32{}
	if attrs {
		system, readOnly = []uint32{dosSystem}, []uint32{dosReadOnly}
	}
	writeFile(t, p("cookie"), cookie("docs/readme.txt"), system...)
	writeFile(t, p("cookie-abs"), cookie("/cygdrive/c/Users"), system...)
	writeFile(t, p("music.lnk"), cygwinShortcut("docs", `C:\tree\docs`), readOnly...)
	writeFile(t, p("xsym"), mfSymlink("docs/readme.txt"))
	writeFile(t, p("intx"), interixContent("docs/readme.txt"), system...)
	writeFile(t, p("plain.txt"), []byte("plain text\n"))
	// An Explorer shortcut: a regular file unless --read asks for it.
	writeFile(t, p("explorer.lnk"), realShortcut(t, "microsoft_example.lnk"))
}

// lnkCorpus is the directory of real-world shortcuts, stored as their
// real bytes (see its README).
var lnkCorpus = filepath.Join("..", "translate", "testdata", "lnk")

// realShortcut returns the bytes of a shortcut from lnkCorpus.
func realShortcut(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(lnkCorpus, name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var contentWant = map[string]wantLink{
	"cookie":       {target: "docs/readme.txt", reads: readme},
	"cookie-abs":   {target: "/mnt/c/Users"},
	"music":        {target: "docs"},
	"xsym":         {target: "docs/readme.txt", reads: readme},
	"intx":         {target: "docs/readme.txt", reads: readme},
	"plain.txt":    {},
	"explorer.lnk": {},
	"docs":         {},
}

// TestMountNTFSLinks mounts a real NTFS volume holding every format and
// checks what ls, readlink, stat and reading through the links see.
func TestMountNTFSLinks(t *testing.T) { forEachBackend(t, testMountNTFSLinks) }

func testMountNTFSLinks(t *testing.T, b backend) {
	n := testenv.NewNTFS(t, "special_files=wsl")
	writeReparseLinks(t, n.Dir)
	writeContentLinks(t, n.Dir, true)
	n.Remount(t, "special_files=wsl")
	m := mountT(t, n.Dir, b.args...)
	want := map[string]wantLink{
		"lx-rel":      {target: "docs/readme.txt", reads: readme},
		"lx-abs":      {target: "/mnt/c/Windows"},
		"ntfs-rel":    {target: "docs/readme.txt", reads: readme},
		"ntfs-abs":    {target: "/mnt/c/Program Files"},
		"ntfs-unc":    {target: "//srv/share"},
		"nfs-link":    {target: "docs/readme.txt", reads: readme},
		"junction":    {target: "/mnt/c/Users"},
		"bad-reparse": {},
	}
	for k, v := range contentWant {
		want[k] = v
	}
	checkMountedLinks(t, m.dir, want)
	if log := awaitLog(m, func(log string) bool { return strings.Contains(log, "bad-reparse") }); !strings.Contains(log, "bad-reparse") {
		t.Errorf("no log line names the malformed link:\n%s", log)
	}
}

// TestMountPlainLinks mounts a plain directory (no DOS attributes: content
// decides) and checks the content formats and that plain files pass
// through untouched.
func TestMountPlainLinks(t *testing.T) { forEachBackend(t, testMountPlainLinks) }

func testMountPlainLinks(t *testing.T, b backend) {
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "docs/readme.txt"), []byte(readme))
	writeContentLinks(t, src, false)
	if err := os.Symlink("docs/readme.txt", filepath.Join(src, "native")); err != nil {
		t.Fatal(err)
	}
	m := mountT(t, src, b.args...)
	want := map[string]wantLink{"native": {target: "docs/readme.txt", reads: readme}}
	for k, v := range contentWant {
		want[k] = v
	}
	checkMountedLinks(t, m.dir, want)

	// --read shell-link presents Explorer shortcuts too.
	m2 := mountT(t, src, b.with("--read", "shell-link,cygwin-shortcut")...)
	checkMountedLinks(t, m2.dir, map[string]wantLink{
		"explorer": {target: "/mnt/c/test/a.txt"},
		"music":    {target: "docs"},
		"cookie":   {},
	})

	// The path mapping flags: the style, and a drive map that wins over it.
	m3 := mountT(t, src, b.with("--style", "cygwin", "--read", "shell-link,cygwin-cookie")...)
	checkMountedLinks(t, m3.dir, map[string]wantLink{
		"cookie-abs": {target: "/cygdrive/c/Users"},
		"explorer":   {target: "/cygdrive/c/test/a.txt"},
	})
	m4 := mountT(t, src, b.with("--drive", "C:=/win/c", "--automount-root", "/drives")...)
	checkMountedLinks(t, m4.dir, map[string]wantLink{"cookie-abs": {target: "/win/c/Users"}})
	m5 := mountT(t, src, b.with("--automount-root", "/drives")...)
	checkMountedLinks(t, m5.dir, map[string]wantLink{"cookie-abs": {target: "/drives/c/Users"}})
}

// TestMountPassthrough checks that what is not a link passes through
// untouched: data, permissions, xattrs, timestamps, hard links, locks.
func TestMountPassthrough(t *testing.T) { forEachBackend(t, testMountPassthrough) }

func testMountPassthrough(t *testing.T, b backend) {
	src := t.TempDir()
	m := mountT(t, src, b.args...)
	p := filepath.Join(m.dir, "data.bin")
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	if err := os.WriteFile(p, data, 0o640); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(src, "data.bin")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("source content differs: %v", err)
	}
	if err := os.Chmod(p, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(p, "user.note", []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(p, filepath.Join(m.dir, "hard")); err != nil {
		t.Fatal(err)
	}
	var srcSt, mntSt unix.Stat_t
	if err := unix.Stat(filepath.Join(src, "data.bin"), &srcSt); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(p, &mntSt); err != nil {
		t.Fatal(err)
	}
	if srcSt.Mode&0o7777 != 0o604 || mntSt.Mode&0o7777 != 0o604 {
		t.Errorf("mode: source %o, mount %o; want 604", srcSt.Mode&0o7777, mntSt.Mode&0o7777)
	}
	if srcSt.Nlink != 2 || mntSt.Nlink != 2 || srcSt.Mtim.Sec != mtime.Unix() || mntSt.Mtim.Sec != mtime.Unix() {
		t.Errorf("nlink %d/%d, mtime %d/%d", srcSt.Nlink, mntSt.Nlink, srcSt.Mtim.Sec, mntSt.Mtim.Sec)
	}
	buf := make([]byte, 16)
	if n, err := unix.Getxattr(filepath.Join(src, "data.bin"), "user.note", buf); err != nil || string(buf[:n]) != "kept" {
		t.Errorf("xattr on source: %q, %v", buf[:n], err)
	}
	// A lock taken through the mount conflicts with one taken on the source.
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		t.Fatalf("lock through the mount: %v", err)
	}
	probe := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 1}
	g, err := os.OpenFile(filepath.Join(src, "data.bin"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := unix.FcntlFlock(g.Fd(), unix.F_OFD_GETLK, &probe); err != nil {
		t.Fatal(err)
	}
	if b.locksReachSource && probe.Type != unix.F_WRLCK {
		t.Errorf("lock taken through the mount is not visible on the source")
	}
}

// TestMountCreate creates links through the mount in every --create format
// and checks what is stored on the source, raw, after remounting ntfs-3g.
func TestMountCreate(t *testing.T) { forEachBackend(t, testMountCreate) }

func testMountCreate(t *testing.T, b backend) {
	n := testenv.NewNTFS(t)
	if err := os.Mkdir(filepath.Join(n.Dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(n.Dir, "docs/readme.txt"), []byte(readme))
	type created struct {
		create, name, target string
		format               translate.Format
		stored               string // name on the source
		attr                 uint32 // DOS attribute bits that must be set
		dir                  bool   // stored as a directory (NTFS directory link)
	}
	cases := []created{
		{"ntfs", "ntfs-file", "docs/readme.txt", translate.NTFSSymlink, "ntfs-file", 0x400, false},
		{"ntfs", "ntfs-dir", "docs", translate.NTFSSymlink, "ntfs-dir", 0x400 | 0x10, true},
		{"ntfs", "ntfs-abs", "/mnt/c/Windows", translate.NTFSSymlink, "ntfs-abs", 0x400, false},
		{"lx", "lx", "/usr/share/doc", translate.LXSymlink, "lx", 0x400, false},
		{"nfs", "nfs", "docs/readme.txt", translate.NFSSymlink, "nfs", 0x400, false},
		{"cygwin", "cookie", "docs/readme.txt", translate.CygwinCookie, "cookie", dosSystem, false},
		{"cygwin-shortcut", "music", "docs", translate.CygwinShortcut, "music.lnk", dosReadOnly, false},
		{"mfsymlink", "xsym", "docs/readme.txt", translate.MFSymlink, "xsym", 0, false},
		{"interix", "intx", "docs/readme.txt", translate.Interix, "intx", dosSystem, false},
		{"auto", "auto-win", "/mnt/d/data", translate.NTFSSymlink, "auto-win", 0x400, false},
		{"auto", "auto-linux", "/usr/lib", translate.LXSymlink, "auto-linux", 0x400, false},
	}
	for _, c := range cases {
		m := mountT(t, n.Dir, b.with("--create", c.create)...)
		link := filepath.Join(m.dir, c.name)
		if err := os.Symlink(c.target, link); err != nil {
			t.Errorf("--create %s: ln -s %s: %v", c.create, c.target, err)
			m.stop(t)
			continue
		}
		if got, err := os.Readlink(link); err != nil || got != c.target {
			t.Errorf("--create %s: readlink %q, %v; want %q", c.create, got, err, c.target)
		}
		m.stop(t)
	}
	n.Remount(t)
	for _, c := range cases {
		got := inspect(t, filepath.Join(n.Dir, c.stored))[c.stored]
		if got.Format != string(c.format) || got.Target != c.target {
			t.Errorf("--create %s: stored as %s -> %q (%s), want %s -> %q", c.create, got.Format, got.Target, got.Error, c.format, c.target)
		}
		attr := getAttrib(t, filepath.Join(n.Dir, c.stored))
		if attr&c.attr != c.attr {
			t.Errorf("--create %s: attributes %#x, want %#x set", c.create, attr, c.attr)
		}
	}
	// Formats NTFS cannot hold are refused at mount time.
	if _, stderr, code := linkfs(t, b.mount("--create", "native", n.Dir, t.TempDir())...); code == 0 || !strings.Contains(stderr, "native") {
		t.Errorf("--create native on NTFS: exit %d, %s", code, stderr)
	}
}

// getAttrib reads the DOS attributes ntfs-3g keeps for path.
func getAttrib(t *testing.T, path string) uint32 {
	t.Helper()
	var buf [4]byte
	if _, err := unix.Lgetxattr(path, "system.ntfs_attrib", buf[:]); err != nil {
		t.Fatalf("getxattr %s: %v", path, err)
	}
	return uint32(buf[0]) | uint32(buf[1])<<8 | uint32(buf[2])<<16 | uint32(buf[3])<<24
}

// TestMountModifyLinks checks that rm, mv and ln -sf on a translated link
// act on the stored entry.
func TestMountModifyLinks(t *testing.T) { forEachBackend(t, testMountModifyLinks) }

func testMountModifyLinks(t *testing.T, b backend) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "music.lnk"), cygwinShortcut("old", `C:\old`))
	writeFile(t, filepath.Join(src, "cookie"), cookie("a"))
	writeFile(t, filepath.Join(src, "other.lnk"), cygwinShortcut("x", `C:\x`))
	m := mountT(t, src, b.with("--create", "cygwin")...)
	if err := os.Rename(filepath.Join(m.dir, "music"), filepath.Join(m.dir, "tunes")); err != nil {
		t.Fatalf("mv music tunes: %v", err)
	}
	if _, err := os.Stat(filepath.Join(src, "tunes.lnk")); err != nil {
		t.Errorf("mv of a shortcut: tunes.lnk not on the source: %v", err)
	}
	if err := os.Remove(filepath.Join(m.dir, "other")); err != nil {
		t.Errorf("rm other: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(src, "other.lnk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rm of a shortcut left other.lnk: %v", err)
	}
	testenv.Run(t, "ln", "-sfn", "b", filepath.Join(m.dir, "cookie"))
	if got, err := os.Readlink(filepath.Join(m.dir, "cookie")); err != nil || got != "b" {
		t.Errorf("ln -sf over a cookie: readlink %q, %v", got, err)
	}
	testenv.Run(t, "ln", "-sfn", "new", filepath.Join(m.dir, "tunes"))
	if got, err := os.Readlink(filepath.Join(m.dir, "tunes")); err != nil || got != "new" {
		t.Errorf("ln -sf over a shortcut: readlink %q, %v", got, err)
	}
	if _, err := os.Lstat(filepath.Join(src, "tunes.lnk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ln -sf over a shortcut left the old tunes.lnk: %v", err)
	}
	entries, _ := os.ReadDir(src)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "cookie tunes" {
		t.Errorf("source holds %v, want [cookie tunes]", names)
	}
}

// TestMountSeesSourceChanges rewrites links directly on the source and
// checks the mount shows the change within the cache timeout.
func TestMountSeesSourceChanges(t *testing.T) { forEachBackend(t, testMountSeesSourceChanges) }

func testMountSeesSourceChanges(t *testing.T, b backend) {
	src := t.TempDir()
	p := filepath.Join(src, "link")
	writeFile(t, p, cookie("first"))
	m := mountT(t, src, b.with("--cache-timeout", "200ms")...)
	through := filepath.Join(m.dir, "link")
	waitReadlink := func(want string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for {
			got, err := os.Readlink(through)
			if err == nil && got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("readlink %q, %v; want %q within the cache timeout", got, err, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitReadlink("first")
	writeFile(t, p, cookie("second"))
	waitReadlink("second")
	// A link replaced by a plain file, and back.
	writeFile(t, p, []byte("plain now"))
	deadline := time.Now().Add(2 * time.Second)
	for {
		var st unix.Stat_t
		if err := unix.Lstat(through, &st); err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a link replaced by a file on the source still shows as a link")
		}
		time.Sleep(20 * time.Millisecond)
	}
	writeFile(t, p, cookie("third"))
	waitReadlink("third")
}
