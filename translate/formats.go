package translate

import (
	"fmt"
	"strings"
)

// Storage says what object holds a link of a format on the source.
type Storage int

// The kinds of storage.
const (
	// StorageReparse: a reparse point (the REPARSE_DATA_BUFFER on an empty
	// file or directory), which needs a source that stores raw reparse
	// data: NTFS through ntfs-3g on Linux, any NTFS or ReFS volume on
	// Windows.
	StorageReparse Storage = iota + 1
	// StorageContent: the content of a regular file, on any file system.
	StorageContent
	// StorageSymlink: a symlink of the source file system itself.
	StorageSymlink
	// StorageIndex: a regular file that only the git index calls a link.
	StorageIndex
)

// TargetForm says what kind of path a format stores its target as.
type TargetForm int

// The forms of stored targets.
const (
	// TargetPOSIX: a POSIX path; a DOS path stored there is read as
	// Windows, as Cygwin's posixify does (FORMATS.md §12.2).
	TargetPOSIX TargetForm = iota + 1
	// TargetWindows: a Windows or NT path.
	TargetWindows
	// TargetWindowsOrPOSIX: a Windows path, but one starting with / is a
	// POSIX path, as Linux cifs and Cygwin take it (FORMATS.md §2.3).
	TargetWindowsOrPOSIX
)

// DOS attributes (FILE_ATTRIBUTE_*) that formats require on their file.
const (
	AttributeReadOnly uint32 = 0x1
	AttributeSystem   uint32 = 0x4
)

// nameSurrogateBit is the reparse tag bit of reparse points that stand for
// another name (IsReparseTagNameSurrogate): symlinks, junctions, LX links.
const nameSurrogateBit = 0x20000000

// FormatInfo declares one link format. Every switch over formats in the
// project reads this table: classification (by tag, magic and suffix),
// creation, the --read, --from, --create and --to flags, their help and
// the Windows probe.
type FormatInfo struct {
	Format Format // the long name: JSON output, logs, and every flag
	// Short is the name flags also accept ("lx" for lx-symlink), and the
	// one their help shows; "" when the format has only its long name.
	Short string
	// Tag is the reparse tag of StorageReparse formats, 0 otherwise.
	Tag     uint32
	Storage Storage
	Target  TargetForm
	// Attrs are the DOS attributes the file must carry for Cygwin, ntfs-3g
	// and Explorer to read it as a link (and that creation sets).
	Attrs uint32
	// Suffix ends the stored name (".lnk"); the link is shown without it.
	Suffix string
	// Magic starts the content of StorageContent formats recognised by
	// it; MinSize and MaxSize bound the size of such a file.
	Magic            string
	MinSize, MaxSize int
	// Presented says the mount can show the format as a link (git-symlink
	// is known only from an index, which the mount does not read).
	Presented bool
	// DefaultRead says the format is presented as a link by default.
	DefaultRead bool
	// DirKind says a link to a directory is stored as a directory object,
	// as Windows needs to follow it.
	DirKind bool
	// About is the one-line description flag help shows.
	About string

	// decode decodes the whole stored object: the reparse buffer, or the
	// content. Formats that another row's decoder reports (volume-mount,
	// from the junction's tag), that need options (shell-link) or that
	// are not stored as bytes (native, git-symlink) have none.
	decode func(b []byte) (Link, error)
	// encodeReparse builds the reparse buffer of a decoded Link.
	encodeReparse func(l Link) ([]byte, error)
	// encode builds what a new link to the POSIX target is stored as; nil
	// when links of the format cannot be created.
	encode func(target string, m *Mapper) ([]byte, error)
}

