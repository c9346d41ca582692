package translate

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Interix / SFU special files, FORMATS.md §9: SYSTEM-attribute files
// written by ntfs-3g (its default special_files=interix), Linux cifs with
// sfu, and Microsoft SFU. The caller checks the attribute.
const (
	// InterixMagic starts an Interix symlink; the target follows in UTF-16LE
	// without NUL.
	InterixMagic = "IntxLNK\x01"
	// InterixMaxSize is the largest Interix symlink ntfs-3g reads: size must
	// be > 8 and <= 8 + 2*PATH_MAX.
	InterixMaxSize = 8 + 2*4096

	interixCharMagic  = "IntxCHR\x00"
	interixBlockMagic = "IntxBLK\x00"
	// interixMaxUnits is PATH_MAX, the most UTF-16 units ntfs-3g reads.
	interixMaxUnits = (InterixMaxSize - len(InterixMagic)) / 2
)

// DecodeInterix decodes the whole content of an Interix file.
//
// A symlink gives its UTF-16 target decoded to UTF-8 (unpaired surrogates
// become U+FFFD). A file with only the magic is ErrNotLink: ntfs-3g and
// Cygwin show it as a regular file. A UTF-16 NUL inside the target, an odd
// length or a size over InterixMaxSize is a *FormatError (ntfs-3g fails
// such files with EIO).
//
// IntxCHR and IntxBLK device files are a *SpecialFileError. Besides the
// 24-byte form with 64-bit major and minor that ntfs-3g and Linux cifs
// write, the 16-byte form with 32-bit numbers that Windows NFS servers
// before 2012 wrote is accepted, as Linux cifs does. The FIFO (empty) and
// socket (one byte) forms depend on attributes only and are left to the
// caller.
func DecodeInterix(b []byte) (Link, error) {
	switch {
	case bytes.HasPrefix(b, []byte(interixCharMagic)):
		return decodeInterixDevice(b, CharDevice)
	case bytes.HasPrefix(b, []byte(interixBlockMagic)):
		return decodeInterixDevice(b, BlockDevice)
	case !bytes.HasPrefix(b, []byte(InterixMagic)):
		return Link{}, ErrNotLink
	}
	if len(b) == len(InterixMagic) {
		return Link{}, ErrNotLink
	}
	if len(b) > InterixMaxSize {
		return Link{}, formatErr(Interix, InterixMaxSize, "file is %d bytes, more than %d", len(b), InterixMaxSize)
	}
	name := b[len(InterixMagic):]
	if len(name)%2 != 0 {
		return Link{}, formatErr(Interix, len(b)-1, "odd UTF-16 length %d", len(name))
	}
	if i := IndexUTF16NUL(name); i >= 0 {
		return Link{}, formatErr(Interix, len(InterixMagic)+i, "NUL inside target")
	}
	return Link{Format: Interix, Target: DecodeUTF16LE(name)}, nil
}

func decodeInterixDevice(b []byte, kind SpecialKind) (Link, error) {
	var major, minor uint64
	switch len(b) {
	case 24:
		major = binary.LittleEndian.Uint64(b[8:])
		minor = binary.LittleEndian.Uint64(b[16:])
	case 16:
		major = uint64(binary.LittleEndian.Uint32(b[8:]))
		minor = uint64(binary.LittleEndian.Uint32(b[12:]))
	default:
		return Link{}, formatErr(Interix, len(b), "%s file is %d bytes, want 24 or 16", kind, len(b))
	}
	if major > math.MaxUint32 {
		return Link{}, formatErr(Interix, 8, "major %d does not fit 32 bits", major)
	}
	if minor > math.MaxUint32 {
		return Link{}, formatErr(Interix, 16, "minor %d does not fit 32 bits", minor)
	}
	return Link{}, &SpecialFileError{Format: Interix, Kind: kind, Major: uint32(major), Minor: uint32(minor)}
}

// EncodeInterix returns the content of an Interix symlink to target, byte
// for byte what ntfs-3g's symlink(2) writes. The caller sets the SYSTEM
// attribute.
func EncodeInterix(target string) ([]byte, error) {
	if err := checkContentTarget(Interix, target); err != nil {
		return nil, err
	}
	if n := utf16Len(target); n > interixMaxUnits {
		return nil, encodeErr(Interix, "target is %d UTF-16 units, more than %d", n, interixMaxUnits)
	}
	b := make([]byte, 0, len(InterixMagic)+2*len(target))
	b = append(b, InterixMagic...)
	return appendUTF16LE(b, target), nil
}
