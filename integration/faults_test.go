//go:build linux

package integration

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
	"golang.org/x/sys/unix"
)

// Faults: the source changes or disappears under the mount, or fills up.
// A daemon killed with SIGKILL and recovered with `linkfs unmount` is
// TestLifecycleKill9's (lifecycle_test.go), idle and with a file open.

// faultCacheTimeout is the --cache-timeout of the fault mounts: short, so
// that the wait for a change stays short too.
const faultCacheTimeout = 300 * time.Millisecond

// changeSlack is added to the cache timeout when waiting for a change to
// show: the scheduling of this test and the daemon, not a speed target.
const changeSlack = time.Second

// observe describes what the mount shows at p, in one comparable string:
// "link:TARGET", "file:SHA", "dir", "missing" or "error:ERRNO". It takes
// two system calls (lstat, then readlink or read); when the source changes
// between them the second call sees the new type (EINVAL from readlink,
// ELOOP from open), and p is observed once more.
func observe(p string) string {
	state, torn := observeOnce(p)
	if torn {
		state, _ = observeOnce(p)
	}
	return state
}

func observeOnce(p string) (state string, torn bool) {
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "missing", false
	case err != nil:
		return "error:" + err.Error(), false
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return "error:" + err.Error(), errors.Is(err, unix.EINVAL)
		}
		return "link:" + target, false
	case fi.IsDir():
		return "dir", false
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "error:" + err.Error(), errors.Is(err, unix.ELOOP)
	}
	return "file:" + sha(data), false
}

func fileState(data []byte) string { return "file:" + sha(data) }

