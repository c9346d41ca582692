//go:build linux

package fs

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// The tests of the Tree's methods called directly, without FUSE: what the
// integration tests check through a mount, here one method at a time, on
// a plain directory (these files) and on an ntfs-3g volume
// (write_linux_test.go).

// newTestTree opens a Tree on src; cfg (may be nil) adjusts the Config.
func newTestTree(t *testing.T, src string, cfg func(*Config)) *Tree {
	t.Helper()
	c := Config{Source: src}
	if cfg != nil {
		cfg(&c)
	}
	tree, err := NewTree(c)
	if err != nil {
		t.Fatalf("NewTree(%s): %v", src, err)
	}
	t.Cleanup(func() {
		if err := tree.Close(); err != nil {
			t.Errorf("close tree: %v", err)
		}
	})
	return tree
}

func writeTestFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdirTest(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func lstatTest(t *testing.T, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatalf("lstat %s: %v", p, err)
	}
	return st
}

// mustEncode returns an encoder's output, failing t on its error.
func mustEncode(t *testing.T) func([]byte, error) []byte {
	return func(data []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
}

const testReadme = "hello from docs\n"

// writePlainFixture fills a plain directory with a link of every content
// format, a native symlink, plain entries and a shortcut shadowed by a
// plain entry of its logical name.
func writePlainFixture(t *testing.T, src string) {
	t.Helper()
	p := func(name string) string { return filepath.Join(src, name) }
	enc := mustEncode(t)
	mkdirTest(t, p("docs"))
	writeTestFile(t, p("docs/readme.txt"), []byte(testReadme))
	writeTestFile(t, p("plain.txt"), []byte("plain text\n"))
	writeTestFile(t, p("cookie"), enc(translate.EncodeCygwinCookie("docs/readme.txt")))
	writeTestFile(t, p("cookie-abs"), enc(translate.EncodeCygwinCookie("/cygdrive/c/Users")))
	writeTestFile(t, p("music.lnk"), enc(translate.EncodeCygwinShortcut("docs", `C:\tree\docs`)))
	writeTestFile(t, p("xsym"), enc(translate.EncodeMFSymlink("docs/readme.txt")))
	writeTestFile(t, p("intx"), enc(translate.EncodeInterix("docs/readme.txt")))
	// "shadow" exists, so shadow.lnk keeps its stored name.
	writeTestFile(t, p("shadow"), []byte("a plain file\n"))
	writeTestFile(t, p("shadow.lnk"), enc(translate.EncodeCygwinShortcut("docs", `C:\tree\docs`)))
	// "..lnk" must not be shown as "..".
	writeTestFile(t, p("..lnk"), enc(translate.EncodeCygwinShortcut("docs", `C:\tree\docs`)))
	if err := os.Symlink("docs/readme.txt", p("native")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(p("fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fixtureWant is how each entry of writePlainFixture is presented.
var fixtureWant = []struct {
	name, stored string
	typ          uint32 // ModeType bits
	format       translate.Format
	target       string // presented target, for links
}{
	{"docs", "docs", ModeDir, translate.None, ""},
	{"plain.txt", "plain.txt", ModeRegular, translate.None, ""},
	{"cookie", "cookie", ModeSymlink, translate.CygwinCookie, "docs/readme.txt"},
	{"cookie-abs", "cookie-abs", ModeSymlink, translate.CygwinCookie, "/mnt/c/Users"},
	{"music", "music.lnk", ModeSymlink, translate.CygwinShortcut, "docs"},
	{"music.lnk", "music.lnk", ModeSymlink, translate.CygwinShortcut, "docs"},
	{"xsym", "xsym", ModeSymlink, translate.MFSymlink, "docs/readme.txt"},
	{"intx", "intx", ModeSymlink, translate.Interix, "docs/readme.txt"},
	{"shadow", "shadow", ModeRegular, translate.None, ""},
	{"shadow.lnk", "shadow.lnk", ModeSymlink, translate.CygwinShortcut, "docs"},
	{"..lnk", "..lnk", ModeSymlink, translate.CygwinShortcut, "docs"},
	{"native", "native", ModeSymlink, translate.Native, "docs/readme.txt"},
	{"fifo", "fifo", unix.S_IFIFO, translate.None, ""},
}

func TestTreeLookup(t *testing.T) {
	src := t.TempDir()
	writePlainFixture(t, src)
	tree := newTestTree(t, src, nil)
	for _, w := range fixtureWant {
		n, err := tree.Lookup("", w.name)
		if err != nil {
			t.Errorf("Lookup(%q): %v", w.name, err)
			continue
		}
		st := lstatTest(t, filepath.Join(src, w.stored))
		if n.Stored != w.stored || n.Attr.Mode&ModeType != w.typ || n.Entry.Format != w.format || n.Target != w.target {
			t.Errorf("Lookup(%q) = stored %q, mode %o, format %s, target %q; want %q, %o, %s, %q",
				w.name, n.Stored, n.Attr.Mode, n.Entry.Format, n.Target, w.stored, w.typ, w.format, w.target)
		}
		if n.Attr.Ino != st.Ino || n.Attr.Uid != st.Uid || n.Attr.Gid != st.Gid || n.Attr.Nlink != st.Nlink || n.Attr.Mtime.Sec != st.Mtim.Sec {
			t.Errorf("Lookup(%q) attr %+v does not match the stored entry's stat %+v", w.name, n.Attr, st)
		}
		if w.target != "" {
			if n.Attr.Mode != ModeSymlink|0o777 || n.Attr.Size != int64(len(w.target)) || n.Attr.Blocks != 0 || !n.IsLink() {
				t.Errorf("Lookup(%q): mode %o size %d blocks %d; want a symlink of size %d", w.name, n.Attr.Mode, n.Attr.Size, n.Attr.Blocks, len(w.target))
			}
		} else if n.Attr.Mode != st.Mode || n.Attr.Size != st.Size || n.IsLink() {
			t.Errorf("Lookup(%q): mode %o size %d; want the stored %o, %d", w.name, n.Attr.Mode, n.Attr.Size, st.Mode, st.Size)
		}
	}
	n, err := tree.Lookup("docs", "readme.txt")
	if err != nil || n.Attr.Mode&ModeType != ModeRegular || n.Attr.Size != int64(len(testReadme)) {
		t.Errorf("Lookup(docs, readme.txt) = %+v, %v", n, err)
	}
	for _, c := range []struct{ dir, name string }{{"", "missing"}, {"docs", "missing"}, {"missing", "x"}} {
		if _, err := tree.Lookup(c.dir, c.name); !errors.Is(err, unix.ENOENT) {
			t.Errorf("Lookup(%q, %q): %v, want ENOENT", c.dir, c.name, err)
		}
	}
	if _, err := tree.Lookup("plain.txt", "x"); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("Lookup below a file: %v, want ENOTDIR", err)
	}
}

// TestTreeReadFormats checks that a format left out of Config.Read shows
// as the entry it is stored as.
func TestTreeReadFormats(t *testing.T) {
	src := t.TempDir()
	writePlainFixture(t, src)
	tree := newTestTree(t, src, func(c *Config) {
		c.Read = map[translate.Format]bool{translate.MFSymlink: true}
	})
	if n, err := tree.Lookup("", "xsym"); err != nil || n.Target != "docs/readme.txt" || !n.IsLink() {
		t.Errorf("xsym with mfsymlink read: %+v, %v", n, err)
	}
	for _, name := range []string{"cookie", "intx", "music.lnk"} {
		n, err := tree.Lookup("", name)
		if err != nil || n.IsLink() || n.Target != "" || n.Attr.Mode&ModeType != ModeRegular {
			t.Errorf("%s not read: %+v, %v; want a regular file", name, n, err)
		}
		// The classification is still there for who asks.
		if n.Entry.Format == translate.None {
			t.Errorf("%s: entry not classified: %+v", name, n.Entry)
		}
		if _, err := tree.Readlink(name); !errors.Is(err, unix.EINVAL) {
			t.Errorf("Readlink(%s) not read: %v, want EINVAL", name, err)
		}
	}
	// A shortcut not read is not found under its logical name.
	if _, err := tree.Lookup("", "music"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Lookup(music) with shortcuts not read: %v, want ENOENT", err)
	}
	// A native symlink not read is still a symlink, with its own text.
	n, err := tree.Lookup("", "native")
	if err != nil || !n.IsLink() || n.Target != "" {
		t.Errorf("native not read: %+v, %v; want an untranslated symlink", n, err)
	}
	if got, err := tree.Readlink("native"); err != nil || got != "docs/readme.txt" {
		t.Errorf("Readlink(native) not read: %q, %v", got, err)
	}
}

func TestTreeReadDir(t *testing.T) {
	src := t.TempDir()
	writePlainFixture(t, src)
	tree := newTestTree(t, src, nil)
	entries, err := tree.ReadDir("")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]DirEntry{}
	var names []string
	for _, e := range entries {
		if _, dup := got[e.Name]; dup {
			t.Errorf("%q listed twice", e.Name)
		}
		got[e.Name] = e
		names = append(names, e.Name)
	}
	sort.Strings(names)
	// music.lnk is listed as music; a shadowed shortcut and "..lnk" keep
	// their stored names.
	want := map[string]bool{}
	for _, w := range fixtureWant {
		if w.name != "music.lnk" {
			want[w.name] = true
		}
	}
	if len(got) != len(want) {
		t.Errorf("ReadDir lists %q, want the %d names of %v", names, len(want), want)
	}
	for _, w := range fixtureWant {
		if w.name == "music.lnk" {
			if _, ok := got[w.name]; ok {
				t.Errorf("music.lnk listed under its stored name")
			}
			continue
		}
		e, ok := got[w.name]
		if !ok {
			t.Errorf("%q not listed (listing: %q)", w.name, names)
			continue
		}
		st := lstatTest(t, filepath.Join(src, w.stored))
		if e.Type != w.typ || e.Ino != st.Ino {
			t.Errorf("%q listed with type %o ino %d, want %o, %d", w.name, e.Type, e.Ino, w.typ, st.Ino)
		}
	}
	for _, bad := range []string{".", ".."} {
		if _, ok := got[bad]; ok {
			t.Errorf("ReadDir lists %q", bad)
		}
	}
	sub, err := tree.ReadDir("docs")
	if err != nil || len(sub) != 1 || sub[0].Name != "readme.txt" || sub[0].Type != ModeRegular {
		t.Errorf("ReadDir(docs) = %+v, %v", sub, err)
	}
	if _, err := tree.ReadDir("missing"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("ReadDir(missing): %v, want ENOENT", err)
	}
	if _, err := tree.ReadDir("plain.txt"); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("ReadDir(plain.txt): %v, want ENOTDIR", err)
	}
	// A presented link is not a directory to list, even when its target is.
	if _, err := tree.ReadDir("music"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("ReadDir(music): %v, want ENOENT", err)
	}
}

func TestTreeGetattr(t *testing.T) {
	src := t.TempDir()
	writePlainFixture(t, src)
	tree := newTestTree(t, src, nil)
	root, err := tree.Getattr("")
	st := lstatTest(t, src)
	if err != nil || root.Attr.Ino != st.Ino || root.Attr.Mode != st.Mode || root.IsLink() {
		t.Errorf("Getattr(\"\") = %+v, %v; want the root's stat %+v", root, err, st)
	}
	for _, c := range []struct {
		rel, stored string
		mode        uint32
		size        int64
	}{
		{"docs/readme.txt", "docs/readme.txt", ModeRegular | 0o644, int64(len(testReadme))},
		{"music", "music.lnk", ModeSymlink | 0o777, int64(len("docs"))},
		{"cookie", "cookie", ModeSymlink | 0o777, int64(len("docs/readme.txt"))},
		{"docs", "docs", ModeDir | 0o755, -1},
	} {
		n, err := tree.Getattr(c.rel)
		if err != nil {
			t.Errorf("Getattr(%q): %v", c.rel, err)
			continue
		}
		st := lstatTest(t, filepath.Join(src, c.stored))
		if n.Stored != filepath.Base(c.stored) || n.Attr.Mode != c.mode || (c.size >= 0 && n.Attr.Size != c.size) || n.Attr.Ino != st.Ino {
			t.Errorf("Getattr(%q) = stored %q mode %o size %d ino %d; want %q, %o, %d, %d", c.rel, n.Stored, n.Attr.Mode, n.Attr.Size, n.Attr.Ino, c.stored, c.mode, c.size, st.Ino)
		}
	}
	if _, err := tree.Getattr("docs/missing"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Getattr(docs/missing): %v, want ENOENT", err)
	}
}

func TestTreeReadlink(t *testing.T) {
	src := t.TempDir()
	writePlainFixture(t, src)
	tree := newTestTree(t, src, nil)
	for _, w := range fixtureWant {
		got, err := tree.Readlink(w.name)
		switch {
		case w.target == "" && !errors.Is(err, unix.EINVAL):
			t.Errorf("Readlink(%q) of a plain entry: %q, %v; want EINVAL", w.name, got, err)
		case w.target != "" && (err != nil || got != w.target):
			t.Errorf("Readlink(%q) = %q, %v; want %q", w.name, got, err, w.target)
		}
	}
	if _, err := tree.Readlink("missing"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Readlink(missing): %v, want ENOENT", err)
	}
	// The Mapper decides how drive paths read.
	cyg := newTestTree(t, src, func(c *Config) { c.Mapper = &translate.Mapper{Style: translate.StyleCygwin} })
	if got, err := cyg.Readlink("cookie-abs"); err != nil || got != "/cygdrive/c/Users" {
		t.Errorf("Readlink(cookie-abs) in the Cygwin style = %q, %v", got, err)
	}
}

func TestTreeStatfs(t *testing.T) {
	src := t.TempDir()
	tree := newTestTree(t, src, nil)
	got, err := tree.Statfs()
	if err != nil {
		t.Fatal(err)
	}
	var want unix.Statfs_t
	if err := unix.Statfs(src, &want); err != nil {
		t.Fatal(err)
	}
	if got.Blocks != want.Blocks || got.Files != want.Files || got.Bsize != uint32(want.Bsize) ||
		got.Frsize != uint32(want.Frsize) || got.NameLen != uint32(want.Namelen) || got.Bfree > got.Blocks || got.Bavail > got.Bfree {
		t.Errorf("Statfs = %+v; the source's statfs is %+v", got, want)
	}
}

func TestNewTreeErrors(t *testing.T) {
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "file"), nil)
	if _, err := NewTree(Config{Source: filepath.Join(src, "missing")}); !errors.Is(err, unix.ENOENT) {
		t.Errorf("NewTree of a missing source: %v, want ENOENT", err)
	}
	if _, err := NewTree(Config{Source: filepath.Join(src, "file")}); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("NewTree of a file: %v, want ENOTDIR", err)
	}
	// A plain directory holds no reparse points: those formats are refused
	// up front, and auto stores native symlinks.
	for _, c := range []CreateFormat{CreateAs(translate.NTFSSymlink), CreateAs(translate.LXSymlink), CreateAs(translate.NFSSymlink)} {
		if tree, err := NewTree(Config{Source: src, Create: c}); err == nil {
			tree.Close()
			t.Errorf("NewTree --create %s on a plain directory: no error", c)
		}
	}
	for c, want := range map[CreateFormat]translate.Format{
		CreateAuto: translate.Native, "": translate.Native, CreateAs(translate.Native): translate.Native,
		CreateAs(translate.CygwinCookie): translate.CygwinCookie, CreateAs(translate.CygwinShortcut): translate.CygwinShortcut,
		CreateAs(translate.MFSymlink): translate.MFSymlink, CreateAs(translate.Interix): translate.Interix,
	} {
		tree := newTestTree(t, src, func(cfg *Config) { cfg.Create = c })
		if got := tree.CreateFormat(); got != want {
			t.Errorf("--create %q on a plain directory creates %s, want %s", c, got, want)
		}
	}
}
