//go:build linux

package fs

import (
	"sync"

	"golang.org/x/sys/unix"
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

// classCache remembers classifications. It is bounded: when full it is
// emptied, which costs re-reading a few heads, never a wrong answer.
type classCache struct {
	mu      sync.Mutex
	max     int
	entries map[classKey]Entry
}

func (c *classCache) init(max int) {
	c.max = max
	c.entries = make(map[classKey]Entry)
}

func (c *classCache) get(st *unix.Stat_t) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[keyOf(st)]
	return e, ok
}

func (c *classCache) put(st *unix.Stat_t, e Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[keyOf(st)] = e
}
