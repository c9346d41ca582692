//go:build windows || (linux && cgofuse)

package mount

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/linkfs/linkfs/fs"
)

// cgoFS presents an fs.Tree through cgofuse's path-based interface: to
// WinFsp's FUSE layer on Windows, and to libfuse3 on Linux (built with
// -tags cgofuse,fuse3), where the very same adapter runs in this
// project's integration tests. Like the go-fuse adapter it keeps no state
// about entries: every call asks the tree about the path it is given.
type cgoFS struct {
	fuse.FileSystemBase
	tree  *fs.Tree
	log   *slog.Logger
	debug bool
	files fileTable
	// caller says who makes the current request; new entries are theirs.
	caller func() fs.Caller
	// win shapes what Windows programs see (link texts WinFsp can follow,
	// the gateway); nil on Linux, where links show their POSIX targets.
	win *winView
	// ready is closed by Init: the host serves the mount from then on.
	ready chan struct{}
}

func newCgoFS(tree *fs.Tree, log *slog.Logger, debug bool) *cgoFS {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &cgoFS{tree: tree, log: log, debug: debug, caller: fuseCaller, ready: make(chan struct{})}
}

// Interfaces beyond FileSystemInterface that the hosts look for.
var (
	_ fuse.FileSystemRename3    = (*cgoFS)(nil)
	_ fuse.FileSystemChflags    = (*cgoFS)(nil)
	_ fuse.FileSystemSetcrtime  = (*cgoFS)(nil)
	_ fuse.FileSystemGetpath    = (*cgoFS)(nil)
	_ fuse.FileSystemUtimens3   = (*cgoFS)(nil)
	_ fuse.FileSystemChmod3     = (*cgoFS)(nil)
	_ fuse.FileSystemChown3     = (*cgoFS)(nil)
	_ fuse.FileSystemInterface  = (*cgoFS)(nil)
	_ fuse.FileSystemSetchgtime = (*cgoFS)(nil)
)

// noTrace is what trace returns when --debug is off.
func noTrace() {}

// trace logs one operation at Debug when it returns, with its result:
// `defer c.trace(&errc, "getattr", path)()`.
func (c *cgoFS) trace(errc *int, op, p string, args ...any) func() {
	if !c.debug {
		return noTrace
	}
	start := time.Now()
	return func() {
		attrs := []any{"op", op, "path", p}
		for _, a := range args {
			if s, ok := a.(*string); ok {
				a = *s // a result, known only now
			}
			attrs = append(attrs, a)
		}
		attrs = append(attrs, "errc", fuse.Error(*errc).Error(), "took", time.Since(start))
		c.log.Debug("cgofuse", attrs...)
	}
}

// relOf turns a FUSE path ("/", "/a/b") into the tree's relative path.
func relOf(p string) string { return strings.Trim(p, "/") }

// splitRel splits a relative path into its directory and last name.
func splitRel(rel string) (string, string) {
	dir, name := path.Split(rel)
	return strings.TrimSuffix(dir, "/"), name
}

// splitDot recognises the "slashdot" probe WinFsp makes: getattr("/.")
// at mount and getattr("link/.") to learn whether a link leads to a
// directory.
func splitDot(rel string) (string, bool) {
	if rel == "." {
		return "", true
	}
	return strings.CutSuffix(rel, "/.")
}

func (c *cgoFS) Init() { close(c.ready) }

func (c *cgoFS) Getattr(p string, st *fuse.Stat_t, fh uint64) (errc int) {
	defer c.trace(&errc, "getattr", p)()
	rel, dot := splitDot(relOf(p))
	n, err := c.getattr(rel)
	if err == nil && dot {
		n, err = c.dirBehind(rel, n)
	}
	if err != nil {
		return fuseErrno(err)
	}
	c.fillStat(st, &n)
	return 0
}

func (c *cgoFS) getattr(rel string) (fs.Node, error) {
	if c.win != nil {
		if n, ok := c.win.gatewayNode(c.tree, rel); ok {
			return n, nil
		}
	}
	tree, r, err := c.route(rel)
	if err != nil {
		return fs.Node{}, err
	}
	return tree.Getattr(r)
}

