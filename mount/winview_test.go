//go:build linux && cgofuse

package mount

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// newWinTestFS returns the adapter as a Windows mount of `D:\shared` makes
// it, over temporary directories: src for the source, and one per Win32
// root the gateway opens (drives C and E exist).
func newWinTestFS(t *testing.T, src string, gateway bool) (*cgoFS, map[string]string) {
	t.Helper()
	mapper := &translate.Mapper{Distro: "Ubuntu"}
	c := newTestFS(t, fs.Config{Source: src, Mapper: mapper})
	roots := map[string]string{`C:\`: t.TempDir(), `E:\`: t.TempDir(), `\\srv\share\`: t.TempDir()}
	c.win = &winView{
		links:  translate.WinFspView{Source: `D:\shared`, Gateway: gateway, Mapper: mapper},
		drives: func() []string { return []string{"C", "E"} },
		log:    c.log,
	}
	if gateway {
		c.win.open = func(root string) (*fs.Tree, error) {
			dir, ok := roots[root]
			if !ok {
				return nil, os.ErrNotExist
			}
			return fs.NewTree(fs.Config{Source: dir, Mapper: mapper})
		}
	}
	t.Cleanup(c.win.close)
	return c, roots
}

func listNames(t *testing.T, c *cgoFS, p string) map[string]fuse.Stat_t {
	t.Helper()
	out := map[string]fuse.Stat_t{}
	errc := c.Readdir(p, func(name string, st *fuse.Stat_t, ofst int64) bool {
		if st != nil {
			out[name] = *st
		} else {
			out[name] = fuse.Stat_t{}
		}
		return true
	}, 0, ^uint64(0))
	if errc != 0 {
		t.Fatalf("Readdir(%q): %d", p, errc)
	}
	return out
}

func TestWindowsLinks(t *testing.T) {
	src := t.TempDir()
	mkfile(t, filepath.Join(src, "docs/readme.txt"), []byte("hi"))
	if err := os.Mkdir(filepath.Join(src, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"a/in-tree": "../docs/readme.txt", "a/abs-in-tree": "/mnt/d/shared/docs", "a/windows": "/mnt/c/Windows",
		"a/share": "//srv/share/dir", "a/wsl": "/usr/lib", "a/up": "../../other",
	} {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	c, roots := newWinTestFS(t, src, true)
	if err := os.Mkdir(filepath.Join(roots[`C:\`], "Windows"), 0o755); err != nil {
		t.Fatal(err)
	}
	mkfile(t, filepath.Join(roots[`C:\`], "Windows/win.ini"), []byte("[fonts]"))
	for p, want := range map[string]string{
		"/a/in-tree": "../docs/readme.txt", "/a/abs-in-tree": "../docs", "/a/windows": "../.linkfs/C/Windows",
		"/a/share": "../.linkfs/UNC/srv/share/dir", "/a/wsl": "../.linkfs/wsl.localhost/Ubuntu/usr/lib",
		"/a/up": "../.linkfs/D/other",
	} {
		if errc, got := c.Readlink(p); errc != 0 || got != want {
			t.Errorf("Readlink(%q) = %d, %q; want %q", p, errc, got, want)
		}
	}
	// Directory links are directory symlinks for Windows (slashdot), also
	// when they lead through the gateway.
	for p, wantErrc := range map[string]int{
		"/a/abs-in-tree/.": 0, "/a/windows/.": 0, "/a/in-tree/.": -fuse.ENOTDIR,
		"/a/share/.": -fuse.ENOENT, "/a/up/.": -fuse.ENOENT, // no such directory there
	} {
		var st fuse.Stat_t
		if errc := c.Getattr(p, &st, ^uint64(0)); errc != wantErrc || (errc == 0 && st.Mode&fuse.S_IFMT != fuse.S_IFDIR) {
			t.Errorf("Getattr(%q) = %d, mode %o; want %d", p, errc, st.Mode, wantErrc)
		}
	}
	// Following the link as WinFsp does: the gateway serves the target.
	errc, fh := c.Open("/.linkfs/C/Windows/win.ini", fuse.O_RDONLY)
	if errc != 0 {
		t.Fatalf("Open through the gateway: %d", errc)
	}
	buf := make([]byte, 16)
	if n := c.Read("/.linkfs/C/Windows/win.ini", buf, 0, fh); string(buf[:max(n, 0)]) != "[fonts]" {
		t.Errorf("Read through the gateway: %d %q", n, buf[:max(n, 0)])
	}
	c.Release("/.linkfs/C/Windows/win.ini", fh)
}

func TestGatewayDirectories(t *testing.T) {
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, ".linkfs"), 0o755); err != nil {
		t.Fatal(err) // shadowed by the gateway: the name is reserved
	}
	mkfile(t, filepath.Join(src, "file"), nil)
	c, roots := newWinTestFS(t, src, true)
	mkfile(t, filepath.Join(roots[`\\srv\share\`], "dir/x"), []byte("x"))

	root := listNames(t, c, "/")
	if _, ok := root[".linkfs"]; !ok || len(root) != 4 { // . .. file .linkfs
		t.Errorf("root listing: %v", root)
	}
	if st := root[".linkfs"]; st.Mode&fuse.S_IFMT != fuse.S_IFDIR || st.Flags&fuse.UF_HIDDEN == 0 {
		t.Errorf(".linkfs listed with mode %o flags %#x, want a hidden directory", st.Mode, st.Flags)
	}
	gw := listNames(t, c, "/.linkfs")
	var names []string
	for n := range gw {
		names = append(names, n)
	}
	slices.Sort(names)
	if strings.Join(names, " ") != ". .. C E UNC wsl.localhost" {
		t.Errorf(".linkfs lists %v", names)
	}
	if got := listNames(t, c, "/.linkfs/UNC/srv"); len(got) != 2 {
		t.Errorf("a server lists %v, want nothing (shares are reached by name)", got)
	}
	if got := listNames(t, c, "/.linkfs/UNC/srv/share/dir"); len(got) != 3 {
		t.Errorf("a share's directory lists %v", got)
	}
	for p, want := range map[string]int{
		"/.linkfs": 0, "/.LINKFS/c": 0, "/.linkfs/UNC/srv": 0, "/.linkfs/UNC/srv/share/dir/x": 0,
		"/.linkfs/Q": -fuse.ENOENT, "/.linkfs/gateway-off": -fuse.ENOENT, "/.linkfs/UNC/other/share": -fuse.ENOENT,
	} {
		var st fuse.Stat_t
		if errc := c.Getattr(p, &st, ^uint64(0)); errc != want {
			t.Errorf("Getattr(%q) = %d, want %d", p, errc, want)
		}
	}
	// Nothing is made in the gateway's own directories; a link across
	// trees is a cross-device link.
	if errc := c.Mkdir("/.linkfs/new", 0o755); errc != -fuse.EPERM {
		t.Errorf("Mkdir in .linkfs: %d, want -EPERM", errc)
	}
	for _, p := range []string{"/.linkfs", "/.LinkFS"} {
		if errc := c.Rmdir(p); errc != -fuse.EPERM {
			t.Errorf("Rmdir(%q): %d, want -EPERM", p, errc)
		}
	}
	if errc := c.Rename("/file", "/.linkfs"); errc != -fuse.EPERM {
		t.Errorf("Rename onto .linkfs: %d, want -EPERM", errc)
	}
	if errc := c.Rmdir("/.linkfs/C"); errc != -fuse.EPERM {
		t.Errorf("Rmdir of a drive in the gateway: %d, want -EPERM", errc)
	}
	if errc := c.Link("/file", "/.linkfs/C/file"); errc != -fuse.EXDEV {
		t.Errorf("Link into the gateway: %d, want -EXDEV", errc)
	}
	if errc := c.Mkdir("/.linkfs/C/made", 0o755); errc != 0 {
		t.Errorf("Mkdir through the gateway: %d", errc)
	} else if _, err := os.Stat(filepath.Join(roots[`C:\`], "made")); err != nil {
		t.Errorf("Mkdir through the gateway did not reach the drive: %v", err)
	}
}

// TestGatewayOff checks --no-gateway: no .linkfs, and links that leave the
// source explain themselves and fail when followed.
func TestGatewayOff(t *testing.T) {
	src := t.TempDir()
	if err := os.Symlink("/mnt/c/Windows", filepath.Join(src, "windows")); err != nil {
		t.Fatal(err)
	}
	c, _ := newWinTestFS(t, src, false)
	if errc, got := c.Readlink("/windows"); errc != 0 || got != ".linkfs/gateway-off/C/Windows" {
		t.Errorf("Readlink = %d, %q", errc, got)
	}
	var st fuse.Stat_t
	for _, p := range []string{"/.linkfs", "/.linkfs/C", "/.linkfs/gateway-off/C/Windows", "/windows/."} {
		if errc := c.Getattr(p, &st, ^uint64(0)); errc != -fuse.ENOENT {
			t.Errorf("Getattr(%q) = %d, want -ENOENT", p, errc)
		}
	}
	if _, ok := listNames(t, c, "/")[".linkfs"]; ok {
		t.Error(".linkfs listed with the gateway off")
	}
}

// TestWindowsSymlink runs `mklink` as WinFsp delivers it: the link text is
// stored as the POSIX target it stands for.
func TestWindowsSymlink(t *testing.T) {
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, _ := newWinTestFS(t, src, true)
	for text, want := range map[string]string{
		"../.linkfs/C/Windows":                    "/mnt/c/Windows",
		"../.linkfs/UNC/srv/share/d":              "//srv/share/d",
		"../docs":                                 "../docs",
		"../.linkfs/wsl.localhost/Ubuntu/usr/lib": "/usr/lib",
	} {
		name := "a/l" + string(rune('a'+len(text)%26)) + string(rune('a'+len(text)/26))
		if errc := c.Symlink(text, "/"+name); errc != 0 {
			t.Errorf("Symlink(%q): %d", text, errc)
			continue
		}
		if got, err := os.Readlink(filepath.Join(src, name)); err != nil || got != want {
			t.Errorf("Symlink(%q) stored %q, %v; want %q", text, got, err, want)
		}
		if errc, got := c.Readlink("/" + name); errc != 0 || got != text {
			t.Errorf("Readlink after Symlink(%q) = %d, %q", text, errc, got)
		}
	}
	if errc := c.Symlink("../../x", "/a/bad"); errc != -fuse.EINVAL {
		t.Errorf("Symlink climbing above the mount: %d, want -EINVAL", errc)
	}
}

// TestSyntheticIno pins the gateway directories' inode numbers: FNV-1a
// of the path with the high bit set. A change would renumber what
// Explorer and caches already hold.
func TestSyntheticIno(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want uint64
	}{
		{"", 0xcbf29ce484222325},   // the FNV-1a offset basis
		{"a", 0xaf63dc4c8601ec8c},  // the published FNV-1a test vector
		{"ab", 0x889c4407b545986a}, // FNV-1a 0x089c4407b545986a: the high bit is set
		{translate.GatewayDir, 0xf28ddf8ea832077e},
		{translate.GatewayDir + "/C", 0xe9ef20615b2266a0},
		{translate.GatewayDir + "/" + translate.GatewayUNC, 0xea154aac53884e05},
		{translate.GatewayDir + "/" + translate.GatewayWSL, 0x82dadb83c090a5e0},
	} {
		if got := syntheticIno(tc.rel); got != tc.want {
			t.Errorf("syntheticIno(%q) = %#016x, want %#016x", tc.rel, got, tc.want)
		}
	}
}
