package mount

import (
	"path"
	"strings"
)

// The daemon of a Windows mount waits on a named event that `linkfs
// unmount X:` signals: WinFsp has no unmount tool of its own.

// unmountEventName returns the name of the event of the mount at
// mountpoint: a drive letter ("x:", "X:\") or an absolute directory
// (`C:\mnt\shared`), compared without regard to case as Windows does. The
// Local namespace keeps it to the user's session.
func unmountEventName(mountpoint string) string {
	m := strings.ReplaceAll(mountpoint, `\`, "/")
	if len(m) >= 2 && m[1] == ':' && (len(m) == 2 || m[2:] == "/") {
		return `Local\linkfs-unmount-` + strings.ToUpper(m[:2])
	}
	// Event names may not hold a backslash beyond the namespace's.
	return `Local\linkfs-unmount-` + strings.ToLower(path.Clean(m))
}

// newDriveLetter returns the drive letter that a mount on "*" took: the
// lowest bit set in after (GetLogicalDrives) but not in before.
func newDriveLetter(before, after uint32) (string, bool) {
	added := after &^ before
	for i := range 26 {
		if added&(1<<i) != 0 {
			return string(rune('A'+i)) + ":", true
		}
	}
	return "", false
}

// driveLetters lists the drives of a GetLogicalDrives mask.
func driveLetters(mask uint32) []string {
	var out []string
	for i := range 26 {
		if mask&(1<<i) != 0 {
			out = append(out, string(rune('A'+i)))
		}
	}
	return out
}
