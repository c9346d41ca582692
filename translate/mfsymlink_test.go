package translate

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestDecodeMFSymlinkGolden(t *testing.T) {
	tests := []struct {
		file   string
		target string
	}{
		{"handmade-mfsymlink-foo.bin", "foo"},
		{"handmade-mfsymlink-max.bin", strings.Repeat("x", 1024)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readContent(t, tt.file)
			l, err := DecodeMFSymlink(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := (Link{Format: MFSymlink, Target: tt.target}); l != want {
				t.Fatalf("got %+v, want %+v", l, want)
			}
			enc, err := EncodeMFSymlink(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, b) {
				t.Fatalf("EncodeMFSymlink(%.40q) = %q, want %q", tt.target, enc, b)
			}
		})
	}
}

// mfFile returns the foo example with s written over it at off.
func mfFile(t *testing.T, off int, s string) []byte {
	b := readContent(t, "handmade-mfsymlink-foo.bin")
	copy(b[off:], s)
	return b
}

func TestDecodeMFSymlinkRawBytes(t *testing.T) {
	// Not UTF-8: the bytes are kept as they are, as Linux does.
	target := "caf\xe9"
	b, err := EncodeMFSymlink(target)
	if err != nil {
		t.Fatal(err)
	}
	l, err := DecodeMFSymlink(b)
	if err != nil {
		t.Fatal(err)
	}
	if l.Target != target {
		t.Fatalf("Target = %q, want %q", l.Target, target)
	}
}

func TestDecodeMFSymlinkNotLink(t *testing.T) {
	foo := readContent(t, "handmade-mfsymlink-foo.bin")
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"one byte short", foo[:MFSymlinkSize-1]},
		{"one byte long", append(bytes.Clone(foo), ' ')},
		{"other magic", mfFile(t, 0, "XSYM\n")},
		{"MD5 of another target", mfFile(t, 43, "fop")},
		// Linux compares only 17 digits and would take this one.
		{"last MD5 digit differs", mfFile(t, 41, "9")},
		{"uppercase MD5", mfFile(t, 10, "ACBD18DB4CC2F85CEDEF654FCCC4A4D8")},
		{"empty target", mfFile(t, 5, "0000\nd41d8cd98f00b204e9800998ecf8427e\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMFSymlink(tt.b)
			checkContentErr(t, err, ErrNotLink)
		})
	}
}

func TestDecodeMFSymlinkFormatError(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"length not digits", mfFile(t, 5, " 003"), 5},
		{"length with a sign", mfFile(t, 5, "+003"), 5},
		{"no newline after length", mfFile(t, 9, " "), 9},
		{"length over 1024", mfFile(t, 5, "1025"), 5},
		{"MD5 not hex", mfFile(t, 20, "g"), 20},
		{"no newline after MD5", mfFile(t, 42, " "), 42},
		// "a\0b" with its own MD5 (hashlib.md5(b"a\0b")).
		{"NUL inside target", mfFile(t, 5, "0003\n70350f6027bce3713f6b76473084309b\na\x00b"), 44},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMFSymlink(tt.b)
			checkContentErr(t, err, &FormatError{Format: MFSymlink, Offset: tt.off})
		})
	}
}

func TestEncodeMFSymlinkErrors(t *testing.T) {
	for _, target := range []string{"", "a\x00b", strings.Repeat("a", 1025)} {
		if _, err := EncodeMFSymlink(target); err == nil {
			t.Errorf("EncodeMFSymlink(%.20q) succeeded, want an error", target)
		}
	}
}

func TestMFSymlinkRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Any bytes but NUL: MFSymlinks store the target unconverted.
		raw := rapid.SliceOfN(rapid.Byte().Filter(func(c byte) bool { return c != 0 }), 1, mfsymlinkLinkMaxLen).Draw(t, "target")
		target := string(raw)
		b, err := EncodeMFSymlink(target)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != MFSymlinkSize {
			t.Fatalf("encoded %d bytes, want %d", len(b), MFSymlinkSize)
		}
		l, err := DecodeMFSymlink(b)
		if err != nil {
			t.Fatal(err)
		}
		if l.Target != target || l.Format != MFSymlink {
			t.Fatalf("decoded %+v, want Target %q", l, target)
		}
	})
}

func FuzzDecodeMFSymlink(f *testing.F) {
	for _, s := range contentSeeds(f, "handmade-mfsymlink-") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeMFSymlink(b)
		if err != nil {
			return
		}
		enc, err := EncodeMFSymlink(l.Target)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", l, err)
		}
		l2, err := DecodeMFSymlink(enc)
		if err != nil || l2 != l {
			t.Fatalf("re-decoded %+v, %v; want %+v", l2, err, l)
		}
	})
}
