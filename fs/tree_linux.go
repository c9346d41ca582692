//go:build linux

package fs

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// Tree is a source directory seen through link translation. Every access
// to the source goes through a directory file descriptor opened beneath
// the source root without following symlinks, so a rename race or a ".."
// cannot make it touch anything outside the source.
type Tree struct {
	cfg    Config
	rootFd int
	caps   sourceCaps
	create translate.Format
	cache  classCache
	warned sync.Map // stored paths already logged as malformed
}

// sourceCaps records what the source file system exposes, probed once.
type sourceCaps struct {
	reparse   bool     // raw reparse data (ntfs-3g)
	attrNames []string // the xattrs that may hold DOS attributes
}

// NewTree opens the source and resolves the creation policy. A format the
// source cannot hold is an error here, not a surprise at the first ln -s.
func NewTree(cfg Config) (*Tree, error) {
	if cfg.Mapper == nil {
		cfg.Mapper = &translate.Mapper{}
	}
	if cfg.Read == nil {
		cfg.Read = DefaultRead()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	fd, err := unix.Open(cfg.Source, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open source", Path: cfg.Source, Err: err}
	}
	t := &Tree{cfg: cfg, rootFd: fd, caps: probeCaps(fd)}
	t.cache.init(classCacheSize)
	if t.create, err = t.resolveCreate(cfg.Create); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return t, nil
}

// probeCaps asks the source root which NTFS metadata the driver exposes.
// The root is named by its /proc descriptor path, which getxattr follows
// to the directory itself (lgetxattr would ask procfs's own link).
func probeCaps(rootFd int) sourceCaps {
	var caps sourceCaps
	xpath := fmt.Sprintf("/proc/self/fd/%d", rootFd)
	var buf [8]byte
	if _, err := unix.Getxattr(xpath, xattrReparse, buf[:]); err == nil || errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ERANGE) {
		caps.reparse = true
	}
	for _, name := range dosAttrXattrs {
		if _, err := unix.Getxattr(xpath, name, buf[:]); err == nil || errors.Is(err, unix.ERANGE) {
			caps.attrNames = []string{name}
			break
		}
	}
	return caps
}

func (t *Tree) resolveCreate(c CreateFormat) (translate.Format, error) {
	if c == "" || c == CreateAuto {
		if t.caps.reparse {
			return translate.NTFSSymlink, nil // LX where the target has no Windows form: see symlinkFormat
		}
		return translate.Native, nil
	}
	f := c.Format()
	if IsReparse(f) && !t.caps.reparse {
		return "", fmt.Errorf("--create %s: %s cannot hold reparse points (it exposes no %s; use an ntfs-3g mount)", c, t.cfg.Source, xattrReparse)
	}
	if f == translate.Native && t.caps.reparse {
		return "", fmt.Errorf("--create native: %s is NTFS, which has no native symlinks (ntfs-3g would store an Interix or LX link); choose lx, interix or ntfs", t.cfg.Source)
	}
	return f, nil
}

// CreateFormat returns the format links created through the tree get
// (for auto on NTFS: ntfs-symlink, or lx-symlink per target).
func (t *Tree) CreateFormat() translate.Format { return t.create }

// Close releases the source.
func (t *Tree) Close() error { return unix.Close(t.rootFd) }

// Source returns the source directory.
func (t *Tree) Source() string { return t.cfg.Source }

// ReadOnly reports whether the tree refuses changes.
func (t *Tree) ReadOnly() bool { return t.cfg.ReadOnly }

