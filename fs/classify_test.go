package fs

import (
	"encoding/binary"
	"errors"
	iofs "io/fs"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/translate"
)

// content returns a probe for a regular file holding b.
func content(t *testing.T, name string, b []byte) *probe {
	return &probe{
		name: name, size: int64(len(b)),
		readHead: func(n int) ([]byte, error) { return b[:min(n, len(b))], nil },
	}
}

// unreadable returns a probe whose content must never be read.
func unreadable(t *testing.T, name string, typ iofs.FileMode, size int64) *probe {
	return &probe{
		name: name, typ: typ, size: size,
		readHead: func(int) ([]byte, error) {
			t.Errorf("%s: content read, but it must not be opened", name)
			return nil, errors.New("must not be read")
		},
		readlink: func() (string, error) { return "", errors.New("not a symlink") },
	}
}

func TestDecide(t *testing.T) {
	mustEncode := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cookie := mustEncode(translate.EncodeCygwinCookie("/cygdrive/c/x"))
	interix := mustEncode(translate.EncodeInterix("/usr/lib"))
	xsym := mustEncode(translate.EncodeMFSymlink("docs/a.txt"))
	shortcut := mustEncode(translate.EncodeCygwinShortcut("../music", `C:\music`))
	lx := mustEncode(translate.EncodeReparse(translate.Link{Format: translate.LXSymlink, Target: "/mnt/c/x"}))

	withAttrs := func(p *probe, a DOSAttrs) *probe { p.attrs, p.hasAttrs = a, true; return p }
	reparse := func(b []byte) *probe {
		p := unreadable(t, "r", iofs.ModeSymlink, 0)
		p.reparse = b
		return p
	}
	symlink := func(target string) *probe {
		p := unreadable(t, "s", iofs.ModeSymlink, int64(len(target)))
		p.readlink = func() (string, error) { return target, nil }
		return p
	}

	tests := []struct {
		name    string
		p       *probe
		explain bool
		format  translate.Format
		target  string
		errAs   any // pointer to the wanted error type, or nil
	}{
		{"lx reparse", reparse(lx), false, translate.LXSymlink, "/mnt/c/x", nil},
		{"unknown name surrogate", reparse([]byte{0x99, 0, 0, 0xa0, 0, 0, 0, 0}), false, translate.None, "", new(*translate.UnsupportedTagError)},
		{"reparse point, no link", reparse([]byte{0x21, 0, 0, 0x80, 0, 0, 0, 0}), false, translate.None, "", nil},
		{"truncated reparse", reparse([]byte{0x1d, 0, 0}), false, translate.None, "", new(*translate.FormatError)},
		{"malformed lx", reparse([]byte{0x1d, 0, 0, 0xa0, 4, 0, 0, 0, 2, 0, 0, 0}), false, translate.LXSymlink, "", new(*translate.FormatError)},
		{"native symlink", symlink("../x"), false, translate.Native, "../x", nil},
		{"ntfs-3g interix symlink", withAttrs(symlink("/usr/lib"), AttrSystem), false, translate.Interix, "/usr/lib", nil},
		{"cookie, no attributes", content(t, "c", cookie), false, translate.CygwinCookie, "/cygdrive/c/x", nil},
		{"cookie with SYSTEM", withAttrs(content(t, "c", cookie), AttrSystem|AttrArchive), false, translate.CygwinCookie, "/cygdrive/c/x", nil},
		{"cookie without SYSTEM", withAttrs(unreadable(t, "c", 0, int64(len(cookie))), AttrArchive), false, translate.None, "", nil},
		{"cookie without SYSTEM explained", withAttrs(content(t, "c", cookie), AttrArchive), true, translate.None, "", new(*AttrError)},
		{"interix", content(t, "i", interix), false, translate.Interix, "/usr/lib", nil},
		{"mfsymlink", content(t, "m", xsym), false, translate.MFSymlink, "docs/a.txt", nil},
		{"cygwin shortcut", withAttrs(content(t, "music.lnk", shortcut), AttrReadOnly), false, translate.CygwinShortcut, "../music", nil},
		{"cygwin shortcut, no attributes", content(t, "music.LNK", shortcut), false, translate.CygwinShortcut, "../music", nil},
		{"cygwin shortcut without READONLY", withAttrs(content(t, "music.lnk", shortcut), AttrArchive), false, translate.None, "", new(*AttrError)},
		{"shortcut bytes without .lnk", content(t, "music", shortcut), false, translate.None, "", nil},
		{"plain text", content(t, "a.txt", []byte("hello, world")), false, translate.None, "", nil},
		{"huge .lnk never read", unreadable(t, "big.lnk", 0, 1<<30), false, translate.None, "", nil},
		{"large file never read", unreadable(t, "big", 0, 1<<20), false, translate.None, "", nil},
		{"fifo named .lnk", unreadable(t, "f.lnk", iofs.ModeNamedPipe, 0), false, translate.None, "", nil},
		{"socket", unreadable(t, "s", iofs.ModeSocket, 0), false, translate.None, "", nil},
		{"device", unreadable(t, "d", iofs.ModeDevice, 0), false, translate.None, "", nil},
		{"directory", unreadable(t, "d", iofs.ModeDir, 4096), false, translate.None, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decide(tt.p, &Options{Explain: tt.explain})
			if err != nil {
				t.Fatalf("decide: %v", err)
			}
			if e.Format != tt.format {
				t.Errorf("format %q, want %q (err %v)", e.Format, tt.format, e.Err)
			}
			if e.IsLink() && e.Link.Target != tt.target {
				t.Errorf("target %q, want %q", e.Link.Target, tt.target)
			}
			switch {
			case tt.errAs == nil && e.Err != nil:
				t.Errorf("unexpected error %v", e.Err)
			case tt.errAs != nil && !errors.As(e.Err, tt.errAs):
				t.Errorf("error %v (%T), want %T", e.Err, e.Err, tt.errAs)
			}
		})
	}
}

