package translate

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// A Windows mount goes through WinFsp's FUSE layer, whose links are
// always relative and must stay inside the volume (WINDOWS.md §1): it
// cannot return `C:\x` or `\\srv\share`. The gateway is a reserved
// directory at the mount root that passes through to drive roots, shares
// and WSL distributions, so that a link leaving the mounted tree can
// point into it:
//
//	.linkfs/C/...                     C:\...
//	.linkfs/UNC/srv/share/...         \\srv\share\...
//	.linkfs/wsl.localhost/<distro>/...  \\wsl.localhost\<distro>\...
//
// Paths on the mount side are slash-separated and relative to the mount
// root, with names in POSIX form (WinFsp turns U+F000+c into c), as the
// tree API takes them.

// GatewayDir is the gateway's name at the mount root.
const GatewayDir = ".linkfs"

// Names inside the gateway besides drive letters. GatewayOff and
// GatewayNoWindows never resolve: a link that cannot be served points
// below them, so that following it fails ("path not found") while its text
// still says where it leads.
const (
	GatewayUNC       = "UNC"
	GatewayWSL       = "wsl.localhost"
	GatewayOff       = "gateway-off"     // the target, with --no-gateway
	GatewayNoWindows = "no-windows-path" // a POSIX target with no Windows form
)

// MaxWinFspTarget is the longest link text WinFsp takes: cgofuse cuts
// longer ones silently, which would make the link point elsewhere.
const MaxWinFspTarget = 1023

// ErrLinkTextTooLong reports a link whose text would exceed
// MaxWinFspTarget.
var ErrLinkTextTooLong = errors.New("link text too long for WinFsp")

// GatewayRoute is where a path inside the gateway leads.
type GatewayRoute struct {
	// Root is the Win32 root the path passes through to (`C:\`,
	// `\\srv\share\`, `\\wsl.localhost\Ubuntu\`); "" for the gateway's own
	// directories (.linkfs, .linkfs/UNC, .linkfs/UNC/srv,
	// .linkfs/wsl.localhost), which list nothing but what they hold.
	Root string
	// Rel is the slash path below Root, "" for Root itself.
	Rel string
}

