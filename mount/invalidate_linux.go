//go:build linux

package mount

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/linkfs/linkfs/fs"
)

// watching turns changes reported by the source into kernel cache
// invalidations, so what a watch covers may be cached for ttl instead of
// the mount's short --cache-timeout: directory listings, entries,
// attributes and link targets. A directory that cannot be watched (on a
// network file system, or past the inotify limit) keeps the short timeout.
type watching struct {
	w   *fs.Watcher
	ttl time.Duration
	log *slog.Logger

	// epoch counts applied batches. A reply built while a batch was
	// applied may describe the source from before the change, after the
	// kernel was told to forget it: such a reply gets the short timeout.
	epoch atomic.Uint64
	// failed is set when events can no longer be read: nothing is then
	// covered, and what the kernel cached is dropped.
	failed atomic.Bool

	mu   sync.Mutex
	dirs map[fs.WatchID]*node
	// listings holds each watched directory's presented entries until an
	// event names the directory. A watch outlives the kernel's memory of
	// its directory, so a listing survives the kernel dropping its caches
	// (memory pressure, drop_caches): find then reads nothing from SOURCE.
	listings map[fs.WatchID][]fuse.DirEntry
}

func newWatching(tree *fs.Tree, ttl time.Duration, log *slog.Logger) (*watching, error) {
	w, err := tree.NewWatcher()
	if err != nil {
		return nil, err
	}
	return &watching{w: w, ttl: ttl, log: log, dirs: make(map[fs.WatchID]*node), listings: make(map[fs.WatchID][]fuse.DirEntry)}, nil
}

// run applies changes until the watcher is closed.
func (wt *watching) run() {
	if err := wt.w.Run(wt.apply); err != nil {
		// Without events nothing may stay cached.
		wt.log.Error("source watch failed; entries now expire after --cache-timeout", "err", err)
		wt.failed.Store(true)
		wt.epoch.Add(2)
		wt.mu.Lock()
		clear(wt.listings)
		wt.mu.Unlock()
		wt.invalidateAll()
	}
}

func (wt *watching) close() error { return wt.w.Close() }

// watch makes sure dir is watched and reports whether it is. A directory
// that cannot be watched is tried again only when the kernel forgets it.
func (wt *watching) watch(dir *node) bool {
	if wt == nil {
		return false
	}
	if dir.watched.Load() {
		return !wt.failed.Load()
	}
	if dir.unwatchable.Load() || wt.failed.Load() {
		return false
	}
	id, err := wt.w.Watch(dir.rel())
	if err != nil {
		// Only the inotify limit is news: a directory on another
		// file system is expected, and one that cannot be opened
		// fails the operation itself, which reports why.
		level := slog.LevelDebug
		if errors.Is(err, syscall.ENOSPC) {
			level = slog.LevelWarn
		}
		wt.log.Log(context.Background(), level, "directory not watched; its entries expire after --cache-timeout", "path", dir.rel(), "err", err)
		dir.unwatchable.Store(true)
		return false
	}
	wt.mu.Lock()
	wt.dirs[id] = dir
	wt.mu.Unlock()
	dir.watchID.Store(int32(id))
	dir.watched.Store(true)
	return true
}

// forget detaches a directory the kernel no longer knows from its watch.
// The watch stays, and with it the directory's listing (see listings):
// the kernel holds nothing cached under the directory any more, and the
// next node of the directory is given the same watch.
func (wt *watching) forget(dir *node) {
	if !dir.watched.Swap(false) {
		dir.unwatchable.Store(false)
		return
	}
	id := fs.WatchID(dir.watchID.Load())
	wt.mu.Lock()
	if wt.dirs[id] == dir {
		delete(wt.dirs, id)
	}
	wt.mu.Unlock()
}

// listing returns the kept listing of a watched directory.
func (wt *watching) listing(dir *node) ([]fuse.DirEntry, bool) {
	if wt == nil || !dir.watched.Load() {
		return nil, false
	}
	wt.mu.Lock()
	defer wt.mu.Unlock()
	l, ok := wt.listings[fs.WatchID(dir.watchID.Load())]
	return l, ok
}

// keepListing keeps a listing read since epoch and the directory's
// listGen gen, if neither the source nor the mount changed it since.
func (wt *watching) keepListing(dir *node, epoch, gen uint64, l []fuse.DirEntry) {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if wt.covers(dir, epoch) && dir.listGen.Load() == gen {
		wt.listings[fs.WatchID(dir.watchID.Load())] = l
	}
}

// dropListing forgets the kept listing of dir.
func (wt *watching) dropListing(dir *node) {
	if !dir.watched.Load() {
		return
	}
	wt.mu.Lock()
	defer wt.mu.Unlock()
	delete(wt.listings, fs.WatchID(dir.watchID.Load()))
}

func (wt *watching) dir(id fs.WatchID) *node {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	return wt.dirs[id]
}

