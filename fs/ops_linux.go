//go:build linux

package fs

import (
	"errors"
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// TimeNow is passed to utimensat as is: it must equal UTIME_NOW (either
// array length below is negative, a compile error, if they differ).
var (
	_ [unix.UTIME_NOW - TimeNow]struct{}
	_ [TimeNow - unix.UTIME_NOW]struct{}
)

func (t *Tree) writable() error {
	if t.cfg.ReadOnly {
		return unix.EROFS
	}
	return nil
}

// chownNew gives a new entry to the caller, never following a symlink.
func chownNew(dirfd int, name string, c Caller) error {
	if !c.Set || unix.Geteuid() != 0 {
		return nil
	}
	return unix.Fchownat(dirfd, name, int(c.Uid), int(c.Gid), unix.AT_SYMLINK_NOFOLLOW)
}

// Symlink creates a link named name in dirRel pointing at target, stored
// in the tree's creation format, and returns it as presented.
func (t *Tree) Symlink(dirRel, name, target string, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	if len(target) > translate.MaxPOSIXTarget {
		return Node{}, unix.ENAMETOOLONG
	}
	var node Node
	err := t.withEntry(dirRel, name, func(d *Dir) error {
		if _, err := d.lookup(name); err == nil {
			return unix.EEXIST
		}
		format := t.symlinkFormat(target)
		stored, err := Encode(format, name, target, d.TargetIsDir(target), t.cfg.Mapper)
		if err != nil {
			return fmt.Errorf("%w: %w", unix.EINVAL, err)
		}
		entry, presented, err := d.CheckRoundTrip(&stored, target)
		if err != nil {
			return fmt.Errorf("%w: %w", unix.EINVAL, err)
		}
		st, err := d.Store(&stored, target, c)
		if err != nil {
			return err
		}
		node = Node{Stored: stored.Name, Attr: attrOf(&st), Target: presented, Entry: entry}
		node.Attr.presentAsLink(presented)
		return nil
	})
	return node, err
}

// Unlink removes the entry presented as name: the .lnk file of a shortcut,
// the directory that carries a directory-kind reparse link.
func (t *Tree) Unlink(dirRel, name string) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.withEntry(dirRel, name, func(d *Dir) error {
		// The kernel unlinks only what it shows as a file or a link.
		// When the name is stored as it is presented and is not a
		// directory, that is all: classifying first would read the head
		// of every small file rm -r removes.
		err := unix.Unlinkat(d.fd, name, 0)
		if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM) {
			return err
		}
		// A shortcut stored as name.lnk, or a directory link (a
		// junction) that takes rmdir.
		n, err := d.lookup(name)
		if err != nil {
			return err
		}
		if !n.IsLink() {
			return unix.Unlinkat(d.fd, n.Stored, 0)
		}
		return d.RemoveLink(n.Stored)
	})
}

// Rmdir removes the directory name.
func (t *Tree) Rmdir(dirRel, name string) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.withEntry(dirRel, name, func(d *Dir) error {
		return unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR)
	})
}

// makeNode runs make, which creates the entry name in the directory
// dirfd, gives the entry to the caller and returns it as presented.
func (t *Tree) makeNode(dirRel, name string, c Caller, make func(dirfd int) error) (Node, error) {
	var node Node
	err := t.withEntry(dirRel, name, func(d *Dir) error {
		if err := make(d.fd); err != nil {
			return err
		}
		if err := chownNew(d.fd, name, c); err != nil {
			return err
		}
		var err error
		node, err = d.node(name)
		return err
	})
	return node, err
}

// Mkdir creates a directory and returns it as presented.
func (t *Tree) Mkdir(dirRel, name string, mode uint32, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	return t.makeNode(dirRel, name, c, func(dirfd int) error {
		return unix.Mkdirat(dirfd, name, mode)
	})
}

// Mknod creates a special file.
func (t *Tree) Mknod(dirRel, name string, mode uint32, dev uint64, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	return t.makeNode(dirRel, name, c, func(dirfd int) error {
		return unix.Mknodat(dirfd, name, mode, int(dev))
	})
}

// Create opens name with O_CREAT and returns the open file.
func (t *Tree) Create(dirRel, name string, flags int, mode uint32, c Caller) (*os.File, Node, error) {
	if err := t.writable(); err != nil {
		return nil, Node{}, err
	}
	fd := -1
	node, err := t.makeNode(dirRel, name, c, func(dirfd int) error {
		var err error
		fd, err = unix.Openat(dirfd, name, flags|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		return err
	})
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, node, err
	}
	return os.NewFile(uintptr(fd), path.Join(dirRel, name)), node, nil
}