// ParseGatewayPath routes rel, a mount path. ok is false when rel lies
// outside the gateway; err says that a path inside it leads nowhere.
func ParseGatewayPath(rel string) (r GatewayRoute, ok bool, err error) {
	names := strings.Split(rel, "/")
	// Windows mounts are case-insensitive: so is the gateway's name.
	if !strings.EqualFold(names[0], GatewayDir) {
		return GatewayRoute{}, false, nil
	}
	names = names[1:]
	for _, n := range names {
		if n == "" || n == "." || n == ".." {
			return GatewayRoute{}, true, unmappable(rel, "%q in a gateway path", n)
		}
	}
	below := func(i int) string { return strings.Join(names[i:], "/") }
	switch {
	case len(names) == 0:
		return GatewayRoute{}, true, nil
	case len(names[0]) == 1 && isDriveLetter(names[0][0]):
		return GatewayRoute{Root: string(upperLetter(names[0][0])) + `:\`, Rel: below(1)}, true, nil
	case strings.EqualFold(names[0], GatewayUNC):
		if len(names) < 3 {
			return GatewayRoute{}, true, checkHostNames(rel, names[1:])
		}
		return GatewayRoute{Root: `\\` + names[1] + `\` + names[2] + `\`, Rel: below(3)}, true, checkHostNames(rel, names[1:3])
	case strings.EqualFold(names[0], GatewayWSL):
		if len(names) < 2 {
			return GatewayRoute{}, true, nil
		}
		return GatewayRoute{Root: `\\` + GatewayWSL + `\` + names[1] + `\`, Rel: below(2)}, true, checkHostNames(rel, names[1:2])
	}
	return GatewayRoute{}, true, unmappable(rel, "%q is no drive, UNC or %s in the gateway", names[0], GatewayWSL)
}

// checkHostNames refuses server, share and distribution names that a
// Win32 path cannot hold.
func checkHostNames(rel string, names []string) error {
	for _, n := range names {
		if strings.ContainsFunc(n, func(c rune) bool { return c < 0x80 && illegalInWin32(byte(c)) }) {
			return unmappable(rel, "%q cannot name a server, share or distribution", n)
		}
	}
	return nil
}

// winLoc is an absolute Win32 location: the gateway names of its root
// (["C"], ["UNC", srv, share], ["wsl.localhost", distro]) and the names
// below it, in Windows form, cleaned of ".", ".." and empty names.
type winLoc struct {
	root  []string
	names []string
}

// parseWinLoc parses an absolute Win32 path, resolving ".." lexically
// and never above the root, as Windows does.
func parseWinLoc(win string) (winLoc, error) {
	if err := checkWin32Input(win); err != nil {
		return winLoc{}, err
	}
	p, err := parseWindows(win)
	if err != nil {
		return winLoc{}, err
	}
	var l winLoc
	names := p.names
	switch p.root {
	case atDrive:
		l.root = []string{string(p.letter)}
	case atUNC:
		l.root, names = []string{GatewayUNC, names[0], names[1]}, names[2:]
	case atLinux:
		if p.host == "" {
			return winLoc{}, unmappable(win, "no WSL distribution")
		}
		l.root = []string{GatewayWSL, p.host}
	default:
		return winLoc{}, unmappable(win, "not an absolute drive, UNC or WSL path")
	}
	l.names = cleanNames(names)
	return l, nil
}

// cleanNames drops empty and "." names and resolves ".." against the
// name before it, never climbing above the first.
func cleanNames(names []string) []string {
	var out []string
	for _, n := range names {
		switch n {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, n)
		}
	}
	return out
}

// within returns the names of l below base, if l lies there. Windows
// compares names without regard to case.
func (l winLoc) within(base winLoc) ([]string, bool) {
	if len(l.root) != len(base.root) || len(l.names) < len(base.names) {
		return nil, false
	}
	for i := range l.root {
		if !strings.EqualFold(l.root[i], base.root[i]) {
			return nil, false
		}
	}
	for i := range base.names {
		if !strings.EqualFold(l.names[i], base.names[i]) {
			return nil, false
		}
	}
	return l.names[len(base.names):], true
}

// gatewayNames returns the mount path names under which the gateway
// shows l, in POSIX form.
func (l winLoc) gatewayNames() []string {
	return append(append([]string{GatewayDir}, l.root...), mapNames(l.names, unescapeWin32Name)...)
}

// WinFspView describes a Windows mount for choosing the text of its
// links.
type WinFspView struct {
	// Source is the Win32 path of the mounted directory (`D:\shared`).
	Source string
	// Gateway says whether the gateway serves links that leave Source.
	Gateway bool
	Mapper  *Mapper
}

// treeOf returns where the tree holding the mount path rel is mounted
// (its mount path names), its Win32 location, and rel's names inside it:
// the gateway's trees for paths below it, the source for the others.
func (v *WinFspView) treeOf(rel string) (at []string, loc winLoc, inTree []string, err error) {
	r, ok, err := ParseGatewayPath(rel)
	switch {
	case err != nil:
		return nil, winLoc{}, nil, err
	case ok && r.Root == "":
		return nil, winLoc{}, nil, unmappable(rel, "the gateway's own directories hold no links")
	case ok && r.Rel == "":
		return nil, winLoc{}, nil, unmappable(rel, "a root the gateway passes through to is no link")
	case ok:
		if loc, err = parseWinLoc(r.Root); err != nil {
			return nil, winLoc{}, nil, err
		}
		return loc.gatewayNames(), loc, splitRel(r.Rel), nil
	}
	if loc, err = parseWinLoc(v.Source); err != nil {
		return nil, winLoc{}, nil, err
	}
	if rel == "" {
		return nil, winLoc{}, nil, unmappable(rel, "the root is no link")
	}
	return nil, loc, splitRel(rel), nil
}

func splitRel(rel string) []string {
	if rel == "" {
		return nil
	}
	return strings.Split(rel, "/")
}

// LinkText returns the text of the link at the mount path linkRel, whose
// target as Linux shows it is target, as WinFsp must be given it: relative
// to the link's directory and inside the volume (WINDOWS.md §1).
//
//   - A relative target that stays inside the tree holding the link (the
//     source, or the drive or share the gateway shows it in) is returned as
//     it is.
//   - Any other target is made an absolute Win32 path (an absolute POSIX
//     target through the Mapper, a relative one that climbs out against the
//     tree's own Win32 location): inside the source it becomes the path to
//     it through the mount, elsewhere the path into the gateway.
//   - With the gateway off, that path leads below .linkfs/gateway-off, and
//     a POSIX target with no Windows form (a Linux path outside every drive
//     when no WSL distribution is set) below .linkfs/no-windows-path: such
//     links explain themselves (`dir` shows where they lead) and following
//     them fails with "path not found", never reaching a wrong file.
//
// A text longer than MaxWinFspTarget is an ErrLinkTextTooLong; a link
// path that holds no link (the root, the gateway's own directories) an
// *UnmappableError.
func (v *WinFspView) LinkText(linkRel, target string) (string, error) {
	at, loc, inTree, err := v.treeOf(linkRel)
	if err != nil {
		return "", err
	}
	linkDir := append(append([]string{}, at...), inTree[:len(inTree)-1]...)
	var dest []string
	if !strings.HasPrefix(target, "/") {
		joined := path.Join(append(inTree[:len(inTree)-1:len(inTree)-1], target)...)
		if joined != ".." && !strings.HasPrefix(joined, "../") {
			return checkWinFspText(linkRel, target)
		}
		// Out of its tree: Windows resolves ".." lexically from the tree's
		// own location.
		abs := loc
		abs.names = cleanNames(append(append(append([]string{}, loc.names...), mapNames(inTree[:len(inTree)-1], escapeWin32Name)...), mapNames(strings.Split(target, "/"), escapeWin32Name)...))
		dest = v.mountNames(abs)
	} else {
		win, err := v.Mapper.ToWindows(target)
		if err == nil {
			var abs winLoc
			if abs, err = parseWinLoc(win); err == nil {
				dest = v.mountNames(abs)
			}
		}
		if err != nil {
			dest = append([]string{GatewayDir, GatewayNoWindows}, cleanNames(strings.Split(target, "/"))...)
		}
	}
	return checkWinFspText(linkRel, relativePath(linkDir, dest))
}

// mountNames returns the mount path of an absolute Win32 location: inside
// the source, through the tree; elsewhere, through the gateway.
func (v *WinFspView) mountNames(abs winLoc) []string {
	if src, err := parseWinLoc(v.Source); err == nil {
		if below, ok := abs.within(src); ok {
			return mapNames(below, unescapeWin32Name)
		}
	}
	names := abs.gatewayNames()
	if !v.Gateway {
		names = append([]string{GatewayDir, GatewayOff}, names[1:]...)
	}
	return names
}

// relativePath returns the slash path from the directory from to dest,
// both mount path names; names compare without regard to case.
func relativePath(from, dest []string) string {
	common := 0
	for common < len(from) && common < len(dest) && strings.EqualFold(from[common], dest[common]) {
		common++
	}
	parts := make([]string, 0, len(from)-common+len(dest)-common)
	for range from[common:] {
		parts = append(parts, "..")
	}
	parts = append(parts, dest[common:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

func checkWinFspText(linkRel, text string) (string, error) {
	if len(text) > MaxWinFspTarget {
		return "", fmt.Errorf("%s: %w (%d bytes, at most %d)", linkRel, ErrLinkTextTooLong, len(text), MaxWinFspTarget)
	}
	return text, nil
}

// StoredTarget returns the POSIX target to store for a link that a
// Windows program creates at the mount path linkRel with the text WinFsp
// hands on (relative, or starting with "/" for the volume's root): the
// inverse of LinkText. A text into the gateway (its explaining names
// included) becomes the absolute POSIX form of the Win32 path it stands
// for; a relative text that stays in the link's tree stays as it is; one
// that leaves it is made absolute.
func (v *WinFspView) StoredTarget(linkRel, text string) (string, error) {
	at, loc, inTree, err := v.treeOf(linkRel)
	if err != nil {
		return "", err
	}
	linkDir := append(append([]string{}, at...), inTree[:len(inTree)-1]...)
	var dest string
	if strings.HasPrefix(text, "/") {
		dest = path.Clean(strings.TrimLeft(text, "/"))
	} else {
		dest = path.Join(strings.Join(linkDir, "/"), text)
	}
	if dest == ".." || strings.HasPrefix(dest, "../") {
		return "", unmappable(text, "link text climbs above the mount")
	}
	if dest == "." {
		dest = ""
	}
	destNames := splitRel(dest)
	// A text into the gateway stands for a Win32 path, the explaining
	// names included: copying a link keeps its target.
	if len(destNames) >= 2 && strings.EqualFold(destNames[0], GatewayDir) {
		switch {
		case strings.EqualFold(destNames[1], GatewayNoWindows):
			return "/" + strings.Join(destNames[2:], "/"), nil
		case strings.EqualFold(destNames[1], GatewayOff):
			destNames = append([]string{GatewayDir}, destNames[2:]...)
		}
	}
	var abs winLoc
	if r, ok, err := ParseGatewayPath(strings.Join(destNames, "/")); ok {
		if err != nil || r.Root == "" {
			return "", unmappable(text, "link text leads to no Win32 path in the gateway")
		}
		if abs, err = parseWinLoc(r.Root); err != nil {
			return "", err
		}
		abs.names = mapNames(splitRel(r.Rel), escapeWin32Name)
	} else {
		src, err := parseWinLoc(v.Source)
		if err != nil {
			return "", err
		}
		abs = src
		abs.names = append(append([]string{}, src.names...), mapNames(destNames, escapeWin32Name)...)
	}
	// Inside the link's own tree a relative text stays relative.
	if below, ok := abs.within(loc); ok && !strings.HasPrefix(text, "/") {
		return relativePath(inTree[:len(inTree)-1], mapNames(below, unescapeWin32Name)), nil
	}
	return v.Mapper.ToPOSIX(formatWinLoc(abs))
}

// formatWinLoc writes l as a Win32 path.
func formatWinLoc(l winLoc) string {
	var root string
	switch l.root[0] {
	case GatewayUNC:
		root = `\\` + l.root[1] + `\` + l.root[2] + `\`
	case GatewayWSL:
		root = `\\` + GatewayWSL + `\` + l.root[1] + `\`
	default:
		root = l.root[0] + `:\`
	}
	return root + strings.Join(l.names, `\`)
}

// WindowsName returns the Windows form of one POSIX name: the characters
// Win32 names cannot hold become U+F000+c, as WSL, Cygwin and WinFsp
// store them.
func WindowsName(posix string) string { return escapeWin32Name(posix) }

// POSIXName returns the POSIX form of one Windows name, undoing
// WindowsName.
func POSIXName(win string) string { return unescapeWin32Name(win) }
