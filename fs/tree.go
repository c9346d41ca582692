package fs

import (
	"log/slog"
	"path"
	"strings"

	"github.com/linkfs/linkfs/translate"
)

// The parts of the Tree that depend on no system: its configuration, the
// names of shortcuts, how links are presented (policy.go holds the
// methods both systems' trees share).

// Config describes one overlay of a source tree.
type Config struct {
	Source string
	Mapper *translate.Mapper
	// Read holds the formats presented as links; the others show as the
	// plain files or directories they are stored as.
	Read map[translate.Format]bool
	// Create is the format links created through the overlay are stored in.
	Create CreateFormat
	// ReadOnly refuses every change to the source.
	ReadOnly bool
	Classify Options
	Logger   *slog.Logger
	// KeepAtime lists directories without moving their access times
	// where the caller may: scan and convert leave a tree as they found it.
	KeepAtime bool
	// CrossMounts probes each file system met below the root for the NTFS
	// metadata it exposes, instead of taking the root's for all: a walk
	// crosses mount points, a mount does not look.
	CrossMounts bool
}

// DefaultRead returns the formats presented as links by default, as the
// format table marks them: all but generic Explorer shortcuts (which stay
// regular files, as in Cygwin) and volume mount points.
func DefaultRead() map[translate.Format]bool {
	read := map[translate.Format]bool{}
	for _, f := range translate.FormatsWhere(func(r translate.FormatInfo) bool { return r.DefaultRead }) {
		read[f] = true
	}
	return read
}

// HasShortcutSuffix reports whether name ends in ".lnk", in any case, as
// Explorer and Cygwin look for shortcuts.
func HasShortcutSuffix(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".lnk") }

// LogicalName returns the name a shortcut file is shown under: without its
// .lnk suffix, unless nothing usable remains ("..lnk" stays as it is).
func LogicalName(stored string) (string, bool) {
	if !HasShortcutSuffix(stored) {
		return "", false
	}
	l := stored[:len(stored)-4]
	return l, l != "" && l != "." && l != ".."
}

// IsShortcutFormat reports whether links of format f are .lnk files, shown
// under their logical names.
func IsShortcutFormat(f translate.Format) bool { return translate.Info(f).Suffix != "" }

// presentAsLink makes a the attributes of a symlink to target.
func (a *Attr) presentAsLink(target string) {
	a.Mode = ModeSymlink | 0o777
	a.Size = int64(len(target))
	a.Blocks = 0
}

// countNames counts the names of a slash-separated path ("" and "/" have
// none).
func countNames(p string) int {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// linkDepth is the one rule for presenting a link's target relative to
// its volume: the depth of the link's directory dirRel below the volume
// root, given the depth of the source root below it. Every front end (the
// mount on Linux and Windows, inspect, scan) counts it this way.
func linkDepth(sourceDepth int, dirRel string) int {
	return sourceDepth + countNames(dirRel)
}

// targetBelow returns the path below the root that a relative link
// target in the directory dirRel leads to, if it stays in the tree: only
// such a target can be looked at to give a link the directory kind that
// Windows needs. Other links get the file kind, as Linux cifs gives them.
func targetBelow(dirRel, target string) (string, bool) {
	if strings.HasPrefix(target, "/") {
		return "", false
	}
	rel := path.Clean(path.Join(dirRel, target))
	switch {
	case rel == "..", strings.HasPrefix(rel, "../"):
		return "", false
	case rel == ".":
		return "", true
	}
	return rel, true
}

// splitRel splits a slash-separated relative path into directory and name.
func splitRel(rel string) (string, string) {
	dir, name := path.Split(rel)
	return strings.TrimSuffix(dir, "/"), name
}
