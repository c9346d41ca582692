//go:build linux

package integration

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
	"golang.org/x/sys/unix"
)

const helloText = "hello through linkfs\n"

// lifecycleSource returns a fresh source directory holding hello.txt.
func lifecycleSource(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "hello.txt"), []byte(helloText), 0o644); err != nil {
		t.Fatal(err)
	}
	return src
}

func checkHello(t *testing.T, mnt string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(mnt, "hello.txt"))
	if err != nil || string(got) != helloText {
		t.Fatalf("read hello.txt through the mount: %q, %v; want %q", got, err, helloText)
	}
}

func checkNotMounted(t *testing.T, mnt string) {
	t.Helper()
	if e, ok := mountEntryAt(t, mnt); ok {
		t.Errorf("%s is still mounted (%s from %s)", mnt, e.FSType, e.Source)
	}
}

// daemonsServing returns the pids of linkfs processes whose command line
// names mnt; zombies, which have no executable, are not counted.
func daemonsServing(t *testing.T, mnt string) []int {
	t.Helper()
	bin, err := filepath.EvalSymlinks(linkfsBin)
	if err != nil {
		t.Fatal(err)
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil || exe != bin {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && slices.Contains(strings.Split(string(cmdline), "\x00"), mnt) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// checkNoDaemon waits up to 5 s for every linkfs process serving mnt to
// exit.
func checkNoDaemon(t *testing.T, mnt string) {
	t.Helper()
	var pids []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if pids = daemonsServing(t, mnt); len(pids) == 0 {
			return
		}
	}
	t.Errorf("linkfs processes %v still serve %s", pids, mnt)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// TestLifecycleDaemon checks that --daemon returns only once the mount
// serves, and fails with the reason, leaving nothing behind, otherwise.
func TestLifecycleDaemon(t *testing.T) { forEachBackend(t, testLifecycleDaemon) }

func testLifecycleDaemon(t *testing.T, b backend) {
	requireFUSE(t)
	t.Run("ready", func(t *testing.T) {
		src, mnt := lifecycleSource(t), newMountDir(t)
		t.Cleanup(func() { forceUnmount(t, mnt) })
		_, stderr, code := runCmd(t, 20*time.Second, nil, linkfsBin, b.mount("--daemon", src, mnt)...)
		if code != 0 {
			t.Fatalf("linkfs mount --daemon exited %d: %s", code, stderr)
		}
		// No sleep: the mount must serve as soon as the command returns.
		checkHello(t, mnt)
		if e, _ := mountEntryAt(t, mnt); e.FSType != "fuse.linkfs" || e.Source != src {
			t.Errorf("mountinfo shows %q from %q on %s, want fuse.linkfs from %s", e.FSType, e.Source, mnt, src)
		}
		if pids := daemonsServing(t, mnt); len(pids) != 1 {
			t.Errorf("%d linkfs processes serve %s, want the one daemon", len(pids), mnt)
		}
		if _, stderr, code := runCmd(t, 10*time.Second, nil, linkfsBin, "unmount", mnt); code != 0 {
			t.Fatalf("linkfs unmount exited %d: %s", code, stderr)
		}
		checkNotMounted(t, mnt)
		checkNoDaemon(t, mnt)
	})
	for _, tc := range []struct {
		name string
		src  func(t *testing.T) string
		args []string
		want string // in the reason printed
	}{
		{"missing source", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nonexistent") }, nil, "nonexistent"},
		{"create lx on a plain directory", lifecycleSource, []string{"--create", "lx"}, "lx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, mnt := tc.src(t), newMountDir(t)
			t.Cleanup(func() { forceUnmount(t, mnt) })
			args := append(append(b.mount("--daemon"), tc.args...), src, mnt)
			_, stderr, code := runCmd(t, 20*time.Second, nil, linkfsBin, args...)
			if code == 0 {
				t.Errorf("linkfs %v exited 0, want a failure", args)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("linkfs %v printed %q, want the reason (mentioning %q)", args, stderr, tc.want)
			}
			t.Logf("exit %d: %s", code, strings.TrimSpace(stderr))
			checkNotMounted(t, mnt)
			checkNoDaemon(t, mnt)
		})
	}
}

// TestLifecycleSignal checks that SIGTERM and SIGINT end a foreground
// mount with exit 0 and no mount left, even while a file in it is open.
func TestLifecycleSignal(t *testing.T) { forEachBackend(t, testLifecycleSignal) }

func testLifecycleSignal(t *testing.T, b backend) {
	requireFUSE(t)
	for _, tc := range []struct {
		name     string
		sig      syscall.Signal
		openFile bool
	}{
		{"SIGTERM", syscall.SIGTERM, false},
		{"SIGINT", syscall.SIGINT, false},
		{"SIGTERM with a file open", syscall.SIGTERM, true},
		{"SIGINT with a file open", syscall.SIGINT, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mountT(t, lifecycleSource(t), b.args...)
			if tc.openFile {
				f, err := os.Open(m.path("hello.txt"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.Read(make([]byte, 1)); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			// 15 s: a busy mount is retried for a while before it is
			// detached lazily.
			code, ok := m.wait(15 * time.Second)
			if !ok {
				m.cmd.Process.Kill()
				t.Fatalf("linkfs mount did not exit within 15s of %v\nstderr:\n%s", tc.sig, m.stderr)
			}
			if code != 0 {
				t.Errorf("linkfs mount exited %d after %v, want 0\nstderr:\n%s", code, tc.sig, m.stderr)
			}
			checkNotMounted(t, m.dir)
		})
	}
}

// TestLifecycleKill9 checks that `linkfs unmount` recovers the mount point
// of a daemon killed with SIGKILL, idle or with a file still open in it,
// and that the mount point takes a new mount afterwards.
func TestLifecycleKill9(t *testing.T) { forEachBackend(t, testLifecycleKill9) }

func testLifecycleKill9(t *testing.T, b backend) {
	requireFUSE(t)
	for _, openFile := range []bool{false, true} {
		name := "idle"
		if openFile {
			name = "with a file open"
		}
		t.Run(name, func(t *testing.T) {
			src := lifecycleSource(t)
			m := mountT(t, src, b.args...)
			checkHello(t, m.dir)
			var f *os.File
			if openFile {
				var err error
				if f, err = os.Open(m.path("hello.txt")); err != nil {
					t.Fatal(err)
				}
				defer f.Close()
			}
			if err := m.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if _, ok := m.wait(10 * time.Second); !ok {
				t.Fatal("linkfs mount survived SIGKILL for 10s")
			}
			var sfs unix.Statfs_t
			err := unix.Statfs(m.dir, &sfs)
			t.Logf("statfs %s after kill -9: %v", m.dir, err)
			if !errors.Is(err, unix.ENOTCONN) {
				t.Errorf("statfs of the dead mount: %v, want ENOTCONN", err)
			}
			// With a file open, unmount at once, while the kernel still
			// holds the root's attributes from before the kill.
			if !openFile {
				// stat is answered from the attribute cache until it
				// expires (--cache-timeout, 1s); then the dead connection
				// shows.
				start := time.Now()
				var st unix.Stat_t
				for err = unix.Stat(m.dir, &st); err == nil && time.Since(start) < 3*time.Second; err = unix.Stat(m.dir, &st) {
					time.Sleep(20 * time.Millisecond)
				}
				t.Logf("stat %s after kill -9: %v (after %v)", m.dir, err, time.Since(start).Round(time.Millisecond))
				if !errors.Is(err, unix.ENOTCONN) {
					t.Fatalf("stat of the dead mount: %v, want ENOTCONN", err)
				}
			}
			if _, stderr, code := runCmd(t, 10*time.Second, nil, linkfsBin, "unmount", m.dir); code != 0 {
				t.Fatalf("linkfs unmount of the dead mount exited %d: %s", code, stderr)
			}
			checkNotMounted(t, m.dir)
			// An ordinary directory again: it can be written and listed.
			probe := filepath.Join(m.dir, "probe")
			if err := os.WriteFile(probe, []byte("x"), 0o644); err != nil {
				t.Fatalf("the mount point is not usable after unmount: %v", err)
			}
			if err := os.Remove(probe); err != nil {
				t.Fatal(err)
			}
			if entries, err := os.ReadDir(m.dir); err != nil || len(entries) != 0 {
				t.Fatalf("read the mount point: %v, %v; want an empty directory", entries, err)
			}
			m2 := mountAt(t, src, m.dir, b.args...)
			checkHello(t, m2.dir)
		})
	}
}

// treeSnapshot describes every entry under dir: type, mode, size, times,
// content, link target and user xattrs.
func treeSnapshot(t *testing.T, dir string) string {
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
		fmt.Fprintf(&b, "%s mode=%o size=%d mtime=%d.%d", p, st.Mode, st.Size, st.Mtim.Sec, st.Mtim.Nsec)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " content=%q", data)
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " target=%q", target)
		}
		buf := make([]byte, 4096)
		n, err := unix.Llistxattr(p, buf)
		if err != nil {
			return err
		}
		for _, name := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
			if !strings.HasPrefix(name, "user.") {
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

// TestLifecycleReadOnly checks that --ro (and -o ro) serves reads and
// refuses every change with EROFS, leaving the source as it was.
func TestLifecycleReadOnly(t *testing.T) { forEachBackend(t, testLifecycleReadOnly) }

func testLifecycleReadOnly(t *testing.T, b backend) {
	requireFUSE(t)
	for _, args := range [][]string{{"--ro"}, {"-o", "ro"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) { testReadOnly(t, b.with(args...)) })
	}
}

func testReadOnly(t *testing.T, args []string) {
	src := lifecycleSource(t)
	if err := os.Mkdir(filepath.Join(src, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("hello.txt", filepath.Join(src, "native-link")); err != nil {
		t.Fatal(err)
	}
	setXattr(t, filepath.Join(src, "hello.txt"), "user.linkfs", []byte("kept"))
	before := treeSnapshot(t, src)

	m := mountT(t, src, args...)
	if e, _ := mountEntryAt(t, m.dir); !e.ReadOnly() {
		t.Errorf("the kernel has the mount writable: mount options %v, super options %v", e.Options, e.SuperOptions)
	}
	checkHello(t, m.dir)
	if entries, err := os.ReadDir(m.dir); err != nil || len(entries) != 3 {
		t.Errorf("list the mount: %v, %v; want 3 entries", entries, err)
	}
	if target, err := os.Readlink(m.path("native-link")); err != nil || target != "hello.txt" {
		t.Errorf("readlink native-link: %q, %v", target, err)
	}

	hello := m.path("hello.txt")
	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"create", func() error {
			f, err := os.OpenFile(m.path("new"), os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				f.Close()
			}
			return err
		}},
		{"open for writing", func() error {
			f, err := os.OpenFile(hello, os.O_WRONLY, 0)
			if err == nil {
				f.Close()
			}
			return err
		}},
		{"truncate", func() error { return os.Truncate(hello, 0) }},
		{"mkdir", func() error { return os.Mkdir(m.path("newdir"), 0o755) }},
		{"unlink", func() error { return os.Remove(hello) }},
		{"unlink a link", func() error { return os.Remove(m.path("native-link")) }},
		{"rmdir", func() error { return os.Remove(m.path("dir")) }},
		{"rename", func() error { return os.Rename(hello, m.path("renamed")) }},
		{"ln -s", func() error { return os.Symlink("hello.txt", m.path("link")) }},
		{"ln", func() error { return os.Link(hello, m.path("hardlink")) }},
		{"mkfifo", func() error { return unix.Mkfifo(m.path("fifo"), 0o644) }},
		{"chmod", func() error { return os.Chmod(hello, 0o600) }},
		{"chown", func() error { return os.Chown(hello, 65534, 65534) }},
		{"utimes", func() error { return os.Chtimes(hello, time.Unix(1, 0), time.Unix(1, 0)) }},
		{"setxattr", func() error { return unix.Setxattr(hello, "user.linkfs", []byte("changed"), 0) }},
		{"removexattr", func() error { return unix.Removexattr(hello, "user.linkfs") }},
	} {
		if err := op.do(); !errors.Is(err, unix.EROFS) {
			t.Errorf("%s through the read-only mount: %v, want EROFS", op.name, err)
		}
	}
	if after := treeSnapshot(t, src); after != before {
		t.Errorf("the source changed through a read-only mount\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestLifecycleUsage checks the exit codes of command-line mistakes: 1
// for unmounting what is not a mount, 2 for usage errors, and that none
// leaves a mount behind.
func TestLifecycleUsage(t *testing.T) {
	src, mnt := lifecycleSource(t), newMountDir(t)
	t.Run("unmount a plain directory", func(t *testing.T) {
		_, stderr, code := runCmd(t, 10*time.Second, nil, linkfsBin, "unmount", mnt)
		if code != 1 || !strings.Contains(stderr, mnt) {
			t.Errorf("linkfs unmount %s: exit %d, stderr %q; want 1 and a message naming it", mnt, code, stderr)
		}
	})
	// SRC and MNT stand for the directories, to keep the names short.
	for _, args := range [][]string{
		{},
		{"mount"},
		{"mount", "SRC"},
		{"mount", "SRC", "MNT", "extra"},
		{"mount", "--no-such-flag", "SRC", "MNT"},
		{"mount", "-o", "no_such_option", "SRC", "MNT"},
		{"mount", "-o", "cache_timeout=soon", "SRC", "MNT"},
		{"mount", "-o", "create", "SRC", "MNT"},
		{"mount", "--create", "no-such-format", "SRC", "MNT"},
		{"unmount"},
		{"unmount", "--no-such-flag", "MNT"},
	} {
		t.Run(strings.Join(append([]string{"linkfs"}, args...), " "), func(t *testing.T) {
			args = slices.Clone(args)
			for i, a := range args {
				args[i] = strings.NewReplacer("SRC", src, "MNT", mnt).Replace(a)
			}
			_, stderr, code := runCmd(t, 10*time.Second, nil, linkfsBin, args...)
			if code != 2 || stderr == "" {
				t.Errorf("linkfs %v: exit %d, stderr %q; want 2 and a message", args, code, stderr)
			}
			checkNotMounted(t, mnt)
		})
	}
}

// TestLifecycleMountHelper mounts through the mount(8) convention:
// `mount -t fuse.linkfs SRC MNT -o ro` runs `mount.fuse3 SRC MNT -o ro -t
// fuse.linkfs`, which runs `linkfs SRC MNT -o ro,dev,suid` through
// /bin/sh; linkfs must daemonize and mount read-only.
func TestLifecycleMountHelper(t *testing.T) { forEachBackend(t, testLifecycleMountHelper) }

func testLifecycleMountHelper(t *testing.T, b backend) {
	requireFUSE(t)
	helper := ""
	for _, h := range []string{"/sbin/mount.fuse3", "/sbin/mount.fuse"} {
		if _, err := os.Stat(h); err == nil {
			helper = h
			break
		}
	}
	testenv.SkipUnless(t, helper != "", "mount.fuse3 is missing (apt-get install fuse3)")
	bin := t.TempDir()
	if err := os.Symlink(linkfsBin, filepath.Join(bin, "linkfs")); err != nil {
		t.Fatal(err)
	}

	t.Run(filepath.Base(helper), func(t *testing.T) {
		// The exec mount(8) makes, with linkfs found in PATH.
		src, mnt := lifecycleSource(t), newMountDir(t)
		t.Cleanup(func() { forceUnmount(t, mnt) })
		env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
		if _, stderr, code := runCmd(t, 20*time.Second, env, helper, src, mnt, "-o", "ro,"+b.opt, "-t", "fuse.linkfs"); code != 0 {
			t.Fatalf("%s exited %d: %s", helper, code, stderr)
		}
		e, ok := mountEntryAt(t, mnt)
		if !ok || e.FSType != "fuse.linkfs" || !e.ReadOnly() {
			t.Errorf("mountinfo shows %+v on %s, want a read-only fuse.linkfs mount", e, mnt)
		}
		checkHello(t, mnt)
		if err := os.WriteFile(filepath.Join(mnt, "new"), nil, 0o644); !errors.Is(err, unix.EROFS) {
			t.Errorf("create through the ro mount: %v, want EROFS", err)
		}
		if _, stderr, code := runCmd(t, 10*time.Second, nil, linkfsBin, "unmount", mnt); code != 0 {
			t.Fatalf("linkfs unmount exited %d: %s", code, stderr)
		}
		checkNotMounted(t, mnt)
		checkNoDaemon(t, mnt)
	})

	t.Run("mount(8)", func(t *testing.T) {
		testenv.SkipUnless(t, testenv.HaveTool("mount") && testenv.HaveTool("nsenter"), "mount(8) or nsenter(1) is missing (apt-get install mount util-linux)")
		// mount(8) drops PATH from the environment (util-linux
		// sanitize_env), so /bin/sh looks for linkfs on its default path
		// only. linkfs is put on that path in a private mount namespace,
		// where a tmpfs on /usr/local/sbin holds the symlink; the host is
		// untouched. The daemon lives in that namespace: the test looks at
		// the mount through /proc/PID.
		src, mnt := lifecycleSource(t), newMountDir(t)
		script := `mount -t tmpfs linkfs-test /usr/local/sbin && ln -s "$0" /usr/local/sbin/linkfs && exec mount -t fuse.linkfs "$1" "$2" -o "$3"`
		cmd := exec.Command("sh", "-c", script, linkfsBin, src, mnt, "ro,"+b.opt)
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
		_, stderr, code := runTimeout(t, 20*time.Second, cmd)
		pids := daemonsServing(t, mnt)
		t.Cleanup(func() {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGTERM)
			}
			checkNoDaemon(t, mnt)
		})
		if code != 0 {
			t.Fatalf("mount -t fuse.linkfs exited %d: %s", code, stderr)
		}
		if len(pids) != 1 {
			t.Fatalf("%d linkfs daemons serve %s, want 1", len(pids), mnt)
		}
		proc := fmt.Sprintf("/proc/%d", pids[0])
		e, ok := mountEntryIn(t, proc+"/mountinfo", mnt)
		if !ok || e.FSType != "fuse.linkfs" || !e.ReadOnly() {
			t.Errorf("the daemon's mountinfo shows %+v on %s, want a read-only fuse.linkfs mount", e, mnt)
		}
		inNS := proc + "/root" + mnt
		checkHello(t, inNS)
		if err := os.WriteFile(filepath.Join(inNS, "new"), nil, 0o644); !errors.Is(err, unix.EROFS) {
			t.Errorf("create through the ro mount: %v, want EROFS", err)
		}
		if _, stderr, code := runCmd(t, 10*time.Second, nil, "nsenter", "-t", strconv.Itoa(pids[0]), "-m", linkfsBin, "unmount", mnt); code != 0 {
			t.Fatalf("linkfs unmount (in the daemon's namespace) exited %d: %s", code, stderr)
		}
		checkNoDaemon(t, mnt)
	})
}

// traversable lets other users through dir and the directories of the
// test's temporary tree above it (t.TempDir makes them 0700).
func traversable(t *testing.T, dir string) {
	t.Helper()
	top := filepath.Clean(os.TempDir())
	for d := dir; d != top && d != filepath.Dir(d); d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
			t.Fatal(err)
		}
	}
}

// asNobody runs name as uid and gid 65534.
func asNobody(t *testing.T, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	return runTimeout(t, 10*time.Second, cmd)
}

// TestLifecycleAllowOther checks that --allow-other lets other users in
// with the kernel checking the presented modes (default_permissions), and
// that without it other users cannot use the mount at all.
func TestLifecycleAllowOther(t *testing.T) { forEachBackend(t, testLifecycleAllowOther) }

func testLifecycleAllowOther(t *testing.T, b backend) {
	requireFUSE(t)
	src := lifecycleSource(t)
	if err := os.WriteFile(filepath.Join(src, "secret"), []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	traversable(t, src)

	open := mountT(t, src, b.with("--allow-other")...)
	closed := mountT(t, src, b.args...)
	// The mount roots show src's mode; the directories above need +x.
	traversable(t, filepath.Dir(open.dir))
	traversable(t, filepath.Dir(closed.dir))

	if out, stderr, code := asNobody(t, "cat", open.path("hello.txt")); code != 0 || out != helloText {
		t.Errorf("uid 65534 cat of a 0644 file with --allow-other: exit %d, %q, %s", code, out, stderr)
	}
	if out, stderr, code := asNobody(t, "cat", open.path("secret")); code == 0 || !strings.Contains(stderr, "Permission denied") {
		t.Errorf("uid 65534 cat of a root 0600 file with --allow-other: exit %d, %q, %s; want permission denied", code, out, stderr)
	}
	if _, stderr, code := asNobody(t, "touch", open.path("new")); code == 0 || !strings.Contains(stderr, "Permission denied") {
		t.Errorf("uid 65534 create in a root 0755 directory with --allow-other: exit %d, %s; want permission denied", code, stderr)
	}
	for _, args := range [][]string{{"cat", closed.path("hello.txt")}, {"ls", closed.dir}} {
		if out, stderr, code := asNobody(t, args[0], args[1:]...); code == 0 || !strings.Contains(stderr, "Permission denied") {
			t.Errorf("uid 65534 %v without --allow-other: exit %d, %q, %s; want permission denied", args, code, out, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "new")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("uid 65534 created a file in the source: %v", err)
	}
}

// TestLifecycleDebug checks that --debug logs every FUSE operation.
func TestLifecycleDebug(t *testing.T) { forEachBackend(t, testLifecycleDebug) }

func testLifecycleDebug(t *testing.T, b backend) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f"), []byte("x"))
	m := mountT(t, src, b.with("--debug")...)
	if _, err := os.ReadFile(m.path("f")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadDir(m.dir); err != nil {
		t.Fatal(err)
	}
	missing := func(log string) []string {
		var out []string
		for _, op := range b.debugOps {
			if !strings.Contains(log, fmt.Sprintf(b.debugFormat, op)) {
				out = append(out, op)
			}
		}
		return out
	}
	log := awaitLog(m, func(log string) bool { return len(missing(log)) == 0 })
	for _, op := range missing(log) {
		t.Errorf("--debug log has no %s request:\n%s", op, log)
	}
}

// TestLifecycleLogFile checks that --log-file receives the daemon's log,
// also once it has detached with --daemon.
func TestLifecycleLogFile(t *testing.T) {
	requireFUSE(t)
	src := t.TempDir()
	mnt := newMountDir(t)
	logFile := filepath.Join(t.TempDir(), "linkfs.log")
	if _, stderr, code := linkfs(t, "mount", "--daemon", "--log-file", logFile, src, mnt); code != 0 {
		t.Fatalf("mount --daemon --log-file: exit %d: %s", code, stderr)
	}
	t.Cleanup(func() { forceUnmount(t, mnt) })
	if _, _, code := linkfs(t, "unmount", mnt); code != 0 {
		t.Errorf("unmount: exit %d", code)
	}
	var log []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if log, _ = os.ReadFile(logFile); strings.Contains(string(log), "unmounted from outside") {
			break
		}
	}
	for _, want := range []string{"msg=mounted", "unmounted from outside"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("--log-file lacks %q:\n%s", want, log)
		}
	}
}
