// Package mountinfo parses the kernel's table of mounts
// (/proc/PID/mountinfo, proc(5)): the mount, lifecycle and watch code of
// linkfs and its integration tests read it to find a FUSE mount, its
// connection and options, and the mount that holds a path.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Mount is one line of a mountinfo file.
type Mount struct {
	// Dev is the device number "major:minor"; for FUSE it names the
	// connection in /sys/fs/fuse/connections.
	Dev string
	// Root is the directory of the file system mounted here ("/" unless
	// the mount is a bind mount of a subdirectory).
	Root       string
	MountPoint string
	// Options are the per-mount options (ro, nosuid...).
	Options []string
	FSType  string // "fuse.linkfs", "fuseblk", "ext4"...
	Source  string
	// SuperOptions are the file system's own (ro, default_permissions...).
	SuperOptions []string
}

// IsFUSE reports whether the mount is served by a FUSE daemon.
func (m *Mount) IsFUSE() bool {
	return m.FSType == "fuse" || m.FSType == "fuseblk" || strings.HasPrefix(m.FSType, "fuse.")
}

// ReadOnly reports whether the kernel refuses writes to the mount, by a
// read-only mount or a read-only superblock.
func (m *Mount) ReadOnly() bool {
	return slices.Contains(m.Options, "ro") || slices.Contains(m.SuperOptions, "ro")
}

// Self lists the mounts visible to this process.
func Self() ([]Mount, error) { return Read("/proc/self/mountinfo") }

// Read parses the mountinfo file at path (/proc/PID/mountinfo).
func Read(path string) ([]Mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mounts, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return mounts, nil
}

// Parse reads mountinfo lines. A line too short to hold the fields up to
// the source is skipped: the kernel writes none, and a reader must not
// stop at one.
func Parse(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20) // options of overlay mounts run long
	for sc.Scan() {
		// id parent major:minor root mountpoint options [tags...] - fstype source superopts
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if sep < 6 || sep+2 >= len(fields) {
			continue
		}
		m := Mount{
			Dev:        fields[2],
			Root:       unescape(fields[3]),
			MountPoint: unescape(fields[4]),
			Options:    strings.Split(fields[5], ","),
			FSType:     fields[sep+1],
			Source:     unescape(fields[sep+2]),
		}
		if sep+3 < len(fields) {
			m.SuperOptions = strings.Split(fields[sep+3], ",")
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// FUSEAt returns the topmost FUSE mount whose mount point is dir (the last
// one listed: later mounts cover earlier ones).
func FUSEAt(mounts []Mount, dir string) (Mount, bool) {
	var found Mount
	ok := false
	for _, m := range mounts {
		if m.MountPoint == dir && m.IsFUSE() {
			found, ok = m, true
		}
	}
	return found, ok
}

// Holding returns the mount that holds the absolute, clean path: the
// last-listed mount whose mount point is the longest prefix of path.
func Holding(mounts []Mount, path string) (Mount, bool) {
	var found Mount
	ok := false
	for _, m := range mounts {
		if Within(path, m.MountPoint) && (!ok || len(m.MountPoint) >= len(found.MountPoint)) {
			found, ok = m, true
		}
	}
	return found, ok
}

// Within reports whether the clean, absolute path is dir or lies below it.
func Within(path, dir string) bool {
	return dir == "/" || path == dir || strings.HasPrefix(path, dir+"/")
}

// unescape undoes the octal escapes (\040 for a space) of mountinfo.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
