//go:build windows

package fs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/windows"

	"github.com/linkfs/linkfs/translate"
)

func (t *Tree) writable() error {
	if t.cfg.ReadOnly {
		return syscall.EROFS
	}
	return nil
}

// storedRel returns the source path of the entry presented at rel: a
// shortcut shown as "music" is "music.lnk".
func (t *Tree) storedRel(rel string) (string, Node, error) {
	if rel == "" {
		n, err := t.Getattr("")
		return "", n, err
	}
	dir, name := splitRel(rel)
	n, err := t.Lookup(dir, name)
	if err != nil {
		return "", n, err
	}
	return joinRel(dir, n.Stored), n, nil
}

// accessOf returns the access an open with os.O_* flags needs.
func accessOf(flags int) uint32 {
	switch flags & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_WRONLY:
		return windows.FILE_GENERIC_WRITE
	case os.O_RDWR:
		return windows.FILE_GENERIC_READ | windows.FILE_GENERIC_WRITE
	}
	return windows.FILE_GENERIC_READ
}

// Symlink creates a link named name in dirRel pointing at target, stored
// in the tree's creation format, and returns it as presented.
func (t *Tree) Symlink(dirRel, name, target string, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	if len(target) > translate.MaxPOSIXTarget {
		return Node{}, syscall.ENAMETOOLONG
	}
	if _, err := t.Lookup(dirRel, name); err == nil {
		return Node{}, syscall.EEXIST
	}
	format := t.symlinkFormat(target)
	stored, err := Encode(format, name, target, t.targetIsDir(dirRel, target), t.cfg.Mapper)
	if err != nil {
		return Node{}, fmt.Errorf("%w: %w", syscall.EINVAL, err)
	}
	if _, _, err := t.checkRoundTrip(dirRel, &stored, target); err != nil {
		return Node{}, fmt.Errorf("%w: %w", syscall.EINVAL, err)
	}
	if err := t.store(dirRel, &stored); err != nil {
		return Node{}, err
	}
	return t.nodeAt(dirRel, stored.Name)
}

// store writes a new link: a file with its content and attributes, or an
// empty file or directory carrying the reparse buffer. On failure nothing
// is left behind.
func (t *Tree) store(dirRel string, s *Stored) error {
	rel := winRel(joinRel(dirRel, s.Name))
	switch {
	case s.Symlink != "":
		return syscall.ENOTSUP // resolveCreate refuses native links
	case s.Reparse == nil:
		h, err := ntOpen(t.root, rel, windows.FILE_GENERIC_WRITE|windows.DELETE, windows.FILE_CREATE,
			windows.FILE_NON_DIRECTORY_FILE|windows.FILE_OPEN_REPARSE_POINT, windows.FILE_ATTRIBUTE_NORMAL)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(h), rel)
		defer f.Close()
		_, err = f.Write(s.Content)
		if err == nil && s.Attrs != 0 {
			err = setBasic(h, fileBasicInfo{FileAttributes: settableAttrs(s.Attrs)})
		}
		if err != nil {
			deleteHandle(h)
		}
		return err
	case s.Format == translate.NTFSSymlink && !t.caps.symlinkPrivilege:
		return t.createSymbolicLink(rel, s)
	}
	options := uint32(windows.FILE_NON_DIRECTORY_FILE)
	if s.Dir {
		options = windows.FILE_DIRECTORY_FILE
	}
	h, err := ntOpen(t.root, rel, windows.FILE_WRITE_DATA|windows.FILE_WRITE_ATTRIBUTES|windows.DELETE, windows.FILE_CREATE,
		options|windows.FILE_OPEN_REPARSE_POINT, windows.FILE_ATTRIBUTE_NORMAL)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	if err := setReparse(h, s.Reparse); err != nil {
		deleteHandle(h)
		if errors.Is(err, windows.ERROR_PRIVILEGE_NOT_HELD) {
			return fmt.Errorf("%w: writing a %s needs the symlink privilege: %w", syscall.EPERM, s.Format, err)
		}
		return err
	}
	return nil
}