// OpenDir opens the directory rel (slash-separated, relative to the source
// root, "" for the root) as an O_PATH descriptor, beneath the root and
// without following any symlink.
func (t *Tree) OpenDir(rel string) (int, error) {
	return t.openBeneath(rel, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
}

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

// Lookup finds the entry presented as name in the directory dirRel.
func (t *Tree) Lookup(dirRel, name string) (Node, error) {
	dirfd, err := t.OpenDir(dirRel)
	if err != nil {
		return Node{}, err
	}
	defer unix.Close(dirfd)
	return t.lookupAt(dirfd, dirRel, name)
}

func (t *Tree) lookupAt(dirfd int, dirRel, name string) (Node, error) {
	n, err := t.nodeAt(dirfd, dirRel, name)
	if !errors.Is(err, unix.ENOENT) || hasShortcutSuffix(name) {
		return n, err
	}
	// A shortcut "music.lnk" is shown as "music" when no "music" exists.
	sn, serr := t.nodeAt(dirfd, dirRel, name+".lnk")
	if serr == nil && sn.IsLink() && isShortcutFormat(sn.Entry.Format) {
		return sn, nil
	}
	return n, err
}

// nodeAt classifies the stored entry name in dirfd and presents it.
func (t *Tree) nodeAt(dirfd int, dirRel, name string) (Node, error) {
	var st unix.Stat_t
	serr := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if serr != nil && (!t.caps.reparse || !errors.Is(serr, unix.EIO)) {
		return Node{}, serr
	}
	var e Entry
	cached := false
	if serr == nil {
		e, cached = t.cache.get(&st)
	}
	if !cached {
		var err error
		if serr == nil {
			e, err = classifyStat(dirfd, name, &st, &t.cfg.Classify, t.caps)
		} else {
			e, err = classifyAt(dirfd, name, &t.cfg.Classify, t.caps)
		}
		if err != nil {
			return Node{}, err
		}
		if serr == nil {
			t.cache.put(&st, e)
		}
	}
	if serr != nil {
		// ntfs-3g cannot stat some reparse points (or has the entry cached
		// as the file it was before a reparse point was attached); present
		// it with the directory's ownership.
		if !e.IsLink() || !t.cfg.Read[e.Format] {
			return Node{}, serr
		}
		if err := unix.Fstat(dirfd, &st); err != nil {
			return Node{}, err
		}
		st.Ino = syntheticIno(&st, name)
		st.Nlink = 1
	}
	n := Node{Stored: name, Attr: attrOf(&st), Entry: e}
	if e.Err != nil {
		t.warnOnce(path.Join(dirRel, name), &e)
	}
	if e.Reparse && !e.IsLink() && n.IsLink() {
		// ntfs-3g shows a reparse point it cannot read as a symlink to an
		// error text. Like Cygwin, show it as the plain file or directory
		// it is; its data stays behind ntfs-3g's symlink.
		plainReparse(&n.Attr, e.Attrs)
	}
	if !e.IsLink() || !t.cfg.Read[e.Format] {
		return n, nil
	}
	target, err := t.present(dirRel, &e)
	if err != nil {
		t.warnOnce(path.Join(dirRel, name), &Entry{Format: e.Format, Err: err})
		if e.Reparse && n.IsLink() {
			plainReparse(&n.Attr, e.Attrs)
		}
		return n, nil
	}
	n.Target = target
	n.Attr.presentAsLink(target)
	return n, nil
}

// plainReparse turns the stat of an unreadable reparse point into that of
// the plain object its DOS attributes describe.
func plainReparse(a *Attr, attrs DOSAttrs) {
	if attrs&AttrDirectory != 0 {
		a.Mode = ModeDir | 0o555
		return
	}
	a.Mode = ModeRegular | 0o444
	a.Size, a.Blocks = 0, 0
}

func attrOf(st *unix.Stat_t) Attr {
	return Attr{
		Ino: st.Ino, Mode: st.Mode, Nlink: st.Nlink, Uid: st.Uid, Gid: st.Gid, Rdev: st.Rdev,
		Size: st.Size, Blocks: st.Blocks, Blksize: st.Blksize,
		Atime: Timespec{st.Atim.Sec, st.Atim.Nsec},
		Mtime: Timespec{st.Mtim.Sec, st.Mtim.Nsec},
		Ctime: Timespec{st.Ctim.Sec, st.Ctim.Nsec},
	}
}

// syntheticIno gives an entry that cannot be stat'ed a stable inode number
// derived from its directory and name (FNV-1a).
func syntheticIno(dir *unix.Stat_t, name string) uint64 {
	h := uint64(14695981039346656037) ^ dir.Ino
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h | 1<<63
}

// present returns the POSIX target a link shows through the overlay.
func (t *Tree) present(dirRel string, e *Entry) (string, error) {
	if e.Format == translate.Native {
		return e.Link.Target, nil // already the Linux side's own link
	}
	depth := 0
	if dirRel != "" {
		depth = strings.Count(dirRel, "/") + 1
	}
	return t.cfg.Mapper.POSIXTarget(e.Link, depth)
}

// ReadDir lists the directory dirRel as presented, each entry with its
// presented type (a content link is a symlink) and shortcuts under their
// logical names.
func (t *Tree) ReadDir(dirRel string) ([]DirEntry, error) {
	fd, err := t.openBeneath(dirRel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if errors.Is(err, unix.ELOOP) && t.caps.reparse && dirRel != "" {
		// A reparse point ntfs-3g shows as a symlink but linkfs shows as
		// a plain directory: it has no entries linkfs can reach.
		if n, lerr := t.Getattr(dirRel); lerr == nil && n.Entry.Reparse && !n.IsLink() {
			return nil, nil
		}
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), dirRel)
	defer f.Close()
	raw, err := readDirents(fd)
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(raw))
	for _, d := range raw {
		names[d.Name] = true
	}
	out := make([]DirEntry, 0, len(raw))
	for _, d := range raw {
		// On a plain source the listing's type is the truth for all but
		// regular files (which may be content links). On ntfs-3g it is not
		// even that: every reparse point is listed as DT_LNK, a junction
		// ntfs-3g cannot resolve as DT_DIR.
		if !t.caps.reparse && d.Type != unix.DT_REG && d.Type != unix.DT_UNKNOWN {
			out = append(out, DirEntry{Name: d.Name, Ino: d.Ino, Type: dtToMode(d.Type)})
			continue
		}
		// Classify the entry here, from the directory already open: one
		// fstatat and a cached classification in the daemon cost far less
		// than the FUSE lookup per entry a DT_UNKNOWN would make find or
		// ls send, and the type comes out exact.
		n, err := t.nodeAt(fd, dirRel, d.Name)
		if err != nil {
			// Gone or unreadable since the listing: a lookup will say.
			out = append(out, DirEntry{Name: d.Name, Ino: d.Ino})
			continue
		}
		name := d.Name
		if logical, ok := logicalName(d.Name); ok && !names[logical] && n.IsLink() && isShortcutFormat(n.Entry.Format) {
			name = logical
		}
		out = append(out, DirEntry{Name: name, Ino: n.Attr.Ino, Type: n.Attr.Mode & ModeType})
	}
	return out, nil
}

