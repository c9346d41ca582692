package fs

import (
	"fmt"

	"github.com/linkfs/linkfs/translate"
)

// CreateFormat is a value of --create: the long name of a creatable
// format, or CreateAuto.
type CreateFormat string

// CreateAuto picks a format per source and target (see symlinkFormat).
const CreateAuto CreateFormat = "auto"

// CreateAs is the CreateFormat storing links in format f.
func CreateAs(f translate.Format) CreateFormat { return CreateFormat(f) }

// ParseCreateFormat parses a --create value: auto, or the short or long
// name of a format links can be created in.
func ParseCreateFormat(s string) (CreateFormat, error) {
	if s == string(CreateAuto) {
		return CreateAuto, nil
	}
	f, err := translate.ParseFormatAmong(s, translate.FormatInfo.Creatable)
	if err != nil {
		return "", fmt.Errorf("%w, or auto", err)
	}
	return CreateAs(f), nil
}

// CreatableFormats lists the formats links can be created in.
func CreatableFormats() []translate.Format {
	return translate.FormatsWhere(translate.FormatInfo.Creatable)
}

// Format returns the link format c stores, or None for auto.
func (c CreateFormat) Format() translate.Format {
	if c == CreateAuto || c == "" {
		return translate.None
	}
	return translate.Format(c)
}

// IsReparse reports whether links of format f are reparse points, which
// need a source that stores raw reparse data (ntfs-3g).
func IsReparse(f translate.Format) bool {
	return translate.Info(f).Storage == translate.StorageReparse
}

// Stored is a link ready to be written to the source: the object to
// create and what it holds.
type Stored struct {
	Format translate.Format
	// Name is the entry's name on the source: the logical name, plus the
	// format's suffix (".lnk" for a Cygwin shortcut).
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
	row := translate.Info(f)
	b, err := row.Encode(target, m)
	if err != nil {
		return Stored{}, fmt.Errorf("encode %s link to %q: %w", f, target, err)
	}
	s := Stored{Format: f, Name: name + row.Suffix, Attrs: DOSAttrs(row.Attrs)}
	switch row.Storage {
	case translate.StorageReparse:
		s.Reparse = b
		s.Dir = row.DirKind && targetIsDir
	case translate.StorageContent:
		s.Content = b
	case translate.StorageSymlink:
		s.Symlink = string(b)
	default:
		return Stored{}, fmt.Errorf("encode %s link to %q: not stored as a file", f, target)
	}
	return s, nil
}
