//go:build linux

package mount

import (
	"context"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/linkfs/linkfs/fs"
)

// node is one inode of the mount. It keeps nothing of the source but
// whether the entry has xattrs (see Getxattr): every operation asks
// fs.Tree about the path go-fuse knows for it, and the kernel's caches are
// dropped when the source changes (see watching) or expire.
//
// It does not embed gofs.LoopbackNode: that node resolves joined path
// strings and follows symlinks in intermediate components, and the daemon
// must never reach outside the source. The data path is go-fuse's
// LoopbackFile on a descriptor fs.Tree opened safely, so reads, writes,
// locks and FUSE passthrough behave exactly as in go-fuse's loopback.
type node struct {
	gofs.Inode
	m *mountState

	// For a directory: whether a watch covers its entries (see watching).
	watched, unwatchable atomic.Bool
	watchID              atomic.Int32

	// bare is set while the watch covers the entry and it is known to
	// have no extended attributes; xattrEpoch counts the changes that
	// clear it, xattrMisses the ENODATA answers given. See Getxattr.
	bare        atomic.Bool
	xattrEpoch  atomic.Uint64
	xattrMisses atomic.Uint32

	// listGen counts the mount's own changes in a directory; see
	// entriesChanged.
	listGen atomic.Uint64
}

// entriesChanged drops the kept listing of a directory the mount itself
// changed: the source's event would come too late for a readdir that
// follows at once. A listing read meanwhile is not kept (listGen).
func (n *node) entriesChanged() {
	if n == nil || n.m.watch == nil {
		return
	}
	n.listGen.Add(1)
	n.m.watch.dropListing(n)
}

// mountState is what all nodes of one mount share.
type mountState struct {
	tree  *fs.Tree
	log   *slog.Logger
	watch *watching // nil: nothing is watched, everything expires
}

// rel is the node's path relative to the source root, in presented names.
// An orphaned node gets a path that does not exist rather than a wrong one.
func (n *node) rel() string { return n.Path(n.Root()) }

func (n *node) child(name string) string {
	if r := n.rel(); r != "" {
		return r + "/" + name
	}
	return name
}

func caller(ctx context.Context) fs.Caller {
	if c, ok := fuse.FromContext(ctx); ok {
		return fs.Caller{Uid: c.Uid, Gid: c.Gid, Set: true}
	}
	return fs.Caller{}
}

// newChild registers the inode for a presented node. A link gets a
// generation derived from its target: a link presented over a regular
// file is never the file's inode changing type, and a link whose target
// changed in place (a cookie rewritten) is a new inode to the kernel, so
// a target the kernel cached is never shown for the new one.
func (n *node) newChild(ctx context.Context, name string, fn *fs.Node) *gofs.Inode {
	id := stableAttr(fn)
	// A name looked up again is most often the inode the kernel already
	// has: reuse it rather than allocate a node go-fuse would discard.
	if name != "" {
		if known := n.GetChild(name); known != nil && known.StableAttr() == id {
			return known
		}
	}
	return n.NewInode(ctx, &node{m: n.m}, id)
}

// stableAttr is the identity of a presented node for go-fuse and the
// kernel (see newChild).
func stableAttr(fn *fs.Node) gofs.StableAttr {
	gen := uint64(1)
	if fn.IsLink() {
		h := fnv.New64a()
		h.Write([]byte(fn.Target))
		gen = h.Sum64() | 2
	}
	return gofs.StableAttr{Mode: fn.Attr.Mode & syscall.S_IFMT, Ino: fn.Attr.Ino, Gen: gen}
}

// parentDir is the directory whose watch covers n's attributes: its
// parent, or the root itself (its own watch reports its attributes).
func (n *node) parentDir() *node {
	if n.IsRoot() {
		return n
	}
	if _, p := n.Parent(); p != nil {
		return p.Operations().(*node)
	}
	return nil
}

func fillAttr(out *fuse.Attr, a *fs.Attr) {
	out.Ino = a.Ino
	out.Mode = a.Mode
	out.Nlink = uint32(a.Nlink)
	out.Owner = fuse.Owner{Uid: a.Uid, Gid: a.Gid}
	out.Rdev = uint32(a.Rdev)
	out.Size = uint64(a.Size)
	out.Blocks = uint64(a.Blocks)
	out.Blksize = uint32(a.Blksize)
	out.Atime, out.Atimensec = uint64(a.Atime.Sec), uint32(a.Atime.Nsec)
	out.Mtime, out.Mtimensec = uint64(a.Mtime.Sec), uint32(a.Mtime.Nsec)
	out.Ctime, out.Ctimensec = uint64(a.Ctime.Sec), uint32(a.Ctime.Nsec)
}

