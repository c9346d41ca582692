//go:build linux

package fs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// The Tree's changes to a plain directory, called directly.

// testCaller is a caller who is not the daemon's identity: entries made
// for them must be theirs.
var testCaller = Caller{Uid: 1234, Gid: 5678, Set: true}

// requireRoot skips t unless it runs as root, which giving entries to
// another caller needs.
func requireRoot(t *testing.T) {
	t.Helper()
	testenv.SkipUnless(t, os.Geteuid() == 0, "giving entries to the caller needs root")
}

// umask returns the process's umask, which applies to what mkdirat and
// openat create.
func umask() uint32 {
	m := unix.Umask(0)
	unix.Umask(m)
	return uint32(m)
}

func checkOwner(t *testing.T, what, p string, uid, gid uint32) {
	t.Helper()
	if st := lstatTest(t, p); st.Uid != uid || st.Gid != gid {
		t.Errorf("%s: %s is owned by %d:%d, want %d:%d", what, p, st.Uid, st.Gid, uid, gid)
	}
}

// storedLink decodes the link stored at p in format f with the translate
// package's own decoders.
func storedLink(t *testing.T, f translate.Format, p string) translate.Link {
	t.Helper()
	if f == translate.Native {
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return translate.Link{Format: f, Target: target}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	decode := map[translate.Format]func([]byte) (translate.Link, error){
		translate.CygwinCookie:   translate.DecodeCygwinCookie,
		translate.CygwinShortcut: translate.DecodeCygwinShortcut,
		translate.MFSymlink:      translate.DecodeMFSymlink,
		translate.Interix:        translate.DecodeInterix,
	}[f]
	if decode == nil {
		t.Fatalf("no content decoder for %s", f)
	}
	l, err := decode(data)
	if err != nil {
		t.Fatalf("%s: stored %s does not decode: %v (%q)", p, f, err, data)
	}
	return l
}

// TestTreeSymlinkPlain creates links in every format a plain directory
// holds and checks what is stored and how it is presented.
func TestTreeSymlinkPlain(t *testing.T) {
	requireRoot(t)
	for _, c := range []struct {
		create       CreateFormat
		format       translate.Format
		name, target string
		stored       string
		storedTarget string // the target as the format stores it
		storedType   uint32
	}{
		{CreateAs(translate.Native), translate.Native, "rel", "docs/readme.txt", "rel", "docs/readme.txt", unix.S_IFLNK},
		{CreateAs(translate.Native), translate.Native, "abs", "/mnt/c/Users", "abs", "/mnt/c/Users", unix.S_IFLNK},
		{CreateAuto, translate.Native, "auto", "/usr/lib", "auto", "/usr/lib", unix.S_IFLNK},
		{CreateAs(translate.CygwinCookie), translate.CygwinCookie, "cookie", "docs/readme.txt", "cookie", "docs/readme.txt", unix.S_IFREG},
		{CreateAs(translate.CygwinCookie), translate.CygwinCookie, "cookie-abs", "/mnt/c/Users", "cookie-abs", "/cygdrive/c/Users", unix.S_IFREG},
		{CreateAs(translate.CygwinShortcut), translate.CygwinShortcut, "music", "docs", "music.lnk", "docs", unix.S_IFREG},
		{CreateAs(translate.MFSymlink), translate.MFSymlink, "xsym", "docs/readme.txt", "xsym", "docs/readme.txt", unix.S_IFREG},
		{CreateAs(translate.MFSymlink), translate.MFSymlink, "xsym-up", "../../etc/passwd", "xsym-up", "../../etc/passwd", unix.S_IFREG},
		{CreateAs(translate.Interix), translate.Interix, "intx", "docs/readme.txt", "intx", "docs/readme.txt", unix.S_IFREG},
	} {
		t.Run(string(c.create)+"/"+c.name, func(t *testing.T) {
			src := t.TempDir()
			mkdirTest(t, filepath.Join(src, "docs"))
			mkdirTest(t, filepath.Join(src, "sub"))
			writeTestFile(t, filepath.Join(src, "docs", "readme.txt"), []byte(testReadme))
			tree := newTestTree(t, src, func(cfg *Config) { cfg.Create = c.create })
			for _, dir := range []string{"", "sub"} {
				n, err := tree.Symlink(dir, c.name, c.target, testCaller)
				if err != nil {
					t.Fatalf("Symlink(%q, %q, %q): %v", dir, c.name, c.target, err)
				}
				if n.Stored != c.stored || n.Target != c.target || n.Entry.Format != c.format ||
					n.Attr.Mode != ModeSymlink|0o777 || n.Attr.Size != int64(len(c.target)) || n.Attr.Uid != testCaller.Uid || n.Attr.Gid != testCaller.Gid {
					t.Errorf("Symlink(%q) = %q %s -> %q, %+v; want stored %q, format %s, a symlink to %q owned by the caller", dir, n.Stored, n.Entry.Format, n.Target, n.Attr, c.stored, c.format, c.target)
				}
				p := filepath.Join(src, dir, c.stored)
				st := lstatTest(t, p)
				if st.Mode&unix.S_IFMT != c.storedType || n.Attr.Ino != st.Ino {
					t.Errorf("stored %s: mode %o ino %d, want type %o, ino %d", p, st.Mode, st.Ino, c.storedType, n.Attr.Ino)
				}
				checkOwner(t, "Symlink", p, testCaller.Uid, testCaller.Gid)
				if l := storedLink(t, c.format, p); l.Target != c.storedTarget {
					t.Errorf("stored %s holds the target %q, want %q", p, l.Target, c.storedTarget)
				}
				rel := filepath.Join(dir, c.name)
				if got, err := tree.Readlink(rel); err != nil || got != c.target {
					t.Errorf("Readlink(%s) = %q, %v; want %q", rel, got, err, c.target)
				}
				// Reading the stored link moves its atime; the rest is as
				// Symlink returned it.
				got, err := tree.Getattr(rel)
				if err != nil || got.Target != c.target || got.Attr.Ino != n.Attr.Ino || got.Attr.Mode != n.Attr.Mode ||
					got.Attr.Size != n.Attr.Size || got.Attr.Uid != n.Attr.Uid || got.Attr.Gid != n.Attr.Gid || got.Attr.Mtime != n.Attr.Mtime {
					t.Errorf("Getattr(%s) = %+v, %v; want what Symlink returned, %+v", rel, got.Attr, err, n.Attr)
				}
				entries, err := tree.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, e := range entries {
					if e.Name == c.name {
						found = e.Type == ModeSymlink && e.Ino == st.Ino
					}
				}
				if !found {
					t.Errorf("ReadDir(%q) = %+v; want %q listed as a symlink", dir, entries, c.name)
				}
				// The name is taken now, by its presented name.
				if _, err := tree.Symlink(dir, c.name, "other", testCaller); !errors.Is(err, unix.EEXIST) {
					t.Errorf("Symlink over an existing %q: %v, want EEXIST", c.name, err)
				}
			}
		})
	}
}

func TestTreeSymlinkErrors(t *testing.T) {
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "file"), nil)
	mkdirTest(t, filepath.Join(src, "dir"))
	mfs := newTestTree(t, src, func(c *Config) { c.Create = CreateAs(translate.MFSymlink) })
	for _, c := range []struct {
		tree         *Tree
		name, target string
		want         error
	}{
		{mfs, "file", "x", unix.EEXIST},
		{mfs, "dir", "x", unix.EEXIST},
		{mfs, "long", strings.Repeat("a", translate.MaxPOSIXTarget+1), unix.ENAMETOOLONG},
		// An MFSymlink holds at most 1024 bytes: refused, not cut.
		{mfs, "too-long", strings.Repeat("a/", 600), unix.EINVAL},
		{mfs, "empty", "", unix.EINVAL},
		{newTestTree(t, src, func(c *Config) { c.Create = CreateAs(translate.CygwinCookie) }), "nul", "a\x00b", unix.EINVAL},
	} {
		if _, err := c.tree.Symlink("", c.name, c.target, Caller{}); !errors.Is(err, c.want) {
			t.Errorf("Symlink(%q, %.20q...): %v, want %v", c.name, c.target, err, c.want)
		}
	}
	if _, err := mfs.Symlink("missing", "x", "y", Caller{}); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Symlink in a missing directory: %v, want ENOENT", err)
	}
	entries, _ := os.ReadDir(src)
	if len(entries) != 2 {
		t.Errorf("refused links left entries behind: %v", entries)
	}
}

