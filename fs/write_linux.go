//go:build linux

package fs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// WriteLink stores s in the directory dir. The name must not exist yet; on
// failure nothing is left behind.
func WriteLink(dir string, s *Stored) error {
	dirfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dirfd)
	if _, err := writeAt(dirfd, s, Caller{}); err != nil {
		return fmt.Errorf("write %s link %s: %w", s.Format, filepath.Join(dir, s.Name), err)
	}
	return nil
}

// writeAt stores s as the entry s.Name of the directory dirfd, owned by
// the caller, and returns the object's stat as created. Ownership and stat
// come first: attaching a reparse point or the SYSTEM attribute changes
// the entry's type on ntfs-3g, whose kernel client then fails lookups of
// the name until its entry cache expires.
func writeAt(dirfd int, s *Stored, c Caller) (st unix.Stat_t, err error) {
	if s.Symlink != "" {
		if err := unix.Symlinkat(s.Symlink, dirfd, s.Name); err != nil {
			return st, err
		}
		if err := chownNew(dirfd, s.Name, c); err != nil {
			removeLinkAt(dirfd, s.Name)
			return st, err
		}
		return st, unix.Fstatat(dirfd, s.Name, &st, unix.AT_SYMLINK_NOFOLLOW)
	}
	if s.Dir {
		if err = unix.Mkdirat(dirfd, s.Name, 0o777); err == nil {
			if err = chownNew(dirfd, s.Name, c); err == nil {
				err = unix.Fstatat(dirfd, s.Name, &st, unix.AT_SYMLINK_NOFOLLOW)
			}
		}
	} else {
		var fd int
		fd, err = unix.Openat(dirfd, s.Name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
		if err == nil {
			err = writeAll(fd, s.Content)
			if err == nil && c.Set && unix.Geteuid() == 0 {
				err = unix.Fchown(fd, int(c.Uid), int(c.Gid))
			}
			if err == nil {
				err = unix.Fstat(fd, &st)
			}
			if cerr := unix.Close(fd); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		if !errors.Is(err, unix.EEXIST) {
			removeLinkAt(dirfd, s.Name)
		}
		return st, err
	}
	defer func() {
		if err != nil {
			removeLinkAt(dirfd, s.Name)
		}
	}()
	xpath := procPath(dirfd, s.Name)
	if s.Attrs != 0 {
		if err := writeDOSAttrs(xpath, s.Attrs); err != nil {
			return st, err
		}
	}
	if s.Reparse != nil {
		if err := unix.Lsetxattr(xpath, xattrReparse, s.Reparse, 0); err != nil {
			if errors.Is(err, unix.ENOTSUP) {
				return st, fmt.Errorf("the source cannot hold reparse points (%s is not supported): %w", xattrReparse, err)
			}
			return st, fmt.Errorf("set %s: %w", xattrReparse, err)
		}
	}
	return st, nil
}

// writeDOSAttrs sets the DOS attributes through the first xattr the source
// supports. A source without DOS attributes (ext4, tmpfs) is fine: content
// alone decides there.
func writeDOSAttrs(xpath string, a DOSAttrs) error {
	var buf [4]byte
	binary.LittleEndian.PutUint32(buf[:], uint32(a))
	for _, name := range []string{xattrNTFSAttrib, xattrDOSAttrib} {
		err := unix.Lsetxattr(xpath, name, buf[:], 0)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.ENODATA) {
			return fmt.Errorf("set %s to %s: %w", name, a, err)
		}
	}
	return nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
