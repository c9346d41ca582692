package translate

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// IO_REPARSE_TAG_LX_SYMLINK, the WSL symlink (FORMATS.md §4):
//
//	8  Version  le32: 2 = target inline, 1 = target in the file data
//	12 target   UTF-8, not NUL-terminated, to the end of the buffer
const (
	offLXVersion = 8
	offLXTarget  = 12

	lxVersionInline = 2
	// lxVersionSwapped is version 2 with its bytes reversed, as Linux cifs
	// wrote it before "cifs: Fix support for WSL-style symlinks" (6.15).
	lxVersionSwapped = 0x02000000

	maxLXTarget = MaxReparseSize - offLXTarget
)

// decodeLX decodes an IO_REPARSE_TAG_LX_SYMLINK buffer whose header
// ReparseTag has checked. The target bytes are returned unchanged, valid
// UTF-8 or not, because Linux path names are bytes and ntfs-3g stores and
// returns them as given.
func decodeLX(b []byte) (Link, error) {
	if len(b) < offLXTarget {
		return Link{}, formatErr(LXSymlink, len(b), "reparse data truncated: %d bytes, need %d", len(b), offLXTarget)
	}
	if v := binary.LittleEndian.Uint32(b[offLXVersion:]); v != lxVersionInline && v != lxVersionSwapped {
		return Link{}, &UnsupportedVersionError{Format: LXSymlink, Version: v}
	}
	target := b[offLXTarget:]
	if len(target) == 0 {
		return Link{}, formatErr(LXSymlink, offLXTarget, "empty target")
	}
	if i := bytes.IndexByte(target, 0); i >= 0 {
		return Link{}, formatErr(LXSymlink, offLXTarget+i, "target contains NUL")
	}
	return Link{Format: LXSymlink, Target: string(target)}, nil
}

// encodeLX writes a version 2 LX symlink, byte for byte what ntfs-3g's
// special_files=wsl and Cygwin write.
func encodeLX(l Link) ([]byte, error) {
	switch {
	case l.PrintName != "" || l.Relative:
		return nil, encodeErr(LXSymlink, "an LX symlink stores neither PrintName nor a relative flag")
	case l.Target == "":
		return nil, encodeErr(LXSymlink, "empty target")
	case len(l.Target) > maxLXTarget:
		return nil, encodeErr(LXSymlink, "target of %d bytes exceeds %d", len(l.Target), maxLXTarget)
	}
	if i := strings.IndexByte(l.Target, 0); i >= 0 {
		return nil, encodeErr(LXSymlink, "target contains NUL at byte %d", i)
	}
	b := newReparse(TagLXSymlink, offLXTarget+len(l.Target))
	binary.LittleEndian.PutUint32(b[offLXVersion:], lxVersionInline)
	copy(b[offLXTarget:], l.Target)
	return b, nil
}
