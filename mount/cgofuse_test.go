//go:build linux && cgofuse

package mount

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/winfsp/cgofuse/fuse"
	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// These tests call the cgofuse adapter's methods directly on a real
// fs.Tree, for what libfuse on Linux never asks (the slashdot probe,
// Chflags, Setcrtime, Getpath, WinFsp's placeholder rename) and for the
// error mapping. The integration tests run the same adapter through a
// real libfuse3 mount.

// TestFuseErrnoLinux: on Linux an errno the table does not name keeps
// its number, which is cgofuse's too.
func TestFuseErrnoLinux(t *testing.T) {
	if got := fuseErrno(unix.EHWPOISON); got != -int(unix.EHWPOISON) {
		t.Errorf("fuseErrno(EHWPOISON) = %d", got)
	}
}

// newTestFS returns the adapter over a tree of src.
func newTestFS(t *testing.T, cfg fs.Config) *cgoFS {
	t.Helper()
	tree, err := fs.NewTree(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	c := newCgoFS(tree, nil, false)
	c.caller = func() fs.Caller { return fs.Caller{} } // no FUSE request to ask
	return c
}

func mkfile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustCookie(t *testing.T, target string) []byte {
	t.Helper()
	b, err := translate.EncodeCygwinCookie(target)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadlinkRoot(t *testing.T) {
	c := newTestFS(t, fs.Config{Source: t.TempDir()})
	if errc, target := c.Readlink("/"); errc != -fuse.EINVAL {
		t.Errorf(`Readlink("/") = %d, %q; want -EINVAL (WinFsp's symlink probe)`, errc, target)
	}
}

// TestSlashdot checks getattr("X/."), which WinFsp asks to learn whether
// a link leads to a directory.
func TestSlashdot(t *testing.T) {
	src := t.TempDir()
	mkfile(t, filepath.Join(src, "docs/readme.txt"), []byte("hi"))
	mkfile(t, filepath.Join(src, "cookie-dir"), mustCookie(t, "docs"))
	for name, target := range map[string]string{
		"dir-link": "docs", "file-link": "docs/readme.txt", "chain": "cookie-dir", "dangling": "nowhere",
		"loop-a": "loop-b", "loop-b": "loop-a", "abs": "/etc", "up": "../outside",
	} {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	var docs unix.Stat_t
	if err := unix.Stat(filepath.Join(src, "docs"), &docs); err != nil {
		t.Fatal(err)
	}
	c := newTestFS(t, fs.Config{Source: src})
	for _, tc := range []struct {
		path string
		errc int
		ino  uint64 // of the directory answered, when errc is 0
	}{
		{"/docs/.", 0, docs.Ino},
		{"/dir-link/.", 0, docs.Ino},
		{"/cookie-dir/.", 0, docs.Ino},
		{"/chain/.", 0, docs.Ino},
		{"/file-link/.", -fuse.ENOTDIR, 0},
		{"/docs/readme.txt/.", -fuse.ENOTDIR, 0},
		{"/dangling/.", -fuse.ENOENT, 0},
		{"/loop-a/.", -fuse.ELOOP, 0},
		{"/abs/.", -fuse.ENOTDIR, 0},
		{"/up/.", -fuse.ENOTDIR, 0},
		{"/missing/.", -fuse.ENOENT, 0},
	} {
		var st fuse.Stat_t
		errc := c.Getattr(tc.path, &st, ^uint64(0))
		if errc != tc.errc {
			t.Errorf("Getattr(%q) = %d, want %d", tc.path, errc, tc.errc)
			continue
		}
		if errc == 0 && (st.Mode&fuse.S_IFMT != fuse.S_IFDIR || st.Ino != tc.ino) {
			t.Errorf("Getattr(%q): mode %o ino %d, want the directory docs (ino %d)", tc.path, st.Mode, st.Ino, tc.ino)
		}
	}
	var root fuse.Stat_t
	if errc := c.Getattr("/.", &root, ^uint64(0)); errc != 0 || root.Mode&fuse.S_IFMT != fuse.S_IFDIR {
		t.Errorf(`Getattr("/.") = %d, mode %o; want the root directory`, errc, root.Mode)
	}
	var link fuse.Stat_t
	if errc := c.Getattr("/dir-link", &link, ^uint64(0)); errc != 0 || link.Mode&fuse.S_IFMT != fuse.S_IFLNK {
		t.Errorf(`Getattr("/dir-link") = %d, mode %o; want the link itself`, errc, link.Mode)
	}
}

func TestDOSFlags(t *testing.T) {
	all := fs.AttrReadOnly | fs.AttrHidden | fs.AttrSystem | fs.AttrArchive
	if got := dosToFlags(all | fs.AttrDirectory | fs.AttrReparsePoint); got != fuse.UF_READONLY|fuse.UF_HIDDEN|fuse.UF_SYSTEM|fuse.UF_ARCHIVE {
		t.Errorf("dosToFlags = %#x", got)
	}
	for _, a := range []fs.DOSAttrs{0, fs.AttrSystem, fs.AttrReadOnly | fs.AttrArchive, all} {
		if got := flagsToDOS(dosToFlags(a)); got != a {
			t.Errorf("flagsToDOS(dosToFlags(%v)) = %v", a, got)
		}
	}
	file := fs.Node{Attr: fs.Attr{Mode: fs.ModeRegular | 0o644}, Entry: fs.Entry{Attrs: fs.AttrSystem | fs.AttrHidden, HasAttrs: true}}
	if got := statFlags(&file); got != fuse.UF_SYSTEM|fuse.UF_HIDDEN {
		t.Errorf("flags of a SYSTEM|HIDDEN file: %#x", got)
	}
	// A presented cookie keeps its SYSTEM on the source, not on the link.
	link := fs.Node{Attr: fs.Attr{Mode: fs.ModeSymlink | 0o777}, Entry: fs.Entry{Attrs: fs.AttrSystem | fs.AttrArchive, HasAttrs: true}}
	if got := statFlags(&link); got != fuse.UF_ARCHIVE {
		t.Errorf("flags of a presented cookie: %#x, want ARCHIVE only", got)
	}
	if got := statFlags(&fs.Node{Entry: fs.Entry{Attrs: fs.AttrSystem}}); got != 0 {
		t.Errorf("flags where the source keeps no attributes: %#x", got)
	}
}

// TestPlaceholderRename runs WinFsp's link creation: symlink under a
// ".fuse_hidden" name, then rename over the placeholder made before.
func TestPlaceholderRename(t *testing.T) {
	src := t.TempDir()
	mkfile(t, filepath.Join(src, "docs/readme.txt"), []byte("hi"))
	c := newTestFS(t, fs.Config{Source: src, Create: fs.CreateAs(translate.CygwinCookie)})
	for _, tc := range []struct {
		name        string
		placeholder func(p string) error
		wantErrc    int
	}{
		{"over an empty directory", func(p string) error { return os.Mkdir(p, 0o755) }, 0},
		{"over an empty file", func(p string) error { return os.WriteFile(p, nil, 0o644) }, 0},
		{"over a directory that is not empty", func(p string) error {
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(p, "keep"), nil, 0o644)
		}, -fuse.EISDIR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "link-" + fmt.Sprint(len(tc.name))
			if err := tc.placeholder(filepath.Join(src, name)); err != nil {
				t.Fatal(err)
			}
			hidden := "/.fuse_hidden" + name
			if errc := c.Symlink("docs/readme.txt", hidden); errc != 0 {
				t.Fatalf("Symlink: %d", errc)
			}
			if errc := c.Rename(hidden, "/"+name); errc != tc.wantErrc {
				t.Fatalf("Rename over the placeholder: %d, want %d", errc, tc.wantErrc)
			}
			if tc.wantErrc != 0 {
				if _, err := os.Stat(filepath.Join(src, name, "keep")); err != nil {
					t.Errorf("a directory with content was removed: %v", err)
				}
				return
			}
			if errc, target := c.Readlink("/" + name); errc != 0 || target != "docs/readme.txt" {
				t.Errorf("Readlink = %d, %q", errc, target)
			}
			e, err := fs.ClassifyPath(filepath.Join(src, name), &fs.Options{})
			if err != nil || e.Format != translate.CygwinCookie {
				t.Errorf("stored as %s (%v), want a Cygwin cookie", e.Format, err)
			}
		})
	}
}

func TestReplacesPlaceholder(t *testing.T) {
	fileLink := fs.Node{Attr: fs.Attr{Mode: fs.ModeSymlink | 0o777}, Entry: fs.Entry{Format: translate.LXSymlink}}
	dirLink := fs.Node{Attr: fs.Attr{Mode: fs.ModeSymlink | 0o777}, Entry: fs.Entry{Format: translate.NTFSSymlink, Type: os.ModeDir}}
	emptyFile := fs.Node{Attr: fs.Attr{Mode: fs.ModeRegular | 0o644}}
	dir := fs.Node{Attr: fs.Attr{Mode: fs.ModeDir | 0o755}}
	for _, tc := range []struct {
		old      string
		src, dst fs.Node
		empty    bool
		want     bool
	}{
		{".fuse_hidden00000001", fileLink, dir, true, true},
		{".fuse_hidden00000001", dirLink, emptyFile, true, true},
		{".fuse_hidden00000001", fileLink, emptyFile, true, false}, // rename replaces it by itself
		{".fuse_hidden00000001", dirLink, dir, true, true},         // Windows renames over no directory
		{".fuse_hidden00000001", fileLink, dir, false, false},      // a real directory stays
		{".fuse_hidden00000001", emptyFile, dir, true, false},      // not a link
		{"plain-name", fileLink, dir, true, false},
		{".fuse_hidden00000001", fileLink, fileLink, true, false},
	} {
		if got := replacesPlaceholder(tc.old, &tc.src, &tc.dst, tc.empty); got != tc.want {
			t.Errorf("replacesPlaceholder(%q, %s over mode %o, empty %v) = %v", tc.old, tc.src.Entry.Format, tc.dst.Attr.Mode, tc.empty, got)
		}
	}
}

func TestGetpath(t *testing.T) {
	src := t.TempDir()
	sc, err := translate.EncodeCygwinShortcut("docs", `C:\docs`)
	if err != nil {
		t.Fatal(err)
	}
	mkfile(t, filepath.Join(src, "Docs/Music.lnk"), sc)
	c := newTestFS(t, fs.Config{Source: src})
	for p, want := range map[string]string{"/": "/", "/Docs": "/Docs", "/Docs/Music": "/Docs/Music", "/Docs/Music.lnk": "/Docs/Music.lnk"} {
		if errc, got := c.Getpath(p, ^uint64(0)); errc != 0 || got != want {
			t.Errorf("Getpath(%q) = %d, %q; want %q", p, errc, got, want)
		}
	}
	if errc, _ := c.Getpath("/missing/x", ^uint64(0)); errc != -fuse.ENOENT {
		t.Errorf("Getpath of a missing path: %d", errc)
	}
	for _, tc := range [][3]string{
		{"music", "Music.lnk", "Music"}, {"MUSIC.LNK", "Music.lnk", "Music.lnk"}, {"readme", "README", "README"}, {"x", "y", "x"},
	} {
		if got := presentedName(tc[0], tc[1]); got != tc[2] {
			t.Errorf("presentedName(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

// TestFileOps runs the data path: create, write, read, truncate through a
// handle, times, ownership, listing.
func TestFileOps(t *testing.T) {
	src := t.TempDir()
	mkfile(t, filepath.Join(src, "cookie"), mustCookie(t, "data"))
	if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := newTestFS(t, fs.Config{Source: src})
	errc, fh := c.Create("/data", fuse.O_RDWR|fuse.O_CREAT|fuse.O_APPEND, 0o640)
	if errc != 0 {
		t.Fatalf("Create: %d", errc)
	}
	if n := c.Write("/data", []byte("hello world"), 0, fh); n != 11 {
		t.Fatalf("Write: %d", n)
	}
	// O_APPEND is the kernel's business: the offset given is used.
	if n := c.Write("/data", []byte("W"), 6, fh); n != 1 {
		t.Fatalf("Write at 6: %d", n)
	}
	if errc := c.Truncate("/data", 7, fh); errc != 0 {
		t.Fatalf("Truncate: %d", errc)
	}
	buf := make([]byte, 64)
	if n := c.Read("/data", buf, 0, fh); string(buf[:max(n, 0)]) != "hello W" {
		t.Errorf("Read: %d %q", n, buf[:max(n, 0)])
	}
	if errc := c.Release("/data", fh); errc != 0 {
		t.Errorf("Release: %d", errc)
	}
	if n := c.Read("/data", buf, 0, fh); n != -fuse.EBADF {
		t.Errorf("Read after Release: %d, want -EBADF", n)
	}
	if errc := c.Truncate("/data", 5, ^uint64(0)); errc != 0 {
		t.Errorf("Truncate by path: %d", errc)
	}
	if errc := c.Utimens("/data", []fuse.Timespec{{Nsec: fuse.UTIME_OMIT}, {Sec: 1000000000}}); errc != 0 {
		t.Errorf("Utimens: %d", errc)
	}
	if errc := c.Chown("/data", ^uint32(0), ^uint32(0)); errc != 0 {
		t.Errorf("Chown -1 -1: %d", errc)
	}
	var st fuse.Stat_t
	if errc := c.Getattr("/data", &st, ^uint64(0)); errc != 0 || st.Size != 5 || st.Mtim.Sec != 1000000000 || st.Mode&0o777 != 0o640 {
		t.Errorf("Getattr: %d size %d mtime %d mode %o", errc, st.Size, st.Mtim.Sec, st.Mode)
	}
	listed := map[string]uint32{}
	c.Readdir("/", func(name string, st *fuse.Stat_t, ofst int64) bool {
		var mode uint32
		if st != nil {
			mode = st.Mode
		}
		listed[name] = mode
		return true
	}, 0, ^uint64(0))
	names := make([]string, 0, len(listed))
	for n := range listed {
		names = append(names, n)
	}
	slices.Sort(names)
	// The listing gives each entry its presented type: the cookie is a link.
	if fmt.Sprint(names) != "[. .. cookie data sub]" || listed["sub"] != fuse.S_IFDIR ||
		listed["cookie"] != fuse.S_IFLNK || listed["data"] != fuse.S_IFREG {
		t.Errorf("Readdir: %v", listed)
	}
	if errc, target := c.Readlink("/cookie"); errc != 0 || target != "data" {
		t.Errorf("Readlink of a cookie: %d %q", errc, target)
	}
	if errc, _ := c.Opendir("/data"); errc != -fuse.ENOTDIR {
		t.Errorf("Opendir of a file: %d", errc)
	}
}

func ntfsAttrib(t *testing.T, p string) fs.DOSAttrs {
	t.Helper()
	var buf [4]byte
	if _, err := unix.Lgetxattr(p, "system.ntfs_attrib", buf[:]); err != nil {
		t.Fatal(err)
	}
	return fs.DOSAttrs(binary.LittleEndian.Uint32(buf[:]))
}

// TestChflagsNTFS checks that Chflags persists Windows attributes on an
// ntfs-3g source, as Cygwin on a WinFsp mount needs for its `!<symlink>`
// files, and that Setcrtime sets the creation time.
func TestChflagsNTFS(t *testing.T) {
	dir := testenv.NewNTFS(t).Dir
	mkfile(t, filepath.Join(dir, "cyglink"), mustCookie(t, "target"))
	c := newTestFS(t, fs.Config{Source: dir})
	var st fuse.Stat_t
	if errc := c.Getattr("/cyglink", &st, ^uint64(0)); errc != 0 || st.Mode&fuse.S_IFMT != fuse.S_IFREG {
		t.Fatalf("a cookie without SYSTEM: %d, mode %o; want a plain file", errc, st.Mode)
	}
	// What Cygwin does on a WinFsp volume after writing the file.
	if errc := c.Chflags("/cyglink", fuse.UF_SYSTEM|fuse.UF_ARCHIVE); errc != 0 {
		t.Fatalf("Chflags: %d", errc)
	}
	if got := ntfsAttrib(t, filepath.Join(dir, "cyglink")); got&(fs.AttrSystem|fs.AttrArchive) != fs.AttrSystem|fs.AttrArchive {
		t.Errorf("system.ntfs_attrib after Chflags(SYSTEM|ARCHIVE): %v", got)
	}
	if errc := c.Getattr("/cyglink", &st, ^uint64(0)); errc != 0 || st.Mode&fuse.S_IFMT != fuse.S_IFLNK {
		t.Errorf("the cookie with SYSTEM: %d, mode %o; want a link", errc, st.Mode)
	}
	if errc, target := c.Readlink("/cyglink"); errc != 0 || target != "target" {
		t.Errorf("Readlink: %d %q", errc, target)
	}
	mkfile(t, filepath.Join(dir, "plain"), []byte("x"))
	if errc := c.Chflags("/plain", fuse.UF_HIDDEN|fuse.UF_READONLY); errc != 0 {
		t.Fatalf("Chflags: %d", errc)
	}
	if errc := c.Getattr("/plain", &st, ^uint64(0)); errc != 0 || st.Flags != fuse.UF_HIDDEN|fuse.UF_READONLY {
		t.Errorf("Getattr flags after Chflags(HIDDEN|READONLY): %d, %#x", errc, st.Flags)
	}
	if errc := c.Chflags("/plain", 0); errc != 0 {
		t.Fatalf("Chflags(0): %d", errc)
	}
	if got := ntfsAttrib(t, filepath.Join(dir, "plain")); got&fs.UserDOSAttrs != 0 {
		t.Errorf("system.ntfs_attrib after Chflags(0): %v", got)
	}
	if errc := c.Mkdir("/sub", 0o755); errc != 0 {
		t.Fatal(errc)
	}
	if errc := c.Chflags("/sub", fuse.UF_HIDDEN); errc != 0 {
		t.Fatal(errc)
	}
	if got := ntfsAttrib(t, filepath.Join(dir, "sub")); got != fs.AttrHidden|fs.AttrDirectory {
		t.Errorf("a directory after Chflags(HIDDEN): %v, want HIDDEN|DIRECTORY", got)
	}

	// 2001-09-09T01:46:40.5Z
	if errc := c.Setcrtime("/plain", fuse.Timespec{Sec: 1000000000, Nsec: 500000000}); errc != 0 {
		t.Fatalf("Setcrtime: %d", errc)
	}
	var buf [8]byte
	if _, err := unix.Lgetxattr(filepath.Join(dir, "plain"), "system.ntfs_crtime", buf[:]); err != nil {
		t.Fatal(err)
	}
	if got, want := binary.LittleEndian.Uint64(buf[:]), uint64(1000000000*10_000_000+5_000_000+116444736000000000); got != want {
		t.Errorf("system.ntfs_crtime = %d, want %d", got, want)
	}
}

// TestChflagsPlain checks the answers where the source keeps no Windows
// attributes: Chflags cannot persist them and says so; Setcrtime succeeds
// without effect.
func TestChflagsPlain(t *testing.T) {
	src := t.TempDir()
	mkfile(t, filepath.Join(src, "f"), nil)
	c := newTestFS(t, fs.Config{Source: src})
	if errc := c.Chflags("/f", fuse.UF_SYSTEM); errc != -fuse.ENOTSUP {
		t.Errorf("Chflags on a plain directory: %d, want -ENOTSUP", errc)
	}
	if errc := c.Setcrtime("/f", fuse.Timespec{Sec: 1}); errc != 0 {
		t.Errorf("Setcrtime on a plain directory: %d, want 0", errc)
	}
	ro := newTestFS(t, fs.Config{Source: src, ReadOnly: true})
	if errc := ro.Chflags("/f", fuse.UF_SYSTEM); errc != -fuse.EROFS {
		t.Errorf("Chflags read-only: %d, want -EROFS", errc)
	}
}