func TestTreeMake(t *testing.T) {
	requireRoot(t)
	src := t.TempDir()
	tree := newTestTree(t, src, nil)
	mask := umask()
	for _, c := range []struct {
		name   string
		caller Caller
		make   func(name string, c Caller) (Node, error)
		mode   uint32 // the entry's whole mode
		rdev   uint64
	}{
		{"dir", testCaller, func(name string, c Caller) (Node, error) { return tree.Mkdir("", name, 0o750, c) }, ModeDir | 0o750&^mask, 0},
		{"dir-daemon", Caller{}, func(name string, c Caller) (Node, error) { return tree.Mkdir("", name, 0o755, c) }, ModeDir | 0o755&^mask, 0},
		{"fifo", testCaller, func(name string, c Caller) (Node, error) {
			return tree.Mknod("", name, unix.S_IFIFO|0o640, 0, c)
		}, unix.S_IFIFO | 0o640&^mask, 0},
		{"null", testCaller, func(name string, c Caller) (Node, error) {
			return tree.Mknod("", name, unix.S_IFCHR|0o600, unix.Mkdev(1, 3), c)
		}, unix.S_IFCHR | 0o600&^mask, unix.Mkdev(1, 3)},
		{"regular", testCaller, func(name string, c Caller) (Node, error) {
			return tree.Mknod("", name, unix.S_IFREG|0o640, 0, c)
		}, ModeRegular | 0o640&^mask, 0},
	} {
		n, err := c.make(c.name, c.caller)
		if err != nil {
			t.Errorf("make %s: %v", c.name, err)
			continue
		}
		p := filepath.Join(src, c.name)
		st := lstatTest(t, p)
		if n.Stored != c.name || n.Attr.Mode != c.mode || st.Mode != c.mode || n.Attr.Rdev != c.rdev || uint64(st.Rdev) != c.rdev || n.Attr.Ino != st.Ino || n.IsLink() {
			t.Errorf("make %s = %+v; stored mode %o rdev %d; want mode %o rdev %d", c.name, n, st.Mode, st.Rdev, c.mode, c.rdev)
		}
		uid, gid := c.caller.Uid, c.caller.Gid // 0:0 for the daemon
		checkOwner(t, "make", p, uid, gid)
		if n.Attr.Uid != uid || n.Attr.Gid != gid {
			t.Errorf("make %s: node owned by %d:%d, want %d:%d", c.name, n.Attr.Uid, n.Attr.Gid, uid, gid)
		}
		if _, err := c.make(c.name, c.caller); !errors.Is(err, unix.EEXIST) {
			t.Errorf("make %s again: %v, want EEXIST", c.name, err)
		}
	}
	if _, err := tree.Mkdir("missing", "x", 0o755, testCaller); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Mkdir in a missing directory: %v, want ENOENT", err)
	}
	if n, err := tree.Mkdir("dir", "nested", 0o700, testCaller); err != nil || n.Attr.Mode != ModeDir|0o700 {
		t.Errorf("Mkdir(dir, nested) = %+v, %v", n, err)
	}
}

