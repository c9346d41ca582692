//go:build linux || windows

package fs

import (
	"fmt"

	"github.com/linkfs/linkfs/translate"
)

// The methods of the Tree that the Linux and Windows trees share. Each
// system's Tree (tree_linux.go, tree_windows.go) has the fields they use:
// cfg, create and warned, and its own present.

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
// (or convert) was given (up to the configured style of drive paths): better an error
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
		return e, "", fmt.Errorf("%s link to %q does not decode: %v", s.Format, target, e.Err)
	}
	got, err := t.present(dirRel, &e)
	if err != nil || got != want {
		return e, "", fmt.Errorf("%s link to %q would read back as %q", s.Format, target, got)
	}
	return e, got, nil
}