// maxLinkDepth bounds the links followed to answer a slashdot probe, as
// the kernel's 40 bounds path resolution.
const maxLinkDepth = 40

// dirBehind answers getattr("rel/."): the directory rel is, or the one its
// link chain ends at inside the mount. Anything else is not a directory,
// so Windows gets a file symlink (dangling and outside links included).
func (c *cgoFS) dirBehind(rel string, n fs.Node) (fs.Node, error) {
	for range maxLinkDepth {
		switch {
		case n.Attr.Mode&fs.ModeType == fs.ModeDir:
			return n, nil
		case !n.IsLink():
			return fs.Node{}, errNotDir
		}
		text, err := c.readlink(rel)
		if err != nil {
			return fs.Node{}, err
		}
		dir, _ := splitRel(rel)
		next := path.Join(dir, text)
		if path.IsAbs(text) || next == ".." || strings.HasPrefix(next, "../") {
			return fs.Node{}, errNotDir // outside what this mount can look at
		}
		if rel = next; rel == "." {
			rel = ""
		}
		if n, err = c.getattr(rel); err != nil {
			return fs.Node{}, err
		}
	}
	return fs.Node{}, errLoop
}

func (c *cgoFS) fillStat(st *fuse.Stat_t, n *fs.Node) {
	a := &n.Attr
	*st = fuse.Stat_t{
		Ino: a.Ino, Mode: a.Mode, Nlink: uint32(a.Nlink), Uid: a.Uid, Gid: a.Gid, Rdev: a.Rdev,
		Size: a.Size, Blksize: a.Blksize, Blocks: a.Blocks,
		Atim:     fuse.Timespec{Sec: a.Atime.Sec, Nsec: a.Atime.Nsec},
		Mtim:     fuse.Timespec{Sec: a.Mtime.Sec, Nsec: a.Mtime.Nsec},
		Ctim:     fuse.Timespec{Sec: a.Ctime.Sec, Nsec: a.Ctime.Nsec},
		Birthtim: fuse.Timespec{Sec: a.Btime.Sec, Nsec: a.Btime.Nsec},
		Flags:    statFlags(n),
	}
}

// statFlags returns the Windows attributes of a node as cgofuse flags. A
// presented link keeps only HIDDEN and ARCHIVE: the SYSTEM of a Cygwin
// cookie or the READONLY of a shortcut mark the stored format, and would
// make Windows treat the link itself as a protected or read-only file.
func statFlags(n *fs.Node) uint32 {
	if !n.Entry.HasAttrs {
		return 0
	}
	attrs := n.Entry.Attrs
	if n.IsLink() {
		attrs &= fs.AttrHidden | fs.AttrArchive
	}
	return dosToFlags(attrs)
}

// The Windows attributes that cgofuse carries as BSD-style flags.
var flagBits = []struct {
	dos  fs.DOSAttrs
	flag uint32
}{
	{fs.AttrReadOnly, fuse.UF_READONLY},
	{fs.AttrHidden, fuse.UF_HIDDEN},
	{fs.AttrSystem, fuse.UF_SYSTEM},
	{fs.AttrArchive, fuse.UF_ARCHIVE},
}

func dosToFlags(a fs.DOSAttrs) uint32 {
	var f uint32
	for _, b := range flagBits {
		if a&b.dos != 0 {
			f |= b.flag
		}
	}
	return f
}

func flagsToDOS(f uint32) fs.DOSAttrs {
	var a fs.DOSAttrs
	for _, b := range flagBits {
		if f&b.flag != 0 {
			a |= b.dos
		}
	}
	return a
}

func (c *cgoFS) Readlink(p string) (errc int, target string) {
	defer c.trace(&errc, "readlink", p, "target", &target)()
	rel := relOf(p)
	if rel == "" {
		// WinFsp probes symlink support with readlink("/"): ENOSYS would
		// turn every link of the mount into a plain file.
		return -fuse.EINVAL, ""
	}
	text, err := c.readlink(rel)
	if err != nil {
		return fuseErrno(err), ""
	}
	return 0, text
}

