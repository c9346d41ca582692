//go:build linux

package integration

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The claims of SECURITY.md that can be tested here. That other users
// cannot use a mount without --allow-other, and meet the source's
// permissions with it, is TestLifecycleAllowOther's (lifecycle_test.go).

// outsideState describes every entry under dir for before/after
// comparison: type, mode, owner, size, times, content checksum and xattrs.
// Any change the daemon could make shows in it, reads of files included
// (their atime is old, so relatime updates it on a read). A directory's
// atime is left out: taking the snapshot lists it; inotify reports
// listings instead.
func outsideState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s mode=%o uid=%d gid=%d size=%d mtime=%d.%d ctime=%d.%d", p, st.Mode, st.Uid, st.Gid, st.Size,
			st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			fmt.Fprintf(&b, " atime=%d.%d", st.Atim.Sec, st.Atim.Nsec)
			// Read through a descriptor opened with O_NOATIME, so that
			// taking the snapshot does not change it.
			fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOATIME|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			data := make([]byte, st.Size)
			_, err = unix.Pread(fd, data, 0)
			unix.Close(fd)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " sha=%s", sha(data))
		}
		buf := make([]byte, 4096)
		n, err := unix.Llistxattr(p, buf)
		if err != nil {
			return err
		}
		names := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00")
		sort.Strings(names)
		for _, name := range names {
			if name == "" {
				continue
			}
			v := make([]byte, 4096)
			vn, err := unix.Lgetxattr(p, name, v)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %s=%q", name, v[:vn])
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// anyWatch records every inotify event on a set of directories: opens,
// reads, writes, attribute changes, creations, removals, renames.
type anyWatch struct {
	f   *os.File
	wds map[int32]string
}

func watchEverything(t *testing.T, dirs ...string) *anyWatch {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	w := &anyWatch{f: os.NewFile(uintptr(fd), "inotify"), wds: map[int32]string{}}
	for _, dir := range dirs {
		wd, err := unix.InotifyAddWatch(fd, dir, unix.IN_ALL_EVENTS|unix.IN_DONT_FOLLOW)
		if err != nil {
			w.f.Close()
			t.Fatal(err)
		}
		w.wds[int32(wd)] = dir
	}
	return w
}

// events returns the events queued so far as "dir/name: mask" lines,
// leaving out those for which skip returns true.
func (w *anyWatch) events(t *testing.T, skip func(dir, name string) bool) []string {
	t.Helper()
	var out []string
	buf := make([]byte, 64<<10)
	for {
		w.f.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := w.f.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatalf("read inotify events: %v", err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+nameLen]), "\x00")
			off += unix.SizeofInotifyEvent + nameLen
			if mask&unix.IN_Q_OVERFLOW != 0 {
				t.Fatal("inotify queue overflowed: events may have been missed")
			}
			if mask&unix.IN_IGNORED != 0 || skip != nil && skip(w.wds[wd], name) {
				continue
			}
			out = append(out, fmt.Sprintf("%s/%s: %#x", w.wds[wd], name, mask))
		}
	}
}

// raceOps are the operations tried through the mount on an entry whose
// directory (or itself) is being swapped with a symlink out of SOURCE.
// Their errors do not matter; what they touch does.
func raceOps(p string, round int) []func() error {
	dir := filepath.Dir(p)
	tmp := filepath.Join(dir, fmt.Sprintf("new-%d", round))
	return []func() error{
		func() error { _, err := os.ReadFile(p); return err },
		func() error { _, err := os.ReadDir(dir); return err },
		func() error { _, err := os.Lstat(p); return err },
		func() error { _, err := os.Stat(p); return err },
		func() error { return os.Chmod(p, 0o600) },
		func() error { return os.Chmod(dir, 0o700) },
		func() error { return os.Chown(p, 65534, 65534) },
		func() error { return os.Chtimes(p, time.Now(), time.Now()) },
		func() error { return unix.Setxattr(p, "user.canary", []byte("changed"), 0) },
		func() error { return unix.Removexattr(p, "user.canary") },
		func() error { return unix.Setxattr(dir, "user.canary", []byte("changed"), 0) },
		func() error { return os.Truncate(p, 0) },
		func() error {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("written through the mount\n")
			return err
		},
		func() error { return os.WriteFile(tmp, []byte("created"), 0o644) },
		func() error { return os.Rename(tmp, tmp+".renamed") },
		func() error { return os.Rename(p, p+".moved") },
		func() error { return os.Rename(p+".moved", p) },
		func() error { return os.Link(p, tmp+".hard") },
		func() error { return os.Symlink("canary", tmp+".link") },
		func() error { return os.Mkdir(tmp+".dir", 0o755) },
		func() error { return unix.Mkfifo(tmp+".fifo", 0o644) },
		func() error { return os.Remove(filepath.Join(dir, "victim")) },
		func() error { return os.WriteFile(filepath.Join(dir, "victim"), []byte("victim"), 0o644) },
		func() error { return os.Remove(tmp + ".dir") },
	}
}