// createSymbolicLink writes an NTFS symlink through CreateSymbolicLinkW,
// which Developer Mode lets a process without the privilege call; it is
// the one path-based write, at a name just checked to be free.
func (t *Tree) createSymbolicLink(rel string, s *Stored) error {
	l, err := translate.DecodeReparse(s.Reparse)
	if err != nil {
		return err
	}
	target := l.PrintName
	if target == "" {
		target = l.Target
	}
	name, err := windows.UTF16PtrFromString(t.abs + `\` + rel)
	if err != nil {
		return err
	}
	tp, err := windows.UTF16PtrFromString(target)
	if err != nil {
		return err
	}
	flags := uint32(symbolicLinkAllowUnprivileged)
	if s.Dir {
		flags |= windows.SYMBOLIC_LINK_FLAG_DIRECTORY
	}
	return windows.CreateSymbolicLink(name, tp, flags)
}

// settableAttrs keeps the attributes SetFileInformationByHandle takes;
// none at all is FILE_ATTRIBUTE_NORMAL.
func settableAttrs(a DOSAttrs) uint32 {
	const fixed = AttrDirectory | AttrReparsePoint | 0x40 /* DEVICE */ | 0x200 /* SPARSE */ | 0x800 /* COMPRESSED */ | 0x4000 /* ENCRYPTED */
	if a &^= fixed; a == 0 {
		return windows.FILE_ATTRIBUTE_NORMAL
	}
	return uint32(a)
}

// targetIsDir reports whether a link in dirRel to target leads to a
// directory of the tree (see targetBelow).
func (t *Tree) targetIsDir(dirRel, target string) bool {
	rel, ok := targetBelow(dirRel, target)
	if !ok {
		return false
	}
	h, err := ntOpen(t.root, winRel(rel), windows.FILE_READ_ATTRIBUTES, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE, 0)
	if err != nil {
		return false
	}
	windows.CloseHandle(h)
	return true
}

// deleteEntry deletes the stored entry at rel; dir says which kind it
// must be (directory-kind links are directories on Windows).
func (t *Tree) deleteEntry(rel string, options uint32) error {
	h, err := ntOpen(t.root, winRel(rel), windows.DELETE, windows.FILE_OPEN, options|windows.FILE_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return deleteHandle(h)
}

// Unlink removes the entry presented as name: the .lnk file of a shortcut,
// the directory that carries a directory-kind link.
func (t *Tree) Unlink(dirRel, name string) error {
	if err := t.writable(); err != nil {
		return err
	}
	n, err := t.Lookup(dirRel, name)
	if err != nil {
		return err
	}
	if n.Attr.Mode&ModeType == ModeDir {
		return syscall.EISDIR
	}
	return t.deleteEntry(joinRel(dirRel, n.Stored), 0)
}

// Rmdir removes the directory name.
func (t *Tree) Rmdir(dirRel, name string) error {
	if err := t.writable(); err != nil {
		return err
	}
	n, err := t.Lookup(dirRel, name)
	if err != nil {
		return err
	}
	if n.Attr.Mode&ModeType != ModeDir {
		return syscall.ENOTDIR
	}
	return t.deleteEntry(joinRel(dirRel, n.Stored), windows.FILE_DIRECTORY_FILE)
}

// Mkdir creates a directory and returns it as presented.
func (t *Tree) Mkdir(dirRel, name string, mode uint32, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	h, err := ntOpen(t.root, winRel(joinRel(dirRel, name)), windows.FILE_LIST_DIRECTORY, windows.FILE_CREATE, windows.FILE_DIRECTORY_FILE, windows.FILE_ATTRIBUTE_NORMAL)
	if err != nil {
		return Node{}, err
	}
	windows.CloseHandle(h)
	return t.nodeAt(dirRel, name)
}

// Mknod creates an empty regular file; Windows has no other special files.
func (t *Tree) Mknod(dirRel, name string, mode uint32, dev uint64, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	if typ := mode & ModeType; typ != 0 && typ != ModeRegular {
		return Node{}, syscall.EPERM
	}
	f, n, err := t.Create(dirRel, name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode, c)
	if err != nil {
		return Node{}, err
	}
	f.Close()
	return n, nil
}

// Create opens name, creating it, and returns the open file.
func (t *Tree) Create(dirRel, name string, flags int, mode uint32, c Caller) (*os.File, Node, error) {
	if err := t.writable(); err != nil {
		return nil, Node{}, err
	}
	disposition := uint32(windows.FILE_OPEN_IF)
	if flags&os.O_EXCL != 0 {
		disposition = windows.FILE_CREATE
	}
	attrs := uint32(windows.FILE_ATTRIBUTE_NORMAL)
	if mode&0o200 == 0 {
		attrs = windows.FILE_ATTRIBUTE_READONLY
	}
	rel := joinRel(dirRel, name)
	h, err := ntOpen(t.root, winRel(rel), accessOf(flags), disposition, windows.FILE_NON_DIRECTORY_FILE, attrs)
	if err != nil {
		return nil, Node{}, err
	}
	if flags&os.O_TRUNC != 0 {
		err = windows.Ftruncate(h, 0)
	}
	var n Node
	if err == nil {
		n, err = t.nodeAt(dirRel, name)
	}
	if err != nil {
		windows.CloseHandle(h)
		return nil, Node{}, err
	}
	return os.NewFile(uintptr(h), rel), n, nil
}

// Open opens the file at rel. A link is never followed: WinFsp resolves
// links itself and opens what they lead to.
func (t *Tree) Open(rel string, flags int) (*os.File, error) {
	if t.cfg.ReadOnly && flags&(os.O_WRONLY|os.O_RDWR|os.O_TRUNC) != 0 {
		return nil, syscall.EROFS
	}
	h, err := ntOpen(t.root, winRel(rel), accessOf(flags), windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE, 0)
	if err != nil {
		return nil, err
	}
	if flags&os.O_TRUNC != 0 {
		if err := windows.Ftruncate(h, 0); err != nil {
			windows.CloseHandle(h)
			return nil, err
		}
	}
	return os.NewFile(uintptr(h), rel), nil
}

// Link makes a hard link newName in newDirRel to the entry at oldRel.
func (t *Tree) Link(oldRel, newDirRel, newName string) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	src, n, err := t.storedRel(oldRel)
	if err != nil {
		return Node{}, err
	}
	stored := newName
	if _, oldName := splitRel(oldRel); n.Stored != oldName && IsShortcutFormat(n.Entry.Format) {
		stored = newName + ".lnk"
	}
	if err := t.moveTo(src, newDirRel, stored, fileLinkInformationEx, 0); err != nil {
		return Node{}, err
	}
	return t.nodeAt(newDirRel, stored)
}

// moveTo renames or links (class) the entry at src to name in dirRel.
func (t *Tree) moveTo(src, dirRel, name string, class, flags uint32) error {
	h, err := ntOpen(t.root, winRel(src), windows.DELETE|windows.FILE_WRITE_ATTRIBUTES, windows.FILE_OPEN, windows.FILE_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	dir, err := ntOpen(t.root, winRel(dirRel), windows.FILE_WRITE_DATA|windows.FILE_APPEND_DATA, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(dir)
	return setLinkInfo(h, class, flags, dir, translate.WindowsName(name))
}

// The renameat2 flags Rename takes.
const (
	renameNoReplace = 1
	renameExchange  = 2
)

// Rename moves the entry presented as name, as the Linux tree does: a
// shortcut keeps its .lnk suffix, and a shortcut shown under the new name
// is replaced too.
func (t *Tree) Rename(dirRel, name, newDirRel, newName string, flags uint32) error {
	if err := t.writable(); err != nil {
		return err
	}
	if flags&renameExchange != 0 {
		return syscall.EINVAL
	}
	src, err := t.Lookup(dirRel, name)
	if err != nil {
		return err
	}
	stored := newName
	if src.Stored != name && IsShortcutFormat(src.Entry.Format) {
		stored = newName + ".lnk"
	}
	var shadowed string
	if dst, err := t.Lookup(newDirRel, newName); err == nil && !strings.EqualFold(dst.Stored, stored) {
		if flags&renameNoReplace != 0 {
			return syscall.EEXIST
		}
		shadowed = dst.Stored
	}
	rflags := uint32(windows.FILE_RENAME_POSIX_SEMANTICS | windows.FILE_RENAME_IGNORE_READONLY_ATTRIBUTE)
	if flags&renameNoReplace == 0 {
		rflags |= windows.FILE_RENAME_REPLACE_IF_EXISTS
	}
	if err := t.moveTo(joinRel(dirRel, src.Stored), newDirRel, stored, fileRenameInformationEx, rflags); err != nil {
		return err
	}
	if shadowed != "" {
		if err := t.deleteEntry(joinRel(newDirRel, shadowed), windows.FILE_NON_DIRECTORY_FILE); err != nil && !errors.Is(err, syscall.ENOENT) {
			return err
		}
	}
	return nil
}

// now resolves TimeNow.
func now(ts Timespec) Timespec {
	if ts.Nsec == TimeNow {
		n := time.Now()
		return Timespec{Sec: n.Unix(), Nsec: int64(n.Nanosecond())}
	}
	return ts
}

// Setattr changes the entry at rel. Windows keeps no POSIX owner or mode:
// a change of owner is refused, and the mode sets READONLY on files.
func (t *Tree) Setattr(rel string, ch SetattrChange) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	srel, n, err := t.storedRel(rel)
	if err != nil {
		return Node{}, err
	}
	if (ch.Mode != nil || ch.Size != nil) && n.IsLink() {
		return Node{}, syscall.EPERM // links have no mode or size of their own
	}
	if ch.Uid != nil || ch.Gid != nil {
		return Node{}, syscall.EPERM
	}
	if ch.Size != nil {
		h, err := ntOpen(t.root, winRel(srel), windows.FILE_WRITE_DATA, windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE, 0)
		if err != nil {
			return Node{}, err
		}
		err = windows.Ftruncate(h, int64(*ch.Size))
		windows.CloseHandle(h)
		if err != nil {
			return Node{}, err
		}
	}
	if ch.Mode != nil || ch.Atime != nil || ch.Mtime != nil {
		err := t.withAttrs(srel, func(h windows.Handle, info entryInfo) error {
			var b fileBasicInfo
			if ch.Mode != nil && info.attrs&AttrDirectory == 0 {
				attrs := info.attrs | AttrReadOnly
				if *ch.Mode&0o200 != 0 {
					attrs &^= AttrReadOnly
				}
				b.FileAttributes = settableAttrs(attrs)
			}
			if ch.Atime != nil {
				b.LastAccessTime = toWinTime(now(*ch.Atime))
			}
			if ch.Mtime != nil {
				b.LastWriteTime = toWinTime(now(*ch.Mtime))
			}
			return setBasic(h, b)
		})
		if err != nil {
			return Node{}, err
		}
	}
	return t.Getattr(rel)
}

// withAttrs runs fn on the entry at the source path srel opened to read
// and write its attributes, with its current metadata.
func (t *Tree) withAttrs(srel string, fn func(h windows.Handle, info entryInfo) error) error {
	h, err := t.openEntry(srel, windows.FILE_WRITE_ATTRIBUTES)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	info, err := infoOf(h)
	if err != nil {
		return err
	}
	return fn(h, info)
}

// DOSAttrs returns the Windows attributes of the entry presented at rel.
func (t *Tree) DOSAttrs(rel string) (DOSAttrs, bool, error) {
	srel, _, err := t.storedRel(rel)
	if err != nil {
		return 0, false, err
	}
	h, err := t.openEntry(srel, 0)
	if err != nil {
		return 0, false, err
	}
	defer windows.CloseHandle(h)
	info, err := infoOf(h)
	return info.attrs, err == nil, err
}

// SetDOSAttrs sets the client-settable attributes (UserDOSAttrs) of the
// entry presented at rel and keeps the others: Cygwin marks its
// `!<symlink>` files SYSTEM this way.
func (t *Tree) SetDOSAttrs(rel string, attrs DOSAttrs) error {
	if err := t.writable(); err != nil {
		return err
	}
	srel, _, err := t.storedRel(rel)
	if err != nil {
		return err
	}
	return t.withAttrs(srel, func(h windows.Handle, info entryInfo) error {
		want := info.attrs&^UserDOSAttrs | attrs&UserDOSAttrs
		if want == info.attrs {
			return nil
		}
		return setBasic(h, fileBasicInfo{FileAttributes: settableAttrs(want)})
	})
}

// SetCrtime sets the creation time of the entry presented at rel.
func (t *Tree) SetCrtime(rel string, ts Timespec) error {
	if err := t.writable(); err != nil {
		return err
	}
	srel, _, err := t.storedRel(rel)
	if err != nil {
		return err
	}
	return t.withAttrs(srel, func(h windows.Handle, _ entryInfo) error {
		return setBasic(h, fileBasicInfo{CreationTime: toWinTime(now(ts))})
	})
}

// Extended attributes: Windows' EAs are not passed through.

// Getxattr answers ENOTSUP.
func (t *Tree) Getxattr(rel, attr string, dest []byte) (int, error) { return 0, syscall.ENOTSUP }

// Listxattr answers ENOTSUP.
func (t *Tree) Listxattr(rel string, dest []byte) (int, error) { return 0, syscall.ENOTSUP }

// Setxattr answers ENOTSUP.
func (t *Tree) Setxattr(rel, attr string, data []byte, flags int) error { return syscall.ENOTSUP }

// Removexattr answers ENOTSUP.
func (t *Tree) Removexattr(rel, attr string) error { return syscall.ENOTSUP }

// Statfs reports the source volume's usage.
func (t *Tree) Statfs() (StatfsInfo, error) {
	p, err := windows.UTF16PtrFromString(t.abs)
	if err != nil {
		return StatfsInfo{}, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return StatfsInfo{}, err
	}
	const bsize = 4096
	return StatfsInfo{
		Blocks: total / bsize, Bfree: free / bsize, Bavail: avail / bsize,
		Bsize: bsize, Frsize: bsize, NameLen: t.caps.maxName,
	}, nil
}