// readlink returns the text of the link at rel as this mount shows it.
func (c *cgoFS) readlink(rel string) (string, error) {
	tree, r, err := c.route(rel)
	if err != nil {
		return "", err
	}
	target, err := tree.Readlink(r)
	if err != nil || c.win == nil {
		return target, err
	}
	return c.win.linkText(rel, target)
}

func (c *cgoFS) Opendir(p string) (errc int, fh uint64) {
	defer c.trace(&errc, "opendir", p)()
	n, err := c.getattr(relOf(p))
	switch {
	case err != nil:
		return fuseErrno(err), ^uint64(0)
	case n.Attr.Mode&fs.ModeType != fs.ModeDir:
		return -fuse.ENOTDIR, ^uint64(0)
	}
	return 0, ^uint64(0)
}

func (c *cgoFS) Readdir(p string, fill func(name string, stat *fuse.Stat_t, ofst int64) bool, ofst int64, fh uint64) (errc int) {
	defer c.trace(&errc, "readdir", p)()
	rel := relOf(p)
	entries, err := c.readDir(rel)
	if err != nil {
		return fuseErrno(err)
	}
	fill(".", nil, 0)
	fill("..", nil, 0)
	for _, e := range entries {
		st := fuse.Stat_t{Ino: e.Ino, Mode: e.Type}
		if c.win != nil {
			// WinFsp asks for readdir-plus: full attributes spare it a
			// getattr per entry.
			n, err := c.getattr(path.Join(rel, e.Name))
			if err != nil {
				continue // gone meanwhile
			}
			c.fillStat(&st, &n)
		}
		if !fill(e.Name, &st, 0) {
			break
		}
	}
	return 0
}

func (c *cgoFS) readDir(rel string) ([]fs.DirEntry, error) {
	if c.win != nil {
		if entries, ok := c.win.gatewayList(rel); ok {
			return entries, nil
		}
	}
	tree, r, err := c.route(rel)
	if err != nil {
		return nil, err
	}
	entries, err := tree.ReadDir(r)
	if err == nil && rel == "" && c.win != nil {
		entries = c.win.rootEntries(entries)
	}
	return entries, err
}

func (c *cgoFS) Releasedir(p string, fh uint64) (errc int) {
	defer c.trace(&errc, "releasedir", p)()
	return 0
}

func (c *cgoFS) Open(p string, flags int) (errc int, fh uint64) {
	defer c.trace(&errc, "open", p, "flags", flags)()
	tree, r, err := c.route(relOf(p))
	if err != nil {
		return fuseErrno(err), ^uint64(0)
	}
	f, err := tree.Open(r, osFlags(flags))
	if err != nil {
		return fuseErrno(err), ^uint64(0)
	}
	return 0, c.files.add(f)
}

func (c *cgoFS) Create(p string, flags int, mode uint32) (errc int, fh uint64) {
	defer c.trace(&errc, "create", p, "flags", flags, "mode", mode)()
	tree, dir, name, err := c.routeParent(relOf(p))
	if err != nil {
		return fuseErrno(err), ^uint64(0)
	}
	f, _, err := tree.Create(dir, name, osFlags(flags), mode, c.caller())
	if err != nil {
		return fuseErrno(err), ^uint64(0)
	}
	return 0, c.files.add(f)
}

func (c *cgoFS) Read(p string, buf []byte, ofst int64, fh uint64) (n int) {
	defer c.trace(&n, "read", p, "ofst", ofst, "size", len(buf))()
	f, ok := c.files.get(fh)
	if !ok {
		return -fuse.EBADF
	}
	n, err := f.ReadAt(buf, ofst)
	if err != nil && !errors.Is(err, io.EOF) {
		return fuseErrno(err)
	}
	return n
}

func (c *cgoFS) Write(p string, buf []byte, ofst int64, fh uint64) (n int) {
	defer c.trace(&n, "write", p, "ofst", ofst, "size", len(buf))()
	f, ok := c.files.get(fh)
	if !ok {
		return -fuse.EBADF
	}
	n, err := f.WriteAt(buf, ofst)
	if err != nil {
		return fuseErrno(err)
	}
	return n
}

