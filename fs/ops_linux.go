//go:build linux

package fs

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// Caller is who asks for an operation; new entries are given to them when
// the daemon runs as root, as the kernel would for a local file system.
type Caller struct {
	Uid, Gid uint32
	Set      bool // false: leave ownership to the daemon's identity
}

func (t *Tree) writable() error {
	if t.cfg.ReadOnly {
		return unix.EROFS
	}
	return nil
}

// withDir runs fn with dirRel opened beneath the root.
func (t *Tree) withDir(dirRel string, fn func(dirfd int) error) error {
	dirfd, err := t.OpenDir(dirRel)
	if err != nil {
		return err
	}
	defer unix.Close(dirfd)
	return fn(dirfd)
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
	err := t.withDir(dirRel, func(dirfd int) error {
		if _, err := t.lookupAt(dirfd, dirRel, name); err == nil {
			return unix.EEXIST
		}
		format := t.symlinkFormat(target)
		stored, err := Encode(format, name, target, t.targetIsDir(dirRel, target), t.cfg.Mapper)
		if err != nil {
			return fmt.Errorf("%w: %w", unix.EINVAL, err)
		}
		if err := t.checkRoundTrip(dirRel, &stored, target); err != nil {
			return err
		}
		if err := writeAt(dirfd, &stored); err != nil {
			return err
		}
		if err := chownNew(dirfd, stored.Name, c); err != nil {
			return err
		}
		node, err = t.nodeAt(dirfd, dirRel, stored.Name)
		return err
	})
	return node, err
}

// symlinkFormat applies the creation policy: auto on NTFS stores an NTFS
// symlink when the target has a Windows form, an LX symlink otherwise.
func (t *Tree) symlinkFormat(target string) translate.Format {
	if t.create != translate.NTFSSymlink || (t.cfg.Create != CreateAuto && t.cfg.Create != "") {
		return t.create
	}
	if _, err := t.cfg.Mapper.ToWindows(target); err != nil {
		return translate.LXSymlink
	}
	return translate.NTFSSymlink
}

// targetIsDir reports whether a relative target resolves to a directory
// inside the tree; Windows needs directory links to be directories. Other
// targets cannot be checked and get the file kind, as Linux cifs does.
func (t *Tree) targetIsDir(dirRel, target string) bool {
	if strings.HasPrefix(target, "/") {
		return false
	}
	rel := path.Clean(path.Join(dirRel, target))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return false
	}
	fd, err := t.OpenDir(strings.TrimPrefix(rel, "."))
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// checkRoundTrip refuses a link that would not read back as what ln -s
// was given (up to the configured style of drive paths): better an error
// than a link that silently points elsewhere.
func (t *Tree) checkRoundTrip(dirRel string, s *Stored, target string) error {
	if s.Symlink != "" {
		return nil
	}
	want, err := t.cfg.Mapper.Normalize(target)
	if err != nil {
		want = target
	}
	var e Entry
	if s.Reparse != nil {
		p := probe{name: s.Name, reparse: s.Reparse}
		e, _ = decide(&p, &t.cfg.Classify)
	} else {
		p := probe{name: s.Name, typ: 0, size: int64(len(s.Content)),
			attrs: s.Attrs, hasAttrs: true,
			readHead: func(n int) ([]byte, error) { return s.Content[:min(n, len(s.Content))], nil }}
		e, _ = decide(&p, &t.cfg.Classify)
	}
	if !e.IsLink() {
		return fmt.Errorf("%w: %s link to %q does not decode: %v", unix.EINVAL, s.Format, target, e.Err)
	}
	got, err := t.present(dirRel, &e)
	if err != nil || got != want {
		return fmt.Errorf("%w: %s link to %q would read back as %q", unix.EINVAL, s.Format, target, got)
	}
	return nil
}

// resolveStored returns the stored name of the entry presented as name.
func (t *Tree) resolveStored(dirfd int, dirRel, name string) (Node, error) {
	return t.lookupAt(dirfd, dirRel, name)
}

