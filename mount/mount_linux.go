//go:build linux

package mount

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/internal/mountinfo"
)

// Options configure one mount.
type Options struct {
	Tree       *fs.Tree
	Mountpoint string
	// AllowOther lets other users in; the kernel then checks permissions
	// itself (default_permissions), so the daemon running as root never
	// grants what the source would refuse.
	AllowOther bool
	// CacheTimeout is how long the kernel may trust entries and attributes
	// no watch covers; a change on the source shows after at most this.
	CacheTimeout time.Duration
	// Watch watches the source (inotify) and drops what the kernel cached
	// when it changes, so what a watch covers is cached for WatchTimeout.
	// Directories on file systems inotify cannot follow are not watched.
	Watch        bool
	WatchTimeout time.Duration
	// Debug logs every FUSE operation.
	Debug  bool
	Logger *slog.Logger
	// Backend is the FUSE library serving the mount; "" is go-fuse.
	Backend Backend
}

// Mounted is a running mount.
type Mounted struct {
	server *fuse.Server
	watch  *watching
	other  served // the mount of another backend than go-fuse
	dir    string
}

// Mount mounts the tree and returns once the kernel serves it.
func Mount(opts Options) (*Mounted, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(opts.Mountpoint)
	if err != nil {
		return nil, err
	}
	if opts.Backend == BackendCgofuse {
		other, err := mountCgofuse(opts, dir)
		if err != nil {
			return nil, err
		}
		return &Mounted{other: other, dir: dir}, nil
	}
	timeout := opts.CacheTimeout
	state := &mountState{tree: opts.Tree, log: opts.Logger}
	if opts.Watch {
		state.watch = watchSource(opts)
	}
	mo := fuse.MountOptions{
		FsName:     opts.Tree.Source(),
		Name:       "linkfs",
		AllowOther: opts.AllowOther,
		// The kernel checks permissions against the presented modes: the
		// daemon usually runs as root and must not be the one deciding.
		Options:     []string{"default_permissions"},
		EnableLocks: true,
		// The kernel then enforces the source's POSIX ACLs too (with
		// default_permissions alone it checks mode bits only), and caches
		// them per inode instead of asking for two xattrs on every ls -l.
		EnableAcl: true,
		// Directory listings are read with plain readdir: the entry types
		// are known without a lookup per entry, which keeps find fast.
		DisableReadDirPlus: true,
		// Link targets stay cached until the source changes them (the
		// watch drops them) or the link is looked up anew (see newChild).
		EnableSymlinkCaching: state.watch != nil,
		DirectMount:          true,
		Debug:                opts.Debug,
		Logger:               slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	if opts.Tree.ReadOnly() {
		mo.Options = append(mo.Options, "ro")
	}
	root := &node{m: state}
	server, err := gofs.Mount(dir, root, &gofs.Options{
		MountOptions:    mo,
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		NullPermissions: true,
		Logger:          mo.Logger,
	})
	if err != nil {
		if state.watch != nil {
			state.watch.close()
		}
		return nil, fmt.Errorf("mount %s on %s: %w", opts.Tree.Source(), dir, err)
	}
	if state.watch != nil {
		state.watch.watch(root)
		go state.watch.run()
	}
	return &Mounted{server: server, watch: state.watch, dir: dir}, nil
}

// watchSource starts watching the source root, or returns nil (logged)
// when its file system cannot be watched: the mount then caches entries
// for CacheTimeout only.
func watchSource(opts Options) *watching {
	wt, err := newWatching(opts.Tree, opts.WatchTimeout, opts.Logger)
	if err == nil {
		_, err = wt.w.Watch("")
		if err != nil {
			wt.close()
		}
	}
	if err != nil {
		opts.Logger.Info("source not watched; entries expire after --cache-timeout", "path", opts.Tree.Source(), "err", err)
		return nil
	}
	return wt
}

// Watching reports whether a watch on the source drops the kernel's
// caches when it changes (see Options.Watch).
func (m *Mounted) Watching() bool { return m.watch != nil }

// Wait blocks until the file system is unmounted.
func (m *Mounted) Wait() {
	if m.other != nil {
		m.other.wait()
		return
	}
	m.server.Wait()
	if m.watch != nil {
		m.watch.close()
	}
}

// Unmount unmounts once; a busy mount is an error (see Detach). Without
// root, fusermount does it.
func (m *Mounted) Unmount() error {
	if m.other != nil {
		return m.other.unmount()
	}
	err := unix.Unmount(m.dir, 0)
	if errors.Is(err, unix.EPERM) {
		err = m.server.Unmount()
	}
	if err != nil {
		return fmt.Errorf("unmount %s: %w", m.dir, err)
	}
	return nil
}

// Unmount unmounts the FUSE file system at dir. A mount whose daemon is
// dead or no longer answers (kill -9 can leave a daemon stuck in the
// kernel, holding the connection open) is aborted through fusectl and
// detached, so the mount point is usable again. A busy mount with a live
// daemon is an error, as with umount.
func Unmount(dir string) error {
	dir = filepath.Clean(dir)
	mi, ok := fuseMount(dir)
	if !ok {
		return fmt.Errorf("%s is not a FUSE mount point", dir)
	}
	if !answers(dir) {
		if err := abortConnection(mi.Dev); err != nil {
			return fmt.Errorf("abort the dead FUSE connection of %s: %w", dir, err)
		}
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("detach %s: %w", dir, err)
		}
		return nil
	}
	err := unix.Unmount(dir, 0)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EPERM):
		return fusermount(dir)
	}
	return fmt.Errorf("unmount %s: %w", dir, err)
}

