//go:build linux

package mount

import (
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
)

// Options configure one mount.
type Options struct {
	Tree       *fs.Tree
	Mountpoint string
	// AllowOther lets other users in; the kernel then checks permissions
	// itself (default_permissions), so the daemon running as root never
	// grants what the source would refuse.
	AllowOther bool
	// CacheTimeout is how long the kernel may trust entries and attributes;
	// a change on the source shows through the mount after at most this.
	CacheTimeout time.Duration
	// Debug logs every FUSE operation.
	Debug  bool
	Logger *slog.Logger
}

// Mounted is a running mount.
type Mounted struct {
	server *fuse.Server
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
	timeout := opts.CacheTimeout
	mo := fuse.MountOptions{
		FsName:     opts.Tree.Source(),
		Name:       "linkfs",
		AllowOther: opts.AllowOther,
		// The kernel checks permissions against the presented modes: the
		// daemon usually runs as root and must not be the one deciding.
		Options:     []string{"default_permissions"},
		EnableLocks: true,
		// Directory listings are read with plain readdir: the entry types
		// are known without a lookup per entry, which keeps find fast.
		DisableReadDirPlus: true,
		DirectMount:        true,
		Debug:              opts.Debug,
		Logger:             slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	if opts.Tree.ReadOnly() {
		mo.Options = append(mo.Options, "ro")
	}
	root := &node{tree: opts.Tree, log: opts.Logger}
	server, err := gofs.Mount(dir, root, &gofs.Options{
		MountOptions:    mo,
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		NullPermissions: true,
		Logger:          mo.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("mount %s on %s: %w", opts.Tree.Source(), dir, err)
	}
	return &Mounted{server: server, dir: dir}, nil
}

// Wait blocks until the file system is unmounted.
func (m *Mounted) Wait() { m.server.Wait() }

// Unmount unmounts, retrying while the mount point is busy for a moment.
func (m *Mounted) Unmount() error {
	var err error
	for range 20 {
		if err = m.server.Unmount(); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("unmount %s: %w", m.dir, err)
}

// Unmount unmounts the linkfs file system at dir, including one whose
// daemon died (kill -9): the dead connection is detached so the mount
// point is usable again.
func Unmount(dir string) error {
	dir = filepath.Clean(dir)
	if !isFuseMount(dir) {
		return fmt.Errorf("%s is not a FUSE mount point", dir)
	}
	err := unix.Unmount(dir, 0)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EPERM):
		return fusermount(dir)
	case errors.Is(err, unix.EBUSY) && !alive(dir):
		return unix.Unmount(dir, unix.MNT_DETACH)
	}
	return fmt.Errorf("unmount %s: %w", dir, err)
}

// alive reports whether a daemon still answers for the mount at dir.
func alive(dir string) bool {
	var st unix.Stat_t
	err := unix.Stat(dir, &st)
	return !errors.Is(err, unix.ENOTCONN) && !errors.Is(err, unix.ECONNABORTED)
}

// fusermount unmounts as an unprivileged user, lazily when the daemon
// is gone.
func fusermount(dir string) error {
	args := []string{"-u", dir}
	if !alive(dir) {
		args = []string{"-u", "-z", dir}
	}
	for _, tool := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(tool); err != nil {
			continue
		}
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	return errors.New("unmount needs root or fusermount3 (apt-get install fuse3)")
}

// isFuseMount reports whether dir is the mount point of a FUSE file system.
func isFuseMount(dir string) bool {
	mounts, err := fs.Mounts()
	if err != nil {
		return false
	}
	for _, m := range mounts {
		if m.MountPoint == dir && strings.HasPrefix(m.FSType, "fuse") {
			return true
		}
	}
	return false
}

// IsMounted reports whether a FUSE file system is mounted at dir.
func IsMounted(dir string) bool {
	abs, err := filepath.Abs(dir)
	return err == nil && isFuseMount(abs)
}
