package fs

import (
	"fmt"
	"log/slog"
	"path"
	"strings"
	"syscall"

	"github.com/linkfs/linkfs/translate"
)

// The parts of the Tree that every source shares: its configuration, the
// names of shortcuts, how links are presented and what ln -s may store.
// Each system's Tree (tree_linux.go, tree_windows.go) has the fields they
// use: cfg, create and warned, and its own present.

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

func (t *Tree) warnOnce(rel string, e *Entry) {
	if _, loaded := t.warned.LoadOrStore(rel, true); loaded {
		return
	}
	msg := e.Err.Error()
	if len(msg) > 300 { // a 16 KiB target in the message helps nobody
		msg = msg[:300] + "..."
	}
	t.cfg.Logger.Warn("entry looks like a link but is shown as stored", "path", rel, "format", string(e.Format), "err", msg)
}

// splitRel splits a slash-separated relative path into directory and name.
func splitRel(rel string) (string, string) {
	dir, name := path.Split(rel)
	return strings.TrimSuffix(dir, "/"), name
}

// symlinkFormat applies the creation policy: auto on NTFS stores an NTFS
// symlink when the target has a Windows form, an LX symlink otherwise.
func (t *Tree) symlinkFormat(target string) translate.Format {
	if t.create != translate.NTFSSymlink || (t.cfg.Create != CreateAuto && t.cfg.Create != "") {
		return t.create
	}
	if _, err := t.cfg.Mapper.ToWindows(target); err != nil {
		return translate.LXSymlink
	}
	return translate.NTFSSymlink
}

// checkRoundTrip refuses a link that would not read back as what ln -s
// was given (up to the configured style of drive paths): better an error
// than a link that silently points elsewhere. It returns the link as it
// will be classified and presented.
func (t *Tree) checkRoundTrip(dirRel string, s *Stored, target string) (Entry, string, error) {
	if s.Symlink != "" {
		return Entry{Format: translate.Native, Link: translate.Link{Format: translate.Native, Target: target}}, target, nil
	}
	want, err := t.cfg.Mapper.Normalize(target)
	if err != nil {
		want = target
	}
	p := probe{name: s.Name, reparse: s.Reparse}
	if s.Reparse == nil {
		p = probe{name: s.Name, size: int64(len(s.Content)), attrs: s.Attrs, hasAttrs: true,
			readHead: func(n int) ([]byte, error) { return s.Content[:min(n, len(s.Content))], nil }}
	}
	e, _ := decide(&p, &t.cfg.Classify)
	if !e.IsLink() {
		return e, "", fmt.Errorf("%w: %s link to %q does not decode: %v", syscall.EINVAL, s.Format, target, e.Err)
	}
	got, err := t.present(dirRel, &e)
	if err != nil || got != want {
		return e, "", fmt.Errorf("%w: %s link to %q would read back as %q", syscall.EINVAL, s.Format, target, got)
	}
	return e, got, nil
}
