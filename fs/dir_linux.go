//go:build linux

package fs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// Dir is one directory of SOURCE, opened beneath the root without
// following any symlink: the one way the tree, scan and convert reach an
// entry. Every operation names a single component relative to its
// descriptor (the *at system calls), as gocryptfs's prepareAtSyscall
// does, so neither a ".." nor a symlink swapped in on the source leads
// outside SOURCE.
type Dir struct {
	t   *Tree
	rel string // below the root, "" for the root
	fd  int
	// caps are those of the file system holding the directory, which is
	// not the root's where a walk crosses a mount point.
	caps sourceCaps
}

// OpenDir opens the directory rel (slash-separated, relative to the
// source root, "" for the root) to work on its entries.
func (t *Tree) OpenDir(rel string) (*Dir, error) {
	return t.openDir(rel, unix.O_PATH)
}

// ListDir opens the directory rel to list it as well; with
// Config.KeepAtime its access time stays as it was where the caller owns
// it (O_NOATIME).
func (t *Tree) ListDir(rel string) (*Dir, error) {
	if t.cfg.KeepAtime {
		d, err := t.openDir(rel, unix.O_RDONLY|unix.O_NOATIME)
		if !errors.Is(err, unix.EPERM) { // O_NOATIME needs ownership
			return d, err
		}
	}
	return t.openDir(rel, unix.O_RDONLY)
}

func (t *Tree) openDir(rel string, flags int) (*Dir, error) {
	fd, err := t.openBeneath(rel, flags|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &Dir{t: t, rel: rel, fd: fd, caps: t.capsOf(fd)}, nil
}

// withDir runs fn on the directory dirRel.
func (t *Tree) withDir(dirRel string, fn func(d *Dir) error) error {
	d, err := t.OpenDir(dirRel)
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(d)
}

// checkName refuses a name that is not a single entry of a directory:
// "..", or a path holding a slash, which the *at calls would resolve
// past the directory's descriptor and, from the root, outside SOURCE.
// The FUSE front ends only pass names the kernel split, but every name
// a Tree method is given must stay inside SOURCE.
func checkName(name string) error {
	switch {
	case name == "..":
		return unix.EXDEV // as openat2 answers a path that leaves the root
	case strings.Contains(name, "/"):
		return unix.EINVAL
	}
	return nil
}

// withEntry runs fn on the directory dirRel for its entry name, which
// must be a single name (see checkName).
func (t *Tree) withEntry(dirRel, name string, fn func(d *Dir) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	return t.withDir(dirRel, fn)
}

// Close releases the directory.
func (d *Dir) Close() error { return unix.Close(d.fd) }

// Rel returns the directory's path below the source root.
func (d *Dir) Rel() string { return d.rel }

// HoldsReparse reports whether the directory's file system exposes raw
// reparse data (ntfs-3g): there any entry, directories too, may be a link.
func (d *Dir) HoldsReparse() bool { return d.caps.reparse }

// procPath names the entry name of the directory descriptor fd ("" for
// the directory itself) through /proc/self/fd: the kernel has already
// walked to the directory, so only name is resolved, and the l*xattr
// calls do not follow it.
func procPath(fd int, name string) string {
	p := "/proc/self/fd/" + strconv.Itoa(fd)
	if name != "" {
		p += "/" + name
	}
	return p
}

// Lstat stats the entry name without following it.
func (d *Dir) Lstat(name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	return st, err
}

// Classify classifies the entry name (see classifyStat).
func (d *Dir) Classify(name string) (Entry, error) {
	return classifyStat(d.fd, name, nil, &d.t.cfg.Classify, d.caps)
}

// Present returns the POSIX target a link in the directory shows.
func (d *Dir) Present(e *Entry) (string, error) { return d.t.present(d.rel, e) }

// Fits reports why links of format f cannot live in the directory's file
// system, or nil when they can.
func (d *Dir) Fits(f translate.Format) error { return fits(f, d.caps) }

// fits checks that a file system with caps can hold links of format f.
func fits(f translate.Format, caps sourceCaps) error {
	switch {
	case IsReparse(f) && !caps.reparse:
		return fmt.Errorf("%s links are reparse points, and this file system holds none (it exposes no %s; use an ntfs-3g mount)", f, xattrReparse)
	case f == translate.Native && caps.reparse:
		return fmt.Errorf("this is NTFS, which has no native symlinks (ntfs-3g would store an Interix or LX link); choose lx, interix or ntfs")
	}
	return nil
}

// TargetIsDir reports whether a link in the directory to target leads to
// a directory of the tree (see targetBelow).
func (d *Dir) TargetIsDir(target string) bool {
	rel, ok := targetBelow(d.rel, target)
	if !ok {
		return false
	}
	fd, err := d.t.openBeneath(rel, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// CheckRoundTrip checks that s, a link to target about to be stored in the
// directory, reads back as target (see checkRoundTrip).
func (d *Dir) CheckRoundTrip(s *Stored, target string) (Entry, string, error) {
	return d.t.checkRoundTrip(d.rel, s, target)
}

// Store writes s as a new entry of the directory, owned by the caller, and
// returns its stat as created. On ntfs-3g an Interix link is written by
// ntfs-3g itself when it runs in its default Interix mode: the same bytes,
// and the entry is a symlink from the start instead of a regular file
// that changes type.
func (d *Dir) Store(s *Stored, target string, c Caller) (unix.Stat_t, error) {
	if s.Format == translate.Interix && d.caps.reparse {
		native := Stored{Format: translate.Native, Name: s.Name, Symlink: target}
		st, err := writeAt(d.fd, &native, c)
		if err != nil {
			return st, err
		}
		if e, err := d.Classify(s.Name); err == nil && e.Format == translate.Interix {
			return st, nil
		}
		// ntfs-3g runs with special_files=wsl and wrote an LX link.
		removeLinkAt(d.fd, s.Name)
	}
	return writeAt(d.fd, s, c)
}

// RemoveLink removes the link stored as name: a file, a symlink, or the
// empty directory that carries a directory-kind link (a junction).
func (d *Dir) RemoveLink(name string) error { return removeLinkAt(d.fd, name) }

func removeLinkAt(dirfd int, name string) error {
	err := unix.Unlinkat(dirfd, name, 0)
	if errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EPERM) {
		err = unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
	}
	return err
}

// Rename renames from to to within the directory (renameat2 flags).
func (d *Dir) Rename(from, to string, flags uint) error {
	return unix.Renameat2(d.fd, from, d.fd, to, flags)
}

// SetTimes sets the access and modification times of name without
// following it.
func (d *Dir) SetTimes(name string, atime, mtime unix.Timespec) error {
	return unix.UtimesNanoAt(d.fd, name, []unix.Timespec{atime, mtime}, unix.AT_SYMLINK_NOFOLLOW)
}

// ReadFile reads the regular file name whose lstat is st, at most its
// first n bytes, never following a symlink nor blocking on a FIFO or
// device swapped in since the lstat.
func (d *Dir) ReadFile(name string, st *unix.Stat_t, n int) ([]byte, error) {
	head := fileHead{dirfd: d.fd, name: name, st: st}
	defer head.close()
	return head.read(n)
}

// List reads the whole directory (it must come from ListDir).
func (d *Dir) List() ([]Dirent, error) { return readDirents(d.fd) }

// Dirent is one entry of a directory listing.
type Dirent struct {
	Name string
	Ino  uint64
	Type uint8 // d_type: unix.DT_*
}

// Offsets of struct linux_dirent64 (golang.org/x/sys/unix's Dirent),
// whose fields are in the machine's byte order.
var (
	direntIno    = int(unsafe.Offsetof(unix.Dirent{}.Ino))
	direntReclen = int(unsafe.Offsetof(unix.Dirent{}.Reclen))
	direntType   = int(unsafe.Offsetof(unix.Dirent{}.Type))
	direntName   = int(unsafe.Offsetof(unix.Dirent{}.Name))
)

// readDirents reads a whole directory with getdents64, names and d_type
// ("." and ".." left out).
func readDirents(fd int) ([]Dirent, error) {
	var out []Dirent
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return out, nil
		}
		recs, err := parseDirents(buf[:n], out)
		if err != nil {
			return nil, err
		}
		out = recs
	}
}