func (c *cgoFS) Truncate(p string, size int64, fh uint64) (errc int) {
	defer c.trace(&errc, "truncate", p, "size", size)()
	if f, ok := c.files.get(fh); ok {
		return fuseErrno(f.Truncate(size))
	}
	if size < 0 {
		return -fuse.EINVAL
	}
	sz := uint64(size)
	return c.setattr(p, fs.SetattrChange{Size: &sz})
}

// Flush has nothing to do: writes go to the source as they come.
func (c *cgoFS) Flush(p string, fh uint64) (errc int) {
	defer c.trace(&errc, "flush", p)()
	return 0
}

func (c *cgoFS) Fsync(p string, datasync bool, fh uint64) (errc int) {
	defer c.trace(&errc, "fsync", p)()
	if f, ok := c.files.get(fh); ok {
		return fuseErrno(f.Sync())
	}
	return 0
}

func (c *cgoFS) Release(p string, fh uint64) (errc int) {
	defer c.trace(&errc, "release", p)()
	if f := c.files.remove(fh); f != nil {
		return fuseErrno(f.Close())
	}
	return -fuse.EBADF
}

func (c *cgoFS) Mkdir(p string, mode uint32) (errc int) {
	defer c.trace(&errc, "mkdir", p, "mode", mode)()
	tree, dir, name, err := c.routeParent(relOf(p))
	if err == nil {
		_, err = tree.Mkdir(dir, name, mode, c.caller())
	}
	return fuseErrno(err)
}

func (c *cgoFS) Mknod(p string, mode uint32, dev uint64) (errc int) {
	defer c.trace(&errc, "mknod", p, "mode", mode)()
	tree, dir, name, err := c.routeParent(relOf(p))
	if err == nil {
		_, err = tree.Mknod(dir, name, mode, dev, c.caller())
	}
	return fuseErrno(err)
}

func (c *cgoFS) Unlink(p string) (errc int) {
	defer c.trace(&errc, "unlink", p)()
	tree, dir, name, err := c.routeParent(relOf(p))
	if err == nil {
		err = tree.Unlink(dir, name)
	}
	return fuseErrno(err)
}

func (c *cgoFS) Rmdir(p string) (errc int) {
	defer c.trace(&errc, "rmdir", p)()
	tree, dir, name, err := c.routeParent(relOf(p))
	if err == nil {
		err = tree.Rmdir(dir, name)
	}
	return fuseErrno(err)
}

func (c *cgoFS) Link(oldpath, newpath string) (errc int) {
	defer c.trace(&errc, "link", oldpath, "new", newpath)()
	oldTree, oldRel, err := c.route(relOf(oldpath))
	if err != nil {
		return fuseErrno(err)
	}
	tree, dir, name, err := c.routeParent(relOf(newpath))
	if err != nil {
		return fuseErrno(err)
	}
	if tree != oldTree {
		return -fuse.EXDEV
	}
	_, err = tree.Link(oldRel, dir, name)
	return fuseErrno(err)
}

func (c *cgoFS) Symlink(target, newpath string) (errc int) {
	defer c.trace(&errc, "symlink", newpath, "target", target)()
	rel := relOf(newpath)
	tree, dir, name, err := c.routeParent(rel)
	if err != nil {
		return fuseErrno(err)
	}
	stored := target
	if c.win != nil {
		if stored, err = c.win.storedTarget(rel, target); err != nil {
			c.log.Warn("symlink refused", "op", "symlink", "path", rel, "target", target, "err", err)
			return fuseErrno(err)
		}
	}
	if _, err = tree.Symlink(dir, name, stored, c.caller()); err != nil {
		if e := fuseErrno(err); e == -fuse.EINVAL || e == -fuse.EIO {
			c.log.Warn("symlink refused", "op", "symlink", "path", rel, "target", target, "err", err)
		}
	}
	return fuseErrno(err)
}

func (c *cgoFS) Rename(oldpath, newpath string) int { return c.Rename3(oldpath, newpath, 0) }

