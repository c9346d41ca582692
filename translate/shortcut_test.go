package translate

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestDecodeCygwinShortcutGolden(t *testing.T) {
	long := ""
	for i := range 60 {
		long += "/d0" + string(rune('0'+i/10)) + string(rune('0'+i%10))
	}
	tests := []struct {
		file      string
		target    string
		printName string
		encode    bool // EncodeCygwinShortcut must give the file back
	}{
		{"handmade-cygwin-shortcut-foo.bin", "foo", `C:\cygwin64\home\user\foo`, true},
		{"handmade-cygwin-shortcut-unicode.bin", "/tmp/ünï €", `C:\cygwin64\tmp\ünï €`, true},
		{"handmade-cygwin-shortcut-long.bin", long, `C:\cygwin64` + strings.ReplaceAll(long, "/", `\`), true},
		{"handmade-cygwin-shortcut-idlist.bin", "../bar", `C:\cygwin64\home\bar`, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readContent(t, tt.file)
			l, err := DecodeCygwinShortcut(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := (Link{Format: CygwinShortcut, Target: tt.target, PrintName: tt.printName}); l != want {
				t.Fatalf("got %+v, want %+v", l, want)
			}
			if !tt.encode {
				return
			}
			enc, err := EncodeCygwinShortcut(tt.target, tt.printName)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, b) {
				t.Fatalf("EncodeCygwinShortcut(%.40q) =\n% x\nwant\n% x", tt.target, enc, b)
			}
		})
	}
}

// shortcutBytes builds a shortcut: Cygwin's header with the given flags and
// ShowCommand, then the parts as they are.
func shortcutBytes(flags, show uint32, parts ...[]byte) []byte {
	b := make([]byte, lnkHeaderSize)
	binary.LittleEndian.PutUint32(b, lnkHeaderSize)
	copy(b[4:], lnkLinkCLSID)
	binary.LittleEndian.PutUint32(b[20:], flags)
	binary.LittleEndian.PutUint32(b[60:], show)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// counted returns a u16 length and s.
func counted(s string) []byte {
	return append(binary.LittleEndian.AppendUint16(nil, uint16(len(s))), s...)
}

// wideTrailer returns Cygwin's trailer for s: u16 L, FF FE, UTF-16 and NUL.
func wideTrailer(s string) []byte {
	w := append(appendUTF16LE(nil, s), 0, 0)
	return append(append(binary.LittleEndian.AppendUint16(nil, uint16(len(w))), 0xFF, 0xFE), w...)
}

func TestDecodeCygwinShortcutSources(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		target string
	}{
		{"no trailer: NAME", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\foo`)), "foo"},
		{"the trailer wins over NAME", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\bar`), wideTrailer("bar")), "bar"},
		// Cygwin 1.7 betas (2008) appended the path as 8-bit text, no BOM.
		{"8-bit trailer", shortcutBytes(0x0C, 1, counted("[path too long]"), counted(`C:\x`), counted("/x/y")), "/x/y"},
		// Cygwin reads the UTF-16 trailer up to its NUL, whatever L says.
		{"UTF-16 trailer with a wrong L", shortcutBytes(0x0C, 1, counted("a"), counted(`C:\a`), []byte{2, 0, 0xFF, 0xFE, 'a', 0, 'b', 0, 0, 0}), "ab"},
		{"not UTF-8: Windows-1252", shortcutBytes(0x0C, 1, counted("/caf\xe9"), counted(`C:\caf`+"\xe9")), "/café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := DecodeCygwinShortcut(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if l.Target != tt.target {
				t.Fatalf("Target = %q, want %q", l.Target, tt.target)
			}
		})
	}
}

func TestDecodeCygwinShortcutNotLink(t *testing.T) {
	ok := [][]byte{counted("foo"), counted(`C:\foo`), wideTrailer("foo")}
	badSize := shortcutBytes(0x0C, 1, ok...)
	binary.LittleEndian.PutUint32(badSize, 0x4D)
	badCLSID := shortcutBytes(0x0C, 1, ok...)
	badCLSID[19] = 0x47
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"only a header", shortcutBytes(0x0C, 1)},
		{"larger than ShortcutMaxSize", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\foo`), make([]byte, ShortcutMaxSize))},
		{"HeaderSize", badSize},
		{"LinkCLSID", badCLSID},
		{"IsUnicode set, as Explorer does", shortcutBytes(0x8C, 1, ok...)},
		{"HasLinkInfo set", shortcutBytes(0x0E, 1, ok...)},
		{"no RELATIVE_PATH", shortcutBytes(0x04, 1, ok...)},
		{"ShowCommand maximized", shortcutBytes(0x0C, 3, ok...)},
		{"empty NAME", shortcutBytes(0x0C, 1, counted(""), counted(`C:\foo`), wideTrailer("foo"))},
		{"device file", shortcutBytes(0x0C, 1, counted(`:\dev\null`), counted(`:\dev\null`), wideTrailer(`:\dev\null`))},
		{"device file named in the trailer only", shortcutBytes(0x0C, 1, counted("[path too long]"), counted(`:\x`), wideTrailer(`:\x`))},
		{"empty trailer", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\foo`), wideTrailer(""))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCygwinShortcut(tt.b)
			checkContentErr(t, err, ErrNotLink)
		})
	}
}

func TestDecodeCygwinShortcutFormatError(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"IDList past the end", shortcutBytes(0x0D, 1, []byte{0x40, 0}, make([]byte, 8)), 0x4E},
		{"NAME past the end", shortcutBytes(0x0C, 1, []byte{9, 0, 'f', 'o', 'o'}), 0x4E},
		{"no RELATIVE_PATH length", shortcutBytes(0x0C, 1, counted("foo")), 0x51},
		{"trailer of one byte", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\foo`), []byte{8}), 0x59},
		{"UTF-16 trailer without NUL", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\foo`), []byte{8, 0, 0xFF, 0xFE, 'f', 0, 'o', 0}), 0x61},
		{"8-bit trailer past the end", shortcutBytes(0x0C, 1, counted("foo"), counted(`C:\foo`), []byte{9, 0, '/', 'x'}), 0x5B},
		{"NUL inside NAME", shortcutBytes(0x0C, 1, counted("f\x00o"), counted(`C:\foo`)), 0x4F},
		{"NAME longer than SYMLINK_MAX", shortcutBytes(0x0C, 1, counted(strings.Repeat("a", 4096)), counted(`C:\a`)), 0x4E},
		{"RELATIVE_PATH over 65535 bytes as UTF-8", shortcutBytes(0x0C, 1, counted("foo"), counted(strings.Repeat("\xe9", 40000))), 0x51},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCygwinShortcut(tt.b)
			checkContentErr(t, err, &FormatError{Format: CygwinShortcut, Offset: tt.off})
		})
	}
}

func TestEncodeCygwinShortcutErrors(t *testing.T) {
	tests := []struct{ target, win32Path string }{
		{"", `C:\x`},
		{"a\x00b", `C:\x`},
		{"\xff", `C:\x`},
		{strings.Repeat("a", 4096), `C:\x`},
		{`:\dev\null`, `:\dev\null`},
		{"foo", "C:\\\xff"},
		{"foo", strings.Repeat("a", 65536)},
	}
	for _, tt := range tests {
		if _, err := EncodeCygwinShortcut(tt.target, tt.win32Path); err == nil {
			t.Errorf("EncodeCygwinShortcut(%.20q, %.20q) succeeded, want an error", tt.target, tt.win32Path)
		}
	}
}

func TestCygwinShortcutRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Up to 1000 runes crosses the 260-byte NAME limit often.
		target := rapid.StringOfN(rapid.Rune().Filter(func(r rune) bool { return r != 0 }), 1, 1000, cygwinSymlinkMax).
			Filter(func(s string) bool { return !strings.HasPrefix(s, cygwinDevicePrefix) }).Draw(t, "target")
		win32Path := rapid.StringN(0, 300, -1).Draw(t, "win32Path")
		b, err := EncodeCygwinShortcut(target, win32Path)
		if err != nil {
			t.Fatal(err)
		}
		l, err := DecodeCygwinShortcut(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Link{Format: CygwinShortcut, Target: target, PrintName: win32Path}); l != want {
			t.Fatalf("decoded %+v, want %+v", l, want)
		}
		// A generic shell link reader sees RELATIVE_PATH, in the ANSI code
		// page, which agrees with UTF-8 on ASCII.
		ascii := win32Path != "" && strings.IndexFunc(win32Path, func(r rune) bool { return r >= 0x80 }) < 0
		if l, err := DecodeShellLink(b, ShellLinkOptions{}); ascii && (err != nil || l.Target != win32Path) {
			t.Fatalf("DecodeShellLink = %+v, %v; want Target %q", l, err, win32Path)
		}
	})
}

func FuzzDecodeCygwinShortcut(f *testing.F) {
	for _, s := range contentSeeds(f, "handmade-cygwin-shortcut-") {
		f.Add(s)
	}
	f.Add(shortcutBytes(0x0C, 1, counted("[path too long]"), counted(`C:\x`), counted("/x/y")))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeCygwinShortcut(b)
		if err != nil {
			return
		}
		enc, err := EncodeCygwinShortcut(l.Target, l.PrintName)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", l, err)
		}
		l2, err := DecodeCygwinShortcut(enc)
		if err != nil || l2 != l {
			t.Fatalf("re-decoded %+v, %v; want %+v", l2, err, l)
		}
	})
}
