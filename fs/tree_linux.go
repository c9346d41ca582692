//go:build linux

package fs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// Tree is a source directory seen through link translation. Every access
// to the source goes through a directory file descriptor opened beneath
// the source root without following symlinks, so a rename race or a ".."
// cannot make it touch anything outside the source.
type Tree struct {
	cfg     Config
	rootFd  int
	rootDev uint64
	caps    sourceCaps // of the root's file system
	devCaps sync.Map   // uint64 device -> sourceCaps, with Config.CrossMounts
	// depth counts the directories between the volume root and the
	// source: a rooted NTFS target (`\a\b`) is relative to the volume.
	depth  int
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
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat source", Path: cfg.Source, Err: err}
	}
	t := &Tree{cfg: cfg, rootFd: fd, rootDev: st.Dev, caps: probeCaps(fd)}
	if t.depth, err = VolumeDepth(cfg.Source); err != nil {
		cfg.Logger.Warn("cannot locate the volume root; rooted NTFS targets are presented from the source root", "path", cfg.Source, "err", err)
	}
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
	xpath := procPath(rootFd, "")
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

// Lookup finds the entry presented as name in the directory dirRel.
func (t *Tree) Lookup(dirRel, name string) (Node, error) {
	var n Node
	err := t.withEntry(dirRel, name, func(d *Dir) error {
		var err error
		n, err = d.lookup(name)
		return err
	})
	return n, err
}

// lookup finds the entry presented as name.
func (d *Dir) lookup(name string) (Node, error) {
	n, err := d.node(name)
	if !errors.Is(err, unix.ENOENT) || HasShortcutSuffix(name) {
		return n, err
	}
	// A shortcut "music.lnk" is shown as "music" when no "music" exists.
	sn, serr := d.node(name + ".lnk")
	if serr == nil && sn.IsLink() && IsShortcutFormat(sn.Entry.Format) {
		return sn, nil
	}
	return n, err
}

// node classifies the stored entry name and presents it.
func (d *Dir) node(name string) (Node, error) {
	t := d.t
	st, serr := d.Lstat(name)
	if serr != nil && (!d.caps.reparse || !errors.Is(serr, unix.EIO)) {
		return Node{}, serr
	}
	var e Entry
	cached := false
	if serr == nil {
		e, cached = t.cache.get(&st)
	}
	if !cached {
		var err error
		known := &st
		if serr != nil {
			known = nil
		}
		e, err = classifyStat(d.fd, name, known, &t.cfg.Classify, d.caps)
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
		if err := unix.Fstat(d.fd, &st); err != nil {
			return Node{}, err
		}
		st.Ino = syntheticIno(&st, name)
		st.Nlink = 1
	}
	n := Node{Stored: name, Attr: attrOf(&st), Entry: e}
	if e.Err != nil {
		t.warnOnce(path.Join(d.rel, name), &e)
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
	target, err := d.Present(&e)
	if err != nil {
		t.warnOnce(path.Join(d.rel, name), &Entry{Format: e.Format, Err: err})
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
// derived from its directory and name, in the upper half no real inode of
// the directory's file system takes.
func syntheticIno(dir *unix.Stat_t, name string) uint64 {
	h := fnv.New64a()
	var ino [8]byte
	binary.LittleEndian.PutUint64(ino[:], dir.Ino)
	h.Write(ino[:])
	h.Write([]byte(name))
	return h.Sum64() | 1<<63
}

// present returns the POSIX target a link in dirRel shows through the
// overlay.
func (t *Tree) present(dirRel string, e *Entry) (string, error) {
	if e.Format == translate.Native {
		return e.Link.Target, nil // already the Linux side's own link
	}
	return t.cfg.Mapper.POSIXTarget(e.Link, linkDepth(t.depth, dirRel))
}

// ReadDir lists the directory dirRel as presented, each entry with its
// presented type (a content link is a symlink) and shortcuts under their
// logical names.
func (t *Tree) ReadDir(dirRel string) ([]DirEntry, error) {
	d, err := t.ListDir(dirRel)
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
	defer d.Close()
	raw, err := d.List()
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(raw))
	for _, de := range raw {
		names[de.Name] = true
	}
	out := make([]DirEntry, 0, len(raw))
	for _, de := range raw {
		// On a plain source the listing's type is the truth for all but
		// regular files (which may be content links). On ntfs-3g it is not
		// even that: every reparse point is listed as DT_LNK, a junction
		// ntfs-3g cannot resolve as DT_DIR.
		if !d.caps.reparse && de.Type != unix.DT_REG && de.Type != unix.DT_UNKNOWN {
			out = append(out, DirEntry{Name: de.Name, Ino: de.Ino, Type: dtToMode(de.Type)})
			continue
		}
		// Classify the entry here, from the directory already open: one
		// fstatat and a cached classification in the daemon cost far less
		// than the FUSE lookup per entry a DT_UNKNOWN would make find or
		// ls send, and the type comes out exact.
		n, err := d.node(de.Name)
		if err != nil {
			// Gone or unreadable since the listing: a lookup will say.
			out = append(out, DirEntry{Name: de.Name, Ino: de.Ino})
			continue
		}
		name := de.Name
		if logical, ok := LogicalName(de.Name); ok && !names[logical] && n.IsLink() && IsShortcutFormat(n.Entry.Format) {
			name = logical
		}
		out = append(out, DirEntry{Name: name, Ino: n.Attr.Ino, Type: n.Attr.Mode & ModeType})
	}
	return out, nil
}

func dtToMode(dt uint8) uint32 {
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
	err := t.withEntry(dir, name, func(d *Dir) error {
		n, err := d.lookup(name)
		switch {
		case err != nil:
			return err
		case !n.IsLink():
			return unix.EINVAL
		case n.Target != "":
			target = n.Target
			return nil
		}
		target, err = readlinkAt(d.fd, n.Stored)
		return err
	})
	return target, err
}