// TestSecuritySymlinkRace swaps, on the source, a directory and a file
// with symlinks that lead out of SOURCE, as fast as renameat2 can, while
// every kind of operation runs through the mount on them. Nothing outside
// SOURCE may be opened, read, changed, created or removed by the daemon:
// inotify on the outside directories must stay silent, and their every
// attribute (content, mode, owner, times, xattrs) must be unchanged.
//
// The symlinks are relative ("../outside"), and nothing of that name
// exists beside the mount point: when the mount presents one of them as a
// link, the kernel resolving it for the test (as root) finds nothing, so
// whatever reaches the real outside directory came from the daemon.
func TestSecuritySymlinkRace(t *testing.T) {
	requireFUSE(t)
	base := t.TempDir()
	src, outside := filepath.Join(base, "src"), filepath.Join(base, "outside")
	for _, d := range []string{src, outside, filepath.Join(src, "d"), filepath.Join(src, "f"), filepath.Join(outside, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, dir := range []string{outside, filepath.Join(src, "d"), filepath.Join(src, "f")} {
		for _, name := range []string{"canary", "victim", "file"} {
			p := filepath.Join(dir, name)
			writeFile(t, p, []byte(name+" in "+filepath.Base(dir)+"\n"))
			setXattr(t, p, "user.canary", []byte("original"))
		}
	}
	// The directory swapped with a link out, and a file swapped likewise.
	if err := os.Symlink("../outside", filepath.Join(src, "d.swap")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../outside/file", filepath.Join(src, "f", "file.swap")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(outside, "canary"), filepath.Join(outside, "victim"), filepath.Join(outside, "file"), filepath.Join(outside, "sub"), outside} {
		if err := os.Chtimes(p, old, old.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	before := outsideState(t, outside)

	m := mountT(t, src)
	if _, err := os.Lstat(filepath.Join(filepath.Dir(m.dir), "outside")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an outside directory exists beside the mount point: %v", err)
	}
	watch := watchEverything(t, outside, filepath.Join(outside, "sub"))

	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	for _, pair := range [][2]string{{"d", "d.swap"}, {"f/file", "f/file.swap"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := filepath.Join(src, pair[0]), filepath.Join(src, pair[1])
			for {
				select {
				case <-stop:
					return
				default:
				}
				// ENOENT: the mount has the entry renamed away for a moment.
				err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
				switch {
				case err == nil:
					swaps.Add(1)
				case !errors.Is(err, unix.ENOENT):
					t.Errorf("swap %s and %s: %v", a, b, err)
					return
				}
			}
		}()
	}
	ops, failed := 0, 0
	const rounds = 100
	within(t, 2*time.Minute, "operations racing symlink swaps", func() {
		for round := range rounds {
			for _, p := range []string{m.path("d", "canary"), m.path("f", "file")} {
				for _, op := range raceOps(p, round) {
					ops++
					if op() != nil {
						failed++
					}
				}
			}
		}
	})
	close(stop)
	wg.Wait()
	t.Logf("%d operations through the mount (%d failed, most while a swap was in place) against %d symlink swaps on the source", ops, failed, swaps.Load())

	if events := watch.events(t, nil); len(events) > 0 {
		t.Errorf("something outside SOURCE was touched during the race (%d inotify events):\n%s", len(events), firstLines(strings.Join(events, "\n"), 30))
	}
	watch.f.Close()
	if after := outsideState(t, outside); after != before {
		t.Errorf("the outside directory changed during the race\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestSecurityDotDotNames checks that names cannot climb out of SOURCE or
// pose as "." and "..": a shortcut stored as "..lnk" or "...lnk" would be
// presented as "." or ".." by dropping the suffix, which the listing must
// never show (the kernel answers those names itself, so the entry would be
// unreachable); it keeps its stored name. Names and targets with ".."
// created through the mount land inside SOURCE, and nothing beside SOURCE
// is touched.
func TestSecurityDotDotNames(t *testing.T) {
	requireFUSE(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"..lnk", "...lnk"} {
		writeFile(t, filepath.Join(src, name), cygwinShortcut("target", `C:\target`))
	}
	watch := watchEverything(t, base)

	m := mountT(t, src)
	names := rawNames(t, m.dir)
	if names["."] != 1 || names[".."] != 1 {
		t.Errorf("the mount root lists \".\" %d times and \"..\" %d times, want once each", names["."], names[".."])
	}
	for _, stored := range []string{"..lnk", "...lnk"} {
		if names[stored] != 1 {
			t.Errorf("the shortcut %q is listed %d times under its stored name, want once (listing: %q)", stored, names[stored], keys(names))
		}
		if _, err := os.Lstat(m.path(stored)); err != nil {
			t.Errorf("lstat %q: %v", stored, err)
		}
	}
	m.stop(t)

	for _, create := range []string{"native", "cygwin", "cygwin-shortcut", "mfsymlink", "interix"} {
		m := mountT(t, src, "--create", create)
		up := strings.Repeat("../", 8) + "etc/passwd"
		for _, name := range []string{"..a", "a..", "...", "...." + create} {
			link := name + "-link-" + create
			if err := os.Symlink(up, m.path(link)); err != nil {
				t.Errorf("--create %s: ln -s %s %s: %v", create, up, link, err)
			} else if got, err := os.Readlink(m.path(link)); err != nil || got != up {
				t.Errorf("--create %s: readlink %s: %q, %v; want %q", create, link, got, err, up)
			}
			if create == "native" {
				if err := os.WriteFile(m.path(name), []byte("inside"), 0o644); err != nil {
					t.Errorf("create %q through the mount: %v", name, err)
				}
				if err := os.Mkdir(m.path(name+".d"), 0o755); err != nil {
					t.Errorf("mkdir %q through the mount: %v", name+".d", err)
				}
			}
		}
		m.stop(t)
	}
	for _, name := range []string{"..a", "a..", "...", "..a.d", "a...d", "....d"} {
		if _, err := os.Lstat(filepath.Join(src, name)); err != nil {
			t.Errorf("%q created through the mount is not inside SOURCE: %v", name, err)
		}
	}
	// Beside SOURCE only SOURCE itself may show events (the daemon opens
	// its root).
	if events := watch.events(t, func(dir, name string) bool { return name == "src" }); len(events) > 0 {
		t.Errorf("entries beside SOURCE were touched:\n%s", strings.Join(events, "\n"))
	}
	watch.f.Close()
	entries, err := os.ReadDir(base)
	if err != nil || len(entries) != 1 {
		t.Errorf("beside SOURCE: %v, %v; want src alone", entries, err)
	}
}

// rawNames counts the names getdents returns for dir, "." and ".."
// included (os.ReadDir drops them).
func rawNames(t *testing.T, dir string) map[string]int {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	names := map[string]int{}
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			t.Fatalf("getdents %s: %v", dir, err)
		}
		if n == 0 {
			return names
		}
		for off := 0; off < n; {
			reclen := int(binary.NativeEndian.Uint16(buf[off+16:]))
			name := strings.TrimRight(string(buf[off+19:off+reclen]), "\x00")
			names[name]++
			off += reclen
		}
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSecurityTargetNotFollowed checks that the daemon never follows a
// translated target itself: links to a root-only file outside SOURCE (and
// to /etc/shadow) are only text to it, so when uid 65534 reads through
// them on an --allow-other mount, the kernel resolves the target as that
// user and refuses with EACCES. Root, reading the same links, gets the
// file: the links do lead there, and only the caller's rights stop nobody.
func TestSecurityTargetNotFollowed(t *testing.T) {
	requireFUSE(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(base, "secret")
	if err := os.WriteFile(secret, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{"secret": secret}
	if fi, err := os.Stat("/etc/shadow"); err == nil && fi.Mode().Perm()&0o004 == 0 {
		targets["shadow"] = "/etc/shadow"
	}
	var links []string
	for what, target := range targets {
		for format, data := range map[string][]byte{"cookie": cookie(target), "xsym": mfSymlink(target), "intx": interixContent(target)} {
			name := what + "-" + format
			writeFile(t, filepath.Join(src, name), data)
			links = append(links, name)
		}
		name := what + "-native"
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
		links = append(links, name)
	}
	sort.Strings(links)
	traversable(t, src)
	m := mountT(t, src, "--allow-other")
	traversable(t, filepath.Dir(m.dir))

	for _, name := range links {
		target := targets[strings.SplitN(name, "-", 2)[0]]
		if out, stderr, code := asNobody(t, "readlink", m.path(name)); code != 0 || strings.TrimSpace(out) != target {
			t.Errorf("uid 65534 readlink %s: exit %d, %q, %s; want %q", name, code, out, stderr, target)
		}
		if out, stderr, code := asNobody(t, "cat", m.path(name)); code == 0 || !strings.Contains(stderr, "Permission denied") {
			t.Errorf("uid 65534 cat %s (-> %s): exit %d, %q, %s; want permission denied", name, target, code, out, stderr)
		}
		want, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(m.path(name)); err != nil || string(got) != string(want) {
			t.Errorf("root reading through %s: %v; want the content of %s", name, err, target)
		}
	}
}
