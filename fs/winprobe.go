package fs

import (
	iofs "io/fs"

	"github.com/linkfs/linkfs/translate"
)

// What the Windows source knows about an entry comes from Windows itself:
// its attributes, size and reparse tag, from the directory listing or its
// handle, and the reparse buffer from FSCTL_GET_REPARSE_POINT. These
// functions turn that into the classifier's probe; they are pure so that
// the decision is tested on every system.

// winEntry is what Windows says about one entry without reading it.
type winEntry struct {
	name  string
	attrs DOSAttrs // FILE_ATTRIBUTE_*: the DOS attributes are their low bits
	size  int64
	tag   uint32 // reparse tag, meaningful with AttrReparsePoint
}

// isLinkTag reports whether an entry with this reparse tag may be a link:
// a tag of the format table, or any other name surrogate, whose buffer is
// read so that the classifier reports it as unsupported rather than show
// it silently as a file. Other tags (compressed, deduplicated, cloud and
// app-execution files, WSL sockets) mark plain files and directories
// whose data Windows serves as usual.
func isLinkTag(tag uint32) bool {
	if _, ok := translate.FormatOfTag(tag); ok {
		return true
	}
	return translate.IsTagNameSurrogate(tag)
}

// winProbe builds the probe of a Windows entry. readReparse is called
// only for link tags, readHead only for sizes a content link can have.
func winProbe(e winEntry, readReparse func() ([]byte, error), readHead func(n int) ([]byte, error)) (probe, error) {
	p := probe{name: e.name, size: e.size, attrs: e.attrs, hasAttrs: true, readHead: readHead}
	if e.attrs&AttrDirectory != 0 {
		p.typ = iofs.ModeDir
	}
	if e.attrs&AttrReparsePoint != 0 && isLinkTag(e.tag) {
		b, err := readReparse()
		if err != nil {
			return p, err
		}
		p.reparse = b
	}
	return p, nil
}

// classifyWindows classifies one Windows entry (see winProbe).
func classifyWindows(e winEntry, opts *Options, readReparse func() ([]byte, error), readHead func(n int) ([]byte, error)) (Entry, error) {
	p, err := winProbe(e, readReparse, readHead)
	if err != nil {
		return Entry{}, err
	}
	return decide(&p, opts)
}

// WindowsCreateDefault is the format of links created through a Windows
// mount under --create auto: NTFS symlinks where the process may create
// them (it holds the symlink privilege, or Developer Mode is on), LX
// symlinks otherwise (they need no privilege, and WSL and Cygwin read
// them), and Cygwin cookies on a volume without reparse points (FAT,
// exFAT), which Cygwin and MSYS read there too.
func WindowsCreateDefault(reparse, symlinkPrivilege bool) translate.Format {
	switch {
	case !reparse:
		return translate.CygwinCookie
	case symlinkPrivilege:
		return translate.NTFSSymlink
	}
	return translate.LXSymlink
}
