//go:build linux

package fs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// outsideState describes every entry below dir (dir included), each
// attribute an operation could change: type and mode, owner, size, link
// count, times, content, extended attributes. It reads with O_NOATIME,
// so that looking leaves the access times as they were.
func outsideState(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	var walk func(rel string)
	walk = func(rel string) {
		p := filepath.Join(dir, rel)
		st := lstatTest(t, p)
		line := fmt.Sprintf("/%s mode=%o uid=%d gid=%d size=%d nlink=%d atime=%d.%d mtime=%d.%d ctime=%d.%d",
			rel, st.Mode, st.Uid, st.Gid, st.Size, st.Nlink,
			st.Atim.Sec, st.Atim.Nsec, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
		var names []string
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG, unix.S_IFDIR:
			f, err := os.OpenFile(p, os.O_RDONLY|unix.O_NOATIME, 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				names, err = f.Readdirnames(-1)
			} else {
				var data []byte
				data, err = io.ReadAll(f)
				line += fmt.Sprintf(" data=%q", data)
			}
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		buf := make([]byte, 4096)
		n, err := unix.Llistxattr(p, buf)
		if err != nil {
			t.Fatal(err)
		}
		attrs := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00")
		sort.Strings(attrs)
		for _, name := range attrs {
			if name == "" {
				continue
			}
			v := make([]byte, 256)
			m, err := unix.Lgetxattr(p, name, v)
			if err != nil {
				t.Fatal(err)
			}
			line += fmt.Sprintf(" %s=%q", name, v[:m])
		}
		lines = append(lines, line)
		sort.Strings(names)
		for _, name := range names {
			walk(filepath.Join(rel, name))
		}
	}
	walk("")
	return strings.Join(lines, "\n")
}

// TestTreeStaysInSource checks that no operation reaches outside SOURCE:
// not through ".." in a directory or a name, nor an absolute path, nor a
// symlink of the source leading out (relative or absolute) as a directory
// component, nor such a symlink as the entry itself, nor a translated
// link to outside. Every operation is refused or acts on the link itself,
// and nothing outside SOURCE changes: not its entries, their attributes,
// times or extended attributes, nor which entries it holds.
func TestTreeStaysInSource(t *testing.T) {
	base := t.TempDir()
	src, outside := filepath.Join(base, "src"), filepath.Join(base, "outside")
	mkdirTest(t, src)
	mkdirTest(t, outside)
	mkdirTest(t, filepath.Join(outside, "sub"))
	mkdirTest(t, filepath.Join(src, "d"))
	victim := filepath.Join(outside, "victim")
	writeTestFile(t, victim, []byte("victim outside\n"))
	writeTestFile(t, filepath.Join(src, "file"), []byte("inside\n"))
	writeTestFile(t, filepath.Join(src, "d", "f"), []byte("inside d\n"))
	for _, p := range []string{victim, outside} {
		if err := unix.Setxattr(p, "user.canary", []byte("original"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []struct{ target, name string }{
		{"../outside", "up"},                   // a relative link out, as a directory
		{outside, "abs"},                       // an absolute one
		{victim, "absfile"},                    // an absolute link to a file outside
		{"../../outside/victim", "d/upfile"},   // a relative one, one level down
		{"../outside/victim", "file-relative"}, // and at the root
	} {
		if err := os.Symlink(l.target, filepath.Join(src, l.name)); err != nil {
			t.Fatal(err)
		}
	}
	writeTestFile(t, filepath.Join(src, "cookie-out"), mustEncode(t)(translate.EncodeCygwinCookie("../outside")))
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, p := range []string{victim, filepath.Join(outside, "sub"), outside} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	before := outsideState(t, outside)
	tree := newTestTree(t, src, nil)

	mode, size, uid, when := uint32(0o600), uint64(0), uint32(4321), Timespec{Sec: 1_000_000_000}
	c := Caller{Uid: 4321, Gid: 4321, Set: true}
	openErr := func(f *os.File, err error) error {
		if f != nil {
			f.Close()
		}
		return err
	}
	createErr := func(f *os.File, _ Node, err error) error { return openErr(f, err) }
	tmpErr := func(f *os.File, _ Attr, err error) error { return openErr(f, err) }
	nodeErr := func(_ Node, err error) error { return err }
	dirErr := func(_ []DirEntry, err error) error { return err }
	strErr := func(_ string, err error) error { return err }
	intErr := func(_ int, err error) error { return err }
	buf := make([]byte, 256)

	for _, op := range []struct {
		name string
		do   func() error
		want error
	}{
		// ".." and absolute paths in the directory or the path.
		{"Lookup(.., victim)", func() error { return nodeErr(tree.Lookup("..", "victim")) }, unix.EXDEV},
		{"Lookup(d/../.., outside)", func() error { return nodeErr(tree.Lookup("d/../..", "outside")) }, unix.EXDEV},
		{"Lookup(abs path)", func() error { return nodeErr(tree.Lookup(outside, "victim")) }, unix.EXDEV},
		{"ReadDir(..)", func() error { return dirErr(tree.ReadDir("..")) }, unix.EXDEV},
		{"ReadDir(abs path)", func() error { return dirErr(tree.ReadDir(outside)) }, unix.EXDEV},
		{"Getattr(../outside/victim)", func() error { return nodeErr(tree.Getattr("../outside/victim")) }, unix.EXDEV},
		{"Readlink(../src/abs)", func() error { return strErr(tree.Readlink("../src/abs")) }, unix.EXDEV},
		{"Open(../outside/victim)", func() error { return openErr(tree.Open("../outside/victim", unix.O_RDONLY)) }, unix.EXDEV},
		{"Open(abs path)", func() error { return openErr(tree.Open(victim, unix.O_RDWR)) }, unix.EXDEV},
		{"Mkdir(../outside, new)", func() error { return nodeErr(tree.Mkdir("../outside", "new", 0o755, c)) }, unix.EXDEV},
		{"Mknod(.., new)", func() error { return nodeErr(tree.Mknod("..", "new", unix.S_IFIFO|0o644, 0, c)) }, unix.EXDEV},
		{"Create(../outside, new)", func() error { return createErr(tree.Create("../outside", "new", unix.O_RDWR, 0o644, c)) }, unix.EXDEV},
		{"Tmpfile(../outside)", func() error { return tmpErr(tree.Tmpfile("../outside", unix.O_RDWR, 0o644, c)) }, unix.EXDEV},
		{"Symlink(../outside, new)", func() error { return nodeErr(tree.Symlink("../outside", "new", "x", c)) }, unix.EXDEV},
		{"Unlink(../outside, victim)", func() error { return tree.Unlink("../outside", "victim") }, unix.EXDEV},
		{"Rmdir(../outside, sub)", func() error { return tree.Rmdir("../outside", "sub") }, unix.EXDEV},
		{"Link(../outside/victim, , hard)", func() error { return nodeErr(tree.Link("../outside/victim", "", "hard")) }, unix.EXDEV},
		{"Link(file, ../outside, hard)", func() error { return nodeErr(tree.Link("file", "../outside", "hard")) }, unix.EXDEV},
		{"Rename(../outside, victim, , stolen)", func() error { return tree.Rename("../outside", "victim", "", "stolen", 0) }, unix.EXDEV},
		{"Rename(, file, ../outside, victim)", func() error { return tree.Rename("", "file", "../outside", "victim", 0) }, unix.EXDEV},
		{"Setattr(../outside/victim)", func() error { return nodeErr(tree.Setattr("../outside/victim", SetattrChange{Mode: &mode})) }, unix.EXDEV},
		{"Getxattr(../outside/victim)", func() error { return intErr(tree.Getxattr("../outside/victim", "user.canary", buf)) }, unix.EXDEV},
		{"Setxattr(../outside/victim)", func() error { return tree.Setxattr("../outside/victim", "user.canary", []byte("changed"), 0) }, unix.EXDEV},

		// ".." as the name, a name holding a path.
		{"Lookup(, ..)", func() error { return nodeErr(tree.Lookup("", "..")) }, unix.EXDEV},
		{"Lookup(, ../outside)", func() error { return nodeErr(tree.Lookup("", "../outside")) }, unix.EINVAL},
		{"Getattr(..)", func() error { return nodeErr(tree.Getattr("..")) }, unix.EXDEV},
		{"Getattr(d/../..)", func() error { return nodeErr(tree.Getattr("d/../..")) }, unix.EXDEV},
		{"Readlink(..)", func() error { return strErr(tree.Readlink("..")) }, unix.EXDEV},
		{"Setattr(.., mode)", func() error { return nodeErr(tree.Setattr("..", SetattrChange{Mode: &mode})) }, unix.EXDEV},
		{"Setattr(.., owner)", func() error { return nodeErr(tree.Setattr("..", SetattrChange{Uid: &uid})) }, unix.EXDEV},
		{"Setattr(.., times)", func() error { return nodeErr(tree.Setattr("..", SetattrChange{Mtime: &when})) }, unix.EXDEV},
		{"Getxattr(..)", func() error { return intErr(tree.Getxattr("..", "user.canary", buf)) }, unix.EXDEV},
		{"Listxattr(..)", func() error { return intErr(tree.Listxattr("..", buf)) }, unix.EXDEV},
		{"Setxattr(..)", func() error { return tree.Setxattr("..", "user.canary", []byte("changed"), 0) }, unix.EXDEV},
		{"Removexattr(..)", func() error { return tree.Removexattr("..", "user.canary") }, unix.EXDEV},
		{"Unlink(, ../outside/victim)", func() error { return tree.Unlink("", "../outside/victim") }, unix.EINVAL},
		{"Rmdir(, ../outside/sub)", func() error { return tree.Rmdir("", "../outside/sub") }, unix.EINVAL},
		{"Mkdir(, ../outside/new)", func() error { return nodeErr(tree.Mkdir("", "../outside/new", 0o755, c)) }, unix.EINVAL},
		{"Mknod(, ../outside/new)", func() error { return nodeErr(tree.Mknod("", "../outside/new", unix.S_IFIFO|0o644, 0, c)) }, unix.EINVAL},
		{"Create(, ../outside/new)", func() error { return createErr(tree.Create("", "../outside/new", unix.O_RDWR, 0o644, c)) }, unix.EINVAL},
		{"Create(, ../outside/victim, O_TRUNC)", func() error {
			return createErr(tree.Create("", "../outside/victim", unix.O_RDWR|unix.O_TRUNC, 0o644, c))
		}, unix.EINVAL},
		{"Symlink(, ../outside/new)", func() error { return nodeErr(tree.Symlink("", "../outside/new", "x", c)) }, unix.EINVAL},
		{"Link(file, , ../outside/hard)", func() error { return nodeErr(tree.Link("file", "", "../outside/hard")) }, unix.EINVAL},
		{"Rename(, ../outside/victim, , stolen)", func() error { return tree.Rename("", "../outside/victim", "", "stolen", 0) }, unix.EINVAL},
		{"Rename(, file, , ../outside/victim)", func() error { return tree.Rename("", "file", "", "../outside/victim", 0) }, unix.EINVAL},
		{"Rename(d, .., , x)", func() error { return tree.Rename("d", "..", "", "x", 0) }, unix.EXDEV},

		// A symlink of the source leading out, as a directory component.
		{"Lookup(up, victim)", func() error { return nodeErr(tree.Lookup("up", "victim")) }, unix.ELOOP},
		{"Lookup(abs, victim)", func() error { return nodeErr(tree.Lookup("abs", "victim")) }, unix.ELOOP},
		{"ReadDir(up)", func() error { return dirErr(tree.ReadDir("up")) }, unix.ELOOP},
		{"ReadDir(abs)", func() error { return dirErr(tree.ReadDir("abs")) }, unix.ELOOP},
		{"Getattr(up/victim)", func() error { return nodeErr(tree.Getattr("up/victim")) }, unix.ELOOP},
		{"Readlink(up/victim)", func() error { return strErr(tree.Readlink("up/victim")) }, unix.ELOOP},
		{"Open(up/victim)", func() error { return openErr(tree.Open("up/victim", unix.O_RDONLY)) }, unix.ELOOP},
		{"Open(abs/victim, O_TRUNC)", func() error { return openErr(tree.Open("abs/victim", unix.O_RDWR|unix.O_TRUNC)) }, unix.ELOOP},
		{"Mkdir(up, new)", func() error { return nodeErr(tree.Mkdir("up", "new", 0o755, c)) }, unix.ELOOP},
		{"Mknod(abs, new)", func() error { return nodeErr(tree.Mknod("abs", "new", unix.S_IFIFO|0o644, 0, c)) }, unix.ELOOP},
		{"Create(abs, new)", func() error { return createErr(tree.Create("abs", "new", unix.O_RDWR, 0o644, c)) }, unix.ELOOP},
		{"Create(up, victim, O_TRUNC)", func() error { return createErr(tree.Create("up", "victim", unix.O_RDWR|unix.O_TRUNC, 0o644, c)) }, unix.ELOOP},
		{"Tmpfile(up)", func() error { return tmpErr(tree.Tmpfile("up", unix.O_RDWR, 0o644, c)) }, unix.ELOOP},
		{"Symlink(abs, new)", func() error { return nodeErr(tree.Symlink("abs", "new", "x", c)) }, unix.ELOOP},
		{"Unlink(up, victim)", func() error { return tree.Unlink("up", "victim") }, unix.ELOOP},
		{"Rmdir(abs, sub)", func() error { return tree.Rmdir("abs", "sub") }, unix.ELOOP},
		{"Link(up/victim, , hard)", func() error { return nodeErr(tree.Link("up/victim", "", "hard")) }, unix.ELOOP},
		{"Link(file, abs, hard)", func() error { return nodeErr(tree.Link("file", "abs", "hard")) }, unix.ELOOP},
		{"Rename(up, victim, , stolen)", func() error { return tree.Rename("up", "victim", "", "stolen", 0) }, unix.ELOOP},
		{"Rename(, file, abs, victim)", func() error { return tree.Rename("", "file", "abs", "victim", 0) }, unix.ELOOP},
		{"Rename(, file, up, x, RENAME_EXCHANGE)", func() error { return tree.Rename("", "file", "up", "victim", unix.RENAME_EXCHANGE) }, unix.ELOOP},
		{"Setattr(up/victim)", func() error { return nodeErr(tree.Setattr("up/victim", SetattrChange{Mode: &mode, Size: &size})) }, unix.ELOOP},
		{"Setattr(abs/victim, times)", func() error { return nodeErr(tree.Setattr("abs/victim", SetattrChange{Atime: &when, Mtime: &when})) }, unix.ELOOP},
		{"Getxattr(up/victim)", func() error { return intErr(tree.Getxattr("up/victim", "user.canary", buf)) }, unix.ELOOP},
		{"Setxattr(abs/victim)", func() error { return tree.Setxattr("abs/victim", "user.canary", []byte("changed"), 0) }, unix.ELOOP},
		{"Removexattr(up/victim)", func() error { return tree.Removexattr("up/victim", "user.canary") }, unix.ELOOP},

		// The link out as the entry itself: opened, it is refused; changed,
		// the change lands on the link, never on its target.
		{"Open(absfile)", func() error { return openErr(tree.Open("absfile", unix.O_RDONLY)) }, unix.ELOOP},
		{"Open(d/upfile, O_TRUNC)", func() error { return openErr(tree.Open("d/upfile", unix.O_WRONLY|unix.O_TRUNC)) }, unix.ELOOP},
		{"Open(up, O_DIRECTORY)", func() error { return openErr(tree.Open("up", unix.O_RDONLY|unix.O_DIRECTORY)) }, unix.ELOOP},
		{"Create(, absfile)", func() error { return createErr(tree.Create("", "absfile", unix.O_RDWR|unix.O_TRUNC, 0o644, c)) }, unix.ELOOP},
		{"Create(d, upfile)", func() error { return createErr(tree.Create("d", "upfile", unix.O_WRONLY, 0o644, c)) }, unix.ELOOP},
		{"Setattr(absfile, mode)", func() error { return nodeErr(tree.Setattr("absfile", SetattrChange{Mode: &mode})) }, unix.EPERM},
		{"Setattr(file-relative, size)", func() error { return nodeErr(tree.Setattr("file-relative", SetattrChange{Size: &size})) }, unix.EPERM},
		{"Setattr(absfile, owner)", func() error { return nodeErr(tree.Setattr("absfile", SetattrChange{Uid: &uid, Gid: &uid})) }, nil},
		{"Setattr(d/upfile, times)", func() error { return nodeErr(tree.Setattr("d/upfile", SetattrChange{Atime: &when, Mtime: &when})) }, nil},
		{"Getxattr(absfile)", func() error { return intErr(tree.Getxattr("absfile", "user.canary", buf)) }, unix.ENODATA},
		{"Setxattr(absfile)", func() error { return tree.Setxattr("absfile", "user.canary", []byte("changed"), 0) }, unix.EPERM},
		{"Removexattr(up)", func() error { return tree.Removexattr("up", "user.canary") }, unix.EPERM},
		{"Mkdir(, up)", func() error { return nodeErr(tree.Mkdir("", "up", 0o755, c)) }, unix.EEXIST},
		{"Symlink(, absfile)", func() error { return nodeErr(tree.Symlink("", "absfile", "x", c)) }, unix.EEXIST},
		{"Rmdir(, up)", func() error { return tree.Rmdir("", "up") }, unix.ENOTDIR},
		// A translated link out is only text to the tree.
		{"ReadDir(cookie-out)", func() error { return dirErr(tree.ReadDir("cookie-out")) }, unix.ENOTDIR},
		{"Lookup(cookie-out, victim)", func() error { return nodeErr(tree.Lookup("cookie-out", "victim")) }, unix.ENOTDIR},
		{"Create(cookie-out, new)", func() error { return createErr(tree.Create("cookie-out", "new", unix.O_RDWR, 0o644, c)) }, unix.ENOTDIR},
	} {
		err := op.do()
		if op.want == nil && err != nil || op.want != nil && !errors.Is(err, op.want) {
			t.Errorf("%s: %v, want %v", op.name, err, op.want)
		}
	}

	// What acts on the links themselves did act on them.
	if st := lstatTest(t, filepath.Join(src, "absfile")); st.Mode&unix.S_IFMT != unix.S_IFLNK || st.Uid != uid || st.Gid != uid {
		t.Errorf("chown of absfile: the link is mode %o owned by %d:%d, want a link owned by %d", st.Mode, st.Uid, st.Gid, uid)
	}
	if st := lstatTest(t, filepath.Join(src, "d", "upfile")); st.Mtim.Sec != when.Sec {
		t.Errorf("utimes of d/upfile: the link's mtime is %d, want %d", st.Mtim.Sec, when.Sec)
	}
	for rel, want := range map[string]string{"absfile": victim, "up": "../outside", "cookie-out": "../outside"} {
		if got, err := tree.Readlink(rel); err != nil || got != want {
			t.Errorf("Readlink(%s) = %q, %v; want the text %q", rel, got, err, want)
		}
	}
	// A hard link to the link, a rename and an unlink of it: the link
	// moves and goes, its target stays.
	n, err := tree.Link("absfile", "d", "hard")
	if err != nil || !n.IsLink() || n.Attr.Nlink != 2 {
		t.Errorf("Link(absfile, d, hard) = %+v, %v; want a second name of the link", n, err)
	}
	if err := tree.Rename("", "up", "d", "up2", 0); err != nil {
		t.Errorf("Rename(up, d/up2): %v", err)
	}
	for _, u := range [][2]string{{"", "absfile"}, {"d", "hard"}, {"d", "up2"}, {"", "file-relative"}} {
		if err := tree.Unlink(u[0], u[1]); err != nil {
			t.Errorf("Unlink(%q, %q): %v", u[0], u[1], err)
		}
	}

	if after := outsideState(t, outside); after != before {
		t.Errorf("outside SOURCE changed\nbefore:\n%s\nafter:\n%s", before, after)
	}
	entries, err := os.ReadDir(base)
	if err != nil || len(entries) != 2 {
		t.Errorf("beside SOURCE: %v, %v; want outside and src alone", entries, err)
	}
	// The names with ".." created nothing inside SOURCE either, and all
	// that was made inside was made where it was asked.
	got, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "abs cookie-out d file" {
		t.Errorf("SOURCE holds %q, want [abs cookie-out d file]", names)
	}
}
