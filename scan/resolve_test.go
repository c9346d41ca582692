package scan

import (
	"testing"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// memTree builds a scan result in memory, as a walk of the root /r would
// record it, so that the resolver is tested on every system.
type memTree struct {
	res     Result
	targets []string
}

func newMemTree(roots ...string) *memTree {
	m := &memTree{res: Result{ns: &namespace{entries: map[string]nsEntry{}}}}
	for _, r := range roots {
		m.res.ns.addRoot(r)
		m.res.ns.setAll([]nsFound{{r, nsEntry{kind: nsDir}}})
	}
	return m
}

func (m *memTree) add(p string, kind nsKind) { m.res.ns.set(p, nsEntry{kind: kind}) }

// link records a link at p to target; alias is a shortcut's presented
// name, "" for none.
func (m *memTree) link(p, target, alias string) {
	e := fs.Entry{Format: translate.Native, Link: translate.Link{Format: translate.Native, Target: target}}
	if target == "" {
		e = fs.Entry{Format: translate.CygwinCookie, Err: &translate.FormatError{Format: translate.CygwinCookie, Reason: "malformed"}}
	}
	i := len(m.res.Links)
	m.res.Links = append(m.res.Links, Link{Path: p, Entry: e, abs: p, alias: alias})
	m.targets = append(m.targets, target)
	m.res.ns.addLink(&m.res.Links[i], i)
}

func TestResolveInMemory(t *testing.T) {
	m := newMemTree("/r", "/other")
	m.add("/r/docs", nsDir)
	m.add("/r/docs/readme", nsFile)
	m.add("/r/locked", nsUnread)
	m.add("/other/file", nsFile)
	m.link("/r/ok", "docs/readme", "")
	m.link("/r/okdir", "docs", "")
	m.link("/r/abs", "/r/docs", "")
	m.link("/r/dangling", "missing", "")
	m.link("/r/notdir", "docs/readme/x", "")
	m.link("/r/loopa", "loopb", "")
	m.link("/r/loopb", "loopa", "")
	m.link("/r/etc", "/etc/passwd", "")
	m.link("/r/other", "../other/file", "")
	m.link("/r/music.lnk", "docs", "/r/music")
	m.link("/r/via-alias", "music/readme", "")
	m.link("/r/in-locked", "locked/x", "")
	m.link("/r/to-locked", "locked", "")
	m.link("/r/malformed", "", "")
	m.link("/r/via-malformed", "malformed/x", "")
	m.link("/r/dotdot", "docs/../docs/readme", "")
	want := map[string]Resolution{
		"/r/ok":            {State: Resolved},
		"/r/okdir":         {State: Resolved, Dir: true},
		"/r/abs":           {State: Resolved, Dir: true},
		"/r/dangling":      {State: Dangling},
		"/r/notdir":        {State: Dangling},
		"/r/loopa":         {State: Loop},
		"/r/loopb":         {State: Loop},
		"/r/etc":           {State: Outside},
		"/r/other":         {State: Resolved},
		"/r/music.lnk":     {State: Resolved, Dir: true},
		"/r/via-alias":     {State: Resolved},
		"/r/in-locked":     {State: Unknown},
		"/r/to-locked":     {State: Resolved, Dir: true},
		"/r/malformed":     {State: Unknown},
		"/r/via-malformed": {State: Dangling},
		"/r/dotdot":        {State: Resolved},
	}
	got := m.res.ResolveAll(m.targets)
	for i, l := range m.res.Links {
		if got[i] != want[l.Path] {
			t.Errorf("%s -> %q: %+v, want %+v", l.Path, m.targets[i], got[i], want[l.Path])
		}
	}
}

// TestResolveHopLimit gives up as the kernel does, after 40 links in one
// lookup, whichever link of a chain is resolved first.
func TestResolveHopLimit(t *testing.T) {
	for _, reverse := range []bool{false, true} {
		m := newMemTree("/r")
		m.add("/r/end", nsDir)
		const n = 45
		name := func(k int) string { return "/r/c" + string(rune('a'+k/26)) + string(rune('a'+k%26)) }
		order := make([]int, n)
		for k := range n {
			order[k] = k
			if reverse {
				order[k] = n - 1 - k
			}
		}
		for _, k := range order {
			target := "end"
			if k < n-1 {
				target = name(k + 1)[len("/r/"):]
			}
			m.link(name(k), target, "")
		}
		got := m.res.ResolveAll(m.targets)
		for i, l := range m.res.Links {
			k := order[i]
			// Link k follows n-k links to reach end.
			want := Resolution{State: Resolved, Dir: true}
			if n-k > maxLinkHops {
				want = Resolution{State: Loop}
			}
			if got[i] != want {
				t.Errorf("reverse=%v: %s (%d links to the end): %+v, want %+v", reverse, l.Path, n-k, got[i], want)
			}
		}
	}
}
