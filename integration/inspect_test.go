//go:build linux

package integration

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
)

// cygwinShortcut builds the bytes Cygwin writes for a winsymlinks:lnk link
// (FORMATS.md 6.2): header, NAME, RELATIVE_PATH, then the UTF-16 trailer.
func cygwinShortcut(posix, win32 string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x4C)
	b = append(b, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46)
	b = binary.LittleEndian.AppendUint32(b, 0x0C)
	b = append(b, make([]byte, 36)...)
	b = binary.LittleEndian.AppendUint32(b, 1) // SW_NORMAL
	b = append(b, make([]byte, 12)...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(posix)))
	b = append(b, posix...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(win32)))
	b = append(b, win32...)
	trailer := append(utf16le(posix), 0, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(trailer)))
	b = append(b, 0xFF, 0xFE)
	return append(b, trailer...)
}

// mfSymlink builds a 1067-byte XSym file (FORMATS.md 8).
func mfSymlink(target string) []byte {
	b := fmt.Appendf(nil, "XSym\n%04d\n%x\n%s\n", len(target), md5.Sum([]byte(target)), target)
	for len(b) < 1067 {
		b = append(b, ' ')
	}
	return b
}

func interixContent(target string) []byte {
	return append([]byte("IntxLNK\x01"), utf16le(target)...)
}

func writeFile(t *testing.T, path string, data []byte, dosAttrs ...uint32) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, a := range dosAttrs {
		setXattr(t, path, "system.ntfs_attrib", le32(a))
	}
}

type wantInspect struct {
	format, target, windows string
	errContains             string
	raw                     []byte // checked when set
}

func checkInspect(t *testing.T, got map[string]inspectRecord, want map[string]wantInspect) {
	t.Helper()
	for name, w := range want {
		r, ok := got[name]
		if !ok {
			t.Errorf("%s: no record", name)
			continue
		}
		if r.Format != w.format || r.Target != w.target || r.WindowsTarget != w.windows {
			t.Errorf("%s: got format=%q target=%q windows=%q error=%q, want %q %q %q",
				name, r.Format, r.Target, r.WindowsTarget, r.Error, w.format, w.target, w.windows)
		}
		if w.errContains == "" && r.Error != "" {
			t.Errorf("%s: unexpected error %q", name, r.Error)
		}
		if w.errContains != "" && !strings.Contains(r.Error, w.errContains) {
			t.Errorf("%s: error %q does not contain %q", name, r.Error, w.errContains)
		}
		if w.raw != nil && r.Raw != fmt.Sprintf("%x", w.raw) {
			t.Errorf("%s: raw %s, want %x", name, r.Raw, w.raw)
		}
	}
}