// awaitChange polls p until it shows want. Until then it may show only
// old: anything else is a wrong state, never acceptable even briefly. It
// fails when want does not show within the cache timeout (plus slack), and
// returns how long the change took to show.
func awaitChange(t *testing.T, p, old, want string) time.Duration {
	t.Helper()
	start := time.Now()
	wrong := map[string]int{}
	defer func() {
		for state, n := range wrong {
			t.Errorf("%s showed %q (%d times) while changing from %q to %q", p, state, n, old, want)
		}
	}()
	for {
		got := observe(p)
		if got == want {
			return time.Since(start).Round(time.Millisecond)
		}
		if got != old {
			wrong[got]++
		}
		if time.Since(start) > faultCacheTimeout+changeSlack {
			t.Fatalf("%s still shows %q %v after the source changed to %q (--cache-timeout %v)", p, got, time.Since(start), want, faultCacheTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sourceWriter makes links on one kind of source.
type sourceWriter struct {
	dir      string
	makeLink func(t *testing.T, name, target string) // a new link in dir
}

func (w *sourceWriter) path(name string) string { return filepath.Join(w.dir, name) }

// TestFaultSourceChanges changes the source directly under the mount: a
// link rewritten, a file replaced by a link and back, a directory removed.
// Each change shows within the cache timeout, and nothing but the old or
// the new state shows meanwhile. The content-format case (a cookie
// rewritten) is TestMountSeesSourceChanges's.
func TestFaultSourceChanges(t *testing.T) { testSourceChangesOnEachSource(t) }

// testSourceChangesOnEachSource runs testSourceChanges with args on an
// ntfs-3g image (links as NTFS symlinks) and on a plain directory.
func testSourceChangesOnEachSource(t *testing.T, args ...string) {
	requireFUSE(t)
	t.Run("ntfs-3g", func(t *testing.T) {
		n := testenv.NewNTFS(t)
		testSourceChanges(t, &sourceWriter{dir: n.Dir, makeLink: func(t *testing.T, name, target string) {
			p := filepath.Join(n.Dir, name)
			writeFile(t, p, nil)
			setXattr(t, p, "system.ntfs_reparse_data", symlinkReparse(strings.ReplaceAll(target, "/", `\`), strings.ReplaceAll(target, "/", `\`), true))
		}}, args...)
	})
	t.Run("plain", func(t *testing.T) {
		dir := t.TempDir()
		testSourceChanges(t, &sourceWriter{dir: dir, makeLink: func(t *testing.T, name, target string) {
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}}, args...)
	})
}

// testSourceChanges mounts with args, by default a short cache timeout
// and no watch: the changes then show only because the caches expire.
func testSourceChanges(t *testing.T, w *sourceWriter, args ...string) {
	if err := os.MkdirAll(w.path("docs/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte("first content\n")
	writeFile(t, w.path("docs/sub/a.txt"), data)
	w.makeLink(t, "link", "docs/a")
	writeFile(t, w.path("swap"), data)
	if args == nil {
		args = []string{"--watch=false", "--cache-timeout", faultCacheTimeout.String()}
	}
	m := mountT(t, w.dir, args...)
	faults := 0

	// A link rewritten.
	awaitChange(t, m.path("link"), "", "link:docs/a")
	if err := os.Remove(w.path("link")); err != nil {
		t.Fatal(err)
	}
	w.makeLink(t, "link", "docs/b")
	faults++
	t.Logf("a rewritten link showed after %v", awaitChange(t, m.path("link"), "link:docs/a", "link:docs/b"))

	// A file replaced by a link, and back.
	awaitChange(t, m.path("swap"), "", fileState(data))
	if err := os.Remove(w.path("swap")); err != nil {
		t.Fatal(err)
	}
	w.makeLink(t, "swap", "docs/sub/a.txt")
	faults++
	t.Logf("a file replaced by a link showed after %v", awaitChange(t, m.path("swap"), fileState(data), "link:docs/sub/a.txt"))
	if err := os.Remove(w.path("swap")); err != nil {
		t.Fatal(err)
	}
	other := []byte("second content\n")
	writeFile(t, w.path("swap"), other)
	faults++
	t.Logf("a link replaced by a file showed after %v", awaitChange(t, m.path("swap"), "link:docs/sub/a.txt", fileState(other)))

	// A directory removed, while the mount knows it and a file in it.
	awaitChange(t, m.path("docs/sub/a.txt"), "", fileState(data))
	// A file just read through the mount stays open in the daemon until the
	// kernel's asynchronous RELEASE arrives; meanwhile ntfs-3g's kernel
	// client hides an unlinked open file as .fuse_hidden*, so the first
	// rmdir can find the directory not empty.
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := os.RemoveAll(w.path("docs"))
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ENOTEMPTY) || time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	faults++
	t.Logf("a removed directory showed after %v", awaitChange(t, m.path("docs"), "dir", "missing"))
	awaitChange(t, m.path("docs/sub/a.txt"), "missing", "missing")
	if entries, err := os.ReadDir(m.dir); err != nil || len(entries) != 2 {
		t.Errorf("the mount root lists %v, %v; want link and swap", entries, err)
	}
	t.Logf("%d source changes injected", faults)
}

// ntfs3gPid returns the pid of the ntfs-3g process serving img.
func ntfs3gPid(t *testing.T, img string) int {
	t.Helper()
	procs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 1 && strings.HasSuffix(args[0], "ntfs-3g") && strings.Contains(string(cmdline), img) {
			return pid
		}
	}
	t.Fatalf("no ntfs-3g process serves %s", img)
	return 0
}

// opError is the outcome of one operation through a mount whose source is
// gone: it must fail, and fail with the source's own errno.
type opError struct {
	name string
	err  error
}

// opsOnDeadSource runs every kind of operation through the mount, each
// bounded by a timeout, and returns their errors.
func opsOnDeadSource(t *testing.T, m *mounted) []opError {
	t.Helper()
	var results []opError
	ops := []struct {
		name string
		do   func() error
	}{
		{"stat", func() error { _, err := os.Stat(m.path("hello.txt")); return err }},
		{"read", func() error { _, err := os.ReadFile(m.path("hello.txt")); return err }},
		{"readlink", func() error { _, err := os.Readlink(m.path("link")); return err }},
		{"readdir", func() error { _, err := os.ReadDir(m.path("docs")); return err }},
		{"create", func() error { return os.WriteFile(m.path("new.txt"), []byte("x"), 0o644) }},
		{"mkdir", func() error { return os.Mkdir(m.path("newdir"), 0o755) }},
		{"symlink", func() error { return os.Symlink("hello.txt", m.path("newlink")) }},
		{"rename", func() error { return os.Rename(m.path("hello.txt"), m.path("renamed.txt")) }},
		{"unlink", func() error { return os.Remove(m.path("hello.txt")) }},
	}
	for _, op := range ops {
		var err error
		within(t, 30*time.Second, op.name+" through a mount whose source is gone", func() { err = op.do() })
		results = append(results, opError{op.name, err})
	}
	return results
}

// TestFaultSourceGone takes the source away under a serving mount. Every
// operation must then fail promptly with the source's own error, and the
// daemon must still exit cleanly on SIGTERM and leave no mount behind.
func TestFaultSourceGone(t *testing.T) {
	requireFUSE(t)
	populate := func(t *testing.T, dir string) {
		if err := os.Mkdir(filepath.Join(dir, "docs"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "hello.txt"), []byte(helloText))
		writeFile(t, filepath.Join(dir, "link"), cookie("hello.txt"))
	}
	t.Run("ntfs-3g unmounted and killed", func(t *testing.T) {
		n := testenv.NewNTFS(t)
		populate(t, n.Dir)
		setXattr(t, filepath.Join(n.Dir, "link"), "system.ntfs_attrib", le32(dosSystem))
		m := mountT(t, n.Dir, "--cache-timeout", faultCacheTimeout.String())
		checkHello(t, m.dir)
		pid := ntfs3gPid(t, n.Img)
		// A lazy unmount only detaches ntfs-3g from the namespace: the
		// daemon's descriptor keeps the volume alive and served.
		if err := unix.Unmount(n.Dir, unix.MNT_DETACH); err != nil {
			t.Fatal(err)
		}
		_, err := os.ReadFile(m.path("hello.txt"))
		t.Logf("read through linkfs after ntfs-3g was detached lazily: %v", err)
		// Now the volume's server dies: the source is unreachable.
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * faultCacheTimeout) // let the kernel's cached entries expire
		checkDeadSource(t, m, unix.ENOTCONN)
	})
	t.Run("source directory deleted", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "src")
		if err := os.Mkdir(src, 0o755); err != nil {
			t.Fatal(err)
		}
		populate(t, src)
		m := mountT(t, src, "--cache-timeout", faultCacheTimeout.String())
		checkHello(t, m.dir)
		if err := os.RemoveAll(src); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * faultCacheTimeout)
		checkDeadSource(t, m, unix.ENOENT)
	})
}

// checkDeadSource checks that every operation fails with want, then that
// SIGTERM ends the daemon with exit 0 and no mount left.
func checkDeadSource(t *testing.T, m *mounted, want syscall.Errno) {
	t.Helper()
	for _, r := range opsOnDeadSource(t, m) {
		t.Logf("%s: %v", r.name, r.err)
		if !errors.Is(r.err, want) {
			t.Errorf("%s through a mount whose source is gone: %v, want %v", r.name, r.err, want)
		}
	}
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, ok := m.wait(10 * time.Second)
	if !ok {
		t.Fatalf("the daemon did not exit within 10s of SIGTERM\nstderr:\n%s", m.stderr)
	}
	if code != 0 {
		t.Errorf("the daemon exited %d after SIGTERM, want 0\nstderr:\n%s", code, m.stderr)
	}
	checkNotMounted(t, m.dir)
}

// ntfsCreateFormats are the --create formats an NTFS volume holds.
var ntfsCreateFormats = []string{"ntfs", "lx", "nfs", "cygwin", "cygwin-shortcut", "mfsymlink", "interix"}

// storedName is the source name of a link created as name in format.
func storedName(format, name string) string {
	if format == "cygwin-shortcut" {
		return name + ".lnk"
	}
	return name
}

// TestFaultENOSPC fills a small NTFS volume through linkfs, writing files
// and creating links in every format NTFS holds, until it is full. Every
// failure must be ENOSPC and leave nothing half-made, and everything
// stored before must read back intact, raw bytes included, after ntfs-3g
// reloads the volume from disk.
func TestFaultENOSPC(t *testing.T) {
	requireFUSE(t)
	n := testenv.NewNTFSSize(t, 8<<20)
	if err := os.Mkdir(filepath.Join(n.Dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(n.Dir, "docs", "readme.txt"), []byte(readme))

	// Before: one file and one link per format, written through linkfs.
	files := map[string][]byte{} // source name -> content
	var links []string           // source names
	for _, format := range ntfsCreateFormats {
		m := mountT(t, n.Dir, "--create", format)
		data := make([]byte, 64<<10)
		rand.Read(data)
		name := "before-" + format + ".bin"
		if err := os.WriteFile(m.path(name), data, 0o644); err != nil {
			t.Fatalf("write %s through linkfs: %v", name, err)
		}
		files[name] = data
		if err := os.Symlink("docs/readme.txt", m.path("before-"+format)); err != nil {
			t.Fatalf("--create %s: ln -s: %v", format, err)
		}
		links = append(links, storedName(format, "before-"+format))
		m.stop(t)
	}
	n.Remount(t)
	before := inspect(t, sourcePaths(n.Dir, links)...)

	// Fill the volume with data through linkfs.
	faults := 0
	m := mountT(t, n.Dir)
	filled, err := fillFile(m.path("filler.bin"))
	faults++
	t.Logf("filled the volume with %d KiB through linkfs: %v", filled>>10, err)
	if !errors.Is(err, unix.ENOSPC) {
		t.Errorf("writing past the end of the volume: %v, want ENOSPC", err)
	}
	m.stop(t)

	// Then links in every format until they fail too.
	var made []string // source names of links created on the full volume
	for _, format := range ntfsCreateFormats {
		m := mountT(t, n.Dir, "--create", format)
		var lastErr error
		count := 0
		for i := range 3000 {
			name := fmt.Sprintf("full-%s-%d", format, i)
			if lastErr = os.Symlink("docs/readme.txt", m.path(name)); lastErr != nil {
				faults++
				if _, err := os.Lstat(filepath.Join(n.Dir, storedName(format, name))); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("--create %s: the failed link %s was left on the source: %v", format, name, err)
				}
				break
			}
			made = append(made, storedName(format, name))
			count++
		}
		t.Logf("--create %s: %d links created on the full volume, then: %v", format, count, lastErr)
		if !errors.Is(lastErr, unix.ENOSPC) {
			t.Errorf("--create %s: creating a link on a full volume: %v, want ENOSPC", format, lastErr)
		}
		err := os.WriteFile(m.path("more-"+format+".bin"), make([]byte, 64<<10), 0o644)
		faults++
		if !errors.Is(err, unix.ENOSPC) {
			t.Errorf("--create %s: writing a file on a full volume: %v, want ENOSPC", format, err)
		}
		m.stop(t)
	}
	t.Logf("%d ENOSPC faults injected", faults)

	// After: from the disk, everything stored before is intact, and every
	// link that was created reads back.
	n.Remount(t)
	for name, data := range files {
		got, err := os.ReadFile(filepath.Join(n.Dir, name))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s after filling the volume: %d bytes (%s), %v; want %d bytes (%s)", name, len(got), sha(got), err, len(data), sha(data))
		}
	}
	after := inspect(t, sourcePaths(n.Dir, links)...)
	for _, name := range links {
		b, a := before[name], after[name]
		if a.Format != b.Format || a.Target != b.Target || a.Raw != b.Raw || a.Error != "" {
			t.Errorf("%s after filling the volume: %s -> %q (raw %s, %s); before: %s -> %q (raw %s)", name, a.Format, a.Target, a.Raw, a.Error, b.Format, b.Target, b.Raw)
		}
	}
	if len(made) > 0 {
		for name, r := range inspect(t, sourcePaths(n.Dir, made)...) {
			if r.Target != "docs/readme.txt" || r.Error != "" {
				t.Errorf("%s, created on the full volume: %s -> %q (%s)", name, r.Format, r.Target, r.Error)
			}
		}
	}
}

func sourcePaths(dir string, names []string) []string {
	paths := make([]string, len(names))
	for i, name := range names {
		paths[i] = filepath.Join(dir, name)
	}
	return paths
}

// fillFile writes to path until a write fails, and returns how many bytes
// were written and the error that stopped it.
func fillFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	chunk := bytes.Repeat([]byte("filler. "), 8<<10)
	var total int64
	for {
		n, err := f.Write(chunk)
		total += int64(n)
		if err != nil {
			f.Close()
			return total, err
		}
	}
}