func TestTreeCreateOpen(t *testing.T) {
	requireRoot(t)
	src := t.TempDir()
	mkdirTest(t, filepath.Join(src, "d"))
	tree := newTestTree(t, src, nil)
	f, n, err := tree.Create("d", "new", unix.O_RDWR|unix.O_EXCL, 0o640, testCaller)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("written through Create\n"); err != nil {
		t.Error(err)
	}
	f.Close()
	p := filepath.Join(src, "d", "new")
	st := lstatTest(t, p)
	if n.Stored != "new" || n.Attr.Mode != ModeRegular|0o640&^umask() || n.Attr.Ino != st.Ino || n.Attr.Size != 0 {
		t.Errorf("Create = %+v; stored %+v", n, st)
	}
	checkOwner(t, "Create", p, testCaller.Uid, testCaller.Gid)
	if data, err := os.ReadFile(p); err != nil || string(data) != "written through Create\n" {
		t.Errorf("content written through Create: %q, %v", data, err)
	}
	if _, _, err := tree.Create("d", "new", unix.O_RDWR|unix.O_EXCL, 0o640, testCaller); !errors.Is(err, unix.EEXIST) {
		t.Errorf("Create O_EXCL of an existing file: %v, want EEXIST", err)
	}
	// Without O_EXCL, O_TRUNC empties the existing file, which keeps its owner.
	f, n, err = tree.Create("d", "new", unix.O_WRONLY|unix.O_TRUNC, 0o600, Caller{})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if st := lstatTest(t, p); st.Size != 0 || n.Attr.Size != 0 || st.Mode&0o777 != 0o640&^umask() {
		t.Errorf("Create O_TRUNC of an existing file: size %d mode %o", st.Size, st.Mode)
	}

	// Open reads and writes what is stored, relative to the root.
	f, err = tree.Open("d/new", unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("again"); err != nil {
		t.Error(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if data, err := io.ReadAll(f); err != nil || string(data) != "again" {
		t.Errorf("Open(d/new) reads %q, %v", data, err)
	}
	f.Close()
	if f, err := tree.Open("d", unix.O_RDONLY|unix.O_DIRECTORY); err != nil {
		t.Errorf("Open(d) as a directory: %v", err)
	} else {
		names, err := f.Readdirnames(-1)
		if err != nil || len(names) != 1 || names[0] != "new" {
			t.Errorf("Readdirnames of Open(d): %v, %v", names, err)
		}
		f.Close()
	}
	if f, err := tree.Open("", unix.O_RDONLY); err != nil {
		t.Errorf("Open of the root: %v", err)
	} else {
		f.Close()
	}
	if _, err := tree.Open("d/missing", unix.O_RDONLY); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Open(d/missing): %v, want ENOENT", err)
	}
	if _, err := tree.Open("d/new", unix.O_RDONLY|unix.O_DIRECTORY); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("Open(d/new, O_DIRECTORY): %v, want ENOTDIR", err)
	}
}

func TestTreeTmpfile(t *testing.T) {
	requireRoot(t)
	src := t.TempDir()
	mkdirTest(t, filepath.Join(src, "d"))
	tree := newTestTree(t, src, nil)
	f, a, err := tree.Tmpfile("d", unix.O_RDWR, 0o600, testCaller)
	testenv.SkipUnless(t, !errors.Is(err, unix.EOPNOTSUPP), "the temporary directory's file system has no O_TMPFILE")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if a.Mode != ModeRegular|0o600 || a.Nlink != 0 || a.Uid != testCaller.Uid || a.Gid != testCaller.Gid || a.Size != 0 {
		t.Errorf("Tmpfile attr %+v; want an unlinked 0600 regular file of the caller", a)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Ino != a.Ino || st.Uid != testCaller.Uid {
		t.Errorf("fstat of the Tmpfile: %+v, %v", st, err)
	}
	if _, err := f.WriteString("tmp"); err != nil {
		t.Error(err)
	}
	// It has no name until linked: the directory stays empty.
	if entries, err := tree.ReadDir("d"); err != nil || len(entries) != 0 {
		t.Errorf("ReadDir(d) after Tmpfile = %v, %v; want nothing", entries, err)
	}
	if _, _, err := tree.Tmpfile("missing", unix.O_RDWR, 0o600, testCaller); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Tmpfile in a missing directory: %v, want ENOENT", err)
	}
}

// writeLinkFixture writes, in src, a file, a cookie and two shortcuts.
func writeLinkFixture(t *testing.T, src string) {
	t.Helper()
	enc := mustEncode(t)
	mkdirTest(t, filepath.Join(src, "docs"))
	writeTestFile(t, filepath.Join(src, "file"), []byte("file\n"))
	writeTestFile(t, filepath.Join(src, "other"), []byte("other\n"))
	writeTestFile(t, filepath.Join(src, "cookie"), enc(translate.EncodeCygwinCookie("docs")))
	writeTestFile(t, filepath.Join(src, "music.lnk"), enc(translate.EncodeCygwinShortcut("docs", `C:\docs`)))
	writeTestFile(t, filepath.Join(src, "tunes.lnk"), enc(translate.EncodeCygwinShortcut("other", `C:\other`)))
}

// sourceNames lists the stored names of dir.
func sourceNames(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func TestTreeLink(t *testing.T) {
	src := t.TempDir()
	writeLinkFixture(t, src)
	tree := newTestTree(t, src, nil)
	for _, c := range []struct {
		old, dir, name, stored string
		target                 string // presented, "" for a plain file
	}{
		{"file", "docs", "hard", "hard", ""},
		{"cookie", "", "cookie2", "cookie2", "docs"},
		// A shortcut's new name keeps the .lnk suffix, under which it is
		// presented without it.
		{"music", "docs", "song", "song.lnk", "docs"},
		// Linked under its stored name it is just a file name.
		{"tunes.lnk", "", "tunes2.lnk", "tunes2.lnk", "other"},
	} {
		n, err := tree.Link(c.old, c.dir, c.name)
		if err != nil {
			t.Errorf("Link(%s, %s, %s): %v", c.old, c.dir, c.name, err)
			continue
		}
		oldStored := map[string]string{"music": "music.lnk"}[c.old]
		if oldStored == "" {
			oldStored = c.old
		}
		oldSt := lstatTest(t, filepath.Join(src, oldStored))
		st := lstatTest(t, filepath.Join(src, c.dir, c.stored))
		if n.Stored != c.stored || n.Target != c.target || n.Attr.Ino != oldSt.Ino || st.Ino != oldSt.Ino || n.Attr.Nlink != 2 || oldSt.Nlink != 2 {
			t.Errorf("Link(%s, %s, %s) = %+v; want %q (ino %d, nlink 2) presenting %q", c.old, c.dir, c.name, n, c.stored, oldSt.Ino, c.target)
		}
		if got, err := tree.Lookup(c.dir, strings.TrimSuffix(c.stored, ".lnk")); err != nil || got.Target != c.target {
			t.Errorf("Lookup of the new link %s: %+v, %v", c.name, got, err)
		}
	}
	for _, c := range []struct {
		old, dir, name string
		want           error
	}{
		{"file", "", "other", unix.EEXIST},
		{"file", "", "music.lnk", unix.EEXIST},
		{"missing", "", "x", unix.ENOENT},
		{"file", "missing", "x", unix.ENOENT},
		{"docs", "", "docs2", unix.EPERM}, // no hard links to directories
	} {
		if _, err := tree.Link(c.old, c.dir, c.name); !errors.Is(err, c.want) {
			t.Errorf("Link(%s, %s, %s): %v, want %v", c.old, c.dir, c.name, err, c.want)
		}
	}
}

func TestTreeUnlinkRmdir(t *testing.T) {
	src := t.TempDir()
	writeLinkFixture(t, src)
	mkdirTest(t, filepath.Join(src, "empty"))
	writeTestFile(t, filepath.Join(src, "docs", "f"), nil)
	if err := os.Symlink("/outside", filepath.Join(src, "native")); err != nil {
		t.Fatal(err)
	}
	tree := newTestTree(t, src, nil)
	for _, c := range []struct {
		op, name string
		want     error
		left     string // stored names left in src
	}{
		{"unlink", "file", nil, "cookie docs empty music.lnk native other tunes.lnk"},
		{"unlink", "cookie", nil, "docs empty music.lnk native other tunes.lnk"},
		{"unlink", "music", nil, "docs empty native other tunes.lnk"}, // by its presented name
		{"unlink", "tunes.lnk", nil, "docs empty native other"},       // by its stored name
		{"unlink", "native", nil, "docs empty other"},
		{"unlink", "missing", unix.ENOENT, "docs empty other"},
		{"unlink", "music", unix.ENOENT, "docs empty other"},
		{"unlink", "docs", unix.EISDIR, "docs empty other"},
		{"rmdir", "docs", unix.ENOTEMPTY, "docs empty other"},
		{"rmdir", "other", unix.ENOTDIR, "docs empty other"},
		{"rmdir", "missing", unix.ENOENT, "docs empty other"},
		{"rmdir", "empty", nil, "docs other"},
	} {
		var err error
		if c.op == "unlink" {
			err = tree.Unlink("", c.name)
		} else {
			err = tree.Rmdir("", c.name)
		}
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s %s: %v, want %v", c.op, c.name, err, c.want)
		}
		if got := sourceNames(t, src); got != c.left {
			t.Errorf("after %s %s the source holds %q, want %q", c.op, c.name, got, c.left)
		}
	}
	if err := tree.Unlink("docs", "f"); err != nil {
		t.Errorf("Unlink(docs, f): %v", err)
	}
	if err := tree.Rmdir("", "docs"); err != nil {
		t.Errorf("Rmdir of the emptied docs: %v", err)
	}
}

func TestTreeRename(t *testing.T) {
	for _, c := range []struct {
		name                  string
		dir, from, newDir, to string
		flags                 uint32
		want                  error
		left                  string // stored names of the root after
		readlink              map[string]string
		content               map[string]string
	}{
		{name: "plain file", from: "file", to: "renamed", left: "cookie docs music.lnk other renamed tunes.lnk",
			content: map[string]string{"renamed": "file\n"}},
		{name: "into a directory", from: "file", newDir: "docs", to: "file", left: "cookie docs music.lnk other tunes.lnk",
			content: map[string]string{"docs/file": "file\n"}},
		{name: "translated link", from: "cookie", to: "biscuit", left: "biscuit docs file music.lnk other tunes.lnk",
			readlink: map[string]string{"biscuit": "docs"}},
		{name: "translated link into a directory", from: "cookie", newDir: "docs", to: "c", left: "docs file music.lnk other tunes.lnk",
			readlink: map[string]string{"docs/c": "docs"}},
		{name: "shortcut keeps its suffix", from: "music", to: "songs", left: "cookie docs file other songs.lnk tunes.lnk",
			readlink: map[string]string{"songs": "docs", "songs.lnk": "docs"}},
		{name: "shortcut by its stored name", from: "music.lnk", to: "plain", left: "cookie docs file other plain tunes.lnk"},
		{name: "over a file", from: "cookie", to: "file", left: "docs file music.lnk other tunes.lnk",
			readlink: map[string]string{"file": "docs"}},
		// ln -sf over a shortcut: the presented name is replaced, and the
		// shortcut that stood for it goes.
		{name: "over a shortcut", from: "cookie", to: "tunes", left: "docs file music.lnk other tunes",
			readlink: map[string]string{"tunes": "docs"}},
		{name: "shortcut over a shortcut", from: "music", to: "tunes", left: "cookie docs file other tunes.lnk",
			readlink: map[string]string{"tunes": "docs"}},
		{name: "noreplace to a new name", from: "file", to: "new", flags: unix.RENAME_NOREPLACE, left: "cookie docs music.lnk new other tunes.lnk"},
		{name: "noreplace over a file", from: "file", to: "other", flags: unix.RENAME_NOREPLACE, want: unix.EEXIST,
			left: "cookie docs file music.lnk other tunes.lnk", content: map[string]string{"file": "file\n", "other": "other\n"}},
		{name: "noreplace over a shortcut", from: "file", to: "tunes", flags: unix.RENAME_NOREPLACE, want: unix.EEXIST,
			left: "cookie docs file music.lnk other tunes.lnk", readlink: map[string]string{"tunes": "other"}},
		{name: "exchange", from: "file", to: "other", flags: unix.RENAME_EXCHANGE,
			left: "cookie docs file music.lnk other tunes.lnk", content: map[string]string{"file": "other\n", "other": "file\n"}},
		{name: "exchange a link and a file", from: "cookie", to: "file", flags: unix.RENAME_EXCHANGE,
			left: "cookie docs file music.lnk other tunes.lnk", readlink: map[string]string{"file": "docs"}, content: map[string]string{"cookie": "file\n"}},
		{name: "exchange shortcuts", from: "music", to: "tunes", flags: unix.RENAME_EXCHANGE,
			left: "cookie docs file music.lnk other tunes.lnk", readlink: map[string]string{"music": "other", "tunes": "docs"}},
		{name: "exchange with nothing", from: "file", to: "missing", flags: unix.RENAME_EXCHANGE, want: unix.ENOENT,
			left: "cookie docs file music.lnk other tunes.lnk"},
		{name: "missing", from: "missing", to: "x", want: unix.ENOENT, left: "cookie docs file music.lnk other tunes.lnk"},
		{name: "to a missing directory", from: "file", newDir: "missing", to: "x", want: unix.ENOENT, left: "cookie docs file music.lnk other tunes.lnk"},
		{name: "a directory over a file", from: "docs", to: "file", want: unix.ENOTDIR, left: "cookie docs file music.lnk other tunes.lnk"},
		{name: "a directory into itself", from: "docs", newDir: "docs", to: "x", want: unix.EINVAL, left: "cookie docs file music.lnk other tunes.lnk"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := t.TempDir()
			writeLinkFixture(t, src)
			tree := newTestTree(t, src, nil)
			err := tree.Rename(c.dir, c.from, c.newDir, c.to, c.flags)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("Rename(%q, %q, %q, %q, %#x): %v, want %v", c.dir, c.from, c.newDir, c.to, c.flags, err, c.want)
			}
			if got := sourceNames(t, src); got != c.left {
				t.Errorf("the source holds %q, want %q", got, c.left)
			}
			for rel, want := range c.readlink {
				if got, err := tree.Readlink(rel); err != nil || got != want {
					t.Errorf("Readlink(%s) = %q, %v; want %q", rel, got, err, want)
				}
			}
			for rel, want := range c.content {
				if got, err := os.ReadFile(filepath.Join(src, rel)); err != nil || string(got) != want {
					t.Errorf("%s holds %q, %v; want %q", rel, got, err, want)
				}
			}
		})
	}
}

