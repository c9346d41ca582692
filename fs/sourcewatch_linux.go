//go:build linux

package fs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/internal/mountinfo"
)

// Watcher reports changes made to the source's directories by anyone (a
// writer on the source, WSL, a sync tool, the mount itself), so a mount can
// let the kernel cache entries, attributes, listings and link targets until
// they change instead of for a fixed time.
//
// It rests on inotify, which sees every change made through this kernel.
// A change made elsewhere (another client of a network file system) raises
// no event, so Watch refuses directories on file systems that are not
// known to be local: their entries must expire on their own.
type Watcher struct {
	tree *Tree
	file *os.File // the inotify descriptor, non-blocking so Close ends Run

	mu    sync.Mutex
	local map[uint64]bool // st_dev -> every change there is seen
}

// WatchID names one watched directory in the Changes it reports.
type WatchID int32

// ChangeOp says what changed; a Change may carry several.
type ChangeOp uint32

const (
	// ChangeAdded: Name was created or renamed into the directory.
	ChangeAdded ChangeOp = 1 << iota
	// ChangeRemoved: Name was removed or renamed out of the directory.
	ChangeRemoved
	// ChangeAttrs: Name's attributes or xattrs changed (the directory's
	// own when Name is "").
	ChangeAttrs
	// ChangeData: Name's content was written.
	ChangeData
	// ChangeWritten: Name was closed after writing; it may now classify
	// differently (a Cygwin cookie written in place).
	ChangeWritten
	// ChangeGone: the directory itself is gone and its watch has ended.
	ChangeGone
	// ChangeLost: the kernel dropped events; anything may have changed.
	ChangeLost

	// ChangeEntries is any change to the directory's names.
	ChangeEntries = ChangeAdded | ChangeRemoved
)

// Change is one change under a watched directory.
type Change struct {
	Dir WatchID
	// Name is a presented name in Dir, "" for Dir itself. A stored
	// shortcut "music.lnk" is reported as both "music.lnk" and "music",
	// either of which the mount may show.
	Name string
	Op   ChangeOp
}

// ErrNotWatchable is returned by Watch for a directory whose file system
// can change without this kernel seeing it (NFS, SMB, 9p, sshfs...).
var ErrNotWatchable = errors.New("changes on this file system are not reported to inotify")

const watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_ATTRIB | unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_DELETE_SELF |
	unix.IN_ONLYDIR | unix.IN_EXCL_UNLINK

// NewWatcher starts watching nothing yet; Watch adds directories.
func (t *Tree) NewWatcher() (*Watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	return &Watcher{
		tree:  t,
		file:  os.NewFile(uintptr(fd), "inotify"),
		local: make(map[uint64]bool),
	}, nil
}

// Watch watches the directory rel (relative to the source root) and
// returns its ID; watching a directory twice returns the same ID. The
// directory is opened beneath the root without following symlinks, and
// the watch is placed through that descriptor, never through a path.
func (w *Watcher) Watch(rel string) (WatchID, error) {
	d, err := w.tree.OpenDir(rel)
	if err != nil {
		return -1, fmt.Errorf("watch %q: %w", rel, err)
	}
	defer d.Close()
	if err := w.checkLocal(d.fd); err != nil {
		return -1, fmt.Errorf("watch %q: %w", rel, err)
	}
	sc, err := w.file.SyscallConn()
	if err != nil {
		return -1, err
	}
	var wd int
	ctlErr := sc.Control(func(ifd uintptr) {
		wd, err = unix.InotifyAddWatch(int(ifd), procPath(d.fd, ""), watchMask)
	})
	if ctlErr != nil {
		return -1, fmt.Errorf("watch %q: %w", rel, ctlErr)
	}
	if err != nil {
		if errors.Is(err, unix.ENOSPC) {
			err = fmt.Errorf("%w (the inotify watch limit; raise fs.inotify.max_user_watches)", err)
		}
		return -1, fmt.Errorf("watch %q: %w", rel, err)
	}
	return WatchID(wd), nil
}

// Unwatch ends the watch of a directory the mount no longer shows.
func (w *Watcher) Unwatch(id WatchID) {
	sc, err := w.file.SyscallConn()
	if err != nil {
		return
	}
	// EINVAL means the watch already ended (the directory is gone).
	_ = sc.Control(func(ifd uintptr) { _, _ = unix.InotifyRmWatch(int(ifd), uint32(id)) })
}

// checkLocal refuses directories on file systems where changes can bypass
// this kernel. Known local types are allowed; FUSE only when it serves a
// local disk or disk image (see localFUSE), not a network FUSE like sshfs.
func (w *Watcher) checkLocal(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	w.mu.Lock()
	local, known := w.local[st.Dev]
	w.mu.Unlock()
	if !known {
		var sfs unix.Statfs_t
		if err := unix.Fstatfs(fd, &sfs); err != nil {
			return err
		}
		local = localMagic[uint32(sfs.Type)]
		if uint32(sfs.Type) == unix.FUSE_SUPER_MAGIC {
			local = localFUSE(st.Dev)
		}
		w.mu.Lock()
		w.local[st.Dev] = local
		w.mu.Unlock()
	}
	if !local {
		return ErrNotWatchable
	}
	return nil
}

