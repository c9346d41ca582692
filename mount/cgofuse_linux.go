//go:build linux && cgofuse

package mount

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/winfsp/cgofuse/fuse"
	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
)

// cgofuseBuilt says whether this binary has the cgofuse backend.
const cgofuseBuilt = true

// systemErrno passes on an errno the table does not name: on Linux
// cgofuse's numbers are the C library's.
func systemErrno(errno syscall.Errno) (int, bool) { return int(errno), true }

// osFlags converts cgofuse's open flags to the tree's (os.O_*). On Linux
// both are the C library's. O_APPEND is dropped: the kernel sends every
// write with its offset, and pwrite on an O_APPEND file would ignore it.
func osFlags(flags int) int { return flags &^ fuse.O_APPEND }

// fuseCaller is who makes the current request; new entries are theirs.
func fuseCaller() fs.Caller {
	uid, gid, _ := fuse.Getcontext()
	return fs.Caller{Uid: uid, Gid: gid, Set: true}
}

// cgoMount is a mount served by libfuse3 through cgofuse.
type cgoMount struct {
	host *fuse.FileSystemHost
	fs   *cgoFS
	dir  string
	dev  string        // the FUSE connection, as mountinfo names it
	done chan struct{} // closed when the host's loop has returned
}

// mountCgofuse mounts opts.Tree on dir through libfuse3. libfuse's own
// entry and attribute caches stay off: cgofuse clears libfuse's
// configuration when the file system starts, so every request reaches
// the tree (CacheTimeout has no effect here).
func mountCgofuse(opts Options, dir string) (served, error) {
	cfs := newCgoFS(opts.Tree, opts.Logger, opts.Debug)
	host := fuse.NewFileSystemHost(cfs)
	host.SetUseIno(true)
	args := []string{
		"-o", "fsname=" + escapeFuseOpt(opts.Tree.Source()),
		"-o", "subtype=linkfs",
		// The kernel checks permissions against the presented modes, as
		// with go-fuse.
		"-o", "default_permissions",
	}
	if opts.AllowOther {
		args = append(args, "-o", "allow_other")
	}
	if opts.Tree.ReadOnly() {
		args = append(args, "-o", "ro")
	}
	m := &cgoMount{host: host, fs: cfs, dir: dir, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		host.Mount(dir, args)
	}()
	select {
	case <-cfs.ready:
		mi, _ := fuseMount(dir)
		m.dev = mi.Dev
		return m, nil
	case <-m.done:
		return nil, fmt.Errorf("mount %s on %s: libfuse3 refused the mount (its reason is printed above)", opts.Tree.Source(), dir)
	}
}

// escapeFuseOpt escapes a value for libfuse's comma-separated -o list.
func escapeFuseOpt(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}

func (m *cgoMount) wait() { <-m.done }

// unmount unmounts once, as the go-fuse backend does: a busy mount is an
// error (see Detach). cgofuse also detaches the mount by itself on SIGINT
// and SIGTERM; files still open then keep the connection, and the host's
// loop, alive, so the connection is aborted as Detach would leave it:
// those files fail from here on.
func (m *cgoMount) unmount() error {
	err := unix.Unmount(m.dir, 0)
	if errors.Is(err, unix.EPERM) && m.host.Unmount() {
		err = nil // not root: cgofuse went through fusermount
	}
	if err != nil && IsMounted(m.dir) {
		return fmt.Errorf("unmount %s: %w", m.dir, err)
	}
	// After a plain unmount the loop ends within milliseconds.
	select {
	case <-m.done:
	case <-time.After(250 * time.Millisecond):
		if err := abortConnection(m.dev); err != nil {
			return fmt.Errorf("end the detached mount of %s: %w", m.dir, err)
		}
	}
	return nil
}