func TestTreeSetattr(t *testing.T) {
	requireRoot(t)
	src := t.TempDir()
	writeLinkFixture(t, src)
	tree := newTestTree(t, src, nil)
	u32 := func(v uint32) *uint32 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	at := Timespec{Sec: 1_000_000_000, Nsec: 123_456_789}
	mt := Timespec{Sec: 1_100_000_000, Nsec: 987_654_321}
	now := Timespec{Nsec: TimeNow}
	for _, c := range []struct {
		name, rel, stored string
		ch                SetattrChange
		want              error
		check             func(st unix.Stat_t, n Node) bool
	}{
		{"mode", "file", "file", SetattrChange{Mode: u32(0o4604)}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Mode == ModeRegular|0o4604 && n.Attr.Mode == st.Mode }},
		{"mode keeps the type", "docs", "docs", SetattrChange{Mode: u32(ModeRegular | 0o700)}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Mode == ModeDir|0o700 }},
		{"truncate", "file", "file", SetattrChange{Size: u64(2)}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Size == 2 && n.Attr.Size == 2 }},
		{"extend", "other", "other", SetattrChange{Size: u64(1 << 20)}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Size == 1<<20 && n.Attr.Size == 1<<20 }},
		{"owner", "file", "file", SetattrChange{Uid: u32(1234), Gid: u32(5678)}, nil,
			func(st unix.Stat_t, n Node) bool {
				return st.Uid == 1234 && st.Gid == 5678 && n.Attr.Uid == 1234 && n.Attr.Gid == 5678
			}},
		{"uid alone", "other", "other", SetattrChange{Uid: u32(42)}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Uid == 42 && st.Gid == 0 }},
		{"gid alone", "docs", "docs", SetattrChange{Gid: u32(43)}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Uid == 0 && st.Gid == 43 }},
		{"times", "file", "file", SetattrChange{Atime: &at, Mtime: &mt}, nil,
			func(st unix.Stat_t, n Node) bool {
				return st.Atim == unix.Timespec(at) && st.Mtim == unix.Timespec(mt) && n.Attr.Atime == at && n.Attr.Mtime == mt
			}},
		{"mtime alone", "other", "other", SetattrChange{Mtime: &mt}, nil,
			func(st unix.Stat_t, n Node) bool { return st.Mtim == unix.Timespec(mt) && st.Atim != unix.Timespec(mt) }},
		{"times now", "file", "file", SetattrChange{Atime: &now, Mtime: &now}, nil,
			func(st unix.Stat_t, n Node) bool {
				return time.Since(time.Unix(st.Mtim.Unix())).Abs() < time.Minute && time.Since(time.Unix(st.Atim.Unix())).Abs() < time.Minute
			}},
		// A translated link: its times and owner are the stored file's,
		// it has no mode or size.
		{"times of a link", "cookie", "cookie", SetattrChange{Atime: &at, Mtime: &mt}, nil,
			func(st unix.Stat_t, n Node) bool {
				return st.Mtim == unix.Timespec(mt) && n.Target == "docs" && n.Attr.Mtime == mt
			}},
		{"owner of a shortcut", "music", "music.lnk", SetattrChange{Uid: u32(1234), Gid: u32(5678)}, nil,
			func(st unix.Stat_t, n Node) bool {
				return st.Uid == 1234 && st.Gid == 5678 && n.Stored == "music.lnk" && n.IsLink()
			}},
		{"mode of a link", "cookie", "cookie", SetattrChange{Mode: u32(0o600)}, unix.EPERM,
			func(st unix.Stat_t, n Node) bool { return st.Mode == ModeRegular|0o644 }},
		{"size of a shortcut", "tunes", "tunes.lnk", SetattrChange{Size: u64(0)}, unix.EPERM,
			func(st unix.Stat_t, n Node) bool { return st.Size > 0 }},
		{"size of a directory", "docs", "docs", SetattrChange{Size: u64(0)}, unix.EISDIR, nil},
		{"missing", "missing", "", SetattrChange{Mode: u32(0o600)}, unix.ENOENT, nil},
	} {
		n, err := tree.Setattr(c.rel, c.ch)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("Setattr %s: %v, want %v", c.name, err, c.want)
			continue
		}
		if c.check != nil && !c.check(lstatTest(t, filepath.Join(src, c.stored)), n) {
			t.Errorf("Setattr %s: node %+v, stored %+v", c.name, n, lstatTest(t, filepath.Join(src, c.stored)))
		}
	}
	if data, err := os.ReadFile(filepath.Join(src, "file")); err != nil || string(data) != "fi" {
		t.Errorf("the truncated file holds %q, %v", data, err)
	}
	if data, err := os.ReadFile(filepath.Join(src, "other")); err != nil || !bytes.HasPrefix(data, []byte("other\n\x00")) {
		t.Errorf("the extended file holds %.10q, %v", data, err)
	}

	// The root itself.
	n, err := tree.Setattr("", SetattrChange{Mode: u32(0o711), Uid: u32(1234), Gid: u32(5678), Atime: &at, Mtime: &mt})
	st := lstatTest(t, src)
	if err != nil || st.Mode != ModeDir|0o711 || st.Uid != 1234 || st.Gid != 5678 || st.Mtim != unix.Timespec(mt) || st.Atim != unix.Timespec(at) {
		t.Errorf("Setattr of the root: %v; the source is %+v", err, st)
	}
	if n.Attr.Mode != st.Mode || n.Attr.Uid != 1234 || n.Attr.Mtime != mt {
		t.Errorf("Setattr of the root returned %+v", n)
	}
	if _, err := tree.Setattr("", SetattrChange{Size: u64(0)}); !errors.Is(err, unix.EISDIR) {
		t.Errorf("Setattr size of the root: %v, want EISDIR", err)
	}
}

