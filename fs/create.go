package fs

import (
	"fmt"
	"strings"

	"github.com/linkfs/linkfs/translate"
)

// CreateFormat is a value of --create: the format new links are stored in.
type CreateFormat string

// The --create values. Auto picks per source and target (see Policy).
const (
	CreateNTFS           CreateFormat = "ntfs"
	CreateLX             CreateFormat = "lx"
	CreateCygwin         CreateFormat = "cygwin"
	CreateCygwinShortcut CreateFormat = "cygwin-shortcut"
	CreateMFSymlink      CreateFormat = "mfsymlink"
	CreateInterix        CreateFormat = "interix"
	CreateNFS            CreateFormat = "nfs"
	CreateNative         CreateFormat = "native"
	CreateAuto           CreateFormat = "auto"
)

var createFormats = map[CreateFormat]translate.Format{
	CreateNTFS:           translate.NTFSSymlink,
	CreateLX:             translate.LXSymlink,
	CreateCygwin:         translate.CygwinCookie,
	CreateCygwinShortcut: translate.CygwinShortcut,
	CreateMFSymlink:      translate.MFSymlink,
	CreateInterix:        translate.Interix,
	CreateNFS:            translate.NFSSymlink,
	CreateNative:         translate.Native,
}

// ParseCreateFormat parses a --create value.
func ParseCreateFormat(s string) (CreateFormat, error) {
	c := CreateFormat(s)
	if _, ok := createFormats[c]; ok || c == CreateAuto {
		return c, nil
	}
	names := make([]string, 0, len(createFormats)+1)
	for _, n := range []CreateFormat{CreateNTFS, CreateLX, CreateCygwin, CreateCygwinShortcut, CreateMFSymlink, CreateInterix, CreateNFS, CreateNative, CreateAuto} {
		names = append(names, string(n))
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(names, ", "))
}

// Format returns the link format c stores, or None for auto.
func (c CreateFormat) Format() translate.Format {
	if f, ok := createFormats[c]; ok {
		return f
	}
	return translate.None
}

// IsReparse reports whether links of format f are reparse points, which
// need a source that stores raw reparse data (ntfs-3g).
func IsReparse(f translate.Format) bool {
	switch f {
	case translate.NTFSSymlink, translate.Junction, translate.LXSymlink, translate.NFSSymlink:
		return true
	}
	return false
}

// Stored is a link ready to be written to the source: the object to
// create and what it holds.
type Stored struct {
	Format translate.Format
	// Name is the entry's name on the source: the logical name, plus ".lnk"
	// for a Cygwin shortcut.
	Name string
	// Exactly one of Reparse, Content and Symlink is set.
	Reparse []byte // reparse buffer to attach to an empty file or directory
	Content []byte // content of a regular file
	Symlink string // text of a native symlink
	// Dir makes the object a directory (a directory symlink or a junction,
	// as Windows needs for directory targets).
	Dir bool
	// Attrs are the DOS attributes the format requires (SYSTEM for cookie
	// and Interix files, READONLY for shortcuts), 0 for none.
	Attrs DOSAttrs
}

// Encode prepares a link to target, named name, in format f. target is the
// POSIX target as the user gave it to symlink(2); targetIsDir says whether
// it resolves to a directory, which decides the kind of NTFS links.
func Encode(f translate.Format, name, target string, targetIsDir bool, m *translate.Mapper) (Stored, error) {
	s := Stored{Format: f, Name: name}
	var err error
	switch f {
	case translate.Native:
		s.Symlink = target
	case translate.NTFSSymlink:
		var win string
		if win, err = m.ToWindows(target); err != nil {
			break
		}
		var l translate.Link
		if l, err = translate.NTFSSymlinkFor(win); err != nil {
			break
		}
		s.Reparse, err = translate.EncodeReparse(l)
		s.Dir = targetIsDir
	case translate.LXSymlink, translate.NFSSymlink:
		s.Reparse, err = translate.EncodeReparse(translate.Link{Format: f, Target: target})
	case translate.CygwinCookie:
		s.Content, err = translate.EncodeCygwinCookie(cygwinForm(target, m))
		s.Attrs = AttrSystem
	case translate.CygwinShortcut:
		// RELATIVE_PATH holds the Win32 path Explorer resolves; a target
		// with no Windows form keeps the POSIX text there too.
		win, werr := m.ToWindows(target)
		if werr != nil {
			win = target
		}
		s.Name = name + ".lnk"
		s.Content, err = translate.EncodeCygwinShortcut(cygwinForm(target, m), win)
		s.Attrs = AttrReadOnly
	case translate.MFSymlink:
		s.Content, err = translate.EncodeMFSymlink(target)
	case translate.Interix:
		s.Content, err = translate.EncodeInterix(target)
		s.Attrs = AttrSystem
	default:
		return Stored{}, fmt.Errorf("cannot create links in format %s", f)
	}
	if err != nil {
		return Stored{}, fmt.Errorf("encode %s link to %q: %w", f, target, err)
	}
	return s, nil
}

// cygwinForm returns target as Cygwin itself writes it: drive paths under
// the cygdrive prefix, so that Cygwin programs resolve them.
func cygwinForm(target string, m *translate.Mapper) string {
	cyg := *m
	cyg.Style = translate.StyleCygwin
	if p, err := cyg.Normalize(target); err == nil {
		return p
	}
	return target
}
