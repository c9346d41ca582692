//go:build linux

package integration

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/mountinfo"
	"github.com/linkfs/linkfs/internal/testenv"
)

// requireFUSE skips unless this process can mount FUSE file systems.
func requireFUSE(t *testing.T) {
	t.Helper()
	testenv.SkipUnless(t, os.Geteuid() == 0, "FUSE mount tests need root")
	_, err := os.Stat("/dev/fuse")
	testenv.SkipUnless(t, err == nil, "/dev/fuse is missing")
	testenv.SkipUnless(t, testenv.HaveTool("fusermount3"), "fusermount3 is not installed (apt-get install fuse3)")
}

// syncBuffer is a bytes.Buffer that a child process may write while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// mounted is a linkfs mount served by a foreground child process.
type mounted struct {
	dir    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed once cmd.Wait returned
}

// path joins elem onto the mount point.
func (m *mounted) path(elem ...string) string {
	return filepath.Join(append([]string{m.dir}, elem...)...)
}

// wait waits up to timeout for the child to exit and returns its exit
// code (-1 when a signal ended it); ok is false on a timeout.
func (m *mounted) wait(timeout time.Duration) (code int, ok bool) {
	select {
	case <-m.exited:
		return m.cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// newMountDir returns a fresh empty directory to mount on, with symlinks
// resolved so that it reads as /proc/self/mountinfo will show it.
func newMountDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	return mnt
}

// mountedLog is what linkfs mount logs on stderr once the mount serves.
const mountedLog = "msg=mounted "

// mountT mounts src with `linkfs mount [args] src mnt` in the foreground
// on a new directory and returns once linkfs reports the mount ready and
// the kernel shows it. The mount is ended (SIGTERM, then unmount if
// needed) when the test ends. args must not send the log elsewhere
// (--log-file): the readiness report is read from stderr.
func mountT(t *testing.T, src string, args ...string) *mounted {
	t.Helper()
	return mountAt(t, src, newMountDir(t), args...)
}

// mountAt is mountT on a given mount point.
func mountAt(t *testing.T, src, mnt string, args ...string) *mounted {
	t.Helper()
	requireFUSE(t)
	m := &mounted{dir: mnt, stderr: &syncBuffer{}, exited: make(chan struct{})}
	m.cmd = exec.Command(linkfsBin, append(append([]string{"mount"}, args...), src, mnt)...)
	m.cmd.Stderr = m.stderr
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start linkfs mount: %v", err)
	}
	go func() {
		m.cmd.Wait()
		close(m.exited)
	}()
	t.Cleanup(func() { m.stop(t) })
	// The kernel shows the mount before go-fuse has finished starting: it
	// then opens a file in its own mount (the epoll hack), and a SIGKILL
	// during that open leaves a thread waiting on itself forever. So the
	// mount is ready only once linkfs logs "mounted", after that.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		e, ok := mountEntryAt(t, mnt)
		if ok && e.FSType == "fuse.linkfs" && strings.Contains(m.stderr.String(), mountedLog) {
			return m
		}
		select {
		case <-m.exited:
			t.Fatalf("linkfs mount %v exited with %v before mounting\nstderr:\n%s", args, m.cmd.ProcessState, m.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("linkfs mount %v: no fuse.linkfs mount on %s reported ready (%q) after 10s\nstderr:\n%s", args, mnt, mountedLog, m.stderr)
	return nil
}

// stop ends the mount: SIGTERM to the daemon, then the unmount tools for
// whatever it left behind. The mount must be gone afterwards.
func (m *mounted) stop(t *testing.T) {
	t.Helper()
	m.cmd.Process.Signal(syscall.SIGTERM)
	if _, ok := m.wait(10 * time.Second); !ok {
		t.Errorf("linkfs mount on %s did not exit 10s after SIGTERM; killing it\nstderr:\n%s", m.dir, m.stderr)
		m.cmd.Process.Kill()
		m.wait(10 * time.Second)
	}
	forceUnmount(t, m.dir)
}

// forceUnmount removes any FUSE mount left on dir, with `linkfs unmount`
// and then fusermount3 -u -z, and fails the test if one stays.
func forceUnmount(t *testing.T, dir string) {
	t.Helper()
	if _, ok := mountEntryAt(t, dir); ok {
		if _, stderr, code := runCmd(t, 10*time.Second, nil, linkfsBin, "unmount", dir); code != 0 {
			t.Logf("linkfs unmount %s: exit %d: %s", dir, code, stderr)
		}
	}
	if _, ok := mountEntryAt(t, dir); ok {
		runCmd(t, 10*time.Second, nil, "fusermount3", "-u", "-z", dir)
	}
	if e, ok := mountEntryAt(t, dir); ok {
		t.Errorf("%s is still mounted (%s) after cleanup", dir, e.FSType)
	}
}

// mountEntryAt returns the topmost FUSE mount on dir, if any.
func mountEntryAt(t *testing.T, dir string) (mountinfo.Mount, bool) {
	t.Helper()
	return mountEntryIn(t, "/proc/self/mountinfo", dir)
}

// mountEntryIn is mountEntryAt in the mountinfo file of any process.
func mountEntryIn(t *testing.T, path, dir string) (mountinfo.Mount, bool) {
	t.Helper()
	mounts, err := mountinfo.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return mountinfo.FUSEAt(mounts, dir)
}

// runCmd runs name with args and extra environment, killing it after
// timeout, and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, timeout time.Duration, env []string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	return runTimeout(t, timeout, cmd)
}

// runTimeout runs cmd, killing it after timeout, and returns stdout,
// stderr and the exit code. A command that outlives the timeout, or whose
// output stays open after it exits (a daemon that kept stdout), fails the
// test.
func runTimeout(t *testing.T, timeout time.Duration, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", strings.Join(cmd.Args, " "), err)
	}
	timer := time.AfterFunc(timeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	if !timer.Stop() || errors.Is(err, exec.ErrWaitDelay) {
		t.Fatalf("%s: did not finish within %v (%v)\nstdout: %s\nstderr: %s", strings.Join(cmd.Args, " "), timeout, err, &stdout, &stderr)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %s: %v", strings.Join(cmd.Args, " "), err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}