func (c *cgoFS) Rename3(oldpath, newpath string, flags uint32) (errc int) {
	defer c.trace(&errc, "rename", oldpath, "new", newpath, "flags", flags)()
	tree, oldDir, oldName, err := c.routeParent(relOf(oldpath))
	if err != nil {
		return fuseErrno(err)
	}
	newTree, newDir, newName, err := c.routeParent(relOf(newpath))
	if err != nil {
		return fuseErrno(err)
	}
	if tree != newTree {
		return -fuse.EXDEV
	}
	if err := c.clearPlaceholder(tree, oldDir, oldName, newDir, newName); err != nil {
		return fuseErrno(err)
	}
	return fuseErrno(tree.Rename(oldDir, oldName, newDir, newName, flags))
}

// clearPlaceholder makes way for the second half of WinFsp's symlink
// creation (mklink, CreateSymbolicLinkW): the link it stored under a
// ".fuse_hidden" name is renamed over the empty file or directory created
// for it first. Rename cannot replace an entry of the other kind (a
// directory-kind NTFS link over an empty file, a file link over an empty
// directory), nor, on Windows, a directory at all: then the placeholder
// goes first.
func (c *cgoFS) clearPlaceholder(tree *fs.Tree, oldDir, oldName, newDir, newName string) error {
	if !strings.HasPrefix(oldName, placeholderPrefix) {
		return nil
	}
	src, err := tree.Lookup(oldDir, oldName)
	if err != nil {
		return nil // rename reports it
	}
	dst, err := tree.Lookup(newDir, newName)
	if err != nil {
		return nil
	}
	dstIsDir := dst.Attr.Mode&fs.ModeType == fs.ModeDir
	empty := false
	if dstIsDir {
		entries, err := tree.ReadDir(path.Join(newDir, newName))
		empty = err == nil && len(entries) == 0
	} else {
		empty = dst.Attr.Mode&fs.ModeType == fs.ModeRegular && dst.Attr.Size == 0
	}
	if !replacesPlaceholder(oldName, &src, &dst, empty) {
		return nil
	}
	c.log.Debug("removing the placeholder of a new link", "path", path.Join(newDir, newName))
	if dstIsDir {
		return tree.Rmdir(newDir, newName)
	}
	return tree.Unlink(newDir, newName)
}

// placeholderPrefix starts the temporary name under which WinFsp's FUSE
// layer creates a link before renaming it into place.
const placeholderPrefix = ".fuse_hidden"

// replacesPlaceholder decides whether renaming src (named oldName) onto
// dst must first remove dst: src is a link WinFsp stored under a
// ".fuse_hidden" name, dst the empty plain entry it made for the link, and
// rename would refuse to replace it: the kinds differ, or dst is a
// directory (which Windows never replaces by rename).
func replacesPlaceholder(oldName string, src, dst *fs.Node, dstEmpty bool) bool {
	if !strings.HasPrefix(oldName, placeholderPrefix) || !src.IsLink() || dst.IsLink() || !dstEmpty {
		return false
	}
	dstIsDir := dst.Attr.Mode&fs.ModeType == fs.ModeDir
	return dstIsDir || src.Entry.Type.IsDir()
}

func (c *cgoFS) setattr(p string, ch fs.SetattrChange) int {
	tree, r, err := c.route(relOf(p))
	if err == nil {
		_, err = tree.Setattr(r, ch)
	}
	return fuseErrno(err)
}

func (c *cgoFS) Chmod(p string, mode uint32) int { return c.Chmod3(p, mode, ^uint64(0)) }

func (c *cgoFS) Chmod3(p string, mode uint32, fh uint64) (errc int) {
	defer c.trace(&errc, "chmod", p, "mode", mode)()
	return c.setattr(p, fs.SetattrChange{Mode: &mode})
}

func (c *cgoFS) Chown(p string, uid, gid uint32) int { return c.Chown3(p, uid, gid, ^uint64(0)) }

func (c *cgoFS) Chown3(p string, uid, gid uint32, fh uint64) (errc int) {
	defer c.trace(&errc, "chown", p, "uid", uid, "gid", gid)()
	var ch fs.SetattrChange
	// -1 leaves the id as it is, as in chown(2).
	if uid != ^uint32(0) {
		ch.Uid = &uid
	}
	if gid != ^uint32(0) {
		ch.Gid = &gid
	}
	return c.setattr(p, ch)
}