func TestDecideReadError(t *testing.T) {
	p := &probe{name: "c", size: 20, readHead: func(int) ([]byte, error) { return nil, iofs.ErrPermission }}
	if _, err := decide(p, &Options{}); !errors.Is(err, iofs.ErrPermission) {
		t.Errorf("got %v, want the read error", err)
	}
}

// TestParseCreateFormat checks that --create takes the short and the long
// name of every creatable format, and refuses the others listing the
// valid names.
func TestParseCreateFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		want CreateFormat
	}{
		{"ntfs", CreateAs(translate.NTFSSymlink)}, {"ntfs-symlink", CreateAs(translate.NTFSSymlink)},
		{"lx", CreateAs(translate.LXSymlink)}, {"lx-symlink", CreateAs(translate.LXSymlink)},
		{"nfs", CreateAs(translate.NFSSymlink)}, {"nfs-symlink", CreateAs(translate.NFSSymlink)},
		{"cygwin", CreateAs(translate.CygwinCookie)}, {"cygwin-cookie", CreateAs(translate.CygwinCookie)},
		{"cygwin-shortcut", CreateAs(translate.CygwinShortcut)}, {"mfsymlink", CreateAs(translate.MFSymlink)},
		{"interix", CreateAs(translate.Interix)}, {"native", CreateAs(translate.Native)}, {"auto", CreateAuto},
	} {
		if got, err := ParseCreateFormat(tc.name); err != nil || got != tc.want {
			t.Errorf("ParseCreateFormat(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	for _, name := range []string{"junction", "shell-link", "git-symlink", "none", "LX", ""} {
		_, err := ParseCreateFormat(name)
		if err == nil {
			t.Errorf("ParseCreateFormat(%q) accepted", name)
			continue
		}
		for _, valid := range []string{"lx (lx-symlink)", "cygwin-shortcut", "native", "auto"} {
			if !strings.Contains(err.Error(), valid) {
				t.Errorf("ParseCreateFormat(%q) error %q does not list %s", name, err, valid)
			}
		}
		if strings.Contains(err.Error(), "junction,") {
			t.Errorf("ParseCreateFormat(%q) error %q lists junction", name, err)
		}
	}
}

// TestEncodeDecodes checks that every creatable format encodes into bytes
// the classifier reads back as the same target, in the POSIX style.
func TestEncodeDecodes(t *testing.T) {
	m := &translate.Mapper{}
	for _, f := range CreatableFormats() {
		if f == translate.Native {
			continue
		}
		s, err := Encode(f, "l", "/mnt/c/Users", false, m)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		var p *probe
		if s.Reparse != nil {
			p = &probe{name: s.Name, reparse: s.Reparse}
		} else {
			p = content(t, s.Name, s.Content)
			p.attrs, p.hasAttrs = s.Attrs, true
		}
		e, err := decide(p, &Options{})
		if err != nil || !e.IsLink() || e.Format != f {
			t.Errorf("%s: decoded as %s, %v, %v", f, e.Format, err, e.Err)
			continue
		}
		got, err := m.POSIXTarget(e.Link, 0)
		if err != nil || got != "/mnt/c/Users" {
			t.Errorf("%s: reads back as %q, %v", f, got, err)
		}
	}
}

// TestDecideReparseNotLink checks that a reparse point without the
// name-surrogate bit and of no link format (WOF compression, a OneDrive
// placeholder, dedup) is a plain entry with no error, while an unknown
// name surrogate is still reported as a link linkfs cannot read.
func TestDecideReparseNotLink(t *testing.T) {
	reparse := func(tag uint32, data []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, tag)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
		return append(append(b, 0, 0), data...)
	}
	for _, tag := range []uint32{0x80000017, 0x9000601A, 0x80000013, 0x80000021} {
		e, err := decide(&probe{name: "f", reparse: reparse(tag, make([]byte, 16))}, &Options{})
		if err != nil || e.Format != translate.None || e.Err != nil || !e.Reparse {
			t.Errorf("tag 0x%08X: %s, %v, %v, reparse %v; want a plain entry", tag, e.Format, e.Err, err, e.Reparse)
		}
	}
	e, _ := decide(&probe{name: "f", reparse: reparse(0xA0000099, nil)}, &Options{})
	var ut *translate.UnsupportedTagError
	if !errors.As(e.Err, &ut) || ut.Tag != 0xA0000099 {
		t.Errorf("unknown name surrogate: %v, want an *UnsupportedTagError", e.Err)
	}
}
