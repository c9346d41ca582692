package translate

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// The UTF-16LE text of Windows structures: reparse buffers, Cygwin and
// Interix files, shell links, and the directory listings of the Windows
// tree.

// DecodeUTF16LE decodes UTF-16LE to UTF-8. An odd trailing byte is
// ignored; unpaired surrogates become U+FFFD, as Windows tools show them.
func DecodeUTF16LE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// IndexUTF16NUL returns the byte offset of the first UTF-16LE NUL in b, at
// an even offset, or -1.
func IndexUTF16NUL(b []byte) int {
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return i
		}
	}
	return -1
}

// appendUTF16LE appends s (valid UTF-8) to b in UTF-16LE, without NUL.
func appendUTF16LE(b []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = append(b, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
			continue
		}
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// utf16Len returns the number of UTF-16 code units of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// encodeUTF16Name converts a name for a UTF-16 field. It refuses text that
// would not decode back to itself: invalid UTF-8 and U+0000.
func encodeUTF16Name(f Format, field, s string) ([]uint16, error) {
	if !utf8.ValidString(s) {
		return nil, encodeErr(f, "%s %q is not valid UTF-8", field, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, encodeErr(f, "%s contains NUL at byte %d", field, i)
		}
	}
	return utf16.Encode([]rune(s)), nil
}

// putUTF16LE writes u as UTF-16LE at the start of b.
func putUTF16LE(b []byte, u []uint16) {
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
}