// parseDirents appends the records of one getdents64 buffer to out.
func parseDirents(buf []byte, out []Dirent) ([]Dirent, error) {
	ne := binary.NativeEndian
	for off := 0; off < len(buf); {
		rec := buf[off:]
		if len(rec) < direntName {
			return nil, fmt.Errorf("getdents: short record at byte %d", off)
		}
		reclen := int(ne.Uint16(rec[direntReclen:]))
		if reclen < direntName || reclen > len(rec) {
			return nil, fmt.Errorf("getdents: bad record length %d at byte %d", reclen, off)
		}
		name := unix.ByteSliceToString(rec[direntName:reclen])
		if name != "." && name != ".." {
			out = append(out, Dirent{Name: name, Ino: ne.Uint64(rec[direntIno:]), Type: rec[direntType]})
		}
		off += reclen
	}
	return out, nil
}

// openBeneath opens rel beneath the root, following no symlink on the way
// nor at the end.
func (t *Tree) openBeneath(rel string, flags int) (int, error) {
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{
		Flags:   uint64(flags),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	for {
		fd, err := unix.Openat2(t.rootFd, rel, &how)
		switch {
		case err == nil:
			return fd, nil
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN):
			continue // a concurrent rename on the source: retry
		case errors.Is(err, unix.ENOSYS):
			return t.openWalk(rel, flags)
		}
		return -1, err
	}
}

// openWalk is the fallback for kernels without openat2 (before 5.6): one
// component at a time, each opened with O_NOFOLLOW.
func (t *Tree) openWalk(rel string, flags int) (int, error) {
	fd, err := unix.Openat(t.rootFd, ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			unix.Close(fd)
			return -1, unix.EXDEV
		}
		f := unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		if i == len(parts)-1 {
			f = flags | unix.O_NOFOLLOW
		}
		next, err := unix.Openat(fd, part, f, 0)
		unix.Close(fd)
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// capsOf returns what the file system holding fd exposes: the root's, or
// with Config.CrossMounts, each file system's own, probed once per device.
func (t *Tree) capsOf(fd int) sourceCaps {
	if !t.cfg.CrossMounts {
		return t.caps
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return everyCap
	}
	if st.Dev == t.rootDev {
		return t.caps
	}
	if c, ok := t.devCaps.Load(st.Dev); ok {
		return c.(sourceCaps)
	}
	c, _ := t.devCaps.LoadOrStore(st.Dev, probeCaps(fd))
	return c.(sourceCaps)
}
