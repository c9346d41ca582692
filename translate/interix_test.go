package translate

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestDecodeInterixGolden(t *testing.T) {
	tests := []struct {
		file   string
		target string
	}{
		{"ntfs3g-interix-absolute.bin", "/some/target"},
		{"ntfs3g-interix-relative.bin", "../up/file.txt"},
		{"ntfs3g-interix-unicode.bin", "dir/ünïcødé €"},
		{"ntfs3g-interix-astral.bin", "dir/😀x"},
		{"ntfs3g-interix-long.bin", strings.Repeat("a/", 100) + "x"},
		{"ntfs3g-interix-max.bin", strings.Repeat("a", 4095)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readContent(t, tt.file)
			l, err := DecodeInterix(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := (Link{Format: Interix, Target: tt.target}); l != want {
				t.Fatalf("got %+v, want %+v", l, want)
			}
			enc, err := EncodeInterix(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, b) {
				t.Fatalf("EncodeInterix(%.40q) = % x, want % x", tt.target, enc, b)
			}
		})
	}
}

func TestDecodeInterixSpecialFile(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want SpecialFileError
	}{
		{"ntfs-3g mknod c 4 65", readContent(t, "ntfs3g-interix-chr-4-65.bin"), SpecialFileError{Format: Interix, Kind: CharDevice, Major: 4, Minor: 65}},
		{"ntfs-3g mknod b 8 1", readContent(t, "ntfs3g-interix-blk-8-1.bin"), SpecialFileError{Format: Interix, Kind: BlockDevice, Major: 8, Minor: 1}},
		// The 16-byte form with 32-bit numbers (Windows NFS server before 2012).
		{"16-byte char device", []byte("IntxCHR\x00\x05\x00\x00\x00\x01\x00\x00\x00"), SpecialFileError{Format: Interix, Kind: CharDevice, Major: 5, Minor: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeInterix(tt.b)
			checkContentErr(t, err, &tt.want)
		})
	}
}

func TestDecodeInterixNotLink(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{0},                        // an ntfs-3g socket
		[]byte("IntxLNK"),          // short
		[]byte("IntxLNK\x00a\x00"), // old Linux cifs matched this; the \1 is required
		[]byte(InterixMagic),       // no target: ntfs-3g shows a regular file
		[]byte("LnxFIFO\x00"),
		[]byte(CookieMagic + "\xff\xfef\x00\x00\x00"),
	} {
		_, err := DecodeInterix(b)
		checkContentErr(t, err, ErrNotLink)
	}
}

func TestDecodeInterixFormatError(t *testing.T) {
	tooBig := append([]byte(InterixMagic), bytes.Repeat([]byte{'a', 0}, 4097)...)
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"odd length", []byte(InterixMagic + "a\x00b"), 10},
		{"NUL inside", []byte(InterixMagic + "a\x00\x00\x00b\x00"), 10},
		{"over InterixMaxSize", tooBig, InterixMaxSize},
		{"device of 20 bytes", []byte("IntxBLK\x00" + strings.Repeat("\x00", 12)), 20},
		{"major over 32 bits", []byte("IntxCHR\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"), 8},
		{"minor over 32 bits", []byte("IntxCHR\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00"), 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeInterix(tt.b)
			checkContentErr(t, err, &FormatError{Format: Interix, Offset: tt.off})
		})
	}
}

func TestDecodeInterixUnpairedSurrogate(t *testing.T) {
	l, err := DecodeInterix([]byte(InterixMagic + "a\x00\x00\xd8b\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Target != "a\uFFFDb" {
		t.Fatalf("Target = %q, want %q", l.Target, "a\uFFFDb")
	}
}

func TestEncodeInterixErrors(t *testing.T) {
	for _, target := range []string{"", "a\x00b", "\xff", strings.Repeat("😀", 2049)} {
		if _, err := EncodeInterix(target); err == nil {
			t.Errorf("EncodeInterix(%.20q) succeeded, want an error", target)
		}
	}
}

func TestInterixRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// 4096 bytes of UTF-8 are at most 4096 UTF-16 units.
		target := contentTarget(interixMaxUnits).Draw(t, "target")
		b, err := EncodeInterix(target)
		if err != nil {
			t.Fatal(err)
		}
		l, err := DecodeInterix(b)
		if err != nil {
			t.Fatal(err)
		}
		if l.Target != target || l.Format != Interix {
			t.Fatalf("decoded %+v, want Target %q", l, target)
		}
	})
}

func FuzzDecodeInterix(f *testing.F) {
	for _, s := range contentSeeds(f, "ntfs3g-interix-") {
		f.Add(s)
	}
	f.Add([]byte("IntxCHR\x00\x05\x00\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeInterix(b)
		if err != nil {
			return
		}
		enc, err := EncodeInterix(l.Target)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", l, err)
		}
		l2, err := DecodeInterix(enc)
		if err != nil || l2 != l {
			t.Fatalf("re-decoded %+v, %v; want %+v", l2, err, l)
		}
	})
}
