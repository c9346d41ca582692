package translate

import (
	"errors"
	"testing"
)

func TestDecodeNFS(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		// FORMATS.md §10 example header for /srv/x.
		{"absolute", concat([]byte("\x14\x00\x00\x80\x14\x00\x00\x00\x4c\x4e\x4b\x01\x00\x00\x00\x00"), utf16LE("/srv/x")), "/srv/x"},
		{"relative", reparseBuf(TagNFS, le64(nfsSpecfileLNK), utf16LE("../a b/ü")), "../a b/ü"},
		{"unpaired surrogate", reparseBuf(TagNFS, le64(nfsSpecfileLNK), le16(0xDFFF)), "\uFFFD"},
	}
	for _, tt := range tests {
		got, err := DecodeReparse(tt.b)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if want := (Link{Format: NFSSymlink, Target: tt.want}); got != want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestDecodeNFSSpecialFiles(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want SpecialFileError
	}{
		{"char device", reparseBuf(TagNFS, []byte("CHR\x00\x00\x00\x00\x00"), le32(1), le32(3)), SpecialFileError{Format: NFSSymlink, Kind: CharDevice, Major: 1, Minor: 3}},
		{"block device", reparseBuf(TagNFS, []byte("BLK\x00\x00\x00\x00\x00"), le32(8), le32(0x100001)), SpecialFileError{Format: NFSSymlink, Kind: BlockDevice, Major: 8, Minor: 0x100001}},
		{"fifo", reparseBuf(TagNFS, []byte("FIFO\x00\x00\x00\x00")), SpecialFileError{Format: NFSSymlink, Kind: FIFO}},
		{"socket", reparseBuf(TagNFS, []byte("SOCK\x00\x00\x00\x00")), SpecialFileError{Format: NFSSymlink, Kind: Socket}},
	}
	for _, tt := range tests {
		_, err := DecodeReparse(tt.b)
		var se *SpecialFileError
		if !errors.As(err, &se) || *se != tt.want {
			t.Errorf("%s: error %v, want %+v", tt.name, err, tt.want)
		}
	}
}

func TestDecodeNFSFormatErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"no InodeType", reparseBuf(TagNFS, le32(0x014B4E4C)), 12},
		{"empty target", reparseBuf(TagNFS, le64(nfsSpecfileLNK)), offNFSData},
		{"odd length", reparseBuf(TagNFS, le64(nfsSpecfileLNK), []byte("a\x00b")), 4},
		{"NUL-terminated", reparseBuf(TagNFS, le64(nfsSpecfileLNK), utf16LE("/x"), le16(0)), offNFSData + 4},
		{"short device", reparseBuf(TagNFS, le64(nfsSpecfileCHR), le32(1)), offNFSData},
		{"device as u64", reparseBuf(TagNFS, le64(nfsSpecfileBLK), le64(1), le32(0)), offNFSData},
		{"fifo with data", reparseBuf(TagNFS, le64(nfsSpecfileFIFO), le32(0)), offNFSData},
		{"unknown InodeType", reparseBuf(TagNFS, []byte("LNK\x02\x00\x00\x00\x00"), utf16LE("x")), offNFSInodeType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeReparse(tt.b)
			wantReparseFormatError(t, err, NFSSymlink, tt.off)
		})
	}
}