// formatTable is every link format, in the order help and listings show
// them. Adding a format is a file holding its decoder and encoder, and a
// row here.
var formatTable = []FormatInfo{
	{Format: NTFSSymlink, Short: "ntfs", Tag: TagSymlink, Storage: StorageReparse, Target: TargetWindowsOrPOSIX, Presented: true, DefaultRead: true, DirKind: true,
		About:  "NTFS symbolic link (mklink), what Windows programs follow",
		decode: decodeSymlink, encodeReparse: encodeSymlink, encode: encodeNTFSTarget},
	{Format: Junction, Tag: TagMountPoint, Storage: StorageReparse, Target: TargetWindowsOrPOSIX, Presented: true, DefaultRead: true,
		About:  "NTFS junction (mklink /J) to a directory",
		decode: decodeMountPoint, encodeReparse: encodeMountPoint},
	{Format: VolumeMount, Tag: TagMountPoint, Storage: StorageReparse, Target: TargetWindows, Presented: true,
		About:         "NTFS volume mount point (a junction to \\??\\Volume{GUID}\\)",
		encodeReparse: encodeMountPoint},
	{Format: LXSymlink, Short: "lx", Tag: TagLXSymlink, Storage: StorageReparse, Target: TargetPOSIX, Presented: true, DefaultRead: true,
		About:  "WSL symlink, read by WSL and Cygwin, no privilege needed",
		decode: decodeLX, encodeReparse: encodeLX,
		encode: func(target string, _ *Mapper) ([]byte, error) {
			return encodeLX(Link{Format: LXSymlink, Target: target})
		}},
	{Format: NFSSymlink, Short: "nfs", Tag: TagNFS, Storage: StorageReparse, Target: TargetPOSIX, Presented: true, DefaultRead: true,
		About:  "Windows NFS client symlink",
		decode: decodeNFS, encodeReparse: encodeNFS,
		encode: func(target string, _ *Mapper) ([]byte, error) {
			return encodeNFS(Link{Format: NFSSymlink, Target: target})
		}},
	{Format: CygwinCookie, Short: "cygwin", Storage: StorageContent, Target: TargetPOSIX, Attrs: AttributeSystem,
		Magic: CookieMagic, MinSize: len(CookieMagic) + 1, MaxSize: CookieMaxSize, Presented: true, DefaultRead: true,
		About:  "Cygwin/MSYS `!<symlink>` file with the SYSTEM attribute",
		decode: DecodeCygwinCookie,
		encode: func(target string, m *Mapper) ([]byte, error) { return EncodeCygwinCookie(CygwinForm(target, m)) }},
	{Format: CygwinShortcut, Storage: StorageContent, Target: TargetPOSIX, Attrs: AttributeReadOnly, Suffix: ".lnk",
		MinSize: lnkHeaderSize + 1, MaxSize: ShortcutMaxSize, Presented: true, DefaultRead: true,
		About:  "Cygwin's READONLY .lnk shortcut (winsymlinks:lnk)",
		decode: DecodeCygwinShortcut, encode: encodeCygwinShortcutTarget},
	{Format: ShellLink, Storage: StorageContent, Target: TargetWindows, Suffix: ".lnk",
		MinSize: lnkHeaderSize + 1, MaxSize: ShellLinkMaxSize, Presented: true,
		About: "Explorer shortcut (.lnk); off by default, as in Cygwin"},
	{Format: MFSymlink, Storage: StorageContent, Target: TargetPOSIX,
		Magic: MFSymlinkMagic, MinSize: MFSymlinkSize, MaxSize: MFSymlinkSize, Presented: true, DefaultRead: true,
		About:  "Minshall+French `XSym` file (Linux cifs mfsymlinks, macOS SMB)",
		decode: DecodeMFSymlink,
		encode: func(target string, _ *Mapper) ([]byte, error) { return EncodeMFSymlink(target) }},
	{Format: Interix, Storage: StorageContent, Target: TargetPOSIX, Attrs: AttributeSystem,
		Magic: InterixMagic, MinSize: len(InterixMagic) + 1, MaxSize: InterixMaxSize, Presented: true, DefaultRead: true,
		About:  "Interix/SFU `IntxLNK` file with the SYSTEM attribute (ntfs-3g's default)",
		decode: DecodeInterix,
		encode: func(target string, _ *Mapper) ([]byte, error) { return EncodeInterix(target) }},
	{Format: Native, Storage: StorageSymlink, Target: TargetPOSIX, Presented: true, DefaultRead: true,
		About:  "symlink of the source file system (not on NTFS)",
		encode: func(target string, _ *Mapper) ([]byte, error) { return []byte(target), nil }},
	{Format: GitSymlink, Storage: StorageIndex, Target: TargetPOSIX,
		About: "file git checked out for a symlink with core.symlinks=false (scan and convert only)"},
}

// Formats lists every link format in the table's order.
var Formats = func() []Format {
	fs := make([]Format, len(formatTable))
	for i, r := range formatTable {
		fs[i] = r.Format
	}
	return fs
}()

// Lookup returns the table row of f.
func Lookup(f Format) (FormatInfo, bool) {
	for _, r := range formatTable {
		if r.Format == f {
			return r, true
		}
	}
	return FormatInfo{}, false
}

// Info returns the table row of f, or a row with only Format set for a
// name that is not in the table (None).
func Info(f Format) FormatInfo {
	if r, ok := Lookup(f); ok {
		return r
	}
	return FormatInfo{Format: f}
}

// FormatsWhere lists the formats whose row satisfies keep, in table order.
func FormatsWhere(keep func(FormatInfo) bool) []Format {
	var fs []Format
	for _, r := range formatTable {
		if keep(r) {
			fs = append(fs, r.Format)
		}
	}
	return fs
}

// ContentFormats lists the rows of the StorageContent formats that a
// magic at the start of the file identifies.
func ContentFormats() []FormatInfo {
	var rows []FormatInfo
	for _, r := range formatTable {
		if r.Storage == StorageContent && r.Magic != "" {
			rows = append(rows, r)
		}
	}
	return rows
}