// Unlink removes the entry presented as name: the .lnk file of a shortcut,
// the directory that carries a directory-kind reparse link.
func (t *Tree) Unlink(dirRel, name string) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.withDir(dirRel, func(dirfd int) error {
		n, err := t.resolveStored(dirfd, dirRel, name)
		if err != nil {
			return err
		}
		err = unix.Unlinkat(dirfd, n.Stored, 0)
		if n.IsLink() && (errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EPERM)) {
			err = unix.Unlinkat(dirfd, n.Stored, unix.AT_REMOVEDIR)
		}
		return err
	})
}

// Rmdir removes the directory name.
func (t *Tree) Rmdir(dirRel, name string) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.withDir(dirRel, func(dirfd int) error {
		return unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
	})
}

// Mkdir creates a directory and returns it as presented.
func (t *Tree) Mkdir(dirRel, name string, mode uint32, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	var node Node
	err := t.withDir(dirRel, func(dirfd int) error {
		if err := unix.Mkdirat(dirfd, name, mode); err != nil {
			return err
		}
		if err := chownNew(dirfd, name, c); err != nil {
			return err
		}
		var err error
		node, err = t.nodeAt(dirfd, dirRel, name)
		return err
	})
	return node, err
}

// Mknod creates a special file.
func (t *Tree) Mknod(dirRel, name string, mode uint32, dev uint64, c Caller) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	var node Node
	err := t.withDir(dirRel, func(dirfd int) error {
		if err := unix.Mknodat(dirfd, name, mode, int(dev)); err != nil {
			return err
		}
		if err := chownNew(dirfd, name, c); err != nil {
			return err
		}
		var err error
		node, err = t.nodeAt(dirfd, dirRel, name)
		return err
	})
	return node, err
}

