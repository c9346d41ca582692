package fs

import (
	"errors"
	"testing"

	"github.com/linkfs/linkfs/translate"
)

// TestClassifyWindows checks the Windows source's decision from the reparse
// tag, the attributes and the content, as Windows reports them.
func TestClassifyWindows(t *testing.T) {
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lx := must(translate.EncodeReparse(translate.Link{Format: translate.LXSymlink, Target: "/usr/lib"}))
	ntfsLink, err := translate.NTFSSymlinkFor(`C:\Users`)
	if err != nil {
		t.Fatal(err)
	}
	ntfs := must(translate.EncodeReparse(ntfsLink))
	junction, err := translate.JunctionFor(`C:\Users`)
	if err != nil {
		t.Fatal(err)
	}
	mount := must(translate.EncodeReparse(junction))
	unknownSurrogate := []byte{0x99, 0x00, 0x00, 0xA0, 0, 0, 0, 0} // 0xA0000099
	cookie := must(translate.EncodeCygwinCookie("/cygdrive/c/x"))
	shortcut := must(translate.EncodeCygwinShortcut("docs", `C:\docs`))

	const (
		wof        = 0x80000017 // IO_REPARSE_TAG_WOF: a compressed file
		cloud      = 0x9000001A // IO_REPARSE_TAG_CLOUD_1: a OneDrive file
		appExec    = 0x8000001B // IO_REPARSE_TAG_APPEXECLINK
		unixSocket = 0x80000023 // IO_REPARSE_TAG_AF_UNIX
	)
	rp := AttrReparsePoint
	for _, tc := range []struct {
		name    string
		e       winEntry
		reparse []byte // nil: must not be read
		content []byte // nil: must not be read
		format  translate.Format
		target  string
		isDir   bool
		err     bool // Entry.Err is set
	}{
		{"LX symlink", winEntry{attrs: rp | AttrArchive, tag: translate.TagLXSymlink}, lx, nil, translate.LXSymlink, "/usr/lib", false, false},
		{"NTFS directory symlink", winEntry{attrs: rp | AttrDirectory, tag: translate.TagSymlink}, ntfs, nil, translate.NTFSSymlink, `\??\C:\Users`, true, false},
		{"junction", winEntry{attrs: rp | AttrDirectory, tag: translate.TagMountPoint}, mount, nil, translate.Junction, `\??\C:\Users`, true, false},
		{"unknown name surrogate", winEntry{attrs: rp, tag: 0xA0000099}, unknownSurrogate, nil, translate.None, "", false, true},
		{"compressed file", winEntry{attrs: rp | AttrArchive, size: 5, tag: wof}, nil, nil, translate.None, "", false, false},
		{"OneDrive directory", winEntry{attrs: rp | AttrDirectory, tag: cloud}, nil, nil, translate.None, "", true, false},
		{"app execution alias", winEntry{attrs: rp, tag: appExec}, nil, nil, translate.None, "", false, false},
		{"WSL socket", winEntry{attrs: rp, tag: unixSocket}, nil, nil, translate.None, "", false, false},
		{"cookie with SYSTEM", winEntry{attrs: AttrSystem, size: int64(len(cookie))}, nil, cookie, translate.CygwinCookie, "/cygdrive/c/x", false, false},
		{"cookie without SYSTEM", winEntry{attrs: AttrArchive, size: int64(len(cookie))}, nil, nil, translate.None, "", false, false},
		{"shortcut with READONLY", winEntry{name: "music.lnk", attrs: AttrReadOnly, size: int64(len(shortcut))}, nil, shortcut, translate.CygwinShortcut, "docs", false, false},
		{"shortcut without READONLY", winEntry{name: "music.lnk", size: int64(len(shortcut))}, nil, shortcut, translate.None, "", false, true},
		{"directory", winEntry{attrs: AttrDirectory}, nil, nil, translate.None, "", true, false},
	} {
		readReparse := func() ([]byte, error) {
			if tc.reparse == nil {
				t.Errorf("%s: reparse data read", tc.name)
				return nil, errors.New("must not be read")
			}
			return tc.reparse, nil
		}
		readHead := func(n int) ([]byte, error) {
			if tc.content == nil {
				t.Errorf("%s: content read", tc.name)
				return nil, errors.New("must not be read")
			}
			return tc.content[:min(n, len(tc.content))], nil
		}
		e, err := classifyWindows(tc.e, &Options{}, readReparse, readHead)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if e.Format != tc.format || e.Link.Target != tc.target || e.Type.IsDir() != tc.isDir || (e.Err != nil) != tc.err || !e.HasAttrs {
			t.Errorf("%s: %s -> %q dir %v err %v attrs %v; want %s -> %q dir %v err %v", tc.name, e.Format, e.Link.Target, e.Type.IsDir(), e.Err, e.HasAttrs, tc.format, tc.target, tc.isDir, tc.err)
		}
	}
	// A reparse buffer that cannot be read is an I/O error, not a format.
	if _, err := classifyWindows(winEntry{attrs: rp, tag: translate.TagSymlink}, &Options{}, func() ([]byte, error) { return nil, errors.New("access denied") }, nil); err == nil {
		t.Error("an unreadable reparse buffer is no error")
	}
}

func TestWindowsCreateDefault(t *testing.T) {
	for _, tc := range []struct {
		reparse, privilege bool
		want               translate.Format
	}{
		{true, true, translate.NTFSSymlink},
		{true, false, translate.LXSymlink},
		{false, true, translate.CygwinCookie},
		{false, false, translate.CygwinCookie},
	} {
		if got := WindowsCreateDefault(tc.reparse, tc.privilege); got != tc.want {
			t.Errorf("WindowsCreateDefault(reparse %v, privilege %v) = %s, want %s", tc.reparse, tc.privilege, got, tc.want)
		}
	}
}
