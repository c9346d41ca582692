//go:build windows

package mount

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/winfsp/cgofuse/fuse"
	"golang.org/x/sys/windows"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// Options configure one Windows mount.
type Options struct {
	Tree *fs.Tree
	// Config is what Tree was opened with; the gateway opens the trees of
	// drives and shares with it (their own source, --create auto).
	Config fs.Config
	// Mountpoint is a drive letter ("X:"), "*" for the first free one, or a
	// directory that does not exist yet.
	Mountpoint string
	// Gateway serves links that leave the source through .linkfs, with the
	// mounting user's rights.
	Gateway bool
	// CacheTimeout is WinFsp's FileInfoTimeout.
	CacheTimeout time.Duration
	// WinFspOptions are -o options for WinFsp's FUSE layer.
	WinFspOptions []string
	// Debug logs every operation.
	Debug  bool
	Logger *slog.Logger
}

// Mounted is a running mount.
type Mounted struct {
	host  *fuse.FileSystemHost
	fs    *cgoFS
	dir   string // the mount point, a drive letter for "*"
	done  chan struct{}
	event windows.Handle // signalled by `linkfs unmount`
	quit  windows.Handle // ends the wait on event
}

// VolumeName is the label Windows shows for the mount.
const VolumeName = "linkfs"

// Mount mounts the tree through WinFsp and returns once it serves.
func Mount(opts Options) (*Mounted, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Config.Mapper == nil {
		opts.Config.Mapper = &translate.Mapper{}
	}
	abs, err := filepath.Abs(opts.Tree.Source())
	if err != nil {
		return nil, err
	}
	cfs := newCgoFS(opts.Tree, opts.Logger, opts.Debug)
	cfs.win = &winView{
		links: translate.WinFspView{Source: abs, Gateway: opts.Gateway, Mapper: opts.Config.Mapper},
		drives: func() []string {
			mask, _ := windows.GetLogicalDrives()
			return driveLetters(mask)
		},
		log: opts.Logger,
	}
	if opts.Gateway {
		cfs.win.open = func(root string) (*fs.Tree, error) {
			cfg := opts.Config
			cfg.Source, cfg.Create = root, fs.CreateAuto
			return fs.NewTree(cfg)
		}
	}
	host := fuse.NewFileSystemHost(cfs)
	host.SetCapCaseInsensitive(true)
	host.SetCapReaddirPlus(true)
	args := []string{
		"-o", "uid=-1,gid=-1", // everything belongs to the mounting user
		"-o", "volname=" + VolumeName,
		"-o", fmt.Sprintf("FileInfoTimeout=%d", opts.CacheTimeout.Milliseconds()),
	}
	for _, o := range opts.WinFspOptions {
		args = append(args, "-o", o)
	}
	before, _ := windows.GetLogicalDrives()
	m := &Mounted{host: host, fs: cfs, dir: opts.Mountpoint, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		host.Mount(opts.Mountpoint, args)
	}()
	select {
	case <-cfs.ready:
	case <-m.done:
		return nil, fmt.Errorf("mount %s on %s: WinFsp refused the mount (is WinFsp installed, and the mount point free?)", opts.Tree.Source(), opts.Mountpoint)
	}
	if opts.Mountpoint == "*" {
		after, _ := windows.GetLogicalDrives()
		if letter, ok := newDriveLetter(before, after); ok {
			m.dir = letter
		}
	} else if !isDrive(opts.Mountpoint) {
		if m.dir, err = filepath.Abs(opts.Mountpoint); err != nil {
			m.dir = opts.Mountpoint
		}
	}
	if err := m.listen(); err != nil {
		host.Unmount()
		<-m.done
		return nil, err
	}
	return m, nil
}

func isDrive(p string) bool { return len(p) == 2 && p[1] == ':' }

// Dir returns where the mount is: the drive letter WinFsp took for "*".
func (m *Mounted) Dir() string { return m.dir }

// listen creates the mount's unmount event and unmounts when it is
// signalled.
func (m *Mounted) listen() error {
	name, err := windows.UTF16PtrFromString(unmountEventName(m.dir))
	if err != nil {
		return err
	}
	if m.event, err = windows.CreateEvent(nil, 0, 0, name); err != nil {
		if m.event != 0 {
			windows.CloseHandle(m.event)
		}
		return fmt.Errorf("another linkfs serves %s: %w", m.dir, err)
	}
	if m.quit, err = windows.CreateEvent(nil, 1, 0, nil); err != nil {
		windows.CloseHandle(m.event)
		return err
	}
	go func() {
		which, err := windows.WaitForMultipleObjects([]windows.Handle{m.event, m.quit}, false, windows.INFINITE)
		if err == nil && which == windows.WAIT_OBJECT_0 {
			m.fs.log.Info("unmount requested", "mountpoint", m.dir)
			m.host.Unmount()
		}
	}()
	return nil
}

// Wait blocks until the file system is unmounted.
func (m *Mounted) Wait() {
	<-m.done
	windows.SetEvent(m.quit)
}

// Unmount unmounts the mount.
func (m *Mounted) Unmount() error {
	if !m.host.Unmount() {
		select {
		case <-m.done:
			return nil
		default:
		}
		return fmt.Errorf("unmount %s: WinFsp refused", m.dir)
	}
	return nil
}

// Unmount asks the linkfs daemon serving mountpoint (a drive letter or a
// directory) to unmount it.
func Unmount(mountpoint string) error {
	mp := strings.TrimSuffix(mountpoint, `\`)
	if !isDrive(mp) {
		abs, err := filepath.Abs(mountpoint)
		if err != nil {
			return err
		}
		mp = abs
	}
	name, err := windows.UTF16PtrFromString(unmountEventName(mp))
	if err != nil {
		return err
	}
	h, err := windows.OpenEvent(windows.EVENT_MODIFY_STATE, false, name)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
			return fmt.Errorf("no linkfs mount on %s", mountpoint)
		}
		return fmt.Errorf("unmount %s: %w", mountpoint, err)
	}
	defer windows.CloseHandle(h)
	return windows.SetEvent(h)
}
