package translate

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Windows Shell Link (.lnk) files, MS-SHLLINK, FORMATS.md §7.

// ShellLinkMaxSize is the largest generic shell link linkfs reads.
const ShellLinkMaxSize = 1 << 20

// ShellLinkHeader fields and LinkFlags.
const (
	lnkHeaderSize        = 0x4C
	lnkLinkCLSIDOffset   = 4
	lnkLinkFlagsOffset   = 20
	lnkShowCommandOffset = 60

	lnkHasLinkTargetIDList = 0x1
	lnkHasLinkInfo         = 0x2
	lnkHasName             = 0x4
	lnkHasRelativePath     = 0x8
	lnkHasWorkingDir       = 0x10
	lnkHasArguments        = 0x20
	lnkHasIconLocation     = 0x40
	lnkIsUnicode           = 0x80
	lnkForceNoLinkInfo     = 0x100
	lnkHasExpString        = 0x200
)

// LinkInfo fields and flags.
const (
	lnkInfoHeaderSize        = 0x1C // without the Unicode offsets
	lnkInfoHeaderSizeUnicode = 0x24 // with LocalBasePathOffsetUnicode and CommonPathSuffixOffsetUnicode

	lnkVolumeIDAndLocalBasePath               = 0x1
	lnkCommonNetworkRelativeLinkAndPathSuffix = 0x2

	// CommonNetworkRelativeLink: NetNameOffsetUnicode is present when
	// NetNameOffset is past the 0x14-byte header without it.
	lnkNetRelativeLinkHeaderSize        = 0x14
	lnkNetRelativeLinkHeaderSizeUnicode = 0x1C
)

// ExtraData blocks.
const (
	lnkExtraTerminalMax          = 4 // a BlockSize below this ends ExtraData
	lnkEnvironmentVariableSig    = 0xA0000001
	lnkEnvironmentVariableSize   = 0x314
	lnkEnvironmentTargetAnsiSize = 260
	lnkEnvironmentTargetUniSize  = 520
)

