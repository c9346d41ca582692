//go:build linux

package fs

import (
	iofs "io/fs"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// classKey identifies one version of one file: any change to the entry
// (content, xattrs, attributes, a rename over it) changes ctime or the
// inode, so a stale classification is never served.
type classKey struct {
	dev, ino     uint64
	mtime, ctime int64 // nanoseconds
	size         int64
}

func keyOf(st *unix.Stat_t) classKey {
	return classKey{
		dev: st.Dev, ino: st.Ino,
		mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
		size: st.Size,
	}
}

// classCacheSize bounds the classification cache: a few hundred thousand
// entries, a 100k-entry tree several times over, at about 70 bytes for a
// plain entry.
const classCacheSize = 1 << 18

// classCache remembers classifications. Plain entries, nearly all of a
// tree, are kept in a compact form; links and malformed entries whole. No
// entry keeps its raw bytes: nothing that reads a Tree node uses them
// (inspect, scan and convert classify on their own). When full, a random
// eighth is evicted, so a tree larger than the cache still finds most of
// its entries on the next pass; an eviction costs re-reading a head, never
// a wrong answer.
type classCache struct {
	mu    sync.Mutex
	max   int
	plain map[classKey]plainClass
	other map[classKey]*Entry
}

// plainClass is an Entry that is no link and carries no error.
type plainClass struct {
	typ      iofs.FileMode
	attrs    DOSAttrs
	hasAttrs bool
	reparse  bool
}

func (c *classCache) init(max int) {
	c.max = max
	c.plain = make(map[classKey]plainClass)
	c.other = make(map[classKey]*Entry)
}

func (c *classCache) get(st *unix.Stat_t) (Entry, bool) {
	k := keyOf(st)
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.plain[k]; ok {
		return Entry{Format: translate.None, Type: p.typ, Attrs: p.attrs, HasAttrs: p.hasAttrs, Reparse: p.reparse}, true
	}
	if e, ok := c.other[k]; ok {
		return *e, true
	}
	return Entry{}, false
}

func (c *classCache) put(st *unix.Stat_t, e Entry) {
	k := keyOf(st)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.plain)+len(c.other) >= c.max {
		c.evict(c.max / 8)
	}
	if e.Format == translate.None && e.Err == nil && e.Link == (translate.Link{}) {
		c.plain[k] = plainClass{typ: e.Type, attrs: e.Attrs, hasAttrs: e.HasAttrs, reparse: e.Reparse}
		return
	}
	e.Raw = nil
	c.other[k] = &e
}

// evict removes n entries, chosen by Go's random map iteration order.
func (c *classCache) evict(n int) {
	for k := range c.plain {
		if n <= 0 {
			return
		}
		delete(c.plain, k)
		n--
	}
	for k := range c.other {
		if n <= 0 {
			return
		}
		delete(c.other, k)
		n--
	}
}