// localMagic lists the statfs types of disk and memory file systems: every
// change to them goes through this kernel's VFS, so inotify sees it.
var localMagic = map[uint32]bool{
	unix.EXT4_SUPER_MAGIC:      true,
	unix.XFS_SUPER_MAGIC:       true,
	unix.BTRFS_SUPER_MAGIC:     true,
	unix.TMPFS_MAGIC:           true,
	unix.RAMFS_MAGIC:           true,
	unix.F2FS_SUPER_MAGIC:      true,
	unix.MSDOS_SUPER_MAGIC:     true,
	unix.EXFAT_SUPER_MAGIC:     true,
	unix.BCACHEFS_SUPER_MAGIC:  true,
	unix.REISERFS_SUPER_MAGIC:  true,
	unix.NILFS_SUPER_MAGIC:     true,
	unix.OVERLAYFS_SUPER_MAGIC: true,
	0x7366746e:                 true, // ntfs3
	0x2fc12fc1:                 true, // zfs
	0x3153464a:                 true, // jfs
	0x482b:                     true, // hfsplus
}

// localFUSE reports whether the FUSE mount with device dev serves a disk
// or disk image of this machine, as ntfs-3g does (fuseblk for a device,
// plain "fuse" with the image file as its source): such a disk changes
// only through the mount, so inotify sees every change. A network FUSE
// (sshfs, rclone) or an overlay (another linkfs) names no such file.
func localFUSE(dev uint64) bool {
	mounts, err := mountinfo.Self()
	if err != nil {
		return false
	}
	want := fmt.Sprintf("%d:%d", unix.Major(dev), unix.Minor(dev))
	for _, m := range mounts {
		if m.Dev != want {
			continue
		}
		if m.FSType == "fuseblk" {
			return true
		}
		var st unix.Stat_t
		if !strings.HasPrefix(m.Source, "/") || unix.Stat(m.Source, &st) != nil {
			return false
		}
		return st.Mode&unix.S_IFMT == unix.S_IFREG || st.Mode&unix.S_IFMT == unix.S_IFBLK
	}
	return false
}

// gatherWindow is how long Run waits for more events after one arrives:
// a burst (rm -r, an unpacked archive) becomes one batch, and the mount
// drops a directory's listing once per batch instead of once per entry.
const gatherWindow = 2 * time.Millisecond

// maxBatch bounds a batch under a steady stream of events.
const maxBatch = 4096

// Run reads changes and hands them to handle in batches until Close. A
// batch holds one Change per name, its ops merged.
func (w *Watcher) Run(handle func([]Change)) error {
	buf := make([]byte, 64<<10)
	var b batch
	for {
		if err := w.read(buf, &b); err != nil {
			return closedIsDone(err)
		}
		if err := w.file.SetReadDeadline(time.Now().Add(gatherWindow)); err != nil {
			return fmt.Errorf("inotify deadline: %w", err)
		}
		for len(b.changes) < maxBatch {
			err := w.read(buf, &b)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				return closedIsDone(err)
			}
		}
		if err := w.file.SetReadDeadline(time.Time{}); err != nil {
			return fmt.Errorf("inotify deadline: %w", err)
		}
		handle(b.changes)
		b.reset()
	}
}

// read adds the events of one read to b.
func (w *Watcher) read(buf []byte, b *batch) error {
	n, err := w.file.Read(buf)
	if err != nil {
		return err
	}
	parseEvents(buf[:n], b)
	return nil
}

// closedIsDone ends Run without error when the watcher was closed.
func closedIsDone(err error) error {
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return fmt.Errorf("read inotify: %w", err)
}

// batch collects changes, one per (directory, name).
type batch struct {
	changes []Change
	index   map[changeKey]int
}

type changeKey struct {
	dir  WatchID
	name string
}

func (b *batch) add(c Change) {
	if b.index == nil {
		b.index = make(map[changeKey]int)
	}
	k := changeKey{c.Dir, c.Name}
	if i, ok := b.index[k]; ok {
		b.changes[i].Op |= c.Op
		return
	}
	b.index[k] = len(b.changes)
	b.changes = append(b.changes, c)
}

func (b *batch) reset() {
	b.changes = b.changes[:0]
	clear(b.index)
}

// parseEvents decodes inotify events (struct inotify_event: wd, mask,
// cookie, len, then len bytes of NUL-padded name).
func parseEvents(buf []byte, b *batch) {
	for len(buf) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[0]))
		end := unix.SizeofInotifyEvent + int(ev.Len)
		if end > len(buf) {
			break // the kernel never splits an event
		}
		name := unix.ByteSliceToString(buf[unix.SizeofInotifyEvent:end])
		buf = buf[end:]
		op := opOf(ev.Mask)
		if op == 0 {
			continue
		}
		b.add(Change{Dir: WatchID(ev.Wd), Name: name, Op: op})
		if presented, ok := LogicalName(name); ok {
			b.add(Change{Dir: WatchID(ev.Wd), Name: presented, Op: op})
		}
	}
}

func opOf(mask uint32) ChangeOp {
	var op ChangeOp
	if mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
		op |= ChangeAdded
	}
	if mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0 {
		op |= ChangeRemoved
	}
	if mask&unix.IN_ATTRIB != 0 {
		op |= ChangeAttrs
	}
	if mask&unix.IN_MODIFY != 0 {
		op |= ChangeData
	}
	if mask&unix.IN_CLOSE_WRITE != 0 {
		op |= ChangeWritten
	}
	if mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF) != 0 {
		op |= ChangeGone
	}
	if mask&unix.IN_Q_OVERFLOW != 0 {
		op |= ChangeLost
	}
	return op
}

// Close stops Run and ends every watch.
func (w *Watcher) Close() error { return w.file.Close() }