// lnkLinkCLSID is {00021401-0000-0000-C000-000000000046} as stored.
var lnkLinkCLSID = []byte{0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// ShellLinkOptions tells DecodeShellLink what the .lnk file cannot.
type ShellLinkOptions struct {
	// CodePage is the ANSI code page of non-Unicode strings; nil means
	// charmap.Windows1252. Multi-byte code pages (932, 936...) are not
	// supported: their strings decode byte by byte.
	CodePage *charmap.Charmap
	// Env gives values for %VAR% in the EnvironmentVariableDataBlock.
	// Names match case-insensitively, as on Windows. A target that names an
	// unknown variable is skipped.
	Env map[string]string
}

// DecodeShellLink decodes a Windows shell link and returns, as Target, the
// Windows path it points at, taken from the first of these that gives one:
//
//  1. LinkInfo VolumeIDAndLocalBasePath: LocalBasePath + CommonPathSuffix,
//     the Unicode fields when present, else the ANSI ones in opt.CodePage;
//  2. LinkInfo CommonNetworkRelativeLinkAndPathSuffix: NetName + `\` +
//     CommonPathSuffix (just NetName when the suffix is empty);
//  3. the EnvironmentVariableDataBlock, when HasExpString is set:
//     TargetUnicode, else TargetAnsi, with %VAR% expanded from opt.Env;
//  4. RELATIVE_PATH, unchanged: relative to the directory of the .lnk file.
//
// LinkInfo is used only when HasLinkInfo is set and ForceNoLinkInfo is
// clear, and each of its parts only when its LinkInfoFlags bit is set
// (writers leave stale offsets behind clear bits). Sections after the one
// that gives the target are not read, so damage there does not matter.
//
// Bytes without the ShellLinkHeader are ErrNotLink, and so is a link that
// names no path (an IDList-only link to a shell folder, say): it is shown as
// the regular file it is. Damage in a section that has to be read is a
// *FormatError.
func DecodeShellLink(b []byte, opt ShellLinkOptions) (Link, error) {
	if !isShellLinkHeader(b) {
		return Link{}, ErrNotLink
	}
	cp := opt.CodePage
	if cp == nil {
		cp = charmap.Windows1252
	}
	flags := binary.LittleEndian.Uint32(b[lnkLinkFlagsOffset:])
	r := lnkReader{b: b, off: lnkHeaderSize, format: ShellLink}
	if flags&lnkHasLinkTargetIDList != 0 {
		if err := r.skipIDList(); err != nil {
			return Link{}, err
		}
	}
	if flags&lnkHasLinkInfo != 0 {
		start := r.off
		size, err := r.u32("LinkInfoSize")
		if err != nil {
			return Link{}, err
		}
		if size < lnkInfoHeaderSize {
			return Link{}, formatErr(ShellLink, start, "LinkInfoSize %d is less than %d", size, lnkInfoHeaderSize)
		}
		r.off = start
		info, err := r.take(int64(size), "LinkInfo")
		if err != nil {
			return Link{}, err
		}
		if flags&lnkForceNoLinkInfo == 0 {
			target, err := lnkInfoTarget(info, start, cp)
			if err != nil {
				return Link{}, err
			}
			if target != "" {
				return Link{Format: ShellLink, Target: target}, nil
			}
		}
	}

	// StringData: NAME, RELATIVE_PATH, WORKING_DIR, ARGUMENTS, ICON_LOCATION.
	// Read only as far as needed: to RELATIVE_PATH, or to the end when the
	// EnvironmentVariableDataBlock in ExtraData is wanted.
	unicode := flags&lnkIsUnicode != 0
	last := uint32(lnkHasRelativePath)
	if flags&lnkHasExpString != 0 {
		last = lnkHasIconLocation
	}
	var relativePath string
	for bit := uint32(lnkHasName); bit <= last; bit <<= 1 {
		if flags&bit == 0 {
			continue
		}
		s, err := r.countedString(unicode, cp)
		if err != nil {
			return Link{}, err
		}
		if bit == lnkHasRelativePath {
			relativePath = s
		}
	}
	if flags&lnkHasExpString != 0 {
		target, err := r.environmentTarget(cp, opt.Env)
		if err != nil {
			return Link{}, err
		}
		if target != "" {
			return Link{Format: ShellLink, Target: target}, nil
		}
	}
	if relativePath != "" {
		return Link{Format: ShellLink, Target: relativePath}, nil
	}
	return Link{}, ErrNotLink
}

// isShellLinkHeader reports whether b starts with a ShellLinkHeader.
func isShellLinkHeader(b []byte) bool {
	return len(b) >= lnkHeaderSize &&
		binary.LittleEndian.Uint32(b) == lnkHeaderSize &&
		bytes.Equal(b[lnkLinkCLSIDOffset:lnkLinkCLSIDOffset+len(lnkLinkCLSID)], lnkLinkCLSID)
}

// lnkInfoTarget returns the path a LinkInfo structure names, or "" when it
// names none. info is the whole structure (LinkInfoSize bytes, at least
// lnkInfoHeaderSize), found at byte base of the file.
func lnkInfoTarget(info []byte, base int, cp *charmap.Charmap) (string, error) {
	headerSize := binary.LittleEndian.Uint32(info[4:])
	unicode := headerSize >= lnkInfoHeaderSizeUnicode
	if headerSize != lnkInfoHeaderSize && !unicode || headerSize > uint32(len(info)) {
		return "", formatErr(ShellLink, base+4, "bad LinkInfoHeaderSize %#x", headerSize)
	}
	li := lnkStruct{b: info, base: base, header: headerSize, cp: cp}
	linkInfoFlags := li.u32(8)
	// CommonPathSuffix is read only when a flag needs it.
	suffix := func() (string, error) {
		if unicode && li.u32(32) != 0 {
			return li.str(32, true)
		}
		return li.str(24, false)
	}

	if linkInfoFlags&lnkVolumeIDAndLocalBasePath != 0 {
		var path string
		var err error
		if unicode && li.u32(28) != 0 {
			path, err = li.str(28, true)
		} else {
			path, err = li.str(16, false)
		}
		if err != nil {
			return "", err
		}
		if path != "" {
			sfx, err := suffix()
			if err != nil {
				return "", err
			}
			return path + sfx, nil
		}
	}

	if linkInfoFlags&lnkCommonNetworkRelativeLinkAndPathSuffix != 0 {
		at := li.u32(20)
		if at < headerSize || at > uint32(len(info))-lnkNetRelativeLinkHeaderSize {
			return "", formatErr(ShellLink, base+20, "CommonNetworkRelativeLinkOffset %d is outside LinkInfo", at)
		}
		size := binary.LittleEndian.Uint32(info[at:])
		if size < lnkNetRelativeLinkHeaderSize || size > uint32(len(info))-at {
			return "", formatErr(ShellLink, base+int(at), "bad CommonNetworkRelativeLinkSize %d", size)
		}
		link := lnkStruct{b: info[at : at+size], base: base + int(at), header: lnkNetRelativeLinkHeaderSize, cp: cp}
		var name string
		var err error
		if link.u32(8) > lnkNetRelativeLinkHeaderSize {
			if size < lnkNetRelativeLinkHeaderSizeUnicode {
				return "", formatErr(ShellLink, link.base, "CommonNetworkRelativeLinkSize %d has no room for NetNameOffsetUnicode", size)
			}
			link.header = lnkNetRelativeLinkHeaderSizeUnicode
			name, err = link.str(20, true)
		} else {
			name, err = link.str(8, false)
		}
		if err != nil {
			return "", err
		}
		if name != "" {
			sfx, err := suffix()
			if err != nil {
				return "", err
			}
			if sfx != "" && !strings.HasSuffix(name, `\`) {
				name += `\`
			}
			return name + sfx, nil
		}
	}
	return "", nil
}

// lnkStruct is LinkInfo or its CommonNetworkRelativeLink: b is the whole
// structure, at byte base of the file, with a header of header bytes. The
// strings its offsets point at must lie after the header and inside b.
type lnkStruct struct {
	b      []byte
	base   int
	header uint32
	cp     *charmap.Charmap
}

// u32 reads a header field; the callers only ask for fields inside the
// header, whose size they checked.
func (s lnkStruct) u32(off int) uint32 {
	return binary.LittleEndian.Uint32(s.b[off:])
}

// str reads the NUL-terminated string, UTF-16 when wide, else in the code
// page, at the offset held in header field off.
func (s lnkStruct) str(off int, wide bool) (string, error) {
	at := s.u32(off)
	if at < s.header || at >= uint32(len(s.b)) {
		return "", formatErr(ShellLink, s.base+off, "string offset %d is outside %d..%d", at, s.header, len(s.b))
	}
	rest := s.b[at:]
	if wide {
		n := IndexUTF16NUL(rest)
		if n < 0 {
			return "", formatErr(ShellLink, s.base+int(at), "UTF-16 string has no NUL")
		}
		return DecodeUTF16LE(rest[:n]), nil
	}
	n := bytes.IndexByte(rest, 0)
	if n < 0 {
		return "", formatErr(ShellLink, s.base+int(at), "string has no NUL")
	}
	return decodeCodePage(rest[:n], s.cp), nil
}

// environmentTarget walks ExtraData from r.off and returns the expanded
// target of the EnvironmentVariableDataBlock, or "" when there is none or
// it names an unknown variable. Running out of data without the terminal
// block ends ExtraData too: Cygwin shortcuts end that way.
func (r *lnkReader) environmentTarget(cp *charmap.Charmap, env map[string]string) (string, error) {
	for len(r.b)-r.off >= 4 {
		start := r.off
		size := binary.LittleEndian.Uint32(r.b[start:])
		if size < lnkExtraTerminalMax {
			return "", nil
		}
		block, err := r.take(int64(size), "ExtraData block")
		if err != nil {
			return "", err
		}
		if len(block) < 8 {
			return "", formatErr(ShellLink, start, "ExtraData BlockSize %d has no room for a signature", size)
		}
		if binary.LittleEndian.Uint32(block[4:]) != lnkEnvironmentVariableSig {
			continue
		}
		if size != lnkEnvironmentVariableSize {
			return "", formatErr(ShellLink, start, "EnvironmentVariableDataBlock is %d bytes, want %d", size, lnkEnvironmentVariableSize)
		}
		ansi := block[8 : 8+lnkEnvironmentTargetAnsiSize]
		wide := block[8+lnkEnvironmentTargetAnsiSize:]
		// Each string ends at its NUL or at the end of its fixed field.
		var target string
		if n := IndexUTF16NUL(wide); n != 0 {
			if n < 0 {
				n = len(wide)
			}
			target = DecodeUTF16LE(wide[:n])
		} else {
			if n := bytes.IndexByte(ansi, 0); n >= 0 {
				ansi = ansi[:n]
			}
			target = decodeCodePage(ansi, cp)
		}
		expanded, ok := expandWindowsEnv(target, env)
		if !ok {
			return "", nil
		}
		return expanded, nil
	}
	return "", nil
}

// expandWindowsEnv replaces each %NAME% in s with its value in env, matching
// names case-insensitively as Windows does. ok is false when a name is not
// in env. A % without a closing % is kept as it is.
func expandWindowsEnv(s string, env map[string]string) (expanded string, ok bool) {
	var sb strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			sb.WriteString(s)
			return sb.String(), true
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			sb.WriteString(s)
			return sb.String(), true
		}
		v, found := lookupWindowsEnv(env, s[i+1:i+1+j])
		if !found {
			return "", false
		}
		sb.WriteString(s[:i])
		sb.WriteString(v)
		s = s[i+1+j+1:]
	}
}

// lookupWindowsEnv finds name in env: the exact key first, else the
// smallest key equal to it under case folding, so the answer does not
// depend on map order.
func lookupWindowsEnv(env map[string]string, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if v, ok := env[name]; ok {
		return v, true
	}
	var keys []string
	for k := range env {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", false
	}
	sort.Strings(keys)
	return env[keys[0]], true
}

// lnkReader is a little-endian cursor over a .lnk file. Every read checks
// the length first and reports a *FormatError at the offset where the data
// ran out.
type lnkReader struct {
	b      []byte
	off    int
	format Format
}

// take returns the next n bytes.
func (r *lnkReader) take(n int64, what string) ([]byte, error) {
	if n < 0 || n > int64(len(r.b)-r.off) {
		return nil, formatErr(r.format, r.off, "%s of %d bytes runs past the end", what, n)
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

func (r *lnkReader) u16(what string) (uint16, error) {
	s, err := r.take(2, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(s), nil
}

func (r *lnkReader) u32(what string) (uint32, error) {
	s, err := r.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(s), nil
}

// skipIDList skips the LinkTargetIDList: IDListSize, then that many bytes.
func (r *lnkReader) skipIDList() error {
	n, err := r.u16("IDListSize")
	if err != nil {
		return err
	}
	_, err = r.take(int64(n), "LinkTargetIDList")
	return err
}

// countedString reads a StringData string: a character count, then that
// many UTF-16 units or code-page bytes.
func (r *lnkReader) countedString(unicode bool, cp *charmap.Charmap) (string, error) {
	n, err := r.u16("StringData CountCharacters")
	if err != nil {
		return "", err
	}
	size := int64(n)
	if unicode {
		size *= 2
	}
	s, err := r.take(size, "StringData string")
	if err != nil {
		return "", err
	}
	if unicode {
		return DecodeUTF16LE(s), nil
	}
	return decodeCodePage(s, cp), nil
}