// apply tells the kernel to forget what the changes made stale. The
// kernel calls are asynchronous notifications: none of them waits for a
// FUSE request, so this goroutine cannot deadlock against the server. A
// directory's listing is dropped once per batch however many of its
// entries changed (rm -r of a large directory is one batch after another
// of deletions).
func (wt *watching) apply(batch []fs.Change) {
	wt.epoch.Add(1)
	defer wt.epoch.Add(1)
	listings := make(map[*node]bool)
	wt.mu.Lock()
	for _, c := range batch {
		// Any change in a directory may change how its entries present
		// (a SYSTEM attribute set, a cookie written), not only its names.
		delete(wt.listings, c.Dir)
		if c.Op&fs.ChangeLost != 0 {
			clear(wt.listings)
		}
	}
	wt.mu.Unlock()
	for _, c := range batch {
		if c.Op&fs.ChangeLost != 0 {
			wt.log.Warn("the kernel dropped source events; dropping every cached entry")
			wt.invalidateAll()
			continue
		}
		dir := wt.dir(c.Dir)
		if c.Op&fs.ChangeGone != 0 && c.Name == "" {
			wt.mu.Lock()
			delete(wt.dirs, c.Dir)
			wt.mu.Unlock()
		}
		if dir == nil {
			continue
		}
		if c.Name == "" {
			if c.Op&fs.ChangeGone != 0 {
				dir.watched.Store(false)
			}
			// Its own attributes (attributes only: the listing of a
			// directory changes through events on its entries).
			dir.xattrsChanged()
			dir.NotifyContent(-1, 0)
			continue
		}
		if c.Op&fs.ChangeEntries != 0 {
			listings[dir] = true
		}
		wt.changed(dir, c)
	}
	for dir := range listings {
		// The listing and the directory's times.
		dir.NotifyContent(0, 0)
	}
}

// changed drops what the kernel may hold about one entry. The kernel's
// entry is dropped unless it is known to be still right: with no inode
// known for the name, after a removal (the kernel then holds no entry, or
// a right negative one); with one, when the source still presents that
// very inode there. The mount's own creates, writes and chmods raise
// these events too, and dropping their entries would cost a lookup each
// at the next access (rm -r after an untar).
func (wt *watching) changed(dir *node, c fs.Change) {
	child := dir.GetChild(c.Name)
	entryStale := c.Op&(fs.ChangeEntries|fs.ChangeAttrs|fs.ChangeWritten) != 0
	switch {
	case !entryStale:
	case child == nil:
		entryStale = c.Op&(fs.ChangeAdded|fs.ChangeAttrs|fs.ChangeWritten) != 0
	default:
		entryStale = !wt.stillPresents(dir, c.Name, child)
	}
	if entryStale {
		dir.NotifyEntry(c.Name)
	}
	if child == nil {
		return
	}
	child.Operations().(*node).xattrsChanged()
	// A regular file keeps its page cache: the mount's own writes raise
	// these events too, and a file is read afresh at each open anyway.
	// A link drops its cached target; a directory its cached listing.
	off := int64(-1)
	if child.StableAttr().Mode != fuse.S_IFREG {
		off = 0
	}
	child.NotifyContent(off, 0)
}

// stillPresents reports whether the source presents name in dir as the
// inode child, type and (for a link) target alike.
func (wt *watching) stillPresents(dir *node, name string, child *gofs.Inode) bool {
	fn, err := dir.m.tree.Lookup(dir.rel(), name)
	return err == nil && stableAttr(&fn) == child.StableAttr()
}

// invalidateAll drops every entry and listing the kernel may cache, when
// events were lost or can no longer be read.
func (wt *watching) invalidateAll() {
	wt.mu.Lock()
	dirs := make([]*node, 0, len(wt.dirs))
	for _, d := range wt.dirs {
		dirs = append(dirs, d)
	}
	wt.mu.Unlock()
	for _, d := range dirs {
		d.NotifyContent(0, 0)
		for name, child := range d.Children() {
			d.NotifyEntry(name)
			child.NotifyContent(0, 0)
		}
	}
}

// covers reports whether a reply about an entry of dir, built since
// epoch, may be cached for ttl: dir is watched and no batch of changes
// was applied meanwhile.
func (wt *watching) covers(dir *node, epoch uint64) bool {
	return wt != nil && dir != nil && dir.watched.Load() && epoch%2 == 0 && wt.epoch.Load() == epoch && !wt.failed.Load()
}

// coversAttr is covers for the attributes of the entry: not for a file
// with several names, since a change made through a name in another
// directory raises no event here.
func (wt *watching) coversAttr(dir *node, epoch uint64, a *fuse.Attr) bool {
	return wt.covers(dir, epoch) && (a.Nlink <= 1 || a.Mode&syscall.S_IFMT == syscall.S_IFDIR)
}

// start returns the epoch a reply is built in; see covers.
func (wt *watching) start() uint64 {
	if wt == nil {
		return 1 // odd: covers nothing
	}
	return wt.epoch.Load()
}

// entryTimeouts lets the kernel keep an entry of dir, and its attributes,
// for ttl when the watch covers them; otherwise the mount's defaults hold.
func (wt *watching) entryTimeouts(dir *node, epoch uint64, out *fuse.EntryOut) {
	if wt.covers(dir, epoch) {
		out.SetEntryTimeout(wt.ttl)
	}
	if wt.coversAttr(dir, epoch, &out.Attr) {
		out.SetAttrTimeout(wt.ttl)
	}
}

var _ = (gofs.NodeOnForgetter)((*node)(nil))

// OnForget detaches a directory the kernel forgot from its watch.
func (n *node) OnForget() {
	if n.m.watch != nil && n.StableAttr().Mode == fuse.S_IFDIR {
		n.m.watch.forget(n)
	}
}