// Create opens name with O_CREAT and returns the open descriptor.
func (t *Tree) Create(dirRel, name string, flags int, mode uint32, c Caller) (int, Node, error) {
	if err := t.writable(); err != nil {
		return -1, Node{}, err
	}
	fd := -1
	var node Node
	err := t.withDir(dirRel, func(dirfd int) error {
		var err error
		fd, err = unix.Openat(dirfd, name, flags|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		if err != nil {
			return err
		}
		if err := chownNew(dirfd, name, c); err != nil {
			return err
		}
		node, err = t.nodeAt(dirfd, dirRel, name)
		return err
	})
	if err != nil && fd >= 0 {
		unix.Close(fd)
		fd = -1
	}
	return fd, node, err
}

// Open opens the regular file at rel beneath the root, never following a
// symlink in any component.
func (t *Tree) Open(rel string, flags int) (int, error) {
	if t.cfg.ReadOnly && flags&(unix.O_WRONLY|unix.O_RDWR|unix.O_TRUNC) != 0 {
		return -1, unix.EROFS
	}
	return t.openBeneath(rel, flags|unix.O_CLOEXEC)
}

// Link makes a hard link newName in newDirRel to the entry at oldRel.
func (t *Tree) Link(oldRel, newDirRel, newName string) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	oldDir, oldName := splitRel(oldRel)
	var node Node
	err := t.withDir(oldDir, func(olddirfd int) error {
		src, err := t.resolveStored(olddirfd, oldDir, oldName)
		if err != nil {
			return err
		}
		return t.withDir(newDirRel, func(newdirfd int) error {
			stored := newName
			if src.Stored != oldName && isShortcutFormat(src.Entry.Format) {
				stored = newName + ".lnk"
			}
			if err := unix.Linkat(olddirfd, src.Stored, newdirfd, stored, 0); err != nil {
				return err
			}
			node, err = t.nodeAt(newdirfd, newDirRel, stored)
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
	return t.withDir(dirRel, func(olddirfd int) error {
		src, err := t.resolveStored(olddirfd, dirRel, name)
		if err != nil {
			return err
		}
		return t.withDir(newDirRel, func(newdirfd int) error {
			stored := newName
			if src.Stored != name && isShortcutFormat(src.Entry.Format) {
				stored = newName + ".lnk"
			}
			// The destination as presented may be a shortcut stored under
			// another name; it is replaced too.
			var shadowed string
			if dst, err := t.lookupAt(newdirfd, newDirRel, newName); err == nil && dst.Stored != stored {
				if flags&unix.RENAME_NOREPLACE != 0 {
					return unix.EEXIST
				}
				shadowed = dst.Stored
			}
			if err := unix.Renameat2(olddirfd, src.Stored, newdirfd, stored, uint(flags)); err != nil {
				return err
			}
			if shadowed != "" && flags&unix.RENAME_EXCHANGE == 0 {
				if err := unix.Unlinkat(newdirfd, shadowed, 0); err != nil && !errors.Is(err, unix.ENOENT) {
					return err
				}
			}
			return nil
		})
	})
}

// SetattrChange is what Setattr changes; nil fields stay.
type SetattrChange struct {
	Mode         *uint32
	Uid, Gid     *uint32
	Size         *uint64
	Atime, Mtime *unix.Timespec // UTIME_NOW and UTIME_OMIT allowed
}

// Setattr changes the entry at rel. Mode and size changes go through a
// descriptor of the entry itself, so a symlink swapped in on the source is
// never followed.
func (t *Tree) Setattr(rel string, ch SetattrChange) (Node, error) {
	if err := t.writable(); err != nil {
		return Node{}, err
	}
	dir, name := splitRel(rel)
	var node Node
	err := t.withDir(dir, func(dirfd int) error {
		n, err := t.resolveStored(dirfd, dir, name)
		if err != nil {
			return err
		}
		if ch.Mode != nil || ch.Size != nil {
			if n.IsLink() {
				return unix.EPERM // links have no mode or size of their own
			}
			if err := t.setModeSize(dirfd, n.Stored, ch); err != nil {
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
			ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
			if ch.Atime != nil {
				ts[0] = *ch.Atime
			}
			if ch.Mtime != nil {
				ts[1] = *ch.Mtime
			}
			if err := unix.UtimesNanoAt(dirfd, n.Stored, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return err
			}
		}
		node, err = t.nodeAt(dirfd, dir, n.Stored)
		return err
	})
	return node, err
}

func (t *Tree) setModeSize(dirfd int, name string, ch SetattrChange) error {
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
		if err := unix.Chmod(fmt.Sprintf("/proc/self/fd/%d", fd), *ch.Mode&0o7777); err != nil {
			return err
		}
	}
	return nil
}

// xattrPath names the entry presented as name through its directory's
// descriptor; l*xattr calls on it do not follow the last component.
func (t *Tree) xattrOp(rel string, fn func(xpath string) error) error {
	dir, name := splitRel(rel)
	if rel == "" {
		return fn(fmt.Sprintf("/proc/self/fd/%d", t.rootFd))
	}
	return t.withDir(dir, func(dirfd int) error {
		n, err := t.resolveStored(dirfd, dir, name)
		if err != nil {
			return err
		}
		return fn(fmt.Sprintf("/proc/self/fd/%d/%s", dirfd, n.Stored))
	})
}

// Getxattr reads an extended attribute of the entry at rel.
func (t *Tree) Getxattr(rel, attr string, dest []byte) (int, error) {
	var n int
	err := t.xattrOp(rel, func(xpath string) error {
		var err error
		n, err = unix.Lgetxattr(xpath, attr, dest)
		return err
	})
	return n, err
}

// Listxattr lists the extended attributes of the entry at rel.
func (t *Tree) Listxattr(rel string, dest []byte) (int, error) {
	var n int
	err := t.xattrOp(rel, func(xpath string) error {
		var err error
		n, err = unix.Llistxattr(xpath, dest)
		return err
	})
	return n, err
}

// Setxattr sets an extended attribute of the entry at rel.
func (t *Tree) Setxattr(rel, attr string, data []byte, flags int) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.xattrOp(rel, func(xpath string) error { return unix.Lsetxattr(xpath, attr, data, flags) })
}

// Removexattr removes an extended attribute of the entry at rel.
func (t *Tree) Removexattr(rel, attr string) error {
	if err := t.writable(); err != nil {
		return err
	}
	return t.xattrOp(rel, func(xpath string) error { return unix.Lremovexattr(xpath, attr) })
}

// Statfs reports the source file system's usage.
func (t *Tree) Statfs(st *unix.Statfs_t) error { return unix.Fstatfs(t.rootFd, st) }
