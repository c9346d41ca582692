package translate

import (
	"errors"
	"fmt"
)

// Format names a link format. The names are used verbatim by the CLI, JSON
// output, logs and flags.
type Format string

// The link formats linkfs knows.
const (
	NTFSSymlink    Format = "ntfs-symlink"    // IO_REPARSE_TAG_SYMLINK
	Junction       Format = "junction"        // IO_REPARSE_TAG_MOUNT_POINT to a path
	VolumeMount    Format = "volume-mount"    // IO_REPARSE_TAG_MOUNT_POINT to \??\Volume{GUID}\
	LXSymlink      Format = "lx-symlink"      // IO_REPARSE_TAG_LX_SYMLINK (WSL)
	NFSSymlink     Format = "nfs-symlink"     // IO_REPARSE_TAG_NFS, NFS_SPECFILE_LNK
	CygwinCookie   Format = "cygwin-cookie"   // "!<symlink>" file with the SYSTEM attribute
	CygwinShortcut Format = "cygwin-shortcut" // Cygwin's READONLY .lnk shortcut
	ShellLink      Format = "shell-link"      // any other MS-SHLLINK .lnk file
	MFSymlink      Format = "mfsymlink"       // Minshall+French "XSym" file
	Interix        Format = "interix"         // "IntxLNK\x01" file with the SYSTEM attribute
	Native         Format = "native"          // a symlink of the underlying file system
	None           Format = "none"            // not a link
)

// GitSymlink is a symlink that git checked out with core.symlinks=false:
// a regular file holding the link text, known to be a link only through
// the repository's index. Only scan and convert, which read the index,
// report it.
const GitSymlink Format = "git-symlink"

// Link is one decoded link, with the target as stored on disk.
type Link struct {
	Format Format
	// Target is the target exactly as the format stores it, decoded to UTF-8:
	// the SubstituteName of NTFS symlinks and junctions (an NT path such as
	// `\??\C:\x`, or a relative Windows path), the POSIX path of LX, NFS,
	// Cygwin, MFSymlink and Interix links, the chosen Windows path of a
	// shell link.
	Target string
	// PrintName is the Win32 form stored beside Target: the PrintName of NTFS
	// symlinks and junctions, the RELATIVE_PATH string of a Cygwin shortcut.
	PrintName string
	// Relative is the SYMLINK_FLAG_RELATIVE bit of an NTFS symlink.
	Relative bool
}

// ErrNotLink means the bytes are not of the decoder's format at all. The
// caller tries the next format or treats the entry as a plain file.
var ErrNotLink = errors.New("not a link of this format")

// FormatError reports bytes that are of a format but malformed.
type FormatError struct {
	Format Format
	Offset int    // byte offset where the problem was found
	Reason string // what is wrong, in a few words
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s: %s at byte %d", e.Format, e.Reason, e.Offset)
}

func formatErr(f Format, off int, format string, args ...any) *FormatError {
	return &FormatError{Format: f, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// UnsupportedTagError reports a reparse point whose tag is not a link tag
// that linkfs decodes (storage, sync and container tags among others). The
// object is passed through as the file or directory it is.
type UnsupportedTagError struct {
	Tag uint32
}

func (e *UnsupportedTagError) Error() string {
	return fmt.Sprintf("unsupported reparse tag 0x%08X", e.Tag)
}

// UnsupportedVersionError reports an LX symlink reparse buffer of a version
// other than 2.
type UnsupportedVersionError struct {
	Format  Format
	Version uint32
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("%s: unsupported version %d", e.Format, e.Version)
}

// SpecialFileError reports a reparse point or file that encodes a special
// file (FIFO, character or block device, socket) rather than a link.
type SpecialFileError struct {
	Format Format // the encoding that holds it, e.g. NFSSymlink for an NFS reparse point
	Kind   SpecialKind
	Major  uint32 // devices only
	Minor  uint32 // devices only
}

func (e *SpecialFileError) Error() string {
	if e.Kind == CharDevice || e.Kind == BlockDevice {
		return fmt.Sprintf("%s: %s %d:%d, not a link", e.Format, e.Kind, e.Major, e.Minor)
	}
	return fmt.Sprintf("%s: %s, not a link", e.Format, e.Kind)
}

// SpecialKind is the kind of a special file.
type SpecialKind string

// Special file kinds.
const (
	FIFO        SpecialKind = "fifo"
	CharDevice  SpecialKind = "char-device"
	BlockDevice SpecialKind = "block-device"
	Socket      SpecialKind = "socket"
)