func TestTreeXattr(t *testing.T) {
	src := t.TempDir()
	writeLinkFixture(t, src)
	tree := newTestTree(t, src, nil)
	list := func(rel string) []string {
		t.Helper()
		buf := make([]byte, 4096)
		n, err := tree.Listxattr(rel, buf)
		if err != nil {
			t.Fatalf("Listxattr(%q): %v", rel, err)
		}
		var names []string
		for _, s := range strings.Split(string(buf[:n]), "\x00") {
			if strings.HasPrefix(s, "user.") {
				names = append(names, s)
			}
		}
		sort.Strings(names)
		return names
	}
	for _, c := range []struct{ rel, stored string }{
		{"file", "file"}, {"docs", "docs"}, {"cookie", "cookie"},
		{"music", "music.lnk"}, // the presented name reaches the stored one
		{"", "."},
	} {
		if err := tree.Setxattr(c.rel, "user.a", []byte("one"), 0); err != nil {
			t.Errorf("Setxattr(%q): %v", c.rel, err)
			continue
		}
		if err := tree.Setxattr(c.rel, "user.b", []byte("two"), unix.XATTR_CREATE); err != nil {
			t.Errorf("Setxattr(%q, XATTR_CREATE): %v", c.rel, err)
		}
		buf := make([]byte, 16)
		v := make([]byte, 16)
		if n, err := unix.Lgetxattr(filepath.Join(src, c.stored), "user.a", v); err != nil || string(v[:n]) != "one" {
			t.Errorf("user.a of the stored %s: %q, %v", c.stored, v[:n], err)
		}
		if n, err := tree.Getxattr(c.rel, "user.b", buf); err != nil || string(buf[:n]) != "two" {
			t.Errorf("Getxattr(%q, user.b) = %q, %v", c.rel, buf[:n], err)
		}
		if n, err := tree.Getxattr(c.rel, "user.b", nil); err != nil || n != 3 {
			t.Errorf("Getxattr(%q) size query = %d, %v; want 3", c.rel, n, err)
		}
		if _, err := tree.Getxattr(c.rel, "user.b", buf[:1]); !errors.Is(err, unix.ERANGE) {
			t.Errorf("Getxattr(%q) into a short buffer: %v, want ERANGE", c.rel, err)
		}
		if got := list(c.rel); strings.Join(got, " ") != "user.a user.b" {
			t.Errorf("Listxattr(%q) = %q, want user.a user.b", c.rel, got)
		}
		if err := tree.Setxattr(c.rel, "user.a", []byte("x"), unix.XATTR_CREATE); !errors.Is(err, unix.EEXIST) {
			t.Errorf("Setxattr(%q) XATTR_CREATE of an existing one: %v, want EEXIST", c.rel, err)
		}
		if err := tree.Setxattr(c.rel, "user.c", []byte("x"), unix.XATTR_REPLACE); !errors.Is(err, unix.ENODATA) {
			t.Errorf("Setxattr(%q) XATTR_REPLACE of a missing one: %v, want ENODATA", c.rel, err)
		}
		if err := tree.Removexattr(c.rel, "user.a"); err != nil {
			t.Errorf("Removexattr(%q): %v", c.rel, err)
		}
		if _, err := tree.Getxattr(c.rel, "user.a", buf); !errors.Is(err, unix.ENODATA) {
			t.Errorf("Getxattr(%q) after Removexattr: %v, want ENODATA", c.rel, err)
		}
		if err := tree.Removexattr(c.rel, "user.a"); !errors.Is(err, unix.ENODATA) {
			t.Errorf("Removexattr(%q) twice: %v, want ENODATA", c.rel, err)
		}
		if got := list(c.rel); strings.Join(got, " ") != "user.b" {
			t.Errorf("Listxattr(%q) after Removexattr = %q", c.rel, got)
		}
	}
	if _, err := tree.Getxattr("missing", "user.a", nil); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Getxattr(missing): %v, want ENOENT", err)
	}
	if err := tree.Setxattr("missing", "user.a", nil, 0); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Setxattr(missing): %v, want ENOENT", err)
	}
}