// Creatable says links of the format can be created (mount --create,
// convert --to).
func (r FormatInfo) Creatable() bool { return r.encode != nil }

// Decode decodes the stored bytes of a link of the format. Formats with
// no decoder of their own give an error.
func (r FormatInfo) Decode(b []byte) (Link, error) {
	if r.decode == nil {
		return Link{}, fmt.Errorf("%s links are not decoded from bytes alone", r.Format)
	}
	return r.decode(b)
}

// Encode returns what a new link to the POSIX target is stored as in the
// format: the reparse buffer, the file content, or the symlink text. m
// maps the target to the Windows and Cygwin forms the formats that hold
// them need.
func (r FormatInfo) Encode(target string, m *Mapper) ([]byte, error) {
	if r.encode == nil {
		return nil, &EncodeError{Format: r.Format, Reason: "links in this format cannot be created"}
	}
	return r.encode(target, m)
}

// IsTagNameSurrogate reports whether a reparse tag has the name-surrogate
// bit (IsReparseTagNameSurrogate): the tag stands for a link to another
// name. NFS symlinks are links without it.
func IsTagNameSurrogate(tag uint32) bool { return tag&nameSurrogateBit != 0 }

// FormatOfTag returns the format a reparse tag belongs to (for the mount
// point tag, Junction, whose decoder tells volume mount points apart).
func FormatOfTag(tag uint32) (Format, bool) {
	for _, r := range formatTable {
		if r.Storage == StorageReparse && r.Tag == tag {
			return r.Format, true
		}
	}
	return "", false
}

// ParseFormat returns the format called name, by its short or its long
// name. The error lists the valid names.
func ParseFormat(name string) (Format, error) {
	return ParseFormatAmong(name, func(FormatInfo) bool { return true })
}

// ParseFormatAmong is ParseFormat restricted to the rows keep accepts; the
// error lists just those.
func ParseFormatAmong(name string, keep func(FormatInfo) bool) (Format, error) {
	var valid []string
	for _, r := range formatTable {
		if !keep(r) {
			continue
		}
		if name == string(r.Format) || (r.Short != "" && name == r.Short) {
			return r.Format, nil
		}
		valid = append(valid, r.FlagName())
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(valid, ", "))
}

// FlagName is how help and errors name the format: the short name with
// the long one beside it ("lx (lx-symlink)"), or the long name alone.
func (r FormatInfo) FlagName() string {
	if r.Short == "" {
		return string(r.Format)
	}
	return r.Short + " (" + string(r.Format) + ")"
}

// FlagNames joins the flag names of the formats, for help.
func FlagNames(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = Info(f).FlagName()
	}
	return strings.Join(names, ", ")
}

// encodeNTFSTarget stores the Windows form of target, as
// CreateSymbolicLinkW would.
func encodeNTFSTarget(target string, m *Mapper) ([]byte, error) {
	win, err := m.ToWindows(target)
	if err != nil {
		return nil, &EncodeError{Format: NTFSSymlink, Reason: "target has no Windows form", Err: err}
	}
	l, err := NTFSSymlinkFor(win)
	if err != nil {
		return nil, &EncodeError{Format: NTFSSymlink, Reason: "Windows path " + fmt.Sprintf("%q", win), Err: err}
	}
	return encodeSymlink(l)
}

// encodeCygwinShortcutTarget stores target as Cygwin does, with the Win32
// path Explorer resolves in RELATIVE_PATH; a target with no Windows form
// keeps the POSIX text there too.
func encodeCygwinShortcutTarget(target string, m *Mapper) ([]byte, error) {
	win, err := m.ToWindows(target)
	if err != nil {
		win = target
	}
	return EncodeCygwinShortcut(CygwinForm(target, m), win)
}

// CygwinForm returns target as Cygwin itself writes it: drive paths under
// the cygdrive prefix, so that Cygwin programs resolve them.
func CygwinForm(target string, m *Mapper) string {
	cyg := *m
	cyg.Style = StyleCygwin
	if p, err := cyg.Normalize(target); err == nil {
		return p
	}
	return target
}

// EncodeError reports a link that a format cannot store: an empty target,
// a NUL, text that is not UTF-8 where the format stores UTF-16, a target
// too long, a field the format lacks.
type EncodeError struct {
	Format Format
	Reason string // what cannot be stored, in a few words
	Err    error  // the underlying cause, if any
}

func (e *EncodeError) Error() string {
	switch {
	case e.Reason == "":
		return fmt.Sprintf("%s: %v", e.Format, e.Err)
	case e.Err == nil:
		return fmt.Sprintf("%s: %s", e.Format, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %v", e.Format, e.Reason, e.Err)
}

func (e *EncodeError) Unwrap() error { return e.Err }

func encodeErr(f Format, format string, args ...any) error {
	return &EncodeError{Format: f, Reason: fmt.Sprintf(format, args...)}
}
