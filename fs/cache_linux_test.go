//go:build linux

package fs

import (
	iofs "io/fs"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

func statOf(ino uint64) *unix.Stat_t {
	return &unix.Stat_t{Dev: 1, Ino: ino, Size: 10, Mtim: unix.Timespec{Sec: 5}, Ctim: unix.Timespec{Sec: 6}}
}

func TestClassCacheKeepsEntries(t *testing.T) {
	var c classCache
	c.init(16)
	plain := Entry{Format: translate.None, Type: iofs.ModeDir, Attrs: AttrDirectory, HasAttrs: true, Raw: []byte("head")}
	link := Entry{Format: translate.CygwinCookie, Raw: []byte("!<symlink>..."), Link: translate.Link{Format: translate.CygwinCookie, Target: "/x"}, Attrs: AttrSystem, HasAttrs: true}
	c.put(statOf(1), plain)
	c.put(statOf(2), link)
	got, ok := c.get(statOf(1))
	plain.Raw = nil
	if !ok || got.Format != plain.Format || got.Type != plain.Type || got.Attrs != plain.Attrs || !got.HasAttrs || got.Raw != nil {
		t.Errorf("plain entry: %+v, %v; want %+v", got, ok, plain)
	}
	got, ok = c.get(statOf(2))
	if !ok || got.Format != link.Format || got.Link != link.Link || got.Attrs != link.Attrs || got.Raw != nil {
		t.Errorf("link entry: %+v, %v; want %+v without Raw", got, ok, link)
	}
	changed := statOf(2)
	changed.Ctim.Nsec++
	if _, ok := c.get(changed); ok {
		t.Error("a changed ctime still hits")
	}
}

// TestClassCacheEvictsGradually fills the cache past its bound: most of
// what it held stays (a cache emptied when full would keep one entry).
func TestClassCacheEvictsGradually(t *testing.T) {
	const max = 64
	var c classCache
	c.init(max)
	for ino := range uint64(max + 1) {
		c.put(statOf(ino), Entry{Format: translate.None})
	}
	hits := 0
	for ino := range uint64(max + 1) {
		if _, ok := c.get(statOf(ino)); ok {
			hits++
		}
	}
	if want := max + 1 - max/8; hits != want {
		t.Errorf("%d of %d entries still cached, want %d", hits, max+1, want)
	}
	if _, ok := c.get(statOf(max)); !ok {
		t.Error("the entry just put was evicted")
	}
}
