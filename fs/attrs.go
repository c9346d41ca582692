package fs

import "strings"

// DOSAttrs are Windows file attributes (FILE_ATTRIBUTE_*), as ntfs-3g, the
// kernel ntfs3 driver and cifs expose them on Linux.
type DOSAttrs uint32

// The attributes that decide whether a file is a link.
const (
	AttrReadOnly     DOSAttrs = 0x1
	AttrHidden       DOSAttrs = 0x2
	AttrSystem       DOSAttrs = 0x4
	AttrDirectory    DOSAttrs = 0x10
	AttrArchive      DOSAttrs = 0x20
	AttrReparsePoint DOSAttrs = 0x400
)

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
