package translate

import (
	"fmt"
	"strings"
)

// POSIXTarget returns what readlink shows for l through the mount: the
// target as a POSIX path in m.Style. depth is the number of directories
// between the root of the volume or tree and the link's directory; it is
// used only for an NTFS symlink with SYMLINK_FLAG_RELATIVE whose target is
// rooted (`\a\b`, relative to the root of the link's volume), which becomes
// "../" * depth + "a/b" as Linux cifs makes it.
func (m *Mapper) POSIXTarget(l Link, depth int) (string, error) {
	r, err := m.resolve()
	if err != nil {
		return "", err
	}
	posix, isPOSIX, err := storedPOSIX(l)
	switch {
	case err != nil:
		return "", err
	case isPOSIX:
		return r.normalize(posix)
	case l.Format == VolumeMount:
		return "", unmappable(l.Target, "volume mount point: only the Windows host knows the volume")
	}
	p, err := parseStoredWindows(l.Target)
	if err != nil {
		return "", err
	}
	p = p.unescaped()
	if p.root == atRooted && l.Format == NTFSSymlink && l.Relative {
		s, err := belowRoot(l.Target, p.names, depth, "/")
		if err == nil && len(s) > MaxPOSIXTarget {
			err = unmappable(l.Target, "POSIX path longer than %d bytes", MaxPOSIXTarget)
		}
		return s, err
	}
	return r.formatPOSIX(l.Target, p)
}

// WindowsTarget returns the target of l as a Win32 path: the canonical form
// (`C:\x`, `\\srv\shr\x`, relative with `\`) of a target stored as a Windows
// path, or the mapping of one stored as a POSIX path. depth is used as in
// POSIXTarget, giving `..\` * depth + `a\b`.
func (m *Mapper) WindowsTarget(l Link, depth int) (string, error) {
	r, err := m.resolve()
	if err != nil {
		return "", err
	}
	posix, isPOSIX, err := storedPOSIX(l)
	switch {
	case err != nil:
		return "", err
	case isPOSIX:
		return r.toWindows(posix)
	}
	p, err := parseStoredWindows(l.Target)
	if err != nil {
		return "", err
	}
	if p.root == atRooted && l.Format == NTFSSymlink && l.Relative {
		return belowRoot(l.Target, p.names, depth, `\`)
	}
	return r.formatWindows(l.Target, p)
}

// storedPOSIX reports whether l's format stores its target as a POSIX path,
// and returns that path.
func storedPOSIX(l Link) (posix string, isPOSIX bool, err error) {
	r, ok := Lookup(l.Format)
	if !ok {
		return "", false, fmt.Errorf("%q is not a link format", l.Format)
	}
	switch r.Target {
	case TargetWindowsOrPOSIX:
		// Windows cannot resolve a target starting with / at all.
		if strings.HasPrefix(l.Target, "/") {
			return strings.Join(mapNames(splitWindows(l.Target), unescapeWin32Name), "/"), true, nil
		}
		return "", false, nil
	case TargetPOSIX:
		return l.Target, !isDOSPath(l.Target), nil
	}
	return "", false, nil
}

// isDOSPath reports whether a target stored in a POSIX format is a DOS path
// after all: `X:\...`, `X:/...`, `\\srv\shr...` or an NT path `\??\...`.
// `X:` and `X:foo` alone stay POSIX names, as WSL and Linux see them.
func isDOSPath(t string) bool {
	return len(t) >= 3 && isDriveLetter(t[0]) && t[1] == ':' && isWinSep(t[2]) ||
		strings.HasPrefix(t, `\\`) || strings.HasPrefix(t, `\??\`)
}

func parseStoredWindows(t string) (splitPath, error) {
	if err := checkWin32Input(t); err != nil {
		return splitPath{}, err
	}
	return parseWindows(t)
}

// belowRoot rewrites the names of a rooted target, relative to the root of
// the link's volume, as a path relative to the link's directory depth levels
// below that root.
func belowRoot(orig string, names []string, depth int, sep string) (string, error) {
	switch {
	case depth < 0:
		return "", fmt.Errorf("negative link depth %d", depth)
	case depth > MaxPOSIXTarget/len("../"):
		return "", unmappable(orig, "link %d directories deep: the path up to the root is longer than %d bytes", depth, MaxPOSIXTarget)
	}
	s := strings.Repeat(".."+sep, depth) + strings.Join(names, sep)
	if s == "" {
		return ".", nil // `\` seen from the root itself
	}
	return s, nil
}