type rawDirent struct {
	Name string
	Ino  uint64
	Type uint32
}

// readDirents reads a whole directory with getdents64, names and d_type.
func readDirents(fd int) ([]rawDirent, error) {
	var out []rawDirent
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
		for off := 0; off < n; {
			// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
			rec := buf[off:n]
			if len(rec) < 19 {
				return nil, fmt.Errorf("getdents: short record")
			}
			reclen := int(uint16(rec[16]) | uint16(rec[17])<<8)
			if reclen < 19 || reclen > len(rec) {
				return nil, fmt.Errorf("getdents: bad record length %d", reclen)
			}
			ino := uint64(0)
			for i := 7; i >= 0; i-- {
				ino = ino<<8 | uint64(rec[i])
			}
			name := rec[19:reclen]
			if i := strings.IndexByte(string(name), 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				out = append(out, rawDirent{Name: s, Ino: ino, Type: uint32(rec[18])})
			}
			off += reclen
		}
	}
}

func dtToMode(dt uint32) uint32 {
	switch dt {
	case unix.DT_LNK:
		return unix.S_IFLNK
	case unix.DT_FIFO:
		return unix.S_IFIFO
	case unix.DT_CHR:
		return unix.S_IFCHR
	case unix.DT_BLK:
		return unix.S_IFBLK
	case unix.DT_SOCK:
		return unix.S_IFSOCK
	case unix.DT_DIR:
		return unix.S_IFDIR
	}
	return 0
}

// Getattr presents the entry at rel ("" is the root).
func (t *Tree) Getattr(rel string) (Node, error) {
	if rel == "" {
		var st unix.Stat_t
		if err := unix.Fstat(t.rootFd, &st); err != nil {
			return Node{}, err
		}
		return Node{Stored: ".", Attr: attrOf(&st)}, nil
	}
	dir, name := splitRel(rel)
	return t.Lookup(dir, name)
}

// Readlink returns the presented target of the link at rel: the
// translated target, or for a symlink of the source that is not
// translated (a format left out of Read), its own text.
func (t *Tree) Readlink(rel string) (string, error) {
	dir, name := splitRel(rel)
	var target string
	err := t.withDir(dir, func(dirfd int) error {
		n, err := t.lookupAt(dirfd, dir, name)
		switch {
		case err != nil:
			return err
		case !n.IsLink():
			return unix.EINVAL
		case n.Target != "":
			target = n.Target
			return nil
		}
		target, err = readlinkAt(dirfd, n.Stored)
		return err
	})
	return target, err
}
