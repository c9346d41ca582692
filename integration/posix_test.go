//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/posixtest"
	"golang.org/x/sys/unix"
)

// loopbackSkips are the posixtest cases that skip themselves on go-fuse's
// own example/loopback too (v2.12.1, Linux 6.18, source on ext4): there a
// skip is the backing file system's or the kernel's limit, not linkfs's.
var loopbackSkips = map[string]string{
	"XAttrLarge":    "ext4 refuses xattrs larger than a block (ENOSPC)",
	"RenameOpenDir": "fstat of a directory renamed while open fails through FUSE (go-fuse issue 55)",
}

// TestPosix runs go-fuse's POSIX conformance suite on linkfs, each case on
// a fresh mount of a fresh empty source, as go-fuse's fs.TestPosix does
// for its loopback. linkfs must pass every case go-fuse's own loopback
// passes. Measured here, that loopback fails only FcntlFlockLocksFile: it
// mounts without EnableLocks, so the kernel keeps POSIX locks itself and
// two descriptors of one process never conflict. linkfs mounts with
// EnableLocks and must honour the lock, so that case runs too. A case that
// skips itself on linkfs but not on the loopback (a missing operation
// answered EOPNOTSUPP) is a failure.
func TestPosix(t *testing.T) {
	requireFUSE(t)
	names := make([]string, 0, len(posixtest.All))
	for name := range posixtest.All {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			if err := os.Mkdir(src, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if reason, ok := loopbackSkips[name]; t.Skipped() && !ok {
					t.Errorf("%s skipped itself on linkfs, but go-fuse's loopback passes it", name)
				} else if t.Skipped() {
					t.Logf("skipped on go-fuse's loopback too: %s", reason)
				}
			})
			m := mountT(t, src)
			posixtest.All[name](t, m.dir)
		})
	}
}

// TestPosixMountRoot checks the attribute changes posixtest makes only on
// files and directories inside the mount on the mount's root itself: they
// reach the source directory as they would through go-fuse's loopback.
func TestPosixMountRoot(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	m := mountT(t, src)
	when := time.Unix(1_000_000_000, 0)
	for _, op := range []struct {
		name string
		do   func(path string) error
	}{
		{"chmod", func(p string) error { return os.Chmod(p, 0o750) }},
		{"chown", func(p string) error { return os.Chown(p, 65534, 65534) }},
		{"utimes", func(p string) error { return os.Chtimes(p, when, when) }},
		{"setxattr", func(p string) error { return unix.Setxattr(p, "user.linkfs", []byte("root"), 0) }},
	} {
		if err := op.do(m.dir); err != nil {
			t.Errorf("%s of the mount root: %v", op.name, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(src, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o750 || st.Uid != 65534 || st.Gid != 65534 || st.Mtim.Sec != when.Unix() {
		t.Errorf("source root after the changes: mode %o, owner %d:%d, mtime %d; want 750, 65534:65534, %d",
			st.Mode&0o7777, st.Uid, st.Gid, st.Mtim.Sec, when.Unix())
	}
	buf := make([]byte, 16)
	if n, err := unix.Getxattr(src, "user.linkfs", buf); err != nil || string(buf[:n]) != "root" {
		t.Errorf("source root xattr user.linkfs: %q, %v; want \"root\"", buf[:n], err)
	}
}
