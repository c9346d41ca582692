package translate

import (
	"errors"
	"testing"
)

func TestDecodeLX(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		// FORMATS.md §4.1 example, also what ntfs-3g writes for ln -s /mnt/c/x.
		{"version 2", []byte("\x1d\x00\x00\xa0\x0c\x00\x00\x00\x02\x00\x00\x00/mnt/c/x"), "/mnt/c/x"},
		// Linux cifs before 6.15 wrote the version bytes reversed.
		{"version bytes reversed", reparseBuf(TagLXSymlink, []byte{0, 0, 0, 2}, []byte("/mnt/c/x")), "/mnt/c/x"},
		{"one byte", reparseBuf(TagLXSymlink, le32(2), []byte("a")), "a"},
		// Linux names are bytes: a Latin-1 name stays as stored.
		{"not UTF-8", reparseBuf(TagLXSymlink, le32(2), []byte("caf\xe9")), "caf\xe9"},
	}
	for _, tt := range tests {
		got, err := DecodeReparse(tt.b)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if want := (Link{Format: LXSymlink, Target: tt.want}); got != want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestDecodeLXFormatErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"no version", reparseBuf(TagLXSymlink, []byte{2, 0}), 10},
		{"empty target", reparseBuf(TagLXSymlink, le32(2)), offLXTarget},
		{"NUL-terminated", reparseBuf(TagLXSymlink, le32(2), []byte("/x\x00")), offLXTarget + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeReparse(tt.b)
			wantReparseFormatError(t, err, LXSymlink, tt.off)
		})
	}
}

func TestDecodeLXUnsupportedVersion(t *testing.T) {
	for _, v := range []uint32{1, 0, 3, 0x01000000} {
		// Version 1 as WSL's CreateV1Symlink writes it: no inline target.
		_, err := DecodeReparse(reparseBuf(TagLXSymlink, le32(v)))
		var ve *UnsupportedVersionError
		if !errors.As(err, &ve) || *ve != (UnsupportedVersionError{Format: LXSymlink, Version: v}) {
			t.Errorf("version %#x: error %v, want *UnsupportedVersionError", v, err)
		}
	}
}
