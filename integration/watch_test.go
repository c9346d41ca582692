//go:build linux

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
	"golang.org/x/sys/unix"
)

// The mount watches its source and drops the kernel's caches when the
// source changes, so it can let the kernel cache everything else for an
// hour (--watch-timeout). These tests mount with both timeouts at an hour:
// a change on the source can then only show through the watch, and must
// show at once (within changeSlack, the scheduling of this test).

// longCache are mount flags under which nothing expires during a test.
var longCache = []string{"--cache-timeout", "1h", "--watch-timeout", "1h"}

// TestWatchSourceChanges runs the fault test's source changes (a link
// rewritten, a file replaced by a link and back, a directory removed)
// under caches that never expire, on ntfs-3g and on a plain directory.
func TestWatchSourceChanges(t *testing.T) { testSourceChangesOnEachSource(t, longCache...) }

// anyState is the old state of a change made in place (truncate, then
// write): a reader of the source itself may see it half done, so the
// mount may show it too.
const anyState = "\x00any"

// awaitView polls view until it returns want; until then it may return
// only old. It fails when want does not show within changeSlack.
func awaitView(t *testing.T, what string, view func() string, old, want string) {
	t.Helper()
	start := time.Now()
	for {
		got := view()
		if got == want {
			return
		}
		if got != old && old != anyState {
			t.Errorf("%s showed %q while changing from %q to %q", what, got, old, want)
			old = got // report each wrong state once
		}
		if time.Since(start) > changeSlack {
			t.Fatalf("%s still shows %q %v after the source changed to %q", what, got, time.Since(start), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func listing(dir string) func() string {
	return func() string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "error:" + err.Error()
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return strings.Join(names, " ")
	}
}

func lstatView(p string, show func(*unix.Stat_t) string) func() string {
	return func() string {
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return "error:" + err.Error()
		}
		return show(&st)
	}
}

func modeOf(st *unix.Stat_t) string { return fmt.Sprintf("%o", st.Mode) }
func sizeOf(st *unix.Stat_t) string { return fmt.Sprint(st.Size) }

// TestWatchEveryKindOfChange changes the source in every way the kernel
// caches something about (listings, entries, attributes, sizes, link
// targets read and cached, a link's content rewritten in place, a
// shortcut shown under another name), each after the mount has served and
// the kernel cached the old state twice over.
func TestWatchEveryKindOfChange(t *testing.T) {
	requireFUSE(t)
	src := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(src, "a/file"), []byte("12345"))
	writeFile(t, filepath.Join(src, "a/plain"), nil)
	writeFile(t, filepath.Join(src, "a/cookie"), cookie("first"))
	writeFile(t, filepath.Join(src, "a/music.lnk"), cygwinShortcut("/srv/music", `C:\srv\music`))
	if err := os.Symlink("old", filepath.Join(src, "a/native")); err != nil {
		t.Fatal(err)
	}
	m := mountT(t, src, longCache...)
	if !strings.Contains(m.stderr.String(), "watch=true") {
		t.Fatalf("the mount does not watch its source: %s", m.stderr.String())
	}
	warm := func() {
		for range 2 {
			filepath.WalkDir(m.dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.Type()&os.ModeSymlink != 0 {
					os.Readlink(p)
				}
				if err == nil {
					os.Lstat(p)
				}
				return nil
			})
		}
	}
	a := m.path("a")
	srcA := filepath.Join(src, "a")

	warm()
	awaitView(t, "listing of a", listing(a), "cookie file music native plain", "cookie file music native plain")
	writeFile(t, filepath.Join(srcA, "created"), nil)
	awaitView(t, "listing after a create", listing(a), "cookie file music native plain", "cookie created file music native plain")

	warm()
	if err := os.Remove(filepath.Join(srcA, "created")); err != nil {
		t.Fatal(err)
	}
	awaitView(t, "listing after a remove", listing(a), "cookie created file music native plain", "cookie file music native plain")
	awaitView(t, "stat of a removed file", lstatView(filepath.Join(a, "created"), modeOf), "100644", "error:"+unix.ENOENT.Error())

	warm()
	if err := os.Chmod(filepath.Join(srcA, "file"), 0o600); err != nil {
		t.Fatal(err)
	}
	awaitView(t, "mode after chmod", lstatView(filepath.Join(a, "file"), modeOf), "100644", "100600")

	warm()
	f, err := os.OpenFile(filepath.Join(srcA, "file"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("678")
	f.Close()
	awaitView(t, "size after an append", lstatView(filepath.Join(a, "file"), sizeOf), "5", "8")
	awaitView(t, "content after an append", func() string { b, _ := os.ReadFile(filepath.Join(a, "file")); return string(b) }, "12345", "12345678")

	warm()
	if err := os.Remove(filepath.Join(srcA, "native")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("new", filepath.Join(srcA, "native")); err != nil {
		t.Fatal(err)
	}
	awaitView(t, "a native link replaced", func() string { return observe(filepath.Join(a, "native")) }, "link:old", "link:new")

	warm()
	writeFile(t, filepath.Join(srcA, "cookie"), cookie("second")) // the same inode, rewritten
	awaitView(t, "a cookie rewritten in place", func() string { return observe(filepath.Join(a, "cookie")) }, anyState, "link:second")

	warm()
	writeFile(t, filepath.Join(srcA, "file"), cookie("now a link"))
	awaitView(t, "a file rewritten into a cookie", func() string { return observe(filepath.Join(a, "file")) }, anyState, "link:now a link")

	// security.* is what ls -l asks of every file; the mount answers it
	// from memory once it knows the file has no xattrs. The file is held
	// open, so the kernel keeps its inode when the entry is dropped.
	held, err := os.Open(filepath.Join(a, "plain"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, name := range []string{"user.note", "security.linkfs-test"} {
		getx := func() string {
			v := make([]byte, 16)
			n, err := unix.Lgetxattr(filepath.Join(a, "plain"), name, v)
			if err != nil {
				return "error:" + err.Error()
			}
			return string(v[:n])
		}
		warm()
		awaitView(t, name+" before", getx, "error:"+unix.ENODATA.Error(), "error:"+unix.ENODATA.Error())
		awaitView(t, name+" before", getx, "error:"+unix.ENODATA.Error(), "error:"+unix.ENODATA.Error())
		if err := unix.Setxattr(filepath.Join(srcA, "plain"), name, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		awaitView(t, name+" set on the source", getx, "error:"+unix.ENODATA.Error(), "v")
		if err := unix.Removexattr(filepath.Join(srcA, "plain"), name); err != nil {
			t.Fatal(err)
		}
		awaitView(t, name+" removed on the source", getx, "v", "error:"+unix.ENODATA.Error())
		// And through the mount: read back at once, no event needed.
		if err := unix.Lsetxattr(filepath.Join(a, "plain"), name, []byte("w"), 0); err != nil {
			t.Fatal(err)
		}
		if got := getx(); got != "w" {
			t.Errorf("%s set through the mount reads back as %q", name, got)
		}
		if err := unix.Lremovexattr(filepath.Join(a, "plain"), name); err != nil {
			t.Fatal(err)
		}
	}

	warm()
	if err := os.Rename(filepath.Join(srcA, "music.lnk"), filepath.Join(src, "b", "music.lnk")); err != nil {
		t.Fatal(err)
	}
	awaitView(t, "a shortcut moved away", listing(a), "cookie file music native plain", "cookie file native plain")
	awaitView(t, "a shortcut moved in", listing(m.path("b")), "", "music")
	awaitView(t, "the moved shortcut", func() string { return observe(m.path("b", "music")) }, "missing", "link:/srv/music")

	warm()
	if err := os.Chmod(srcA, 0o700); err != nil {
		t.Fatal(err)
	}
	awaitView(t, "a directory's mode", lstatView(a, modeOf), "40755", "40700")
}

// TestWatchConcurrentWriter retargets links and rewrites files on the
// source while a reader follows them through the mount: the reader must
// see every version, in order, each at once, and never anything else.
func TestWatchConcurrentWriter(t *testing.T) {
	requireFUSE(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "cookie"), cookie("v0"))
	if err := os.Symlink("v0", filepath.Join(src, "native")); err != nil {
		t.Fatal(err)
	}
	m := mountT(t, src, longCache...)
	for i := 1; i <= 50; i++ {
		prev, next := fmt.Sprintf("link:v%d", i-1), fmt.Sprintf("link:v%d", i)
		awaitView(t, "cookie", func() string { return observe(m.path("cookie")) }, prev, prev)
		awaitView(t, "native", func() string { return observe(m.path("native")) }, prev, prev)
		writeFile(t, filepath.Join(src, "cookie"), cookie(next[len("link:"):]))
		tmp := filepath.Join(src, "native.tmp")
		if err := os.Symlink(next[len("link:"):], tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(src, "native")); err != nil {
			t.Fatal(err)
		}
		awaitView(t, "cookie", func() string { return observe(m.path("cookie")) }, prev, next)
		awaitView(t, "native", func() string { return observe(m.path("native")) }, prev, next)
	}
}

// TestWatchUnwatchableSource mounts a source inotify cannot follow (a FUSE
// file system that is not a local disk: another linkfs mount). The mount
// says so, and changes show after --cache-timeout instead.
func TestWatchUnwatchableSource(t *testing.T) {
	requireFUSE(t)
	inner := t.TempDir()
	if err := os.Symlink("first", filepath.Join(inner, "link")); err != nil {
		t.Fatal(err)
	}
	lower := mountT(t, inner, "--watch=false", "--cache-timeout", "100ms")
	m := mountT(t, lower.dir, "--cache-timeout", "200ms")
	if !strings.Contains(m.stderr.String(), "watch=false") || !strings.Contains(m.stderr.String(), "source not watched") {
		t.Fatalf("a mount over a FUSE source claims to watch it: %s", m.stderr.String())
	}
	awaitView(t, "link", func() string { return observe(m.path("link")) }, "link:first", "link:first")
	if err := os.Remove(filepath.Join(inner, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("second", filepath.Join(inner, "link")); err != nil {
		t.Fatal(err)
	}
	awaitView(t, "link through two mounts", func() string { return observe(m.path("link")) }, "link:first", "link:second")
}

// TestWatchOff checks --watch=false: the daemon holds no inotify
// descriptor (a default mount does), and the mount says it does not watch.
func TestWatchOff(t *testing.T) {
	requireFUSE(t)
	holdsInotify := func(m *mounted) bool {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", m.cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fds {
			target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", m.cmd.Process.Pid, fd.Name()))
			if strings.Contains(target, "inotify") {
				return true
			}
		}
		return false
	}
	on := mountT(t, t.TempDir())
	if !holdsInotify(on) || !strings.Contains(on.stderr.String(), "watch=true") {
		t.Errorf("a default mount does not watch its source: %s", on.stderr.String())
	}
	off := mountT(t, t.TempDir(), "--watch=false")
	if holdsInotify(off) || !strings.Contains(off.stderr.String(), "watch=false") {
		t.Errorf("a --watch=false mount watches its source: %s", off.stderr.String())
	}
}

// TestWatchListingAfterDroppedCaches drops the kernel's caches, so the
// kernel forgets the mount's directories while their watches and kept
// listings stay, then changes the source: the next listing must show it.
func TestWatchListingAfterDroppedCaches(t *testing.T) {
	requireFUSE(t)
	const dropCaches = "/proc/sys/vm/drop_caches"
	f, err := os.OpenFile(dropCaches, os.O_WRONLY, 0)
	testenv.SkipUnless(t, err == nil, "dropping the kernel's caches needs root")
	f.Close()
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "d", "old"), nil)
	m := mountT(t, src, longCache...)
	d := m.path("d")
	for _, step := range []struct{ change, before, after string }{
		{"new", "old", "new old"},
		{"newer", "new old", "new newer old"},
	} {
		awaitView(t, "listing", listing(d), step.before, step.before)
		if err := os.WriteFile(dropCaches, []byte("2"), 0); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(src, "d", step.change), nil)
		awaitView(t, "listing after the caches were dropped", listing(d), step.before, step.after)
	}
}
