package translate

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// Style names a POSIX convention for Windows drives (FORMATS.md §12).
type Style string

// The POSIX conventions for drive letters.
const (
	StyleWSL    Style = "wsl"    // C:\x <-> <automount root>/c/x (root default /mnt)
	StyleCygwin Style = "cygwin" // C:\x <-> /cygdrive/c/x
	StyleMSYS   Style = "msys"   // C:\x <-> /c/x
)

// ParseStyle returns the Style called s.
func ParseStyle(s string) (Style, error) {
	switch st := Style(s); st {
	case StyleWSL, StyleCygwin, StyleMSYS:
		return st, nil
	}
	return "", fmt.Errorf("unknown path style %q (want wsl, cygwin or msys)", s)
}

// DriveMap mounts one drive letter at a POSIX directory of the user's
// choosing, overriding the style's prefix for that letter.
type DriveMap struct {
	Letter byte   // 'A'..'Z'
	Dir    string // absolute POSIX directory, cleaned, no trailing slash
}

// ParseDriveMap parses the --drive flag value "X:=DIR". The letter is
// case-insensitive; DIR must be absolute and is cleaned.
func ParseDriveMap(s string) (DriveMap, error) {
	if len(s) < 4 || !isDriveLetter(s[0]) || s[1:3] != ":=" {
		return DriveMap{}, fmt.Errorf("drive map %q: want X:=DIR", s)
	}
	d := DriveMap{Letter: upperLetter(s[0]), Dir: path.Clean(s[3:])}
	if err := d.check(); err != nil {
		return DriveMap{}, fmt.Errorf("drive map %q: %w", s, err)
	}
	return d, nil
}

func (d DriveMap) check() error {
	switch {
	case d.Letter < 'A' || d.Letter > 'Z':
		return fmt.Errorf("drive letter %q is not A to Z", d.Letter)
	case !strings.HasPrefix(d.Dir, "/"):
		return fmt.Errorf("directory %q is not absolute", d.Dir)
	case d.Dir != path.Clean(d.Dir):
		return fmt.Errorf("directory %q is not clean", d.Dir)
	case strings.IndexByte(d.Dir, 0) >= 0:
		return fmt.Errorf("directory %q contains NUL", d.Dir)
	case len(d.Dir) > MaxPOSIXTarget:
		return fmt.Errorf("directory is longer than %d bytes", MaxPOSIXTarget)
	}
	return nil
}

// MaxPOSIXTarget is the longest POSIX path accepted or produced: PATH_MAX
// less the NUL, which is also Cygwin's SYMLINK_MAX (FORMATS.md §5.3).
const MaxPOSIXTarget = 4095

// Mapper maps link targets between POSIX paths and Windows paths. The zero
// value maps the WSL way with drives under /mnt.
type Mapper struct {
	Style         Style      // "" means StyleWSL
	AutomountRoot string     // WSL automount root; "" means "/mnt"
	Drives        []DriveMap // extra drive maps; they win over the style's prefix (longest Dir wins when reading POSIX)
	Distro        string     // WSL distribution; when set, absolute POSIX paths outside every drive map become \\wsl.localhost\<Distro>\...
}

// UnmappableError reports a target that cannot be expressed on the other
// side. The mapper never guesses: the caller shows the link as it is stored.
type UnmappableError struct {
	Path   string
	Reason string
}

func (e *UnmappableError) Error() string {
	return fmt.Sprintf("cannot map %q: %s", e.Path, e.Reason)
}

func unmappable(p, format string, args ...any) *UnmappableError {
	return &UnmappableError{Path: p, Reason: fmt.Sprintf(format, args...)}
}

// ToPOSIX maps a Windows or NT path, absolute or relative, to its POSIX form
// in m.Style.
func (m *Mapper) ToPOSIX(win string) (string, error) {
	r, err := m.resolve()
	if err != nil {
		return "", err
	}
	return r.toPOSIX(win)
}

// ToWindows maps a POSIX path in any style, or a relative one, to a Win32
// path. The msys form /x is drive X only in the msys style: elsewhere a
// one-letter top directory is a Linux directory.
func (m *Mapper) ToWindows(posix string) (string, error) {
	r, err := m.resolve()
	if err != nil {
		return "", err
	}
	return r.toWindows(posix)
}