var _ = (gofs.NodeLookuper)((*node)(nil))

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	n.m.watch.watch(n)
	epoch := n.m.watch.start()
	fn, err := n.m.tree.Lookup(n.rel(), name)
	if err != nil {
		return nil, toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	n.m.watch.entryTimeouts(n, epoch, out)
	return n.newChild(ctx, name, &fn), 0
}

var _ = (gofs.NodeGetattrer)((*node)(nil))

func (n *node) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if fga, ok := fh.(gofs.FileGetattrer); ok {
		return fga.Getattr(ctx, out)
	}
	epoch := n.m.watch.start()
	fn, err := n.m.tree.Getattr(n.rel())
	if err != nil {
		return toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	if n.m.watch.coversAttr(n.parentDir(), epoch, &out.Attr) {
		out.SetTimeout(n.m.watch.ttl)
	}
	return 0
}

var _ = (gofs.NodeStatxer)((*node)(nil))

// Statx answers ENOSYS so the kernel falls back to Getattr, the one place
// where attributes are presented.
func (n *node) Statx(ctx context.Context, fh gofs.FileHandle, flags uint32, mask uint32, out *fuse.StatxOut) syscall.Errno {
	return syscall.ENOSYS
}

var _ = (gofs.NodeReadlinker)((*node)(nil))

func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	target, err := n.m.tree.Readlink(n.rel())
	if err != nil {
		return nil, staleIf(toErrno(err), syscall.EINVAL)
	}
	return []byte(target), 0
}

// staleIf turns errno into ESTALE when it means the kernel's idea of the
// entry is out of date: readlink of what is no longer a link (EINVAL),
// open of a file that became a link on the source (ELOOP). On ESTALE the
// kernel looks the name up again and retries, so a change made directly
// on the source shows at once instead of failing until the cache expires.
func staleIf(errno, stale syscall.Errno) syscall.Errno {
	if errno == stale {
		return syscall.ESTALE
	}
	return errno
}

var _ = (gofs.NodeOpendirHandler)((*node)(nil))

// OpendirHandle opens a listing that is read from the source only when
// the kernel asks for entries. FOPEN_CACHE_DIR lets the kernel cache it;
// for a watched directory FOPEN_KEEP_CACHE keeps it across opendirs until
// the source changes, so a second find or ls reads nothing from here.
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	open := uint32(fuse.FOPEN_CACHE_DIR)
	if n.m.watch.watch(n) {
		open |= fuse.FOPEN_KEEP_CACHE
	}
	return &listing{dir: n}, open, 0
}

// listing is an open directory; it reads the source on the first readdir.
type listing struct {
	dir     *node
	entries gofs.DirStream
}

var _ = (gofs.FileReaddirenter)((*listing)(nil))

func (l *listing) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if l.entries == nil {
		if errno := l.read(); errno != 0 {
			return nil, errno
		}
	}
	if !l.entries.HasNext() {
		return nil, 0
	}
	e, errno := l.entries.Next()
	return &e, errno
}

var _ = (gofs.FileSeekdirer)((*listing)(nil))

func (l *listing) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if l.entries == nil {
		if errno := l.read(); errno != 0 {
			return errno
		}
	}
	return l.entries.(gofs.FileSeekdirer).Seekdir(ctx, off)
}

// staleListingDelay is how long after a listing raced a change on the
// source it is dropped again from the kernel's cache: the drop the change
// caused may have reached the kernel before the listing did.
const staleListingDelay = 50 * time.Millisecond

func (l *listing) read() syscall.Errno {
	n := l.dir
	entries, ok := n.m.watch.listing(n)
	if !ok {
		epoch, gen := n.m.watch.start(), n.listGen.Load()
		stored, err := n.m.tree.ReadDir(n.rel())
		if err != nil {
			return toErrno(err)
		}
		entries = make([]fuse.DirEntry, 0, len(stored))
		for _, e := range stored {
			entries = append(entries, fuse.DirEntry{Name: e.Name, Ino: e.Ino, Mode: e.Type})
		}
		if n.m.watch != nil {
			if n.m.watch.covers(n, epoch) {
				n.m.watch.keepListing(n, epoch, gen, entries)
			} else {
				time.AfterFunc(staleListingDelay, func() { n.NotifyContent(0, 0) })
			}
		}
	}
	// FUSE leaves "." and ".." to the file system, as getdents lists them.
	parentIno := n.StableAttr().Ino
	if _, parent := n.Parent(); parent != nil {
		parentIno = parent.StableAttr().Ino
	}
	list := make([]fuse.DirEntry, 0, len(entries)+2)
	list = append(list,
		fuse.DirEntry{Name: ".", Ino: n.StableAttr().Ino, Mode: fuse.S_IFDIR},
		fuse.DirEntry{Name: "..", Ino: parentIno, Mode: fuse.S_IFDIR})
	l.entries = gofs.NewListDirStream(append(list, entries...))
	return 0
}

