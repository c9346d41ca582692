//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/linkfs/linkfs/internal/testenv"
)

// TestPresentationRootedRelative pins the one presentation rule: a
// rooted-relative NTFS symlink (`\top\file`, SYMLINK_FLAG_RELATIVE) names a
// path from the root of its volume, so inspect, scan and the mount all
// present it with as many `..` as the link's directory lies below the
// volume root, whether SOURCE is the volume root or a directory below it.
// Below a volume root the target may so lead above SOURCE: through the
// mount it then leaves the mount, as it leaves the share on Windows.
func TestPresentationRootedRelative(t *testing.T) {
	requireFUSE(t)
	n := testenv.NewNTFS(t)
	p := func(elem ...string) string { return filepath.Join(append([]string{n.Dir}, elem...)...) }
	for _, dir := range []string{p("top"), p("proj", "sub")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, p("top", "file"), []byte("top file\n"))
	writeFile(t, p("proj", "data.txt"), []byte("proj data\n"))
	for name, target := range map[string]string{"up": `\top\file`, "inside": `\proj\data.txt`} {
		writeFile(t, p("proj", "sub", name), nil)
		setXattr(t, p("proj", "sub", name), "system.ntfs_reparse_data", symlinkReparse(target, target, true))
	}
	// The links sit two names below the volume root, wherever SOURCE is.
	want := map[string]string{"up": "../../top/file", "inside": "../../proj/data.txt"}

	for _, source := range []string{n.Dir, p("proj")} {
		t.Run(filepath.Base(source), func(t *testing.T) {
			recs := inspect(t, p("proj", "sub", "up"), p("proj", "sub", "inside"))
			scanned, _ := scan(t, source, 0, source)
			m := mountT(t, source)
			rel, err := filepath.Rel(source, p("proj", "sub"))
			if err != nil {
				t.Fatal(err)
			}
			for name, target := range want {
				if r := recs[name]; r.Format != "ntfs-symlink" || r.Target != target {
					t.Errorf("inspect %s: %s -> %q, want ntfs-symlink -> %q", name, r.Format, r.Target, target)
				}
				if r := scanned[filepath.Join(rel, name)]; r.Format != "ntfs-symlink" || r.Target != target {
					t.Errorf("scan %s: %s -> %q, want ntfs-symlink -> %q", name, r.Format, r.Target, target)
				}
				got, err := os.Readlink(m.path(rel, name))
				if err != nil || got != target {
					t.Errorf("mount readlink %s = %q, %v; want %q", name, got, err, target)
				}
			}
			if source == n.Dir {
				// From the volume root both targets are in the mount.
				for name, content := range map[string]string{"up": "top file\n", "inside": "proj data\n"} {
					if b, err := os.ReadFile(m.path(rel, name)); err != nil || string(b) != content {
						t.Errorf("read through %s = %q, %v; want %q", name, b, err, content)
					}
				}
			}
		})
	}
}