// Tmpfile creates an unnamed regular file in dirRel (O_TMPFILE) and
// returns it open, with its attributes.
func (t *Tree) Tmpfile(dirRel string, flags int, mode uint32, c Caller) (*os.File, Attr, error) {
	if err := t.writable(); err != nil {
		return nil, Attr{}, err
	}
	d, err := t.OpenDir(dirRel)
	if err != nil {
		return nil, Attr{}, err
	}
	defer d.Close()
	fd, err := unix.Openat(d.fd, ".", flags|unix.O_TMPFILE|unix.O_CLOEXEC, mode)
	if err != nil {
		return nil, Attr{}, err
	}
	var st unix.Stat_t
	if c.Set && unix.Geteuid() == 0 {
		err = unix.Fchown(fd, int(c.Uid), int(c.Gid))
	}
	if err == nil {
		err = unix.Fstat(fd, &st)
	}
	if err != nil {
		unix.Close(fd)
		return nil, Attr{}, err
	}
	return os.NewFile(uintptr(fd), path.Join(dirRel, "(tmpfile)")), attrOf(&st), nil
}

// Open opens the file at rel beneath the root, never following a symlink
// in any component.
func (t *Tree) Open(rel string, flags int) (*os.File, error) {
	if t.cfg.ReadOnly && flags&(unix.O_WRONLY|unix.O_RDWR|unix.O_TRUNC) != 0 {
		return nil, unix.EROFS
	}
	fd, err := t.openBeneath(rel, flags|unix.O_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// Link makes a hard link newName in newDirRel to the entry at oldRel.
func (t *Tree) Link(oldRel, newDirRel, newName string) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	oldDir, oldName := splitRel(oldRel)
	var node Node
	err := t.withEntry(oldDir, oldName, func(od *Dir) error {
		src, err := od.lookup(oldName)
		if err != nil {
			return err
		}
		return t.withEntry(newDirRel, newName, func(nd *Dir) error {
			stored := newName
			if src.Stored != oldName && IsShortcutFormat(src.Entry.Format) {
				stored = newName + ".lnk"
			}
			if err := unix.Linkat(od.fd, src.Stored, nd.fd, stored, 0); err != nil {
				return err
			}
			node, err = nd.node(stored)
			return err
		})
	})
	return node, err
}

// Rename moves the entry presented as name. A shortcut keeps its .lnk
// suffix under its new name; a presented name hidden by a shortcut that is
// replaced loses the old shortcut, so `ln -sf` over it leaves one link.
func (t *Tree) Rename(dirRel, name, newDirRel, newName string, flags uint32) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.withEntry(dirRel, name, func(od *Dir) error {
		src, err := od.lookup(name)
		if err != nil {
			return err
		}
		return t.withEntry(newDirRel, newName, func(nd *Dir) error {
			stored := newName
			if src.Stored != name && IsShortcutFormat(src.Entry.Format) {
				stored = newName + ".lnk"
			}
			// The destination as presented may be a shortcut stored under
			// another name; it is replaced too.
			var shadowed string
			if dst, err := nd.lookup(newName); err == nil && dst.Stored != stored {
				if flags&unix.RENAME_NOREPLACE != 0 {
					return unix.EEXIST
				}
				shadowed = dst.Stored
			}
			if err := unix.Renameat2(od.fd, src.Stored, nd.fd, stored, uint(flags)); err != nil {
				return err
			}
			if shadowed != "" && flags&unix.RENAME_EXCHANGE == 0 {
				if err := unix.Unlinkat(nd.fd, shadowed, 0); err != nil && !errors.Is(err, unix.ENOENT) {
					return err
				}
			}
			return nil
		})
	})
}

// Setattr changes the entry at rel. Mode and size changes go through a
// descriptor of the entry itself, so a symlink swapped in on the source is
// never followed.
func (t *Tree) Setattr(rel string, ch SetattrChange) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	if rel == "" {
		if err := t.setattrRoot(ch); err != nil {
			return Node{}, err
		}
		return t.Getattr("")
	}
	dir, name := splitRel(rel)
	var node Node
	err := t.withEntry(dir, name, func(d *Dir) error {
		n, err := d.lookup(name)
		if err != nil {
			return err
		}
		dirfd := d.fd
		if ch.Mode != nil || ch.Size != nil {
			if n.IsLink() {
				return unix.EPERM // links have no mode or size of their own
			}
			if err := setModeSize(dirfd, n.Stored, ch); err != nil {
				return err
			}
		}
		if ch.Uid != nil || ch.Gid != nil {
			uid, gid := -1, -1
			if ch.Uid != nil {
				uid = int(*ch.Uid)
			}
			if ch.Gid != nil {
				gid = int(*ch.Gid)
			}
			if err := unix.Fchownat(dirfd, n.Stored, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return err
			}
		}
		if ch.Atime != nil || ch.Mtime != nil {
			if err := unix.UtimesNanoAt(dirfd, n.Stored, utimes(ch), unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return err
			}
		}
		node, err = d.node(n.Stored)
		return err
	})
	return node, err
}