func (c *cgoFS) Utimens(p string, tmsp []fuse.Timespec) int {
	return c.Utimens3(p, tmsp, ^uint64(0))
}

func (c *cgoFS) Utimens3(p string, tmsp []fuse.Timespec, fh uint64) (errc int) {
	defer c.trace(&errc, "utimens", p)()
	if len(tmsp) != 2 {
		return -fuse.EINVAL
	}
	return c.setattr(p, fs.SetattrChange{Atime: setTime(tmsp[0]), Mtime: setTime(tmsp[1])})
}

// setTime converts one utimensat time: UTIME_OMIT leaves it, UTIME_NOW
// asks for the current time.
func setTime(ts fuse.Timespec) *fs.Timespec {
	switch ts.Nsec {
	case fuse.UTIME_OMIT:
		return nil
	case fuse.UTIME_NOW:
		return &fs.Timespec{Nsec: fs.TimeNow}
	}
	return &fs.Timespec{Sec: ts.Sec, Nsec: ts.Nsec}
}

// Chflags stores the Windows attributes of an entry on the source, so
// that, for one, the SYSTEM bit of a Cygwin `!<symlink>` file persists.
func (c *cgoFS) Chflags(p string, flags uint32) (errc int) {
	defer c.trace(&errc, "chflags", p, "flags", flags)()
	tree, r, err := c.route(relOf(p))
	if err == nil {
		err = tree.SetDOSAttrs(r, flagsToDOS(flags))
	}
	return fuseErrno(err)
}

// Setcrtime sets the creation time where the source keeps one. Elsewhere
// it succeeds without effect, as cgofuse does for file systems without
// the operation: copy tools set creation times on every file they write.
func (c *cgoFS) Setcrtime(p string, ts fuse.Timespec) (errc int) {
	defer c.trace(&errc, "setcrtime", p)()
	tree, r, err := c.route(relOf(p))
	if err == nil {
		err = tree.SetCrtime(r, fs.Timespec{Sec: ts.Sec, Nsec: ts.Nsec})
	}
	if e := fuseErrno(err); e != -fuse.ENOTSUP && e != -fuse.EOPNOTSUPP {
		return e
	}
	return 0
}

// Setchgtime is accepted without effect: no source lets the change time
// be set.
func (c *cgoFS) Setchgtime(p string, ts fuse.Timespec) (errc int) {
	defer c.trace(&errc, "setchgtime", p)()
	return 0
}

// Getpath returns the path in its stored case, as a case-insensitive
// mount must report it: WinFsp asks with the case the program typed.
func (c *cgoFS) Getpath(p string, fh uint64) (errc int, truePath string) {
	defer c.trace(&errc, "getpath", p, "true", &truePath)()
	var names []string
	for _, name := range strings.Split(relOf(p), "/") {
		if name == "" {
			continue
		}
		dir := strings.Join(names, "/")
		n, err := c.getattr(path.Join(dir, name))
		if err != nil {
			return fuseErrno(err), ""
		}
		names = append(names, presentedName(name, n.Stored))
	}
	return 0, "/" + strings.Join(names, "/")
}

// presentedName returns the stored case of the name a program asked for:
// the stored name, or for a shortcut shown without its ".lnk", the stored
// name without it.
func presentedName(asked, stored string) string {
	switch {
	case strings.EqualFold(asked, stored):
		return stored
	case len(stored) > 4 && strings.EqualFold(asked, stored[:len(stored)-4]):
		return stored[:len(stored)-4]
	}
	return asked
}

func (c *cgoFS) Access(p string, mask uint32) (errc int) {
	defer c.trace(&errc, "access", p, "mask", mask)()
	// Permissions are the kernel's (default_permissions) or WinFsp's
	// business; the daemon only says whether the entry exists.
	_, err := c.getattr(relOf(p))
	return fuseErrno(err)
}

