//go:build linux

package main

import (
	"bufio"
	"fmt"
	iofs "io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/internal/mountinfo"
)

// Target names, in the order of the table's columns.
const (
	native    = "native"
	linkfs    = "linkfs"
	linkfsRaw = "linkfs-raw" // linkfs --read "": every entry as stored
	loopback  = "loopback"   // go-fuse's example/loopback
	bindfs    = "bindfs"
)

var allTargets = []string{native, linkfs, linkfsRaw, loopback, bindfs}

// peers are the FUSE file systems linkfs is compared with.
var peers = []string{loopback, bindfs}

// target is one place the workloads run: the source directory itself, or
// a FUSE mount of it served by a daemon.
type target struct {
	name   string
	root   string  // where the workloads run
	daemon *daemon // nil for the native directory
	// entries and links are every path below root (the scratch directory
	// left out) and those of them that are symlinks, in the names this
	// target presents; found by one walk after mounting.
	entries []string
	links   []string
}

// walk fills in t.entries and t.links.
func (t *target) walk() error {
	t.entries, t.links = nil, nil
	return filepath.WalkDir(t.root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == filepath.Join(t.root, scratchDir) {
			return filepath.SkipDir
		}
		if p == t.root {
			return nil
		}
		t.entries = append(t.entries, p)
		if d.Type()&iofs.ModeSymlink != 0 {
			t.links = append(t.links, p)
		}
		return nil
	})
}

// daemon is a FUSE file system served by a child process in the
// foreground, so that its memory can be read and a signal unmounts it.
type daemon struct {
	argv []string
	mnt  string
	// logPath is the file that gets the daemon's output. A file, not a
	// pipe: a daemon that logs while unmounting after the harness died
	// would be killed by SIGPIPE and leave its mount behind.
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd.Wait returned
}

// start runs the daemon and returns once the kernel shows its mount.
func (d *daemon) start() error {
	logFile, err := os.OpenFile(d.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	d.exited = make(chan struct{})
	d.cmd = exec.Command(d.argv[0], d.argv[1:]...)
	d.cmd.Stdout, d.cmd.Stderr = logFile, logFile
	// Its own process group: ^C reaches the harness alone, which then
	// unmounts in order. Pdeathsig unmounts it if the harness dies.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", strings.Join(d.argv, " "), err)
	}
	go func() {
		d.cmd.Wait()
		close(d.exited)
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if fuseMounted(d.mnt) {
			return nil
		}
		select {
		case <-d.exited:
			return fmt.Errorf("%s exited with %v before mounting: %s", strings.Join(d.argv, " "), d.cmd.ProcessState, d.logTail())
		case <-time.After(10 * time.Millisecond):
		}
	}
	d.stop()
	return fmt.Errorf("%s: no FUSE mount on %s after 10s: %s", strings.Join(d.argv, " "), d.mnt, d.logTail())
}

// stop unmounts: SIGTERM (each daemon unmounts on it), a kill when that
// does not end it, then a lazy unmount of whatever it left behind.
func (d *daemon) stop() error {
	if d.cmd == nil {
		return nil
	}
	select {
	case <-d.exited:
	default:
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			d.cmd.Process.Kill()
			<-d.exited
		}
	}
	d.cmd = nil
	if fuseMounted(d.mnt) {
		if err := unix.Unmount(d.mnt, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %w", d.mnt, err)
		}
	}
	return nil
}

// peakRSS returns the daemon's peak resident set size (VmHWM) in bytes.
func (d *daemon) peakRSS() (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid)
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: VmHWM %q: %w", path, v, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no VmHWM line", path)
}

// fuseMounted reports whether a FUSE file system is mounted on dir.
func fuseMounted(dir string) bool {
	mounts, err := mountinfo.Self()
	if err != nil {
		return false
	}
	_, ok := mountinfo.FUSEAt(mounts, dir)
	return ok
}

// mountsBelow lists the mount points at or below dir.
func mountsBelow(dir string) []string {
	mounts, err := mountinfo.Self()
	if err != nil {
		return []string{"(mountinfo unreadable: " + err.Error() + ")"}
	}
	var out []string
	for _, m := range mounts {
		if mountinfo.Within(m.MountPoint, dir) {
			out = append(out, m.MountPoint)
		}
	}
	return out
}

// fsTypeOf names the file system that holds path.
func fsTypeOf(path string) string {
	mounts, err := mountinfo.Self()
	if err != nil {
		return "unknown"
	}
	if m, ok := mountinfo.Holding(mounts, path); ok {
		return m.FSType
	}
	return "unknown"
}

// logTail returns the end of the daemon's log, for error messages.
func (d *daemon) logTail() string {
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return strings.TrimSpace(string(b))
}