// setattrRoot changes the source root itself, through its descriptor: its
// /proc path (followed to the directory) for mode and times, and
// AT_EMPTY_PATH for ownership.
func (t *Tree) setattrRoot(ch SetattrChange) error {
	if ch.Size != nil {
		return unix.EISDIR
	}
	self := procPath(t.rootFd, "")
	if ch.Mode != nil {
		if err := unix.Chmod(self, *ch.Mode&0o7777); err != nil {
			return err
		}
	}
	if ch.Uid != nil || ch.Gid != nil {
		uid, gid := -1, -1
		if ch.Uid != nil {
			uid = int(*ch.Uid)
		}
		if ch.Gid != nil {
			gid = int(*ch.Gid)
		}
		if err := unix.Fchownat(t.rootFd, "", uid, gid, unix.AT_EMPTY_PATH); err != nil {
			return err
		}
	}
	if ch.Atime != nil || ch.Mtime != nil {
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, self, utimes(ch), 0); err != nil {
			return err
		}
	}
	return nil
}

// utimes builds utimensat's times; UTIME_OMIT leaves a time unchanged.
func utimes(ch SetattrChange) []unix.Timespec {
	ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	if ch.Atime != nil {
		ts[0] = unix.Timespec{Sec: ch.Atime.Sec, Nsec: ch.Atime.Nsec}
	}
	if ch.Mtime != nil {
		ts[1] = unix.Timespec{Sec: ch.Mtime.Sec, Nsec: ch.Mtime.Nsec}
	}
	return ts
}

func setModeSize(dirfd int, name string, ch SetattrChange) error {
	flags := unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if ch.Size != nil {
		flags = unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	}
	fd, err := unix.Openat(dirfd, name, flags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if ch.Size != nil {
		if err := unix.Ftruncate(fd, int64(*ch.Size)); err != nil {
			return err
		}
	}
	if ch.Mode != nil {
		// fchmod refuses O_PATH descriptors; the /proc path names this very
		// inode, whatever happens to the name meanwhile.
		if err := unix.Chmod(procPath(fd, ""), *ch.Mode&0o7777); err != nil {
			return err
		}
	}
	return nil
}

// xattrOp runs fn on a path naming the entry presented at rel through its
// directory's descriptor, and says whether fn must follow the path's last
// component: for an entry, l*xattr calls do not follow it; for the root,
// the path is the descriptor's own /proc link, which must be followed to
// reach the directory.
func (t *Tree) xattrOp(rel string, fn func(xpath string, follow bool) error) error {
	if rel == "" {
		return fn(procPath(t.rootFd, ""), true)
	}
	dir, name := splitRel(rel)
	return t.withEntry(dir, name, func(d *Dir) error {
		// Most presented names are stored names: try that first (ls -l
		// asks for security.selinux on every entry), and resolve the
		// stored name of a shortcut only when the name is not there.
		err := fn(procPath(d.fd, name), false)
		if !errors.Is(err, unix.ENOENT) {
			return err
		}
		n, err := d.lookup(name)
		if err != nil || n.Stored == name {
			return err
		}
		return fn(procPath(d.fd, n.Stored), false)
	})
}

// Getxattr reads an extended attribute of the entry at rel.
func (t *Tree) Getxattr(rel, attr string, dest []byte) (int, error) {
	var n int
	err := t.xattrOp(rel, func(xpath string, follow bool) error {
		var err error
		if follow {
			n, err = unix.Getxattr(xpath, attr, dest)
		} else {
			n, err = unix.Lgetxattr(xpath, attr, dest)
		}
		return err
	})
	return n, err
}

// Listxattr lists the extended attributes of the entry at rel.
func (t *Tree) Listxattr(rel string, dest []byte) (int, error) {
	var n int
	err := t.xattrOp(rel, func(xpath string, follow bool) error {
		var err error
		if follow {
			n, err = unix.Listxattr(xpath, dest)
		} else {
			n, err = unix.Llistxattr(xpath, dest)
		}
		return err
	})
	return n, err
}

// Setxattr sets an extended attribute of the entry at rel.
func (t *Tree) Setxattr(rel, attr string, data []byte, flags int) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.xattrOp(rel, func(xpath string, follow bool) error {
		if follow {
			return unix.Setxattr(xpath, attr, data, flags)
		}
		return unix.Lsetxattr(xpath, attr, data, flags)
	})
}

// Removexattr removes an extended attribute of the entry at rel.
func (t *Tree) Removexattr(rel, attr string) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.xattrOp(rel, func(xpath string, follow bool) error {
		if follow {
			return unix.Removexattr(xpath, attr)
		}
		return unix.Lremovexattr(xpath, attr)
	})
}

// Statfs reports the source file system's usage.
func (t *Tree) Statfs() (StatfsInfo, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(t.rootFd, &st); err != nil {
		return StatfsInfo{}, err
	}
	return StatfsInfo{
		Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail, Files: st.Files, Ffree: st.Ffree,
		Bsize: uint32(st.Bsize), Frsize: uint32(st.Frsize), NameLen: uint32(st.Namelen),
	}, nil
}