// Normalize rewrites a drive path of any style into m.Style (a Cygwin
// cookie's /cygdrive/c/x becomes /mnt/c/x under WSL). The msys form /x is
// a drive path only in the msys style. Every other path is returned
// unchanged.
func (m *Mapper) Normalize(posix string) (string, error) {
	r, err := m.resolve()
	if err != nil {
		return "", err
	}
	return r.normalize(posix)
}

// pathMapper is a checked Mapper.
type pathMapper struct {
	prefix  string // where drive letters are written: "/mnt", "/cygdrive", "" for msys
	msys    bool   // read /x as drive X in either case (prefix is "" for WSL at root "/" too)
	wslRoot string // WSL automount root without trailing slash, "" when it is "/"
	drives  []DriveMap
	distro  string
}

// resolve checks m's settings and fills in the defaults. Settings errors are
// plain errors: the configuration is wrong, not the path.
func (m *Mapper) resolve() (pathMapper, error) {
	root := m.AutomountRoot
	if root == "" {
		root = "/mnt"
	}
	if !strings.HasPrefix(root, "/") || strings.IndexByte(root, 0) >= 0 {
		return pathMapper{}, fmt.Errorf("automount root %q is not an absolute path", m.AutomountRoot)
	}
	// wsl.conf writes the root with a trailing slash (FORMATS.md §12.1).
	root = strings.TrimSuffix(path.Clean(root), "/")
	r := pathMapper{wslRoot: root, drives: m.Drives, distro: m.Distro}
	switch m.Style {
	case "", StyleWSL:
		r.prefix = root
	case StyleCygwin:
		r.prefix = "/cygdrive"
	case StyleMSYS:
		r.prefix, r.msys = "", true
	default:
		return pathMapper{}, fmt.Errorf("unknown path style %q", m.Style)
	}
	for i, d := range m.Drives {
		if err := d.check(); err != nil {
			return pathMapper{}, fmt.Errorf("drive map %d: %w", i, err)
		}
		for _, e := range m.Drives[:i] {
			if e.Letter == d.Letter || e.Dir == d.Dir {
				return pathMapper{}, fmt.Errorf("drive maps %c:=%s and %c:=%s collide", e.Letter, e.Dir, d.Letter, d.Dir)
			}
		}
	}
	if strings.ContainsFunc(m.Distro, func(c rune) bool { return c == 0 || c == '/' || c < 0x80 && illegalInWin32(byte(c)) }) {
		return pathMapper{}, fmt.Errorf("distribution name %q holds a character Windows names cannot", m.Distro)
	}
	return r, nil
}

func (r pathMapper) toPOSIX(win string) (string, error) {
	if err := checkWin32Input(win); err != nil {
		return "", err
	}
	p, err := parseWindows(win)
	if err != nil {
		return "", err
	}
	return r.formatPOSIX(win, p.unescaped())
}

func (r pathMapper) toWindows(posix string) (string, error) {
	if err := checkPOSIXPath(posix); err != nil {
		return "", err
	}
	if !utf8.ValidString(posix) {
		return "", unmappable(posix, "not valid UTF-8, which Windows names cannot hold")
	}
	p, err := r.parsePOSIX(posix)
	if err != nil {
		return "", err
	}
	return r.formatWindows(posix, p.escaped())
}

func (r pathMapper) normalize(posix string) (string, error) {
	if err := checkPOSIXPath(posix); err != nil {
		return "", err
	}
	if !strings.HasPrefix(posix, "/") || strings.HasPrefix(posix, "//") {
		return posix, nil
	}
	letter, rest, ok := r.posixDrive(posix)
	if !ok {
		return posix, nil
	}
	return r.formatPOSIX(posix, splitPath{root: atDrive, letter: letter, names: namesBelow(rest)})
}

// checkWin32Input rejects what no Windows path can be. Its length is not
// limited here: the POSIX result is.
func checkWin32Input(s string) error {
	switch {
	case s == "":
		return unmappable(s, "empty path")
	case strings.IndexByte(s, 0) >= 0:
		return unmappable(s, "NUL in path")
	case !utf8.ValidString(s):
		return unmappable(s, "not valid UTF-8")
	}
	return nil
}

// checkPOSIXPath rejects what no POSIX path can be. Bytes that are not
// UTF-8 are fine on this side.
func checkPOSIXPath(s string) error {
	switch {
	case s == "":
		return unmappable(s, "empty path")
	case strings.IndexByte(s, 0) >= 0:
		return unmappable(s, "NUL in path")
	case len(s) > MaxPOSIXTarget:
		return unmappable(s, "longer than %d bytes", MaxPOSIXTarget)
	}
	return nil
}

