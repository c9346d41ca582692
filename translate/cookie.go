package translate

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Cygwin "magic cookie" symlink files, FORMATS.md §5. The file carries the
// SYSTEM attribute; the caller checks that, this file only sees the bytes.
const (
	// CookieMagic starts a Cygwin symlink file (SYMLINK_COOKIE).
	CookieMagic = "!<symlink>"
	// CookieMaxSize is the largest cookie file worth reading: Cygwin reads
	// at most NT_MAX_PATH = 32768 bytes after the cookie.
	CookieMaxSize = len(CookieMagic) + 32768

	// cookieSocketMagic starts a Cygwin AF_LOCAL socket file (SOCKET_COOKIE).
	cookieSocketMagic = "!<socket >"
	// cygwinSymlinkMax is Cygwin's SYMLINK_MAX: the longest target, in bytes
	// of its multibyte (UTF-8) form.
	cygwinSymlinkMax = 4095
)

// utf16BOM is the little-endian byte order mark Cygwin writes before UTF-16
// targets.
var utf16BOM = []byte{0xFF, 0xFE}

// DecodeCygwinCookie decodes the whole content of a Cygwin symlink file.
//
// The target after the cookie is either FF FE and UTF-16LE up to a UTF-16
// NUL (Cygwin 1.7 and later) or an 8-bit NUL-terminated string (Cygwin
// before 1.7 and cygwin-setup). The 8-bit form is taken as UTF-8 when it is
// valid UTF-8, which is what cygwin-setup and Cygwin's default C.UTF-8
// locale write; otherwise it is decoded as Windows-1252, the ANSI code page
// old Cygwin versions used on Western systems.
//
// Only the first CookieMaxSize bytes are looked at, as Cygwin does. An empty
// target is ErrNotLink: Cygwin reports such a file as "not a symlink" and
// shows it as the regular file it is, and symlink(2) cannot create one. A
// socket cookie is a *SpecialFileError.
func DecodeCygwinCookie(b []byte) (Link, error) {
	if bytes.HasPrefix(b, []byte(cookieSocketMagic)) {
		return Link{}, &SpecialFileError{Format: CygwinCookie, Kind: Socket}
	}
	if !bytes.HasPrefix(b, []byte(CookieMagic)) {
		return Link{}, ErrNotLink
	}
	b = b[:min(len(b), CookieMaxSize)]
	off := len(CookieMagic)
	var target string
	if bytes.HasPrefix(b[off:], utf16BOM) {
		off += len(utf16BOM)
		n := IndexUTF16NUL(b[off:])
		if n < 0 {
			return Link{}, formatErr(CygwinCookie, len(b), "UTF-16 target has no NUL terminator")
		}
		target = DecodeUTF16LE(b[off : off+n])
	} else {
		n := bytes.IndexByte(b[off:], 0)
		if n < 0 {
			return Link{}, formatErr(CygwinCookie, len(b), "8-bit target has no NUL terminator")
		}
		target = decodeCygwin8Bit(b[off : off+n])
	}
	if target == "" {
		return Link{}, ErrNotLink
	}
	if len(target) > cygwinSymlinkMax {
		return Link{}, formatErr(CygwinCookie, off, "target is %d bytes, longer than SYMLINK_MAX %d", len(target), cygwinSymlinkMax)
	}
	return Link{Format: CygwinCookie, Target: target}, nil
}

// EncodeCygwinCookie returns the content of a Cygwin symlink file to target
// as Cygwin 3.x writes it: the cookie, FF FE, the target in UTF-16LE and a
// UTF-16 NUL. The caller sets the SYSTEM attribute (and nothing else).
func EncodeCygwinCookie(target string) ([]byte, error) {
	if err := checkContentTarget(CygwinCookie, target); err != nil {
		return nil, err
	}
	if len(target) > cygwinSymlinkMax {
		return nil, encodeErr(CygwinCookie, "target is %d bytes, longer than SYMLINK_MAX %d", len(target), cygwinSymlinkMax)
	}
	b := make([]byte, 0, len(CookieMagic)+len(utf16BOM)+2*len(target)+2)
	b = append(b, CookieMagic...)
	b = append(b, utf16BOM...)
	b = appendUTF16LE(b, target)
	return append(b, 0, 0), nil
}

// checkContentTarget rejects targets that no POSIX symlink can have (empty,
// or containing NUL) and, because the file-content formats store text,
// targets that are not valid UTF-8.
func checkContentTarget(f Format, target string) error {
	switch {
	case target == "":
		return &EncodeError{Format: f, Err: errEmptyTarget}
	case strings.IndexByte(target, 0) >= 0:
		return &EncodeError{Format: f, Err: errNULInTarget}
	case !utf8.ValidString(target):
		return encodeErr(f, "target is not valid UTF-8")
	}
	return nil
}

var (
	errEmptyTarget = errors.New("empty target")
	errNULInTarget = errors.New("target contains NUL")
)

// decodeCygwin8Bit decodes an 8-bit string that Cygwin wrote in its
// charset: as-is when it is valid UTF-8 (Cygwin's default), else as
// Windows-1252 (the ANSI code page of older, non-UTF-8 setups on Western
// systems), where the five unassigned bytes become U+FFFD.
func decodeCygwin8Bit(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return decodeCodePage(b, charmap.Windows1252)
}

// decodeCodePage decodes b, one byte per character, with a single-byte
// code page.
func decodeCodePage(b []byte, cp *charmap.Charmap) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		sb.WriteRune(cp.DecodeByte(c))
	}
	return sb.String()
}
