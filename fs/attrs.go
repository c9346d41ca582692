package fs

import (
	"strings"

	"github.com/linkfs/linkfs/translate"
)

// DOSAttrs are Windows file attributes (FILE_ATTRIBUTE_*), as ntfs-3g, the
// kernel ntfs3 driver and cifs expose them on Linux.
type DOSAttrs uint32

// The attributes that decide whether a file is a link.
const (
	AttrReadOnly     DOSAttrs = DOSAttrs(translate.AttributeReadOnly)
	AttrHidden       DOSAttrs = 0x2
	AttrSystem       DOSAttrs = DOSAttrs(translate.AttributeSystem)
	AttrDirectory    DOSAttrs = 0x10
	AttrArchive      DOSAttrs = 0x20
	AttrReparsePoint DOSAttrs = 0x400
)

// UserDOSAttrs are the DOS attributes a client may change (Windows'
// SetFileAttributes, cgofuse's Chflags); the others describe what the
// entry is and belong to the file system.
const UserDOSAttrs = AttrReadOnly | AttrHidden | AttrSystem | AttrArchive

func (a DOSAttrs) String() string {
	names := []struct {
		bit  DOSAttrs
		name string
	}{
		{AttrReadOnly, "READONLY"}, {AttrHidden, "HIDDEN"}, {AttrSystem, "SYSTEM"},
		{AttrDirectory, "DIRECTORY"}, {AttrArchive, "ARCHIVE"}, {AttrReparsePoint, "REPARSE_POINT"},
	}
	var parts []string
	for _, n := range names {
		if a&n.bit != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "NORMAL"
	}
	return strings.Join(parts, "|")
}