var _ = (gofs.NodeOpener)((*node)(nil))

func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	flags &^= syscall.O_APPEND | fuse.FMODE_EXEC
	f, err := n.m.tree.Open(n.rel(), int(flags))
	if err != nil {
		return nil, 0, staleIf(toErrno(err), syscall.ELOOP)
	}
	return gofs.NewLoopbackFileFromOS(f), 0, 0
}

var _ = (gofs.NodeCreater)((*node)(nil))

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	defer n.entriesChanged()
	flags &^= syscall.O_APPEND
	f, fn, err := n.m.tree.Create(n.rel(), name, int(flags), mode, caller(ctx))
	if err != nil {
		return nil, nil, 0, toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	return n.newChild(ctx, name, &fn), gofs.NewLoopbackFileFromOS(f), 0, 0
}

var _ = (gofs.NodeTmpfiler)((*node)(nil))

func (n *node) Tmpfile(ctx context.Context, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	flags &^= syscall.O_APPEND
	f, attr, err := n.m.tree.Tmpfile(n.rel(), int(flags), mode, caller(ctx))
	if err != nil {
		return nil, nil, 0, toErrno(err)
	}
	fillAttr(&out.Attr, &attr)
	fn := fs.Node{Attr: attr}
	return n.newChild(ctx, "", &fn), gofs.NewLoopbackFileFromOS(f), 0, 0
}

var _ = (gofs.NodeSymlinker)((*node)(nil))

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	defer n.entriesChanged()
	fn, err := n.m.tree.Symlink(n.rel(), name, target, caller(ctx))
	if err != nil {
		if errno := toErrno(err); errno == syscall.EINVAL || errno == syscall.EIO {
			n.m.log.Warn("symlink refused", "op", "symlink", "path", n.child(name), "target", target, "err", err)
		}
		return nil, toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	return n.newChild(ctx, name, &fn), 0
}

var _ = (gofs.NodeMkdirer)((*node)(nil))

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	defer n.entriesChanged()
	fn, err := n.m.tree.Mkdir(n.rel(), name, mode, caller(ctx))
	if err != nil {
		return nil, toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	return n.newChild(ctx, name, &fn), 0
}

var _ = (gofs.NodeMknoder)((*node)(nil))

func (n *node) Mknod(ctx context.Context, name string, mode, rdev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	defer n.entriesChanged()
	fn, err := n.m.tree.Mknod(n.rel(), name, mode, uint64(rdev), caller(ctx))
	if err != nil {
		return nil, toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	return n.newChild(ctx, name, &fn), 0
}

var _ = (gofs.NodeLinker)((*node)(nil))

func (n *node) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	defer n.entriesChanged()
	src, ok := target.(*node)
	if !ok {
		return nil, syscall.EXDEV
	}
	fn, err := n.m.tree.Link(src.rel(), n.rel(), name)
	if err != nil {
		return nil, toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	return n.newChild(ctx, name, &fn), 0
}

var _ = (gofs.NodeUnlinker)((*node)(nil))

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	defer n.entriesChanged()
	return toErrno(n.m.tree.Unlink(n.rel(), name))
}

var _ = (gofs.NodeRmdirer)((*node)(nil))

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	defer n.entriesChanged()
	return toErrno(n.m.tree.Rmdir(n.rel(), name))
}

var _ = (gofs.NodeRenamer)((*node)(nil))

func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	dst, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	defer n.entriesChanged()
	defer dst.entriesChanged()
	return toErrno(n.m.tree.Rename(n.rel(), name, dst.rel(), newName, flags))
}

var _ = (gofs.NodeSetattrer)((*node)(nil))

