package scan

import (
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// namespace is the scanned tree as a map from absolute path to what is
// there, for resolving link targets without asking the OS.
type namespace struct {
	mu      sync.Mutex
	entries map[string]nsEntry
	roots   []nsRoot
}

type nsRoot struct {
	abs  string
	real string // abs with symlinks resolved, when that differs
}

type nsKind uint8

const (
	nsFile   nsKind = iota + 1 // a regular file or special file
	nsDir                      // a directory whose entries were read
	nsUnread                   // a directory that could not be read
	nsLink                     // a link; nsEntry.link indexes Result.Links
)

type nsEntry struct {
	kind nsKind
	link int
}

func (n *namespace) set(p string, e nsEntry) {
	n.mu.Lock()
	n.entries[p] = e
	n.mu.Unlock()
}

// nsFound is an entry a directory read found.
type nsFound struct {
	path  string
	entry nsEntry
}

// setAll records the entries of one directory. A subdirectory already
// recorded was found unreadable by the worker that raced ahead to read
// it: that stays.
func (n *namespace) setAll(found []nsFound) {
	n.mu.Lock()
	for _, f := range found {
		if _, ok := n.entries[f.path]; !ok || f.entry.kind != nsDir {
			n.entries[f.path] = f.entry
		}
	}
	n.mu.Unlock()
}

// addLink records links[i] at its path and at its presented name.
func (n *namespace) addLink(l *Link, i int) {
	n.set(l.abs, nsEntry{kind: nsLink, link: i})
	if l.alias != "" {
		n.set(l.alias, nsEntry{kind: nsLink, link: i})
	}
}

func (n *namespace) addRoot(abs string) {
	r := nsRoot{abs: abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		r.real = real
	}
	n.roots = append(n.roots, r)
}

// inRoots reports whether p is a root or lies below one.
func (n *namespace) inRoots(p string) bool {
	for _, r := range n.roots {
		if within(p, r.abs) {
			return true
		}
	}
	return false
}

// aboveRoot reports whether p is an ancestor of a root.
func (n *namespace) aboveRoot(p string) bool {
	for _, r := range n.roots {
		if within(r.abs, p) {
			return true
		}
	}
	return false
}

// isRootDir reports whether p is a root that is a directory.
func (n *namespace) isRootDir(p string) bool {
	for _, r := range n.roots {
		if r.abs == p {
			e, ok := n.entries[p]
			return !ok || e.kind == nsDir || e.kind == nsUnread
		}
	}
	return false
}

// ResolveState says where following a link's target leads.
type ResolveState string

// The states of a resolution.
const (
	// Resolved: the target exists in the scanned tree.
	Resolved ResolveState = "resolved"
	// Dangling: the target does not exist (or a component of its path is
	// not a directory).
	Dangling ResolveState = "dangling"
	// Loop: following the target comes back to the link itself, or takes
	// more than maxLinkHops links, where the kernel gives up with ELOOP.
	Loop ResolveState = "loop"
	// Outside: the target leaves every scanned root; it was not followed.
	Outside ResolveState = "outside"
	// Unknown: the link has no target to follow (it is malformed or its
	// target cannot be presented), or the path crosses a directory that
	// could not be read.
	Unknown ResolveState = "unknown"
)

// Resolution is where a link's target leads within the scanned tree.
type Resolution struct {
	State ResolveState
	Dir   bool // Resolved to a directory
}

// maxLinkHops is Linux's MAXSYMLINKS: the links one path lookup follows.
const maxLinkHops = 40

// ResolveAll follows the target of every link in r.Links through the
// scanned tree, component by component, as the kernel would follow the
// presented links: targets[i] is the presented POSIX target of Links[i],
// "" for a link without one. Every component is looked up in what the
// scan found, never through the OS: a link to a link of any format is
// followed, a shortcut is found by its presented name, and a path that
// leaves every root is reported Outside and not followed further.
func (r *Result) ResolveAll(targets []string) []Resolution {
	rv := resolver{ns: r.ns, links: r.Links, targets: make([]string, len(r.Links)),
		memo: make([]resolved, len(r.Links)), busy: make([]bool, len(r.Links))}
	copy(rv.targets, targets)
	out := make([]Resolution, len(r.Links))
	for i := range r.Links {
		if !r.Links[i].Entry.IsLink() {
			out[i] = Resolution{State: Unknown}
			continue
		}
		res := rv.link(i, 0)
		out[i] = Resolution{State: res.state, Dir: res.dir}
	}
	return out
}

type resolver struct {
	ns      *namespace
	links   []Link
	targets []string
	memo    []resolved
	busy    []bool // being resolved: meeting it again is a cycle
}

// resolved is a finished resolution: the state and, when Resolved, the
// absolute path reached and the number of links followed to reach it.
type resolved struct {
	state ResolveState
	path  string
	dir   bool
	need  int
	// limited: a Loop from the hop limit, which depends on how many links
	// were followed before this one, so it is not remembered. A cycle is a
	// loop however the link is reached: every link being resolved needs
	// the next one, and the last needs one of them again.
	limited bool
}

// link resolves Links[i], a link, after hops links were followed in the
// same lookup; like the kernel, it gives up after maxLinkHops in all.
func (rv *resolver) link(i, hops int) resolved {
	if rv.busy[i] {
		return resolved{state: Loop}
	}
	res := rv.memo[i]
	if res.state == "" {
		if rv.targets[i] == "" {
			res = resolved{state: Unknown}
		} else {
			rv.busy[i] = true
			res = rv.walk(path.Dir(rv.links[i].abs), rv.targets[i], hops+1)
			rv.busy[i] = false
			res.need++
		}
		if !res.limited {
			rv.memo[i] = res
		}
	}
	if res.state == Resolved && hops+res.need > maxLinkHops {
		return resolved{state: Loop, limited: true}
	}
	return res
}

// walk looks target up from the directory dir, one component at a time.
// The need of the result counts the links followed.
func (rv *resolver) walk(dir, target string, hops int) resolved {
	cur, curDir, need := dir, true, 0
	if strings.HasPrefix(target, "/") {
		cur = "/"
		target = rv.ns.fromReal(path.Clean(target))
	}
	comps := strings.Split(target, "/")
	for k, c := range comps {
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		more := !allEmpty(comps[k+1:])
		p := path.Join(cur, c)
		if rv.ns.isRootDir(p) {
			cur, curDir = p, true
			continue
		}
		if !rv.ns.inRoots(p) {
			if !rv.ns.aboveRoot(p) {
				return resolved{state: Outside}
			}
			// On the way down to a root from above it: the names are
			// the root's own, so nothing outside is looked at.
			cur, curDir = p, true
			continue
		}
		e, ok := rv.ns.entries[p]
		if !ok {
			if parent, ok := rv.ns.entries[cur]; ok && parent.kind == nsUnread {
				return resolved{state: Unknown}
			}
			return resolved{state: Dangling}
		}
		isDir := false
		switch e.kind {
		case nsUnread:
			if more {
				return resolved{state: Unknown}
			}
			isDir = true
		case nsDir:
			isDir = true
		case nsLink:
			if l := &rv.links[e.link]; !l.Entry.IsLink() {
				// Malformed: shown as the plain entry it is.
				isDir = l.Entry.Type.IsDir()
				break
			}
			res := rv.link(e.link, hops+need)
			if res.state != Resolved {
				return res
			}
			need += res.need
			if more && !res.dir {
				return resolved{state: Dangling}
			}
			cur, curDir = res.path, res.dir
			continue
		}
		if more && !isDir {
			return resolved{state: Dangling} // ENOTDIR
		}
		cur, curDir = p, isDir
	}
	if !rv.ns.inRoots(cur) {
		return resolved{state: Outside} // ended above every root
	}
	return resolved{state: Resolved, path: cur, dir: curDir, need: need}
}

// fromReal rewrites an absolute path given through a root's real path
// (its symlinks resolved) to the root's path as scanned.
func (n *namespace) fromReal(p string) string {
	for _, r := range n.roots {
		if r.real != "" && within(p, r.real) {
			return r.abs + strings.TrimPrefix(p, r.real)
		}
	}
	return p
}

func allEmpty(comps []string) bool {
	for _, c := range comps {
		if c != "" && c != "." {
			return false
		}
	}
	return true
}

// within reports whether the clean, absolute path p is dir or lies below
// it.
func within(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}