// TestInspectNTFS writes links of every reparse format and every content
// format on a real NTFS volume (with ntfs-3g's own writers where it has
// them, raw xattrs otherwise) and checks what inspect reports.
func TestInspectNTFS(t *testing.T) {
	n := testenv.NewNTFS(t, "special_files=wsl")
	d := n.Dir
	p := func(name string) string { return filepath.Join(d, name) }

	// ntfs-3g's own LX writer.
	testenv.Run(t, "ln", "-s", "/mnt/c/x", p("lx-abs"))
	testenv.Run(t, "ln", "-s", "foo/bar", p("lx-rel"))

	ntfsRaw := map[string][]byte{
		"ntfs-abs":    symlinkReparse(`\??\C:\Windows\System32`, `C:\Windows\System32`, false),
		"ntfs-rel":    symlinkReparse(`..\docs\a.txt`, `..\docs\a.txt`, true),
		"ntfs-unc":    symlinkReparse(`\??\UNC\srv\share\dir`, `\\srv\share\dir`, false),
		"nfs-link":    nfsReparse(0x014B4E4C, utf16le("/srv/export/x")),
		"nfs-fifo":    nfsReparse(0x4F464946, nil),
		"unknown-tag": reparseHeader(0x80000021, nil),
	}
	for name, raw := range ntfsRaw {
		writeFile(t, p(name), nil)
		setXattr(t, p(name), "system.ntfs_reparse_data", raw)
	}
	if err := os.MkdirAll(p("sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	rooted := symlinkReparse(`\top\file`, `\top\file`, true)
	writeFile(t, p("sub/rooted"), nil)
	setXattr(t, p("sub/rooted"), "system.ntfs_reparse_data", rooted)

	junction := mountPointReparse(`\??\C:\Users`, `C:\Users`)
	volume := mountPointReparse(`\??\Volume{01234567-89ab-cdef-0123-456789abcdef}\`, ``)
	for name, raw := range map[string][]byte{"junction": junction, "volume": volume} {
		if err := os.Mkdir(p(name), 0o755); err != nil {
			t.Fatal(err)
		}
		setXattr(t, p(name), "system.ntfs_reparse_data", raw)
	}

	writeFile(t, p("cookie"), cookie("/cygdrive/c/Users/Public"), dosSystem)
	writeFile(t, p("cookie-nosys"), cookie("/cygdrive/c/Users/Public"), dosArchive)
	writeFile(t, p("music.lnk"), cygwinShortcut("../music", `C:\music`), dosReadOnly)
	writeFile(t, p("xsym"), mfSymlink("docs/readme.txt"))
	writeFile(t, p("intx-content"), interixContent("/usr/share"), dosSystem)

	n.Remount(t, "special_files=wsl")
	names := []string{"lx-abs", "lx-rel", "junction", "volume", "cookie", "cookie-nosys", "music.lnk", "xsym", "intx-content", "sub/rooted"}
	for name := range ntfsRaw {
		names = append(names, name)
	}
	var paths []string
	for _, name := range names {
		paths = append(paths, p(name))
	}
	got := inspect(t, paths...)
	checkInspect(t, got, map[string]wantInspect{
		"lx-abs":       {format: "lx-symlink", target: "/mnt/c/x", windows: `C:\x`, raw: mustHex("1d0000a00c000000020000002f6d6e742f632f78")},
		"lx-rel":       {format: "lx-symlink", target: "foo/bar", windows: `foo\bar`},
		"ntfs-abs":     {format: "ntfs-symlink", target: "/mnt/c/Windows/System32", windows: `C:\Windows\System32`, raw: ntfsRaw["ntfs-abs"]},
		"ntfs-rel":     {format: "ntfs-symlink", target: "../docs/a.txt", windows: `..\docs\a.txt`},
		"ntfs-unc":     {format: "ntfs-symlink", target: "//srv/share/dir", windows: `\\srv\share\dir`},
		"rooted":       {format: "ntfs-symlink", target: "../top/file", windows: `..\top\file`},
		"junction":     {format: "junction", target: "/mnt/c/Users", windows: `C:\Users`, raw: junction},
		"volume":       {format: "volume-mount", windows: `\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\`, errContains: "only the Windows host"},
		"nfs-link":     {format: "nfs-symlink", target: "/srv/export/x"},
		"nfs-fifo":     {format: "nfs-symlink", errContains: "fifo"},
		"unknown-tag":  {format: "none"}, // a reparse point that is no link: plain, no error
		"cookie":       {format: "cygwin-cookie", target: "/mnt/c/Users/Public", windows: `C:\Users\Public`},
		"cookie-nosys": {format: "none", errContains: "SYSTEM"},
		"music.lnk":    {format: "cygwin-shortcut", target: "../music", windows: `..\music`},
		"xsym":         {format: "mfsymlink", target: "docs/readme.txt", windows: `docs\readme.txt`},
		"intx-content": {format: "interix", target: "/usr/share"},
	})

	// The Cygwin style maps drive paths under /cygdrive.
	got = inspect(t, "--style", "cygwin", p("lx-abs"), p("cookie"))
	checkInspect(t, got, map[string]wantInspect{
		"lx-abs": {format: "lx-symlink", target: "/cygdrive/c/x", windows: `C:\x`},
		"cookie": {format: "cygwin-cookie", target: "/cygdrive/c/Users/Public", windows: `C:\Users\Public`},
	})
	// Drive maps win over the style's prefix.
	got = inspect(t, "--drive", "C:=/win/c", p("ntfs-abs"))
	checkInspect(t, got, map[string]wantInspect{
		"ntfs-abs": {format: "ntfs-symlink", target: "/win/c/Windows/System32", windows: `C:\Windows\System32`},
	})
}

// TestInspectInterixNTFS3G checks links that ntfs-3g writes in its default
// Interix mode: ntfs-3g presents them as symlinks itself, and the SYSTEM
// attribute tells them from native ones.
func TestInspectInterixNTFS3G(t *testing.T) {
	n := testenv.NewNTFS(t)
	link := filepath.Join(n.Dir, "intx")
	testenv.Run(t, "ln", "-s", "/some/target", link)
	n.Remount(t)
	got := inspect(t, link)
	checkInspect(t, got, map[string]wantInspect{
		"intx": {format: "interix", target: "/some/target"},
	})
	n.Unmount(t)
	raw := testenv.Run(t, "ntfscat", n.Img, "/intx")
	n.Mount(t)
	if want := string(interixContent("/some/target")); raw != want {
		t.Errorf("ntfs-3g stored %x, want %x", raw, want)
	}
}

// TestInspectPlainDir checks content formats in a directory without DOS
// attributes, where content alone decides, and entries that must never be
// opened.
func TestInspectPlainDir(t *testing.T) {
	d := t.TempDir()
	p := func(name string) string { return filepath.Join(d, name) }
	writeFile(t, p("cookie"), cookie("C:\\Users\\me"))
	writeFile(t, p("legacy-cookie"), []byte("!<symlink>/usr/lib\x00"))
	writeFile(t, p("music.lnk"), cygwinShortcut("/cygdrive/d/music", `D:\music`))
	writeFile(t, p("xsym"), mfSymlink("/mnt/c/data"))
	badSum := mfSymlink("abc")
	badSum[10] ^= 1 // the MD5 no longer matches: Linux keeps such a file regular
	writeFile(t, p("bad-xsym"), badSum)
	writeFile(t, p("intx"), interixContent("rel/target"))
	writeFile(t, p("plain.txt"), []byte("just text"))
	writeFile(t, p("unterminated"), []byte("!<symlink>\xff\xfea\x00b\x00"))
	if err := os.Symlink("../elsewhere", p("native")); err != nil {
		t.Fatal(err)
	}
	// A FIFO named like a shortcut and a cookie: opening it would block.
	for _, name := range []string{"fifo.lnk", "fifo-cookie"} {
		if err := syscall.Mkfifo(p(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	names := []string{"cookie", "legacy-cookie", "music.lnk", "xsym", "bad-xsym", "intx", "plain.txt", "unterminated", "native", "fifo.lnk", "fifo-cookie"}
	var paths []string
	for _, n := range names {
		paths = append(paths, p(n))
	}
	got := inspect(t, paths...)
	if time.Since(start) > 30*time.Second {
		t.Errorf("inspect took %v: something blocked", time.Since(start))
	}
	checkInspect(t, got, map[string]wantInspect{
		"cookie":        {format: "cygwin-cookie", target: "/mnt/c/Users/me", windows: `C:\Users\me`},
		"legacy-cookie": {format: "cygwin-cookie", target: "/usr/lib"},
		"music.lnk":     {format: "cygwin-shortcut", target: "/mnt/d/music", windows: `D:\music`},
		"xsym":          {format: "mfsymlink", target: "/mnt/c/data", windows: `C:\data`},
		"bad-xsym":      {format: "none"},
		"intx":          {format: "interix", target: "rel/target", windows: `rel\target`},
		"plain.txt":     {format: "none"},
		"unterminated":  {format: "cygwin-cookie", errContains: "cygwin-cookie"},
		"native":        {format: "native", target: "../elsewhere", windows: `..\elsewhere`, raw: []byte("../elsewhere")},
		"fifo.lnk":      {format: "none"},
		"fifo-cookie":   {format: "none"},
	})
}

// TestInspectExitCodes checks the documented exit status and usage errors.
func TestInspectExitCodes(t *testing.T) {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "f"), []byte("x"))
	if _, stderr, code := linkfs(t, "inspect", filepath.Join(d, "f"), filepath.Join(d, "missing")); code != 1 || !strings.Contains(stderr, "missing") {
		t.Errorf("missing path: exit %d, stderr %q; want 1 naming the path", code, stderr)
	}
	for _, args := range [][]string{{"inspect"}, {"inspect", "--style", "dos", d}, {"inspect", "--drive", "C=/x", d}, {"inspect", "--bogus", d}, {"no-such-command"}} {
		if _, _, code := linkfs(t, args...); code != 2 {
			t.Errorf("linkfs %v: exit %d, want 2", args, code)
		}
	}
	stdout, _, code := linkfs(t, "inspect", filepath.Join(d, "f"))
	if code != 0 || !strings.Contains(stdout, "FORMAT") || !strings.Contains(stdout, "none") {
		t.Errorf("table output: exit %d\n%s", code, stdout)
	}
}

// TestInspectRealShortcuts runs inspect over the 34 real-world shortcuts
// of lnkCorpus: none may fail or hang, and the ones that name a local
// target show it in the POSIX style.
func TestInspectRealShortcuts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(lnkCorpus, "*.lnk"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .lnk files in %s: %v", lnkCorpus, err)
	}
	d := t.TempDir()
	var paths []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(d, filepath.Base(f))
		writeFile(t, path, raw)
		paths = append(paths, path)
	}
	got := inspect(t, paths...)
	if len(got) != len(files) {
		t.Fatalf("inspect reported %d of %d files", len(got), len(files))
	}
	checkInspect(t, got, map[string]wantInspect{
		"microsoft_example.lnk": {format: "shell-link", target: "/mnt/c/test/a.txt", windows: `C:\test\a.txt`},
	})
}
