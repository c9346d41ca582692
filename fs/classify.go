package fs

import (
	"bytes"
	"errors"
	"fmt"
	iofs "io/fs"

	"github.com/linkfs/linkfs/translate"
)

// Entry is one classified entry of the underlying tree.
type Entry struct {
	// Format is the link format of the entry, None for a plain entry. When
	// Err is a decoder error it is the format whose decoder failed.
	Format translate.Format
	// Raw holds the bytes the link is stored in: the reparse buffer, the file
	// content, or the symlink text of a native link. Empty where the source
	// does not expose them (an Interix file that ntfs-3g already turned into
	// a symlink).
	Raw []byte
	// Link is the decoded link; valid when IsLink.
	Link translate.Link
	// Type holds the io/fs type bits of the entry on the source.
	Type iofs.FileMode
	// Reparse says the entry carries a reparse point (Raw holds it).
	Reparse bool
	// Attrs are the entry's DOS attributes; HasAttrs says whether the source
	// exposes any (ext4 and tmpfs do not).
	Attrs    DOSAttrs
	HasAttrs bool
	// Err says why an entry that looks like a link is not one: a malformed
	// link, an unsupported reparse tag, a special file, a missing attribute.
	Err error
}

// IsLink reports whether the entry is a link that can be presented.
func (e *Entry) IsLink() bool { return e.Err == nil && e.Format != translate.None }

// Options tune classification.
type Options struct {
	// ShellLink configures the decoding of generic Explorer shell links.
	ShellLink translate.ShellLinkOptions
	// Explain reads files that look like links but lack the DOS attribute
	// that makes them one, to report an *AttrError (inspect and scan do; the
	// mount does not pay for the extra reads).
	Explain bool
}

// AttrError reports content in a link format whose DOS attributes say it is
// not a link (Cygwin requires SYSTEM on cookie and Interix files and
// READONLY on shortcuts).
type AttrError struct {
	Format  translate.Format
	Missing DOSAttrs
}

func (e *AttrError) Error() string {
	return fmt.Sprintf("content is a %s but the %s attribute is not set", e.Format, e.Missing)
}

// probe is what the classifier needs to know about one entry. Each source
// (Linux paths, Windows handles) fills it in its own way; decide is shared.
type probe struct {
	name     string
	typ      iofs.FileMode // type bits only
	size     int64
	attrs    DOSAttrs
	hasAttrs bool
	// reparse is the raw reparse buffer, nil when the entry has none.
	reparse []byte
	// readlink returns the text of a native symlink.
	readlink func() (string, error)
	// readHead returns up to n bytes from the start of a regular file. It is
	// called only for sizes that are plausible for a link format.
	readHead func(n int) ([]byte, error)
}

// headSize is enough to recognise every content format by its magic.
const headSize = 16

// decide is the reader decision procedure of FORMATS.md section 14. The
// returned error is an I/O failure (the entry could not be read); format
// problems are reported in Entry.Err.
func decide(p *probe, opts *Options) (Entry, error) {
	e := Entry{Format: translate.None, Type: p.typ, Attrs: p.attrs, HasAttrs: p.hasAttrs}
	if p.reparse != nil {
		e.Raw, e.Reparse = p.reparse, true
		link, err := translate.DecodeReparse(p.reparse)
		var ut *translate.UnsupportedTagError
		if errors.As(err, &ut) && !translate.IsTagNameSurrogate(ut.Tag) {
			// Not a link at all (WOF compression, cloud files, dedup, HSM):
			// a plain file or directory whose data the driver serves.
			return e, nil
		}
		e.setDecoded(link, err, reparseFormat(p.reparse))
		return e, nil
	}
	switch {
	case p.typ&iofs.ModeSymlink != 0:
		target, err := p.readlink()
		if err != nil {
			return e, err
		}
		e.Raw = []byte(target)
		e.Format = translate.Native
		// ntfs-3g decodes Interix files itself and shows them as symlinks;
		// the SYSTEM attribute on a symlink without reparse data betrays them.
		if p.hasAttrs && p.attrs&AttrSystem != 0 {
			e.Format = translate.Interix
			e.Raw = nil
		}
		e.Link = translate.Link{Format: e.Format, Target: target}
		return e, nil
	case p.typ.IsRegular():
		return e, decideRegular(p, opts, &e)
	}
	return e, nil
}

// reparseFormat names the format a malformed reparse buffer claims to be.
func reparseFormat(b []byte) translate.Format {
	tag, err := translate.ReparseTag(b)
	if err != nil {
		return translate.None
	}
	if f, ok := translate.FormatOfTag(tag); ok {
		return f
	}
	return translate.None
}

// setDecoded records a decoder's result. claimed is the format to report
// when the decoder fails with an error that does not carry one.
func (e *Entry) setDecoded(link translate.Link, err error, claimed translate.Format) {
	var fe *translate.FormatError
	switch {
	case err == nil:
		e.Format, e.Link = link.Format, link
	case errors.Is(err, translate.ErrNotLink):
		e.Format = translate.None
	case errors.As(err, &fe):
		e.Format, e.Err = claimed, err
		if _, ok := translate.Lookup(fe.Format); ok {
			e.Format = fe.Format // a header error names no public format
		}
	default:
		e.Format, e.Err = claimed, err
	}
}

func decideRegular(p *probe, opts *Options, e *Entry) error {
	if HasShortcutSuffix(p.name) && p.size > 0x4C && p.size <= translate.ShellLinkMaxSize {
		return decideShortcut(p, opts, e)
	}
	var head []byte
	for _, row := range translate.ContentFormats() {
		if p.size < int64(row.MinSize) || p.size > int64(row.MaxSize) {
			continue
		}
		// Cygwin and ntfs-3g look at cookie and Interix files only when
		// SYSTEM is set, so neither do we, unless asked to explain; where
		// the source has no attributes, content decides.
		missing := DOSAttrs(row.Attrs) &^ p.attrs
		if p.hasAttrs && missing != 0 && !opts.Explain {
			continue
		}
		if head == nil {
			var err error
			if head, err = p.readHead(headSize); err != nil {
				return err
			}
		}
		if !bytes.HasPrefix(head, []byte(row.Magic)) {
			continue
		}
		if p.hasAttrs && missing != 0 {
			e.Err = &AttrError{Format: row.Format, Missing: missing}
			return nil
		}
		b, err := p.readHead(int(p.size))
		if err != nil {
			return err
		}
		link, err := row.Decode(b)
		e.setDecoded(link, err, row.Format)
		if e.Format != translate.None {
			e.Raw = b
		}
		return nil
	}
	return nil
}

// decideShortcut classifies a .lnk file: a Cygwin shortcut when it carries
// Cygwin's exact header (and READONLY where attributes exist), otherwise a
// generic shell link.
func decideShortcut(p *probe, opts *Options, e *Entry) error {
	b, err := p.readHead(int(p.size))
	if err != nil {
		return err
	}
	if p.size <= translate.ShortcutMaxSize {
		link, err := translate.DecodeCygwinShortcut(b)
		if !errors.Is(err, translate.ErrNotLink) {
			e.Raw = b
			if err == nil && p.hasAttrs && p.attrs&AttrReadOnly == 0 {
				e.Err = &AttrError{Format: translate.CygwinShortcut, Missing: AttrReadOnly}
				return nil
			}
			e.setDecoded(link, err, translate.CygwinShortcut)
			return nil
		}
	}
	link, err := translate.DecodeShellLink(b, opts.ShellLink)
	e.setDecoded(link, err, translate.ShellLink)
	if e.Format != translate.None {
		e.Raw = b
	}
	return nil
}
