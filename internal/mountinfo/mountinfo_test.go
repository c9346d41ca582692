package mountinfo

import (
	"reflect"
	"strings"
	"testing"
)

// sample holds lines as Linux 6.x writes them: optional tags, a bind mount
// of a subdirectory, escapes in a mount point, a read-only superblock and
// one truncated line that must be skipped.
const sample = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
35 22 0:31 / /mnt/ntfs rw,nosuid,nodev,relatime shared:20 - fuseblk /dev/loop0 rw,user_id=0,group_id=0,allow_other,blksize=4096
36 22 0:31 /sub /srv/sub rw,relatime shared:20 - fuseblk /dev/loop0 rw,user_id=0
40 22 0:45 / /tmp/with\040space ro,relatime - fuse.linkfs /src/a\134b rw,user_id=0
41 22 0:46 / /tmp/x rw,relatime - fuse.linkfs /src ro,default_permissions
42 41 0:47 / /tmp/x rw,relatime - fuse.linkfs /other rw
43 22 0:48 / /broken rw -
`

func TestParse(t *testing.T) {
	mounts, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 6 {
		t.Fatalf("parsed %d mounts, want 6 (the truncated line skipped): %+v", len(mounts), mounts)
	}
	want := Mount{
		Dev: "0:45", Root: "/", MountPoint: "/tmp/with space", Options: []string{"ro", "relatime"},
		FSType: "fuse.linkfs", Source: `/src/a\b`, SuperOptions: []string{"rw", "user_id=0"},
	}
	if !reflect.DeepEqual(mounts[3], want) {
		t.Errorf("escaped line:\n got %+v\nwant %+v", mounts[3], want)
	}
	if mounts[2].Root != "/sub" {
		t.Errorf("bind mount root = %q, want /sub", mounts[2].Root)
	}
	for i, wantRO := range []bool{false, false, false, true, true, false} {
		if got := mounts[i].ReadOnly(); got != wantRO {
			t.Errorf("%s: ReadOnly() = %v, want %v", mounts[i].MountPoint, got, wantRO)
		}
	}
	for i, wantFUSE := range []bool{false, true, true, true, true, true} {
		if got := mounts[i].IsFUSE(); got != wantFUSE {
			t.Errorf("%s: IsFUSE() = %v, want %v", mounts[i].MountPoint, got, wantFUSE)
		}
	}
}

func TestFUSEAtTopmost(t *testing.T) {
	mounts, _ := Parse(strings.NewReader(sample))
	m, ok := FUSEAt(mounts, "/tmp/x")
	if !ok || m.Source != "/other" {
		t.Errorf("FUSEAt(/tmp/x) = %+v, %v; want the topmost, from /other", m, ok)
	}
	if _, ok := FUSEAt(mounts, "/"); ok {
		t.Error("FUSEAt(/) found the ext4 root")
	}
}

func TestHolding(t *testing.T) {
	mounts, _ := Parse(strings.NewReader(sample))
	for _, c := range []struct{ path, mountPoint string }{
		{"/", "/"},
		{"/mnt", "/"},
		{"/mnt/ntfs", "/mnt/ntfs"},
		{"/mnt/ntfs/a/b", "/mnt/ntfs"},
		{"/mnt/ntfsx", "/"},
		{"/tmp/x/y", "/tmp/x"},
	} {
		m, ok := Holding(mounts, c.path)
		if !ok || m.MountPoint != c.mountPoint {
			t.Errorf("Holding(%s) = %q, %v; want %s", c.path, m.MountPoint, ok, c.mountPoint)
		}
	}
}
