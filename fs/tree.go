package fs

import (
	"log/slog"
	"path"
	"strings"

	"github.com/linkfs/linkfs/translate"
)

// The parts of the Tree that depend on no system: its configuration, the
// names of shortcuts, how links are presented (tree_methods.go holds the
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
}

// DefaultRead returns the formats presented as links by default: every
// format but generic Explorer shortcuts, which stay regular files as they
// do for Cygwin.
func DefaultRead() map[translate.Format]bool {
	read := map[translate.Format]bool{}
	for _, f := range translate.Formats {
		if f != translate.None && f != translate.ShellLink && f != translate.VolumeMount {
			read[f] = true
		}
	}
	return read
}

func hasShortcutSuffix(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".lnk") }

// logicalName returns the name a shortcut file is shown under: without its
// .lnk suffix, unless nothing usable remains ("..lnk" stays as it is).
func logicalName(stored string) (string, bool) {
	if !hasShortcutSuffix(stored) {
		return "", false
	}
	l := stored[:len(stored)-4]
	return l, l != "" && l != "." && l != ".."
}

func isShortcutFormat(f translate.Format) bool {
	return f == translate.CygwinShortcut || f == translate.ShellLink
}

// presentAsLink makes a the attributes of a symlink to target.
func (a *Attr) presentAsLink(target string) {
	a.Mode = ModeSymlink | 0o777
	a.Size = int64(len(target))
	a.Blocks = 0
}

// splitRel splits a slash-separated relative path into directory and name.
func splitRel(rel string) (string, string) {
	dir, name := path.Split(rel)
	return strings.TrimSuffix(dir, "/"), name
}