// pathRoot is where a path starts.
type pathRoot int

const (
	atRelative pathRoot = iota // relative
	atRooted                   // Windows `\a`: the root of the current drive or share
	atDrive                    // X:\ on Windows, its mount directory on POSIX
	atUNC                      // \\srv\shr on Windows, //srv/shr on POSIX; names[0:2] are server and share
	atLinux                    // \\wsl.localhost\<distro>\ on Windows, / on POSIX
	atVolume                   // \\?\Volume{GUID}\, Windows only
)

// splitPath is a path split into its root and the names below it, in the form
// of the side it came from (escaped on Windows, plain on POSIX). Empty names
// keep doubled and trailing separators: the mapper never cleans a path,
// because ".." after a symlink does not mean what cleaning assumes.
type splitPath struct {
	root   pathRoot
	letter byte   // atDrive: 'A'..'Z'
	host   string // atLinux: the distribution (empty from POSIX); atVolume: Volume{GUID}
	names  []string
}

// NT prefixes that lead to the DOS device namespace (FORMATS.md §2.2,
// Linux reparse.c smb2_parse_native_symlink). `\\.\` is the Win32 device
// prefix that CreateSymbolicLinkW turns into `\??\` as well.
var ntPrefixes = []string{`\??\`, `\\?\`, `\\.\`, `\DosDevices\`, `\GLOBAL??\`}

func parseWindows(w string) (splitPath, error) {
	if rest, ok := cutAnyPrefixFold(w, ntPrefixes); ok {
		return parseNT(w, rest)
	}
	if p, ok, err := parseDrive(w, w); ok {
		return p, err
	}
	switch {
	case len(w) >= 2 && isWinSep(w[0]) && isWinSep(w[1]):
		return parseUNC(w, w[2:])
	case isWinSep(w[0]):
		return splitPath{root: atRooted, names: splitWindows(w[1:])}, nil
	}
	return splitPath{names: splitWindows(w)}, nil
}

// parseNT parses what follows an NT prefix: a drive, UNC\, or Volume{GUID}.
func parseNT(w, rest string) (splitPath, error) {
	for {
		// `\??\\C:\x` and `\??\\UNC\...` occur in the wild (Linux reparse.c).
		rest = strings.TrimPrefix(rest, `\`)
		for prefixFold(rest, `Global\`) {
			rest = rest[len(`Global\`):]
		}
		if !prefixFold(rest, `GLOBALROOT\`) {
			break
		}
		// GLOBALROOT is the object root: another NT prefix must follow.
		r, ok := cutAnyPrefixFold(rest[len("GLOBALROOT"):], ntPrefixes)
		if !ok {
			return splitPath{}, unmappable(w, "NT path outside the DOS device namespace")
		}
		rest = r
	}
	if p, ok, err := parseDrive(w, rest); ok {
		return p, err
	}
	first, below := cutWindowsSep(rest)
	if strings.EqualFold(first, "UNC") {
		return parseUNC(w, below)
	}
	if prefixFold(first, "Volume{") {
		return splitPath{root: atVolume, host: first, names: splitWindows(below)}, nil
	}
	return splitPath{}, unmappable(w, "NT path outside the DOS device namespace")
}

// parseDrive parses s as `X:`, `X:\...` or `X:/...`. ok reports whether s
// starts with a drive letter and colon at all.
func parseDrive(w, s string) (p splitPath, ok bool, err error) {
	if len(s) < 2 || !isDriveLetter(s[0]) || s[1] != ':' {
		return splitPath{}, false, nil
	}
	if len(s) > 2 && !isWinSep(s[2]) {
		return splitPath{}, true, unmappable(w, "drive-relative path: it depends on the current directory of drive %c:", upperLetter(s[0]))
	}
	var names []string
	if len(s) > 3 {
		names = splitWindows(s[3:])
	}
	return splitPath{root: atDrive, letter: upperLetter(s[0]), names: names}, true, nil
}

// parseUNC parses "srv\shr\..." after the leading `\\` or `\??\UNC\`.
func parseUNC(w, s string) (splitPath, error) {
	names := splitWindows(s)
	if len(names) < 2 || names[0] == "" || names[1] == "" {
		return splitPath{}, unmappable(w, "UNC path without server and share")
	}
	if strings.EqualFold(names[0], "wsl.localhost") || strings.EqualFold(names[0], "wsl$") {
		return splitPath{root: atLinux, host: names[1], names: names[2:]}, nil
	}
	return splitPath{root: atUNC, names: names}, nil
}

func (r pathMapper) parsePOSIX(p string) (splitPath, error) {
	switch {
	case strings.HasPrefix(p, "//"):
		names := strings.Split(p[2:], "/")
		if len(names) < 2 || names[0] == "" || names[1] == "" {
			return splitPath{}, unmappable(p, "UNC path without server and share")
		}
		return splitPath{root: atUNC, names: names}, nil
	case strings.HasPrefix(p, "/"):
		if letter, rest, ok := r.posixDrive(p); ok {
			return splitPath{root: atDrive, letter: letter, names: namesBelow(rest)}, nil
		}
		return splitPath{root: atLinux, names: strings.Split(p[1:], "/")}, nil
	}
	return splitPath{names: strings.Split(p, "/")}, nil
}

// posixDrive finds the drive an absolute POSIX path lies on, in any style:
// drive maps first (longest Dir wins), then <automount root>/x, /mnt/x,
// /cygdrive/x, /proc/cygdrive/x, and msys /x in the msys style only: a
// one-letter top directory is an ordinary Linux path everywhere else, and
// reading it as a drive would rewrite Linux links. rest is what follows the
// drive root: empty or starting with "/".
func (r pathMapper) posixDrive(p string) (letter byte, rest string, ok bool) {
	best := -1
	for i, d := range r.drives {
		if s, under := cutDir(p, d.Dir); under && (best < 0 || len(d.Dir) > len(r.drives[best].Dir)) {
			best, rest = i, s
		}
	}
	if best >= 0 {
		return r.drives[best].Letter, rest, true
	}
	// WSL mounts drives in lowercase only and Linux is case-sensitive, so
	// /mnt/C is not drive C; Cygwin and MSYS accept either case.
	prefixes := [...]struct {
		dir       string
		lowerOnly bool
		read      bool
	}{{r.wslRoot, true, true}, {"/mnt", true, true}, {"/cygdrive", false, true}, {"/proc/cygdrive", false, true}, {"", false, r.msys}}
	for _, pre := range prefixes {
		if !pre.read {
			continue
		}
		s, found := strings.CutPrefix(p, pre.dir+"/")
		if !found || s == "" || len(s) > 1 && s[1] != '/' {
			continue
		}
		if c := s[0]; 'a' <= c && c <= 'z' || !pre.lowerOnly && 'A' <= c && c <= 'Z' {
			return upperLetter(c), s[1:], true
		}
	}
	return 0, "", false
}

// cutDir reports whether p is dir or lies below it, component-wise, and
// returns the rest, empty or starting with "/".
func cutDir(p, dir string) (string, bool) {
	if dir == "/" {
		return p, strings.HasPrefix(p, "/")
	}
	if rest, ok := strings.CutPrefix(p, dir); ok && (rest == "" || rest[0] == '/') {
		return rest, true
	}
	return "", false
}

// driveDir is the POSIX directory drive letter is mounted at.
func (r pathMapper) driveDir(letter byte) string {
	for _, d := range r.drives {
		if d.Letter == letter {
			return d.Dir
		}
	}
	return r.prefix + "/" + string(lowerLetter(letter))
}

// formatPOSIX writes p, whose names are in POSIX form, as a POSIX path.
// orig is the input, for errors.
func (r pathMapper) formatPOSIX(orig string, p splitPath) (string, error) {
	var s string
	switch p.root {
	case atRelative:
		s = strings.Join(p.names, "/")
	case atDrive:
		dir := r.driveDir(p.letter)
		switch {
		case len(p.names) == 0:
			s = dir
		case dir == "/":
			s = "/" + strings.Join(p.names, "/")
		default:
			s = dir + "/" + strings.Join(p.names, "/")
		}
		// The directory may be covered by a longer drive map or by a style
		// prefix: then the POSIX path is another drive's file.
		if l, _, _ := r.posixDrive(s); l != p.letter || strings.HasPrefix(s, "//") {
			return "", unmappable(orig, "drive %c: is hidden on the POSIX side by another drive's directory", p.letter)
		}
	case atUNC:
		s = "//" + strings.Join(p.names, "/")
	case atLinux:
		if r.distro != "" && !strings.EqualFold(p.host, r.distro) {
			return "", unmappable(orig, "path in WSL distribution %q, not %q", p.host, r.distro)
		}
		s = "/" + strings.Join(p.names, "/")
		if strings.HasPrefix(s, "//") {
			return "", unmappable(orig, "Linux path starting with // would read as UNC")
		}
	case atRooted:
		return "", unmappable(orig, "rooted path: it depends on the current drive")
	case atVolume:
		return "", unmappable(orig, "volume GUID path: only the Windows host knows the volume")
	}
	if len(s) > MaxPOSIXTarget {
		return "", unmappable(orig, "POSIX path longer than %d bytes", MaxPOSIXTarget)
	}
	return s, nil
}

// formatWindows writes p, whose names are in Windows form, as a Win32 path.
// orig is the input, for errors.
func (r pathMapper) formatWindows(orig string, p splitPath) (string, error) {
	below := strings.Join(p.names, `\`)
	switch p.root {
	case atDrive:
		return string(p.letter) + `:\` + below, nil
	case atUNC:
		return `\\` + below, nil
	case atLinux:
		distro := p.host
		if distro == "" {
			distro = r.distro
		}
		if distro == "" {
			return "", unmappable(orig, "Linux path outside every drive, and no WSL distribution is set")
		}
		return `\\wsl.localhost\` + distro + `\` + below, nil
	case atVolume:
		return `\\?\` + p.host + `\` + below, nil
	case atRooted:
		return "", unmappable(orig, "rooted path: it depends on the current drive")
	}
	return below, nil
}

func (p splitPath) unescaped() splitPath {
	p.names = mapNames(p.names, unescapeWin32Name)
	return p
}

func (p splitPath) escaped() splitPath {
	p.names = mapNames(p.names, escapeWin32Name)
	return p
}

func mapNames(names []string, f func(string) string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = f(n)
	}
	return out
}

// illegalInWin32 reports whether Win32 names cannot hold c, so that WSL and
// Cygwin store it as U+F000+c (WSL escape.cpp, FORMATS.md §12.1). The
// backslash is included because a POSIX name may hold one.
func illegalInWin32(c byte) bool {
	switch c {
	case '"', '*', ':', '<', '>', '?', '\\', '|':
		return true
	}
	return 0x01 <= c && c <= 0x1F
}

const win32EscapeBase = 0xF000

// escapeWin32Name turns one POSIX name into its Windows form.
func escapeWin32Name(n string) string {
	if !strings.ContainsFunc(n, func(c rune) bool { return c < 0x80 && illegalInWin32(byte(c)) }) {
		return n
	}
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		if c := n[i]; illegalInWin32(c) {
			b.WriteRune(win32EscapeBase + rune(c))
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeWin32Name turns one Windows name into its POSIX form. Only the escapes
// of illegalInWin32 characters are undone: U+F025 or U+F100 stay literal.
func unescapeWin32Name(n string) string {
	// U+F000..U+F07F are EF 80 xx and EF 81 xx in UTF-8.
	if !strings.Contains(n, "\xEF\x80") && !strings.Contains(n, "\xEF\x81") {
		return n
	}
	var b strings.Builder
	for i := 0; i < len(n); {
		c, size := utf8.DecodeRuneInString(n[i:])
		if win32EscapeBase <= c && c < win32EscapeBase+0x80 && illegalInWin32(byte(c-win32EscapeBase)) {
			b.WriteByte(byte(c - win32EscapeBase))
		} else {
			b.WriteString(n[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isWinSep(c byte) bool { return c == '\\' || c == '/' }

// splitWindows splits at both Win32 separators; "" has no names.
func splitWindows(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "/", `\`), `\`)
}

// namesBelow splits what follows a POSIX drive directory. "/mnt/c/" is the
// drive root as "/mnt/c" is, the way `C:\` maps to "/mnt/c".
func namesBelow(rest string) []string {
	if rest == "" || rest == "/" {
		return nil
	}
	return strings.Split(rest[1:], "/")
}

// cutWindowsSep splits s into its first name and what follows that name's
// separator.
func cutWindowsSep(s string) (first, below string) {
	if i := strings.IndexAny(s, `\/`); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func prefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func cutAnyPrefixFold(s string, prefixes []string) (string, bool) {
	for _, p := range prefixes {
		if prefixFold(s, p) {
			return s[len(p):], true
		}
	}
	return s, false
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func upperLetter(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func lowerLetter(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}
