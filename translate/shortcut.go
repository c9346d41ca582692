package translate

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"unicode/utf8"
)

// Cygwin shortcut symlinks (winsymlinks:lnk), FORMATS.md §6: a .lnk file
// with the READONLY attribute, a fixed ShellLinkHeader, NAME = the POSIX
// target, RELATIVE_PATH = the absolute Win32 path of the target, and a
// Cygwin trailer with the POSIX target in UTF-16.

// ShortcutMaxSize is the largest Cygwin shortcut: Cygwin accepts
// 0x4C < size <= 4*65536.
const ShortcutMaxSize = 262144

const (
	// cygwinShortcutFlags are the LinkFlags Cygwin writes, besides
	// HasLinkTargetIDList when it got an IDList.
	cygwinShortcutFlags = lnkHasName | lnkHasRelativePath
	lnkShowNormal       = 1 // SW_NORMAL, the only ShowCommand Cygwin accepts
	// cygwinShortcutDescMax is MAX_PATH: a longer target is stored as
	// cygwinPathTooLong in NAME and only in the trailer.
	cygwinShortcutDescMax = 260
	cygwinPathTooLong     = "[path too long]"
	// cygwinDevicePrefix starts the NAME of a Cygwin device file (the C
	// literal ":\\" in Cygwin's path.cc).
	cygwinDevicePrefix = `:\`
)

// DecodeCygwinShortcut decodes a shortcut that Cygwin (or U/Win) wrote as
// a symlink. Target is the POSIX target: the trailer when there is one (it
// is authoritative), else NAME. PrintName is RELATIVE_PATH, the absolute
// Win32 path Cygwin stores. 8-bit strings are decoded as UTF-8 when valid,
// else as Windows-1252 (see DecodeCygwinCookie).
//
// Anything Cygwin would not take for a symlink is ErrNotLink: a size out of
// (0x4C, ShortcutMaxSize], a header other than Cygwin's (so every shortcut
// Explorer makes), an empty NAME or target, and device files, whose NAME
// starts with `:\`. Cygwin looks at NAME only; the target is checked too,
// because a device name longer than 260 bytes keeps the prefix only in the
// trailer. Sections that run past the end, a trailer without its NUL, a NUL
// inside the target and a target longer than SYMLINK_MAX are a
// *FormatError.
func DecodeCygwinShortcut(b []byte) (Link, error) {
	if len(b) <= lnkHeaderSize || len(b) > ShortcutMaxSize || !isShellLinkHeader(b) {
		return Link{}, ErrNotLink
	}
	flags := binary.LittleEndian.Uint32(b[lnkLinkFlagsOffset:])
	if flags&^lnkHasLinkTargetIDList != cygwinShortcutFlags ||
		binary.LittleEndian.Uint32(b[lnkShowCommandOffset:]) != lnkShowNormal {
		return Link{}, ErrNotLink
	}
	r := lnkReader{b: b, off: lnkHeaderSize, format: CygwinShortcut}
	if flags&lnkHasLinkTargetIDList != 0 {
		if err := r.skipIDList(); err != nil {
			return Link{}, err
		}
	}
	descOff := r.off
	desc, err := r.counted8("NAME")
	if err != nil {
		return Link{}, err
	}
	if len(desc) == 0 || bytes.HasPrefix(desc, []byte(cygwinDevicePrefix)) {
		return Link{}, ErrNotLink
	}
	relOff := r.off
	relpath, err := r.counted8("RELATIVE_PATH")
	if err != nil {
		return Link{}, err
	}
	printName := decodeCygwin8Bit(relpath)
	if len(printName) > math.MaxUint16 {
		return Link{}, formatErr(CygwinShortcut, relOff, "RELATIVE_PATH is %d bytes as UTF-8, more than %d", len(printName), math.MaxUint16)
	}

	targetOff, target := descOff+2, desc
	var wide bool
	if r.off < len(b) {
		// The trailer: u16 L, then FF FE and a NUL-terminated UTF-16
		// string (Cygwin 1.7.0 and later), or L bytes of 8-bit text (the
		// 2008 betas before the BOM). Cygwin ignores L in the UTF-16 case
		// and reads up to the NUL; so does this.
		n, err := r.u16("trailer length")
		if err != nil {
			return Link{}, err
		}
		targetOff = r.off
		if bytes.HasPrefix(b[r.off:], utf16BOM) {
			r.off += len(utf16BOM)
			end := IndexUTF16NUL(b[r.off:])
			if end < 0 {
				return Link{}, formatErr(CygwinShortcut, len(b), "UTF-16 trailer has no NUL terminator")
			}
			targetOff, target, wide = r.off, b[r.off:r.off+end], true
		} else if target, err = r.take(int64(n), "trailer"); err != nil {
			return Link{}, err
		}
	}
	var t string
	if wide {
		t = DecodeUTF16LE(target)
	} else {
		if i := bytes.IndexByte(target, 0); i >= 0 {
			return Link{}, formatErr(CygwinShortcut, targetOff+i, "NUL inside target")
		}
		t = decodeCygwin8Bit(target)
	}
	if t == "" || strings.HasPrefix(t, cygwinDevicePrefix) {
		return Link{}, ErrNotLink
	}
	if len(t) > cygwinSymlinkMax {
		return Link{}, formatErr(CygwinShortcut, targetOff, "target is %d bytes, longer than SYMLINK_MAX %d", len(t), cygwinSymlinkMax)
	}
	return Link{Format: CygwinShortcut, Target: t, PrintName: printName}, nil
}

// counted8 reads a u16 byte count and that many bytes, the form of
// Cygwin's NAME, RELATIVE_PATH and 8-bit trailer.
func (r *lnkReader) counted8(what string) ([]byte, error) {
	n, err := r.u16(what + " length")
	if err != nil {
		return nil, err
	}
	return r.take(int64(n), what)
}

// EncodeCygwinShortcut returns the shortcut Cygwin writes for a symlink to
// target whose Win32 form is win32Path, without the IDList (Cygwin adds one
// when the shell can parse the path; readers do not need it). The caller
// names the file <name>.lnk and sets exactly the READONLY attribute.
//
// NAME is target, or "[path too long]" when target is longer than 260
// bytes; the trailer holds target in UTF-16 with its length in bytes,
// counting the NUL but not the BOM. Both strings are written as UTF-8, the
// charset of current Cygwin.
func EncodeCygwinShortcut(target, win32Path string) ([]byte, error) {
	if err := checkContentTarget(CygwinShortcut, target); err != nil {
		return nil, err
	}
	switch {
	case len(target) > cygwinSymlinkMax:
		return nil, encodeErr(CygwinShortcut, "target is %d bytes, longer than SYMLINK_MAX %d", len(target), cygwinSymlinkMax)
	case strings.HasPrefix(target, cygwinDevicePrefix):
		return nil, encodeErr(CygwinShortcut, "target %q would read as a Cygwin device file", target)
	case !utf8.ValidString(win32Path):
		return nil, encodeErr(CygwinShortcut, "Win32 path is not valid UTF-8")
	case len(win32Path) > math.MaxUint16:
		return nil, encodeErr(CygwinShortcut, "Win32 path is %d bytes, more than %d", len(win32Path), math.MaxUint16)
	}
	desc := target
	if len(desc) > cygwinShortcutDescMax {
		desc = cygwinPathTooLong
	}
	wide := appendUTF16LE(nil, target)
	wide = append(wide, 0, 0)

	b := make([]byte, lnkHeaderSize, lnkHeaderSize+2+len(desc)+2+len(win32Path)+2+len(utf16BOM)+len(wide))
	binary.LittleEndian.PutUint32(b, lnkHeaderSize)
	copy(b[lnkLinkCLSIDOffset:], lnkLinkCLSID)
	binary.LittleEndian.PutUint32(b[lnkLinkFlagsOffset:], cygwinShortcutFlags)
	binary.LittleEndian.PutUint32(b[lnkShowCommandOffset:], lnkShowNormal)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(desc)))
	b = append(b, desc...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(win32Path)))
	b = append(b, win32Path...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(wide)))
	b = append(b, utf16BOM...)
	return append(b, wide...), nil
}
