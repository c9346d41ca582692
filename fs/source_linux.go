//go:build linux

package fs

import (
	"encoding/binary"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/internal/mountinfo"
	"github.com/linkfs/linkfs/translate"
)

// Extended attributes through which Linux drivers expose NTFS metadata.
const (
	xattrReparse    = "system.ntfs_reparse_data" // ntfs-3g: the raw reparse buffer
	xattrNTFSAttrib = "system.ntfs_attrib"       // ntfs-3g and ntfs3: le32 DOS attributes
	xattrDOSAttrib  = "system.dos_attrib"        // ntfs3: DOS attributes
	xattrCIFSAttrib = "user.cifs.dosattrib"      // cifs: DOS attributes
)

// ClassifyPath classifies the entry at path without following it: a link
// of any format, or a plain entry. The error is non-nil only when the entry
// could not be read at all.
func ClassifyPath(path string, opts *Options) (Entry, error) {
	dir, name := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	if name == "" || name == ".." {
		dir, name = path, "."
	}
	dirfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return Entry{}, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dirfd)
	e, err := classifyAt(dirfd, name, opts, everyCap)
	if err != nil {
		return e, fmt.Errorf("classify %s: %w", path, err)
	}
	return e, nil
}

// everyCap makes the classifier ask for every kind of NTFS metadata, for
// one-off classification of paths on file systems not probed in advance.
var everyCap = sourceCaps{reparse: true, attrNames: dosAttrXattrs}

// dosAttrXattrs lists the xattrs through which drivers expose DOS attributes.
var dosAttrXattrs = []string{xattrNTFSAttrib, xattrDOSAttrib, xattrCIFSAttrib}

// classifyAt classifies name inside the directory dirfd. name is a single
// component, so nothing outside dirfd is ever reached. caps says which
// metadata the source can have, sparing system calls that cannot succeed.
func classifyAt(dirfd int, name string, opts *Options, caps sourceCaps) (Entry, error) {
	return classifyStat(dirfd, name, nil, opts, caps)
}

// classifyStat is classifyAt for an entry the caller has just stat'ed
// (lstat), sparing a second fstatat; a nil known stats here.
func classifyStat(dirfd int, name string, known *unix.Stat_t, opts *Options, caps sourceCaps) (Entry, error) {
	xpath := procPath(dirfd, name)
	p := probe{name: name}
	var reparse []byte
	var rerr error
	if caps.reparse {
		reparse, rerr = readReparse(xpath)
	}
	var st unix.Stat_t
	var serr error
	if known != nil {
		st = *known
	} else {
		serr = unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	}
	if serr != nil && reparse == nil {
		return Entry{}, &os.PathError{Op: "lstat", Path: name, Err: serr}
	}
	p.attrs, p.hasAttrs = readDOSAttrs(xpath, caps.attrNames)
	if serr == nil {
		p.typ = fileType(st.Mode)
		p.size = st.Size
	} else if p.attrs&AttrDirectory != 0 {
		// ntfs-3g cannot stat some reparse points (UNC and NFS targets);
		// the raw buffer and attributes still say what they are.
		p.typ = iofs.ModeDir
	} else {
		p.typ = iofs.ModeSymlink
	}
	p.reparse = reparse
	p.readlink = func() (string, error) { return readlinkAt(dirfd, name) }
	head := fileHead{dirfd: dirfd, name: name, st: &st}
	defer head.close()
	p.readHead = head.read
	e, err := decide(&p, opts)
	if rerr != nil && err == nil && e.Err == nil {
		e.Err = rerr
	}
	return e, err
}

// readReparse returns the raw reparse buffer, nil when the entry has none or
// the file system does not expose one.
func readReparse(xpath string) ([]byte, error) {
	buf := make([]byte, translate.MaxReparseSize+1)
	n, err := unix.Lgetxattr(xpath, xattrReparse, buf)
	switch {
	case err == nil:
		return buf[:n], nil
	case errors.Is(err, unix.ERANGE):
		return nil, fmt.Errorf("reparse data larger than %d bytes", translate.MaxReparseSize)
	}
	return nil, nil // ENODATA, ENOTSUP: no reparse point here
}

// readDOSAttrs returns the DOS attributes from whichever xattr the driver
// offers.
func readDOSAttrs(xpath string, names []string) (DOSAttrs, bool) {
	var buf [8]byte
	for _, name := range names {
		n, err := unix.Lgetxattr(xpath, name, buf[:])
		if err != nil {
			continue
		}
		switch n {
		case 1:
			return DOSAttrs(buf[0]), true
		case 4, 8:
			return DOSAttrs(binary.LittleEndian.Uint32(buf[:4])), true
		}
	}
	return 0, false
}

func readlinkAt(dirfd int, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", &os.PathError{Op: "readlink", Path: name, Err: err}
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		if len(buf) > unix.PathMax {
			return "", &os.PathError{Op: "readlink", Path: name, Err: unix.ENAMETOOLONG}
		}
		buf = make([]byte, 2*len(buf))
	}
}

// fileHead reads the start of a regular file, opened at most once, never
// following a symlink and never blocking on a FIFO or device that was
// swapped in after the lstat.
type fileHead struct {
	dirfd int
	name  string
	st    *unix.Stat_t
	fd    int
	open  bool
}

func (h *fileHead) read(n int) ([]byte, error) {
	if !h.open {
		flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
		fd, err := unix.Openat(h.dirfd, h.name, flags|unix.O_NOATIME, 0)
		if errors.Is(err, unix.EPERM) { // O_NOATIME needs ownership
			fd, err = unix.Openat(h.dirfd, h.name, flags, 0)
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: h.name, Err: err}
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return nil, &os.PathError{Op: "fstat", Path: h.name, Err: err}
		}
		if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Ino != h.st.Ino || st.Dev != h.st.Dev {
			unix.Close(fd)
			return nil, &os.PathError{Op: "open", Path: h.name, Err: errors.New("entry changed while being classified")}
		}
		h.fd, h.open = fd, true
	}
	n = int(min(int64(n), h.st.Size))
	buf := make([]byte, n)
	got := 0
	for got < n {
		m, err := unix.Pread(h.fd, buf[got:], int64(got))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: h.name, Err: err}
		}
		if m == 0 {
			break
		}
		got += m
	}
	return buf[:got], nil
}

func (h *fileHead) close() {
	if h.open {
		unix.Close(h.fd)
		h.open = false
	}
}

func fileType(mode uint32) iofs.FileMode {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return iofs.ModeDir
	case unix.S_IFLNK:
		return iofs.ModeSymlink
	case unix.S_IFIFO:
		return iofs.ModeNamedPipe
	case unix.S_IFSOCK:
		return iofs.ModeSocket
	case unix.S_IFCHR:
		return iofs.ModeDevice | iofs.ModeCharDevice
	case unix.S_IFBLK:
		return iofs.ModeDevice
	}
	return 0
}

// VolumeDepth returns how many directories lie between the root of the
// volume holding dir and dir itself (0 for the root): the depth that NTFS
// targets rooted at the volume (`\a\b`) are resolved against. The volume
// is the mounted file system holding dir; a bind mount of one of its
// subdirectories counts from the volume's own root.
func VolumeDepth(dir string) (int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	mounts, err := mountinfo.Self()
	if err != nil {
		return 0, err
	}
	m, ok := mountinfo.Holding(mounts, abs)
	if !ok {
		return 0, fmt.Errorf("no mount holds %s", abs)
	}
	rel, err := filepath.Rel(m.MountPoint, abs)
	if err != nil {
		return 0, err
	}
	return countNames(path.Join(m.Root, rel)), nil
}
