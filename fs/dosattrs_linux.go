//go:build linux

package fs

import (
	"encoding/binary"
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// xattrNTFSCrtime is ntfs-3g's creation time: le64 NTFS time (100 ns
// intervals since 1601-01-01 UTC).
const xattrNTFSCrtime = "system.ntfs_crtime"

// DOSAttrs returns the DOS attributes of the entry presented at rel (the
// stored entry of a link); ok is false when the source keeps none (ext4,
// tmpfs).
func (t *Tree) DOSAttrs(rel string) (attrs DOSAttrs, ok bool, err error) {
	if len(t.caps.attrNames) == 0 {
		return 0, false, nil
	}
	var buf [8]byte
	n, err := t.Getxattr(rel, t.caps.attrNames[0], buf[:])
	if err != nil {
		return 0, false, err
	}
	a, ok := decodeDOSAttrs(buf[:n])
	return a, ok, nil
}

// SetDOSAttrs sets the client-settable attributes (UserDOSAttrs) of the
// entry presented at rel to those in attrs and keeps the others. Cygwin
// on a WinFsp mount marks its `!<symlink>` files SYSTEM this way: the bit
// must reach the source or Cygwin will not read its own link back. A
// source without DOS attributes answers ENOTSUP.
func (t *Tree) SetDOSAttrs(rel string, attrs DOSAttrs) error {
	if err := t.writable(); err != nil {
		return err
	}
	if len(t.caps.attrNames) == 0 {
		return unix.ENOTSUP
	}
	name := t.caps.attrNames[0]
	var buf [8]byte
	n, err := t.Getxattr(rel, name, buf[:])
	if err != nil {
		return err
	}
	old, ok := decodeDOSAttrs(buf[:n])
	if !ok {
		return unix.ENOTSUP
	}
	attrs = old&^UserDOSAttrs | attrs&UserDOSAttrs
	if attrs == old {
		return nil
	}
	// Written back in the width the driver uses (ntfs3 keeps one byte).
	if n == 1 {
		buf[0] = byte(attrs)
	} else {
		binary.LittleEndian.PutUint32(buf[:4], uint32(attrs))
	}
	return t.Setxattr(rel, name, buf[:n], 0)
}

func decodeDOSAttrs(b []byte) (DOSAttrs, bool) {
	switch len(b) {
	case 1:
		return DOSAttrs(b[0]), true
	case 4, 8:
		return DOSAttrs(binary.LittleEndian.Uint32(b[:4])), true
	}
	return 0, false
}

// SetCrtime sets the creation time of the entry presented at rel where the
// source keeps one (ntfs-3g); elsewhere it answers ENOTSUP.
func (t *Tree) SetCrtime(rel string, ts Timespec) error {
	if err := t.writable(); err != nil {
		return err
	}
	if len(t.caps.attrNames) == 0 || t.caps.attrNames[0] != xattrNTFSAttrib {
		return unix.ENOTSUP
	}
	if ts.Nsec == TimeNow {
		now := time.Now()
		ts = Timespec{Sec: now.Unix(), Nsec: int64(now.Nanosecond())}
	}
	ntfs := toWinTime(ts)
	if ntfs < 0 {
		return unix.EINVAL
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(ntfs))
	err := t.Setxattr(rel, xattrNTFSCrtime, buf[:], 0)
	if errors.Is(err, unix.ENODATA) || errors.Is(err, unix.EOPNOTSUPP) {
		return unix.ENOTSUP
	}
	return err
}
