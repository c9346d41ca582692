package translate

import (
	"encoding/binary"
)

// MaxReparseSize is MAXIMUM_REPARSE_DATA_BUFFER_SIZE, the largest reparse
// buffer, header included, that NTFS stores for one object.
const MaxReparseSize = 16384

// Reparse tags of the link formats (FORMATS.md §1.2).
const (
	TagMountPoint uint32 = 0xA0000003 // IO_REPARSE_TAG_MOUNT_POINT: junction or volume mount point
	TagSymlink    uint32 = 0xA000000C // IO_REPARSE_TAG_SYMLINK
	TagLXSymlink  uint32 = 0xA000001D // IO_REPARSE_TAG_LX_SYMLINK (WSL)
	TagNFS        uint32 = 0x80000014 // IO_REPARSE_TAG_NFS
)

const (
	reparseHeaderSize = 8          // ReparseTag, ReparseDataLength, Reserved
	reparseGUIDSize   = 16         // ReparseGuid, present only for non-Microsoft tags
	tagMicrosoftBit   = 0x80000000 // set on Microsoft-owned tags, which carry no GUID
)

// reparsePoint names the shared header in errors found before the tag is
// known to be a link tag. It is not a link format, so it is not in Formats.
const reparsePoint Format = "reparse-point"

// ReparseTag returns the ReparseTag of a reparse buffer after checking the
// 8-byte header: the buffer must hold the header, fit MaxReparseSize, carry a
// non-zero tag, and be exactly as long as ReparseDataLength says (plus the
// 16-byte GUID of non-Microsoft tags), the rule ntfs-3g and Samba apply.
func ReparseTag(b []byte) (uint32, error) {
	if len(b) < reparseHeaderSize {
		return 0, formatErr(reparsePoint, len(b), "reparse header truncated: %d bytes, need %d", len(b), reparseHeaderSize)
	}
	tag := binary.LittleEndian.Uint32(b)
	f := tagFormat(tag)
	if len(b) > MaxReparseSize {
		return 0, formatErr(f, MaxReparseSize, "reparse buffer of %d bytes exceeds %d", len(b), MaxReparseSize)
	}
	if tag == 0 {
		return 0, formatErr(f, 0, "ReparseTag is 0")
	}
	dataLen := int(binary.LittleEndian.Uint16(b[4:]))
	want := reparseHeaderSize + dataLen
	if tag&tagMicrosoftBit == 0 {
		want += reparseGUIDSize
	}
	if want != len(b) {
		return 0, formatErr(f, 4, "ReparseDataLength %d needs a %d-byte buffer, have %d", dataLen, want, len(b))
	}
	return tag, nil
}

// tagFormat is the Format reported in header errors of a tag.
func tagFormat(tag uint32) Format {
	if f, ok := FormatOfTag(tag); ok {
		return f
	}
	return reparsePoint
}

// DecodeReparse decodes a REPARSE_DATA_BUFFER (the bytes of
// FSCTL_GET_REPARSE_POINT, which ntfs-3g exposes as the xattr
// system.ntfs_reparse_data) and dispatches on the tag. Tags other than the
// four link tags give an *UnsupportedTagError; NFS special files give a
// *SpecialFileError and LX symlinks of version 1, whose target is in the
// file data, an *UnsupportedVersionError.
func DecodeReparse(b []byte) (Link, error) {
	tag, err := ReparseTag(b)
	if err != nil {
		return Link{}, err
	}
	if f, ok := FormatOfTag(tag); ok {
		return Info(f).Decode(b)
	}
	return Link{}, &UnsupportedTagError{Tag: tag}
}

// EncodeReparse builds the reparse buffer for l in a StorageReparse
// format. It fails, rather than drop
// anything, when a field cannot be stored: an empty Target, a NUL, text that
// is not UTF-8 where the format stores UTF-16, a field the format lacks, or a
// buffer over MaxReparseSize.
func EncodeReparse(l Link) ([]byte, error) {
	if r, ok := Lookup(l.Format); ok && r.encodeReparse != nil {
		return r.encodeReparse(l)
	}
	return nil, encodeErr(l.Format, "not a reparse-point format")
}

// newReparse returns a buffer of size bytes whose header carries tag and the
// matching ReparseDataLength. Callers have checked size <= MaxReparseSize.
func newReparse(tag uint32, size int) []byte {
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b, tag)
	binary.LittleEndian.PutUint16(b[4:], uint16(size-reparseHeaderSize))
	return b
}
