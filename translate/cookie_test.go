package translate

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// readContent returns a golden file from testdata/content (see its README).
func readContent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "content", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// contentSeeds returns every golden file whose name starts with prefix, for
// seeding a fuzz target.
func contentSeeds(t testing.TB, prefix string) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "content", prefix+"*.bin"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden files %s*: %v", prefix, err)
	}
	var seeds [][]byte
	for _, n := range names {
		seeds = append(seeds, readContent(t, filepath.Base(n)))
	}
	return seeds
}

// checkContentErr checks err against want: ErrNotLink with errors.Is, a
// *FormatError with errors.As and the same Format and Offset, a
// *SpecialFileError with errors.As and equal fields.
func checkContentErr(t *testing.T, err, want error) {
	t.Helper()
	var fe *FormatError
	var se *SpecialFileError
	switch w := want.(type) {
	case *FormatError:
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v, want *FormatError", err)
		}
		if fe.Format != w.Format || fe.Offset != w.Offset {
			t.Fatalf("err = %v (format %s, offset %d), want format %s, offset %d", err, fe.Format, fe.Offset, w.Format, w.Offset)
		}
	case *SpecialFileError:
		if !errors.As(err, &se) {
			t.Fatalf("err = %v, want *SpecialFileError", err)
		}
		if *se != *w {
			t.Fatalf("err = %+v, want %+v", *se, *w)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}
}

// contentTarget generates targets every file-content encoder takes: valid
// UTF-8, no NUL, 1 to maxLen bytes.
func contentTarget(maxLen int) *rapid.Generator[string] {
	return rapid.StringOfN(rapid.Rune().Filter(func(r rune) bool { return r != 0 }), 1, -1, maxLen)
}

func TestDecodeCygwinCookieGolden(t *testing.T) {
	tests := []struct {
		file   string
		target string
		encode bool // EncodeCygwinCookie must give the file back
	}{
		{"handmade-cookie-utf16-foo.bin", "foo", true},
		{"handmade-cookie-utf16-unicode.bin", "/home/jörg/😀", true},
		{"handmade-cookie-legacy-foo.bin", "foo", false},
		{"handmade-cookie-legacy-cp1252.bin", "/café", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readContent(t, tt.file)
			l, err := DecodeCygwinCookie(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := (Link{Format: CygwinCookie, Target: tt.target}); l != want {
				t.Fatalf("got %+v, want %+v", l, want)
			}
			if !tt.encode {
				return
			}
			enc, err := EncodeCygwinCookie(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, b) {
				t.Fatalf("EncodeCygwinCookie(%q) = % x, want % x", tt.target, enc, b)
			}
		})
	}
}

// cookieUTF16 builds a UTF-16 cookie file from raw UTF-16 units, NUL
// included by the caller.
func cookieUTF16(units ...uint16) []byte {
	b := []byte(CookieMagic + "\xff\xfe")
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func TestDecodeCygwinCookieLimits(t *testing.T) {
	euro := strings.Repeat("€", cygwinSymlinkMax/3) // 4095 bytes in UTF-8
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"legacy 4095 bytes", []byte(CookieMagic + strings.Repeat("a", 4095) + "\x00"), strings.Repeat("a", 4095)},
		{"utf16 4095 bytes of UTF-8", append(append([]byte(CookieMagic+"\xff\xfe"), appendUTF16LE(nil, euro)...), 0, 0), euro},
		{"unpaired surrogate", cookieUTF16('a', 0xD800, 'b', 0), "a\uFFFDb"},
		{"bytes after the NUL", []byte(CookieMagic + "foo\x00junk"), "foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := DecodeCygwinCookie(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if l.Target != tt.want {
				t.Fatalf("Target = %q, want %q", l.Target, tt.want)
			}
		})
	}
}

func TestDecodeCygwinCookieNotLink(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		[]byte("!<symlink"),
		[]byte("#!/bin/sh\n"),
		[]byte(InterixMagic + "f\x00"),
		[]byte(CookieMagic + "\x00"), // empty 8-bit target
		cookieUTF16(0),               // empty UTF-16 target
		[]byte(CookieMagic + "\xff\xfe\x00\x00foo"), // empty, then junk
	} {
		_, err := DecodeCygwinCookie(b)
		checkContentErr(t, err, ErrNotLink)
	}
}

func TestDecodeCygwinCookieFormatError(t *testing.T) {
	long := append([]byte(CookieMagic), bytes.Repeat([]byte{'a'}, CookieMaxSize)...)
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"only the cookie", []byte(CookieMagic), 10},
		{"8-bit without NUL", []byte(CookieMagic + "foo"), 13},
		{"UTF-16 without NUL", cookieUTF16('f', 'o'), 16},
		// The NUL at an odd offset is two halves of two units.
		{"UTF-16 NUL at an odd offset", []byte(CookieMagic + "\xff\xfe\x66\x00\x00\x6f"), 16},
		{"8-bit 4096 bytes", []byte(CookieMagic + strings.Repeat("a", 4096) + "\x00"), 10},
		{"UTF-16 4096 bytes of UTF-8", append(cookieUTF16(), append(appendUTF16LE(nil, strings.Repeat("é", 2048)), 0, 0)...), 12},
		{"NUL past the part Cygwin reads", append(long, 0), CookieMaxSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCygwinCookie(tt.b)
			checkContentErr(t, err, &FormatError{Format: CygwinCookie, Offset: tt.off})
		})
	}
}

func TestDecodeCygwinCookieSocket(t *testing.T) {
	// A Cygwin AF_LOCAL socket file: the socket cookie, then Cygwin's port
	// and secret (their exact form does not matter here).
	_, err := DecodeCygwinCookie([]byte("!<socket >12345 s 01234567-89ABCDEF-01234567-89ABCDEF\x00"))
	checkContentErr(t, err, &SpecialFileError{Format: CygwinCookie, Kind: Socket})
}

func TestEncodeCygwinCookieErrors(t *testing.T) {
	for _, target := range []string{"", "a\x00b", "\xff", strings.Repeat("a", 4096)} {
		if _, err := EncodeCygwinCookie(target); err == nil {
			t.Errorf("EncodeCygwinCookie(%.20q) succeeded, want an error", target)
		}
	}
}

func TestCygwinCookieRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		target := contentTarget(cygwinSymlinkMax).Draw(t, "target")
		b, err := EncodeCygwinCookie(target)
		if err != nil {
			t.Fatal(err)
		}
		l, err := DecodeCygwinCookie(b)
		if err != nil {
			t.Fatal(err)
		}
		if l.Target != target || l.Format != CygwinCookie {
			t.Fatalf("decoded %+v, want Target %q", l, target)
		}
	})
}

func FuzzDecodeCygwinCookie(f *testing.F) {
	for _, s := range contentSeeds(f, "handmade-cookie-") {
		f.Add(s)
	}
	f.Add([]byte("!<socket >"))
	f.Add([]byte(CookieMagic + "\xff\xfe\x00\xd8\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeCygwinCookie(b)
		if err != nil {
			return
		}
		enc, err := EncodeCygwinCookie(l.Target)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", l, err)
		}
		l2, err := DecodeCygwinCookie(enc)
		if err != nil || l2 != l {
			t.Fatalf("re-decoded %+v, %v; want %+v", l2, err, l)
		}
	})
}