func (c *cgoFS) Statfs(p string, st *fuse.Statfs_t) (errc int) {
	defer c.trace(&errc, "statfs", p)()
	info, err := c.tree.Statfs()
	if err != nil {
		return fuseErrno(err)
	}
	*st = fuse.Statfs_t{
		Bsize: uint64(info.Bsize), Frsize: uint64(info.Frsize),
		Blocks: info.Blocks, Bfree: info.Bfree, Bavail: info.Bavail,
		Files: info.Files, Ffree: info.Ffree, Favail: info.Ffree,
		Namemax: uint64(info.NameLen),
	}
	return 0
}

func (c *cgoFS) Getxattr(p, name string) (errc int, value []byte) {
	defer c.trace(&errc, "getxattr", p, "name", name)()
	tree, r, err := c.route(relOf(p))
	if err != nil {
		return fuseErrno(err), nil
	}
	value, err = sizedRead(func(dest []byte) (int, error) { return tree.Getxattr(r, name, dest) })
	return fuseErrno(err), value
}

func (c *cgoFS) Listxattr(p string, fill func(name string) bool) (errc int) {
	defer c.trace(&errc, "listxattr", p)()
	tree, r, err := c.route(relOf(p))
	if err != nil {
		return fuseErrno(err)
	}
	list, err := sizedRead(func(dest []byte) (int, error) { return tree.Listxattr(r, dest) })
	if err != nil {
		return fuseErrno(err)
	}
	for _, name := range strings.Split(string(list), "\x00") {
		if name != "" && !fill(name) {
			return -fuse.ERANGE
		}
	}
	return 0
}

// sizedRead calls a getxattr-style function once to learn the size and
// again to read, retrying if the value grew in between.
func sizedRead(read func(dest []byte) (int, error)) ([]byte, error) {
	for range 8 {
		n, err := read(nil)
		if err != nil || n == 0 {
			return nil, err
		}
		buf := make([]byte, n)
		n, err = read(buf)
		if fuseErrno(err) == -fuse.ERANGE {
			continue
		}
		return buf[:n], err
	}
	return nil, errRange
}

func (c *cgoFS) Setxattr(p, name string, value []byte, flags int) (errc int) {
	defer c.trace(&errc, "setxattr", p, "name", name)()
	tree, r, err := c.route(relOf(p))
	if err == nil {
		err = tree.Setxattr(r, name, value, flags)
	}
	return fuseErrno(err)
}

func (c *cgoFS) Removexattr(p, name string) (errc int) {
	defer c.trace(&errc, "removexattr", p, "name", name)()
	tree, r, err := c.route(relOf(p))
	if err == nil {
		err = tree.Removexattr(r, name)
	}
	return fuseErrno(err)
}

// route returns the tree that holds rel and rel's path in it.
func (c *cgoFS) route(rel string) (*fs.Tree, string, error) {
	if c.win != nil {
		return c.win.route(c.tree, rel)
	}
	return c.tree, rel, nil
}

// routeParent routes a path that is about to be created, removed or
// renamed, and splits it into its directory and name there.
func (c *cgoFS) routeParent(rel string) (*fs.Tree, string, string, error) {
	dir, name := splitRel(rel)
	if name == "" {
		return nil, "", "", errBusy // the root cannot be made, moved or removed
	}
	if c.win != nil && c.win.reserved(rel) {
		return nil, "", "", errPerm
	}
	tree, r, err := c.route(dir)
	if err != nil {
		return nil, "", "", err
	}
	return tree, r, name, nil
}

// fileTable holds the files open through the mount, by handle number.
type fileTable struct {
	mu    sync.Mutex
	next  uint64
	files map[uint64]*os.File
}

func (t *fileTable) add(f *os.File) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.files == nil {
		t.files = make(map[uint64]*os.File)
	}
	t.next++
	t.files[t.next] = f
	return t.next
}

func (t *fileTable) get(fh uint64) (*os.File, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.files[fh]
	return f, ok
}

func (t *fileTable) remove(fh uint64) *os.File {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.files[fh]
	delete(t.files, fh)
	return f
}

// closeAll closes the files left open when the host stops.
func (t *fileTable) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for fh, f := range t.files {
		f.Close()
		delete(t.files, fh)
	}
}

func (c *cgoFS) Destroy() {
	c.files.closeAll()
	if c.win != nil {
		c.win.close()
	}
}