// Detach unmounts dir lazily: it disappears now, and files still open in
// it fail from then on.
func Detach(dir string) error {
	err := unix.Unmount(dir, unix.MNT_DETACH)
	if errors.Is(err, unix.EINVAL) && !IsMounted(dir) {
		return nil // already gone: libfuse's own signal handler got there first
	}
	if err != nil {
		return fmt.Errorf("detach %s: %w", dir, err)
	}
	return nil
}

// answers reports whether a daemon serves the mount at dir. statfs always
// reaches the daemon (stat may be answered from the kernel's cache); a
// daemon that does not answer within a few seconds counts as dead.
func answers(dir string) bool {
	done := make(chan error, 1)
	go func() {
		var st unix.Statfs_t
		done <- unix.Statfs(dir, &st)
	}()
	select {
	case err := <-done:
		return !errors.Is(err, unix.ENOTCONN) && !errors.Is(err, unix.ECONNABORTED)
	case <-time.After(3 * time.Second):
		return false
	}
}

// abortConnection aborts a FUSE connection by its device number, as
// `echo 1 > /sys/fs/fuse/connections/N/abort` does: every request waiting
// on it fails, which also frees a daemon stuck in one.
func abortConnection(dev string) error {
	_, minor, ok := strings.Cut(dev, ":")
	if !ok {
		return fmt.Errorf("bad device number %q", dev)
	}
	const ctl = "/sys/fs/fuse/connections"
	abort := filepath.Join(ctl, minor, "abort")
	if _, err := os.Stat(abort); errors.Is(err, os.ErrNotExist) {
		// fusectl is not mounted yet; mounting it is harmless.
		if err := unix.Mount("fusectl", ctl, "fusectl", 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("mount fusectl on %s: %w", ctl, err)
		}
	}
	if err := os.WriteFile(abort, []byte("1"), 0); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // the connection is already gone
		}
		return err
	}
	return nil
}

// fusermount unmounts as an unprivileged user.
func fusermount(dir string) error {
	for _, tool := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(tool); err != nil {
			continue
		}
		out, err := exec.Command(tool, "-u", dir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s -u %s: %v: %s", tool, dir, err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	return errors.New("unmount needs root or fusermount3 (apt-get install fuse3)")
}

// fuseMount returns the topmost FUSE mount whose mount point is dir.
func fuseMount(dir string) (mountinfo.Mount, bool) {
	mounts, err := mountinfo.Self()
	if err != nil {
		return mountinfo.Mount{}, false
	}
	return mountinfo.FUSEAt(mounts, dir)
}

// IsMounted reports whether a FUSE file system is mounted at dir.
func IsMounted(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	_, ok := fuseMount(abs)
	return ok
}