func (n *node) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	// A size or an attribute may change how the entry presents.
	defer n.parentDir().entriesChanged()
	if fsa, ok := fh.(gofs.FileSetattrer); ok {
		return fsa.Setattr(ctx, in, out)
	}
	var ch fs.SetattrChange
	if m, ok := in.GetMode(); ok {
		ch.Mode = &m
	}
	if uid, ok := in.GetUID(); ok {
		ch.Uid = &uid
	}
	if gid, ok := in.GetGID(); ok {
		ch.Gid = &gid
	}
	if sz, ok := in.GetSize(); ok {
		ch.Size = &sz
	}
	ch.Atime = setattrTime(in, fuse.FATTR_ATIME, fuse.FATTR_ATIME_NOW, in.Atime, in.Atimensec)
	ch.Mtime = setattrTime(in, fuse.FATTR_MTIME, fuse.FATTR_MTIME_NOW, in.Mtime, in.Mtimensec)
	fn, err := n.m.tree.Setattr(n.rel(), ch)
	if err != nil {
		return toErrno(err)
	}
	fillAttr(&out.Attr, &fn.Attr)
	return 0
}

func setattrTime(in *fuse.SetAttrIn, set, now uint32, sec uint64, nsec uint32) *fs.Timespec {
	switch {
	case in.Valid&now != 0:
		return &fs.Timespec{Nsec: fs.TimeNow}
	case in.Valid&set != 0:
		return &fs.Timespec{Sec: int64(sec), Nsec: int64(nsec)}
	}
	return nil
}

var _ = (gofs.NodeGetxattrer)((*node)(nil))

// Getxattr answers the security.selinux query ls -l makes for every file
// (the kernel caches no xattr, only ACLs) without touching the source when
// the watch covers an entry known to have no xattrs. Only the names
// listxattr lists may be answered so: ntfs-3g serves system.ntfs_* names it
// never lists.
func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	listed := strings.HasPrefix(attr, "security.") || strings.HasPrefix(attr, "system.posix_acl_")
	if listed && n.bare.Load() {
		return 0, syscall.ENODATA
	}
	epoch, xepoch := n.m.watch.start(), n.xattrEpoch.Load()
	sz, err := n.m.tree.Getxattr(n.rel(), attr, dest)
	errno := toErrno(err)
	// Learning costs a stat and a listxattr: not worth it for a file
	// asked once (the kernel's security.capability query at the first
	// write to a new file), only for one asked again (ls -l, again).
	if listed && errno == syscall.ENODATA && n.xattrMisses.Add(1) >= 2 {
		n.learnBare(epoch, xepoch)
	}
	return uint32(sz), errno
}

// learnBare sets bare if the entry lists no xattrs, and neither the
// source (epoch) nor the mount (xepoch) changed it meanwhile.
func (n *node) learnBare(epoch, xepoch uint64) {
	if !n.m.watch.covers(n.parentDir(), epoch) {
		return
	}
	// A file with several names is not covered (see coversAttr).
	fn, err := n.m.tree.Getattr(n.rel())
	if err != nil {
		return
	}
	var out fuse.Attr
	fillAttr(&out, &fn.Attr)
	if !n.m.watch.coversAttr(n.parentDir(), epoch, &out) {
		return
	}
	size, err := n.m.tree.Listxattr(n.rel(), nil)
	if err == nil && size == 0 && n.m.watch.covers(n.parentDir(), epoch) && n.xattrEpoch.Load() == xepoch {
		n.bare.Store(true)
	}
}

// xattrsChanged forgets that the entry has no xattrs.
func (n *node) xattrsChanged() {
	n.xattrEpoch.Add(1)
	n.bare.Store(false)
}

var _ = (gofs.NodeListxattrer)((*node)(nil))

func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	sz, err := n.m.tree.Listxattr(n.rel(), dest)
	return uint32(sz), toErrno(err)
}

var _ = (gofs.NodeSetxattrer)((*node)(nil))

func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	// A size or an attribute may change how the entry presents.
	defer n.parentDir().entriesChanged()
	n.xattrsChanged()
	return toErrno(n.m.tree.Setxattr(n.rel(), attr, data, int(flags)))
}

var _ = (gofs.NodeRemovexattrer)((*node)(nil))

func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	// A size or an attribute may change how the entry presents.
	defer n.parentDir().entriesChanged()
	n.xattrsChanged()
	return toErrno(n.m.tree.Removexattr(n.rel(), attr))
}

var _ = (gofs.NodeStatfser)((*node)(nil))

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	st, err := n.m.tree.Statfs()
	if err != nil {
		return toErrno(err)
	}
	out.Blocks, out.Bfree, out.Bavail = st.Blocks, st.Bfree, st.Bavail
	out.Files, out.Ffree = st.Files, st.Ffree
	out.Bsize, out.NameLen, out.Frsize = st.Bsize, st.NameLen, st.Frsize
	return 0
}