// TestTreeReadOnly checks that a read-only tree refuses every change with
// EROFS and changes nothing, while reading goes on.
func TestTreeReadOnly(t *testing.T) {
	src := t.TempDir()
	writeLinkFixture(t, src)
	if err := unix.Setxattr(filepath.Join(src, "file"), "user.a", []byte("one"), 0); err != nil {
		t.Fatal(err)
	}
	tree := newTestTree(t, src, func(c *Config) { c.ReadOnly = true; c.Create = CreateAs(translate.CygwinCookie) })
	if !tree.ReadOnly() {
		t.Error("ReadOnly() is false")
	}
	before := outsideState(t, src)
	mode := uint32(0o600)
	at := Timespec{Sec: 1}
	nodeErr := func(_ Node, err error) error { return err }
	fileErr := func(f *os.File, err error) error {
		if f != nil {
			f.Close()
		}
		return err
	}
	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"Symlink", func() error { return nodeErr(tree.Symlink("", "new", "docs", testCaller)) }},
		{"Unlink", func() error { return tree.Unlink("", "file") }},
		{"Unlink of a shortcut", func() error { return tree.Unlink("", "music") }},
		{"Rmdir", func() error { return tree.Rmdir("", "docs") }},
		{"Mkdir", func() error { return nodeErr(tree.Mkdir("", "new", 0o755, testCaller)) }},
		{"Mknod", func() error { return nodeErr(tree.Mknod("", "new", unix.S_IFIFO|0o644, 0, testCaller)) }},
		{"Create", func() error {
			f, _, err := tree.Create("", "new", unix.O_RDWR, 0o644, testCaller)
			return fileErr(f, err)
		}},
		{"Tmpfile", func() error {
			f, _, err := tree.Tmpfile("", unix.O_RDWR, 0o644, testCaller)
			return fileErr(f, err)
		}},
		{"Open O_WRONLY", func() error { return fileErr(tree.Open("file", unix.O_WRONLY)) }},
		{"Open O_RDWR", func() error { return fileErr(tree.Open("file", unix.O_RDWR)) }},
		{"Open O_TRUNC", func() error { return fileErr(tree.Open("file", unix.O_RDONLY|unix.O_TRUNC)) }},
		{"Link", func() error { return nodeErr(tree.Link("file", "", "new")) }},
		{"Rename", func() error { return tree.Rename("", "file", "", "new", 0) }},
		{"Rename RENAME_EXCHANGE", func() error { return tree.Rename("", "file", "", "other", unix.RENAME_EXCHANGE) }},
		{"Setattr mode", func() error { return nodeErr(tree.Setattr("file", SetattrChange{Mode: &mode})) }},
		{"Setattr times", func() error { return nodeErr(tree.Setattr("file", SetattrChange{Atime: &at, Mtime: &at})) }},
		{"Setattr root", func() error { return nodeErr(tree.Setattr("", SetattrChange{Mode: &mode})) }},
		{"Setxattr", func() error { return tree.Setxattr("file", "user.b", []byte("x"), 0) }},
		{"Removexattr", func() error { return tree.Removexattr("file", "user.a") }},
		{"SetDOSAttrs", func() error { return tree.SetDOSAttrs("file", AttrHidden) }},
		{"SetCrtime", func() error { return tree.SetCrtime("file", at) }},
	} {
		if err := op.do(); !errors.Is(err, unix.EROFS) {
			t.Errorf("%s on a read-only tree: %v, want EROFS", op.name, err)
		}
	}
	if after := outsideState(t, src); after != before {
		t.Errorf("a read-only tree changed the source\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Reading goes on.
	if got, err := tree.Readlink("music"); err != nil || got != "docs" {
		t.Errorf("Readlink on a read-only tree: %q, %v", got, err)
	}
	if f, err := tree.Open("file", unix.O_RDONLY); err != nil {
		t.Errorf("Open O_RDONLY on a read-only tree: %v", err)
	} else {
		f.Close()
	}
	buf := make([]byte, 8)
	if n, err := tree.Getxattr("file", "user.a", buf); err != nil || string(buf[:n]) != "one" {
		t.Errorf("Getxattr on a read-only tree: %q, %v", buf[:n], err)
	}
	if entries, err := tree.ReadDir(""); err != nil || len(entries) != 6 {
		t.Errorf("ReadDir on a read-only tree: %v, %v", entries, err)
	}
}
