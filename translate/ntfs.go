package translate

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// IO_REPARSE_TAG_SYMLINK and IO_REPARSE_TAG_MOUNT_POINT (FORMATS.md §2, §3).
// Both start with the same four name fields after the header:
//
//	8  SubstituteNameOffset  (bytes, relative to PathBuffer)
//	10 SubstituteNameLength  (bytes, no NUL)
//	12 PrintNameOffset
//	14 PrintNameLength
//
// A symlink then has a 4-byte Flags field and its PathBuffer at 20; a mount
// point has no Flags and its PathBuffer at 16.
const (
	offSubstituteNameOffset = 8
	offSubstituteNameLength = 10
	offPrintNameOffset      = 12
	offPrintNameLength      = 14
	offSymlinkFlags         = 16

	symlinkPathBuffer    = 20
	mountPointPathBuffer = 16

	symlinkFlagRelative = 0x1 // SYMLINK_FLAG_RELATIVE
)

const (
	ntPrefix       = `\??\`        // the NT namespace of DOS devices
	ntUNCPrefix    = `\??\UNC\`    // UNC paths in the NT namespace
	ntVolumePrefix = `\??\Volume{` // a volume GUID path: a mount point, not a link
)

// decodeSymlink decodes an IO_REPARSE_TAG_SYMLINK buffer whose header
// ReparseTag has checked.
func decodeSymlink(b []byte) (Link, error) {
	subst, printName, err := decodeNames(b, NTFSSymlink, symlinkPathBuffer)
	if err != nil {
		return Link{}, err
	}
	flags := binary.LittleEndian.Uint32(b[offSymlinkFlags:])
	return Link{Format: NTFSSymlink, Target: subst, PrintName: printName, Relative: flags&symlinkFlagRelative != 0}, nil
}

// decodeMountPoint decodes an IO_REPARSE_TAG_MOUNT_POINT buffer whose header
// ReparseTag has checked. A SubstituteName under \??\Volume{ names a volume
// (FORMATS.md §3): Cygwin and ntfs-3g tell it from a junction the same way.
func decodeMountPoint(b []byte) (Link, error) {
	subst, printName, err := decodeNames(b, Junction, mountPointPathBuffer)
	if err != nil {
		return Link{}, err
	}
	f := Junction
	if hasPrefixFold(subst, ntVolumePrefix) {
		f = VolumeMount
	}
	return Link{Format: f, Target: subst, PrintName: printName}, nil
}

// decodeNames reads SubstituteName and PrintName through their offsets, in
// whatever order they are stored (Windows and Samba put SubstituteName first,
// Linux cifs and ntfs3 PrintName first), and with or without NULs after them.
func decodeNames(b []byte, f Format, pathBuffer int) (subst, printName string, err error) {
	if len(b) < pathBuffer {
		return "", "", formatErr(f, len(b), "reparse data truncated: %d bytes, need %d", len(b), pathBuffer)
	}
	substOff := int(binary.LittleEndian.Uint16(b[offSubstituteNameOffset:]))
	substLen := int(binary.LittleEndian.Uint16(b[offSubstituteNameLength:]))
	printOff := int(binary.LittleEndian.Uint16(b[offPrintNameOffset:]))
	printLen := int(binary.LittleEndian.Uint16(b[offPrintNameLength:]))
	if substLen == 0 {
		return "", "", formatErr(f, offSubstituteNameLength, "SubstituteName is empty")
	}
	// Real writers never share bytes between the names; refusing overlap
	// keeps every decoded Link small enough to encode again.
	if printLen > 0 && substOff < printOff+printLen && printOff < substOff+substLen {
		return "", "", formatErr(f, offPrintNameOffset, "PrintName %d+%d overlaps SubstituteName %d+%d", printOff, printLen, substOff, substLen)
	}
	path := b[pathBuffer:]
	if subst, err = decodeName(path, f, pathBuffer, offSubstituteNameOffset, substOff, substLen, "SubstituteName"); err != nil {
		return "", "", err
	}
	if printName, err = decodeName(path, f, pathBuffer, offPrintNameOffset, printOff, printLen, "PrintName"); err != nil {
		return "", "", err
	}
	return subst, printName, nil
}

// decodeName decodes the name at off, n in PathBuffer path, which starts at
// byte pathBuffer of the buffer; field is the offset of the name's Offset
// field, for errors. Linux cifs rejects odd lengths and U+0000 too.
func decodeName(path []byte, f Format, pathBuffer, field, off, n int, name string) (string, error) {
	if off+n > len(path) {
		return "", formatErr(f, field, "%s %d+%d runs past the %d-byte PathBuffer", name, off, n, len(path))
	}
	if n%2 != 0 {
		return "", formatErr(f, field+2, "%s length %d is odd", name, n)
	}
	if nul := IndexUTF16NUL(path[off : off+n]); nul >= 0 {
		return "", formatErr(f, pathBuffer+off+nul, "%s contains U+0000", name)
	}
	return DecodeUTF16LE(path[off : off+n]), nil
}

// encodeSymlink lays out SubstituteName at offset 0 and PrintName right
// after it, with no NULs, as ReactOS's CreateSymbolicLinkW and Samba do.
// Linux cifs and ntfs3 store PrintName first and real Windows is unverified
// (FORMATS.md §2.1); every reader surveyed follows the offsets, and this is
// also the order of Windows's own junctions, so both tags share one layout.
func encodeSymlink(l Link) ([]byte, error) {
	var flags uint32
	if l.Relative {
		flags = symlinkFlagRelative
	}
	b, err := encodeNames(l, TagSymlink, symlinkPathBuffer, false)
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint32(b[offSymlinkFlags:], flags)
	return b, nil
}

// encodeMountPoint writes a junction as Windows does (FORMATS.md §3):
// SubstituteName at 0 and a UTF-16 NUL, PrintName after it and a NUL.
func encodeMountPoint(l Link) ([]byte, error) {
	if l.Relative {
		return nil, encodeErr(l.Format, "a mount point has no SYMLINK_FLAG_RELATIVE")
	}
	// The decoder derives the format from the target, so a mismatch would
	// not come back as it went in.
	if vol := hasPrefixFold(l.Target, ntVolumePrefix); vol != (l.Format == VolumeMount) {
		return nil, encodeErr(l.Format, "target %q: a mount point is a volume mount exactly when its target starts with %s", l.Target, ntVolumePrefix)
	}
	return encodeNames(l, TagMountPoint, mountPointPathBuffer, true)
}

// encodeNames builds a symlink or mount point buffer with SubstituteName
// first. The NULs of withNULs are a courtesy to readers that treat the names
// as C strings; they are left out when only they would not fit, since the
// lengths delimit the names.
func encodeNames(l Link, tag uint32, pathBuffer int, withNULs bool) ([]byte, error) {
	if l.Target == "" {
		return nil, encodeErr(l.Format, "empty target")
	}
	subst, err := encodeUTF16Name(l.Format, "target", l.Target)
	if err != nil {
		return nil, err
	}
	printName, err := encodeUTF16Name(l.Format, "PrintName", l.PrintName)
	if err != nil {
		return nil, err
	}
	substLen, printLen := 2*len(subst), 2*len(printName)
	size := pathBuffer + substLen + printLen
	if size > MaxReparseSize {
		return nil, encodeErr(l.Format, "target and PrintName need %d bytes, more than %d", size, MaxReparseSize)
	}
	nul := 0
	if withNULs && size+4 <= MaxReparseSize {
		nul = 2
	}
	b := newReparse(tag, size+2*nul)
	binary.LittleEndian.PutUint16(b[offSubstituteNameOffset:], 0)
	binary.LittleEndian.PutUint16(b[offSubstituteNameLength:], uint16(substLen))
	binary.LittleEndian.PutUint16(b[offPrintNameOffset:], uint16(substLen+nul))
	binary.LittleEndian.PutUint16(b[offPrintNameLength:], uint16(printLen))
	putUTF16LE(b[pathBuffer:], subst)
	putUTF16LE(b[pathBuffer+substLen+nul:], printName)
	return b, nil
}

// NTFSSymlinkFor returns the Link that CreateSymbolicLinkW stores for the
// Windows target path p (FORMATS.md §2.2, after ReactOS):
//   - relative `a\b` and rooted `\a\b`: SubstituteName = PrintName = p,
//     Relative set;
//   - `C:\a`: `\??\C:\a` and PrintName p;
//   - UNC `\\srv\shr\a`: `\??\UNC\srv\shr\a` and PrintName p;
//   - `\\?\X`: `\??\X` and PrintName p; `\\.\X` is canonicalized like an
//     absolute path first.
//
// Absolute paths are canonicalized as RtlDosPathNameToNtPathName_U does
// (see ntPath). A drive-relative `C:foo` cannot be made absolute without the
// current directory of drive C, so it is an error.
func NTFSSymlinkFor(p string) (Link, error) {
	if err := checkDOSPath(p); err != nil {
		return Link{}, err
	}
	switch t := dosPathTypeOf(p); t {
	case dosRelative, dosRooted:
		return Link{Format: NTFSSymlink, Target: p, PrintName: p, Relative: true}, nil
	case dosDriveRelative:
		return Link{}, encodeErr(NTFSSymlink, "%q is relative to the current directory of its drive", p)
	default:
		nt, err := ntPath(p, t)
		if err != nil {
			return Link{}, err
		}
		return Link{Format: NTFSSymlink, Target: nt, PrintName: p}, nil
	}
}

// JunctionFor returns the mount point Link for an absolute Windows directory
// path p: `C:\dir` gives `\??\C:\dir` with PrintName p, as WSL's junction
// test helper writes it (FORMATS.md §3), and UNC and `\\?\` paths convert
// as in NTFSSymlinkFor. A volume GUID path `\\?\Volume{GUID}\` gives a
// VolumeMount with an empty PrintName and the trailing backslash ntfs-3g
// needs, as SetVolumeMountPointW stores it.
// Relative paths are an error: junction targets are always absolute.
func JunctionFor(p string) (Link, error) {
	if err := checkDOSPath(p); err != nil {
		return Link{}, err
	}
	t := dosPathTypeOf(p)
	if t != dosDriveAbsolute && t != dosUNC && t != dosLocalDevice {
		return Link{}, encodeErr(Junction, "%q is not an absolute path", p)
	}
	nt, err := ntPath(p, t)
	if err != nil {
		return Link{}, err
	}
	if hasPrefixFold(nt, ntVolumePrefix) {
		if !strings.Contains(nt[len(ntPrefix):], `\`) {
			nt += `\`
		}
		return Link{Format: VolumeMount, Target: nt}, nil
	}
	return Link{Format: Junction, Target: nt, PrintName: p}, nil
}

// checkDOSPath rejects what no Windows path can hold.
func checkDOSPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty Windows path")
	case !utf8.ValidString(p):
		return fmt.Errorf("invalid UTF-8 in Windows path %q", p)
	case strings.IndexByte(p, 0) >= 0:
		return fmt.Errorf("NUL in Windows path %q", p)
	}
	return nil
}

// dosPathType is RTL_PATH_TYPE, the kind of a Win32 path.
type dosPathType int

const (
	dosRelative        dosPathType = iota // a\b
	dosRooted                             // \a\b: relative to the current drive
	dosDriveRelative                      // C:a
	dosDriveAbsolute                      // C:\a
	dosUNC                                // \\srv\shr\a
	dosLocalDevice                        // \\.\X or \\?\X
	dosRootLocalDevice                    // \\. or \\?
)

func isDOSSep(c byte) bool { return c == '\\' || c == '/' }

// dosPathTypeOf classifies p as RtlDetermineDosPathNameType_U does: both
// slashes are separators, and any character before a colon is a drive.
func dosPathTypeOf(p string) dosPathType {
	if len(p) >= 2 && isDOSSep(p[0]) && isDOSSep(p[1]) {
		if len(p) >= 3 && (p[2] == '.' || p[2] == '?') {
			if len(p) == 3 {
				return dosRootLocalDevice
			}
			if isDOSSep(p[3]) {
				return dosLocalDevice
			}
		}
		return dosUNC
	}
	if len(p) >= 1 && isDOSSep(p[0]) {
		return dosRooted
	}
	if _, n := utf8.DecodeRuneInString(p); len(p) > n && p[n] == ':' {
		if len(p) > n+1 && isDOSSep(p[n+1]) {
			return dosDriveAbsolute
		}
		return dosDriveRelative
	}
	return dosRelative
}

// ntPath converts an absolute Win32 path of type t to the NT path that
// RtlDosPathNameToNtPathName_U returns. `\\?\` paths pass through untouched;
// the others are canonicalized first: `/` becomes `\`, repeated separators
// and `.` components go, `..` removes the component before it but never the
// drive, the UNC server and share, or the device name. Unlike Win32 it keeps
// trailing dots and spaces, which belong to the name on NTFS.
func ntPath(p string, t dosPathType) (string, error) {
	switch t {
	case dosDriveAbsolute:
		_, n := utf8.DecodeRuneInString(p)
		return ntPrefix + p[:n+1] + `\` + canonicalDOS(p[n+2:], 0), nil
	case dosUNC:
		rest := canonicalDOS(p[2:], 2)
		if rest == "" {
			return "", fmt.Errorf("UNC path %q has no server name", p)
		}
		return ntUNCPrefix + rest, nil
	case dosLocalDevice:
		rest := p[4:]
		if !strings.HasPrefix(p, `\\?\`) {
			rest = canonicalDOS(rest, 1)
		}
		if rest == "" {
			return "", fmt.Errorf("device path %q has no device name", p)
		}
		return ntPrefix + rest, nil
	}
	return "", fmt.Errorf("%q is not an absolute path", p)
}

// canonicalDOS joins the components of p with `\`, dropping empty and `.`
// components and resolving `..` without removing the first keep components.
// A trailing separator stays, as GetFullPathNameW keeps it.
func canonicalDOS(p string, keep int) string {
	var out []string
	for _, c := range strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' }) {
		switch {
		case len(out) < keep:
			out = append(out, c)
		case c == ".":
		case c == "..":
			if len(out) > keep {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, c)
		}
	}
	s := strings.Join(out, `\`)
	if s != "" && p != "" && isDOSSep(p[len(p)-1]) {
		s += `\`
	}
	return s
}

// hasPrefixFold reports whether s starts with the ASCII prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
