package translate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"pgregory.net/rapid"
)

// Builders for hand-made reparse buffers.

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// w is s in UTF-16LE, no NUL.
func utf16LE(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// rp is a reparse buffer: tag, a ReparseDataLength counting data, Reserved 0, data.
func reparseBuf(tag uint32, data ...[]byte) []byte {
	d := concat(data...)
	return concat(le32(tag), le16(uint16(len(d))), le16(0), d)
}

func readReparse(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reparse", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReparseGolden decodes buffers written or accepted by ntfs-3g (see
// testdata/reparse/README.md) and checks that the encoder reproduces them
// byte for byte.
func TestReparseGolden(t *testing.T) {
	long := "/" + strings.Repeat("abcdefghijklmnopqrstuvwxyz012345678/", 110) + "abcdefghijklmnopqrstuvwxyz012345678"
	tests := []struct {
		file string
		want Link
	}{
		// ln -s through ntfs-3g -o special_files=wsl.
		{"ntfs3g-lx-abs.bin", Link{Format: LXSymlink, Target: "/mnt/c/x"}},
		{"ntfs3g-lx-rel.bin", Link{Format: LXSymlink, Target: "foo/bar"}},
		{"ntfs3g-lx-utf8.bin", Link{Format: LXSymlink, Target: "dir/Ünïcödé/日本語/🎉"}},
		{"ntfs3g-lx-long.bin", Link{Format: LXSymlink, Target: long}},
		// Our encoder's bytes, set with setfattr and read back unchanged.
		{"ntfs3g-accepted-symlink-absolute.bin", Link{Format: NTFSSymlink, Target: `\??\C:\x`, PrintName: `C:\x`}},
		{"ntfs3g-accepted-symlink-relative.bin", Link{Format: NTFSSymlink, Target: `tgt\file.txt`, PrintName: `tgt\file.txt`, Relative: true}},
		{"ntfs3g-accepted-symlink-dotdot.bin", Link{Format: NTFSSymlink, Target: `..\tgt\file.txt`, PrintName: `..\tgt\file.txt`, Relative: true}},
		{"ntfs3g-accepted-symlink-rooted.bin", Link{Format: NTFSSymlink, Target: `\tgt\file.txt`, PrintName: `\tgt\file.txt`, Relative: true}},
		{"ntfs3g-accepted-symlink-unc.bin", Link{Format: NTFSSymlink, Target: `\??\UNC\srv\shr\a`, PrintName: `\\srv\shr\a`}},
		{"ntfs3g-accepted-symlink-device.bin", Link{Format: NTFSSymlink, Target: `\??\C:\dev`, PrintName: `\\?\C:\dev`}},
		{"ntfs3g-accepted-junction.bin", Link{Format: Junction, Target: `\??\C:\dir`, PrintName: `C:\dir`}},
		{"ntfs3g-accepted-junction-unc.bin", Link{Format: Junction, Target: `\??\UNC\srv\shr\a`, PrintName: `\\srv\shr\a`}},
		{"ntfs3g-accepted-volume.bin", Link{Format: VolumeMount, Target: `\??\Volume{12345678-1234-1234-1234-123456789abc}\`}},
		{"ntfs3g-accepted-nfs.bin", Link{Format: NFSSymlink, Target: "/srv/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readReparse(t, tt.file)
			got, err := DecodeReparse(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DecodeReparse = %+v, want %+v", got, tt.want)
			}
			enc, err := EncodeReparse(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, b) {
				t.Errorf("EncodeReparse = %x\nwant            %x", enc, b)
			}
		})
	}
}

func TestReparseTag(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want uint32
	}{
		{"symlink", reparseBuf(TagSymlink, make([]byte, 12)), TagSymlink},
		{"no data", reparseBuf(0x80000023), 0x80000023}, // AF_UNIX
		{"reserved kept by Samba", concat(le32(TagLXSymlink), le16(0), le16(7)), TagLXSymlink},
		// A non-Microsoft tag (bit 31 clear) has a 16-byte GUID that
		// ReparseDataLength does not count: Cygwin's AF_UNIX socket.
		{"guid", concat(le32(0x00006375), le16(2), le16(0), make([]byte, 16), []byte{1, 2}), 0x00006375},
		{"largest", reparseBuf(TagLXSymlink, make([]byte, MaxReparseSize-8)), TagLXSymlink},
	}
	for _, tt := range tests {
		got, err := ReparseTag(tt.b)
		if err != nil || got != tt.want {
			t.Errorf("%s: ReparseTag = %#x, %v; want %#x", tt.name, got, err, tt.want)
		}
	}
}

// wantReparseFormatError checks that err is a *FormatError of format f at offset off.
func wantReparseFormatError(t *testing.T, err error, f Format, off int) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want *FormatError", err, err)
	}
	if fe.Format != f || fe.Offset != off {
		t.Errorf("FormatError %q at %d (%v), want %q at %d", fe.Format, fe.Offset, err, f, off)
	}
}

func TestReparseHeaderFormatErrors(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		format Format
		off    int
	}{
		{"empty", nil, reparsePoint, 0},
		{"truncated header", concat(le32(TagSymlink), le16(0)), reparsePoint, 6},
		{"over 16 KiB", reparseBuf(TagLXSymlink, make([]byte, MaxReparseSize-7)), LXSymlink, MaxReparseSize},
		{"tag 0", reparseBuf(0, []byte{1}), reparsePoint, 0},
		{"length too long", concat(le32(TagSymlink), le16(13), le16(0), make([]byte, 12)), NTFSSymlink, 4},
		{"length too short", concat(le32(TagMountPoint), le16(7), le16(0), make([]byte, 8)), Junction, 4},
		{"guid missing", reparseBuf(0x00006375, []byte{1, 2}), reparsePoint, 4},
		{"guid counted", concat(le32(TagNFS), le16(8), le16(0), make([]byte, 16), le64(nfsSpecfileFIFO)), NFSSymlink, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReparseTag(tt.b)
			wantReparseFormatError(t, err, tt.format, tt.off)
			_, err = DecodeReparse(tt.b)
			wantReparseFormatError(t, err, tt.format, tt.off)
		})
	}
}

func TestDecodeReparseUnsupportedTag(t *testing.T) {
	for _, b := range [][]byte{
		reparseBuf(0x80000023),                                       // AF_UNIX
		reparseBuf(0x9000701A, []byte{1, 2, 3, 4}),                   // a CLOUD_7 OneDrive placeholder
		reparseBuf(0x8000001B, le32(3), utf16LE("x\x00")),            // APPEXECLINK, not decoded
		concat(le32(0x00006375), le16(0), le16(0), make([]byte, 16)), // Cygwin socket, GUID header
	} {
		tag := binary.LittleEndian.Uint32(b)
		_, err := DecodeReparse(b)
		var ue *UnsupportedTagError
		if !errors.As(err, &ue) || ue.Tag != tag {
			t.Errorf("tag %#x: error %v, want *UnsupportedTagError", tag, err)
			continue
		}
		if want := fmt.Sprintf("%08X", tag); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name tag %s", err, want)
		}
	}
}

func TestEncodeReparseErrors(t *testing.T) {
	long := strings.Repeat("a", MaxReparseSize)
	tests := []struct {
		name string
		l    Link
	}{
		{"not a reparse format", Link{Format: CygwinCookie, Target: "x"}},
		{"zero Link", Link{}},
		{"symlink empty", Link{Format: NTFSSymlink, PrintName: "x"}},
		{"symlink NUL", Link{Format: NTFSSymlink, Target: "a\x00b"}},
		{"symlink PrintName NUL", Link{Format: NTFSSymlink, Target: "a", PrintName: "\x00"}},
		{"symlink bad UTF-8", Link{Format: NTFSSymlink, Target: "a\xffb"}},
		{"symlink too long", Link{Format: NTFSSymlink, Target: long[:4096], PrintName: long[:4096]}},
		{"junction empty", Link{Format: Junction}},
		{"junction relative flag", Link{Format: Junction, Target: `\??\C:\x`, Relative: true}},
		{"junction to a volume", Link{Format: Junction, Target: `\??\volume{x}\`}},
		{"volume mount to a path", Link{Format: VolumeMount, Target: `\??\C:\x`}},
		{"junction too long", Link{Format: Junction, Target: long[:(MaxReparseSize-mountPointPathBuffer)/2+1]}},
		{"lx empty", Link{Format: LXSymlink}},
		{"lx NUL", Link{Format: LXSymlink, Target: "/a\x00"}},
		{"lx PrintName", Link{Format: LXSymlink, Target: "/a", PrintName: "a"}},
		{"lx relative flag", Link{Format: LXSymlink, Target: "a", Relative: true}},
		{"lx too long", Link{Format: LXSymlink, Target: long[:maxLXTarget+1]}},
		{"nfs empty", Link{Format: NFSSymlink}},
		{"nfs NUL", Link{Format: NFSSymlink, Target: "\x00"}},
		{"nfs bad UTF-8", Link{Format: NFSSymlink, Target: "\xc3"}},
		{"nfs PrintName", Link{Format: NFSSymlink, Target: "a", PrintName: "a"}},
		{"nfs too long", Link{Format: NFSSymlink, Target: long[:(MaxReparseSize-offNFSData)/2+1]}},
	}
	for _, tt := range tests {
		if b, err := EncodeReparse(tt.l); err == nil {
			t.Errorf("%s: EncodeReparse(%+v) = %x, want an error", tt.name, tt.l, b)
		}
	}
}

// TestEncodeReparseLimits checks the largest targets that fit.
func TestEncodeReparseLimits(t *testing.T) {
	long := strings.Repeat("a", MaxReparseSize)
	for _, l := range []Link{
		{Format: LXSymlink, Target: long[:maxLXTarget]},
		{Format: NFSSymlink, Target: long[:(MaxReparseSize-offNFSData)/2]},
		{Format: NTFSSymlink, Target: long[:(MaxReparseSize-symlinkPathBuffer)/2]},
		{Format: NTFSSymlink, Target: long[:4000], PrintName: long[:(MaxReparseSize-symlinkPathBuffer)/2-4000]},
		// Too long for the NULs Windows adds after the names: they are left out.
		{Format: Junction, Target: long[:(MaxReparseSize-mountPointPathBuffer)/2]},
	} {
		b, err := EncodeReparse(l)
		if err != nil {
			t.Errorf("EncodeReparse(%s, %d+%d bytes): %v", l.Format, len(l.Target), len(l.PrintName), err)
			continue
		}
		if len(b) != MaxReparseSize {
			t.Errorf("%s: %d bytes, want %d", l.Format, len(b), MaxReparseSize)
		}
		if got, err := DecodeReparse(b); err != nil || got != l {
			t.Errorf("%s: does not decode back: %v", l.Format, err)
		}
	}
}

// Generators for the round-trip property.

// text is non-empty UTF-8 without NUL, short or long.
func reparseText(min int) *rapid.Generator[string] {
	r := rapid.Rune().Filter(func(r rune) bool { return r != 0 })
	return rapid.OneOf(
		rapid.StringOfN(r, min, 40, -1),
		rapid.StringOfN(rapid.RuneFrom([]rune{'\\', 'C', ':', '?', '.', '/', 'é', '\uFFFD', '😀'}), min, 2000, -1),
	)
}

func TestReparseRoundTrip(t *testing.T) {
	gens := map[Format]*rapid.Generator[Link]{
		NTFSSymlink: rapid.Custom(func(t *rapid.T) Link {
			return Link{Format: NTFSSymlink, Target: reparseText(1).Draw(t, "target"), PrintName: reparseText(0).Draw(t, "print"), Relative: rapid.Bool().Draw(t, "relative")}
		}),
		Junction: rapid.Custom(func(t *rapid.T) Link {
			target := reparseText(1).Filter(func(s string) bool { return !hasPrefixFold(s, ntVolumePrefix) }).Draw(t, "target")
			return Link{Format: Junction, Target: target, PrintName: reparseText(0).Draw(t, "print")}
		}),
		VolumeMount: rapid.Custom(func(t *rapid.T) Link {
			prefix := rapid.SampledFrom([]string{ntVolumePrefix, `\??\volume{`, `\??\VOLUME{`}).Draw(t, "prefix")
			return Link{Format: VolumeMount, Target: prefix + reparseText(0).Draw(t, "guid"), PrintName: reparseText(0).Draw(t, "print")}
		}),
		LXSymlink: rapid.Custom(func(t *rapid.T) Link {
			// Any bytes but NUL: the target need not be UTF-8.
			target := rapid.SliceOfN(rapid.ByteRange(1, 255), 1, 3000).Draw(t, "target")
			return Link{Format: LXSymlink, Target: string(target)}
		}),
		NFSSymlink: rapid.Custom(func(t *rapid.T) Link {
			return Link{Format: NFSSymlink, Target: reparseText(1).Draw(t, "target")}
		}),
	}
	for f, gen := range gens {
		t.Run(string(f), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				l := gen.Draw(t, "link")
				b, err := EncodeReparse(l)
				if err != nil {
					t.Fatal(err)
				}
				got, err := DecodeReparse(b)
				if err != nil {
					t.Fatalf("DecodeReparse(%x): %v", b, err)
				}
				if got != l {
					t.Fatalf("round trip: got %+v, want %+v", got, l)
				}
			})
		})
	}
}

// FuzzDecodeReparse checks that decoding never panics, fails only with the
// typed errors, and that whatever decodes encodes again to the same Link.
func FuzzDecodeReparse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "reparse", "*.bin"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		f.Add(readReparse(f, filepath.Base(name)))
	}
	for _, b := range [][]byte{
		linuxSymlinkAbs,
		symlinkBuf(4, 8, 0, 4, 1, concat(utf16LE("ab"), utf16LE("\\??\\"))),
		mountPointBuf(0, 8, 10, 0, concat(utf16LE(`\??\`), le16(0), le16(0))),
		reparseBuf(TagLXSymlink, le32(lxVersionSwapped), []byte("/x")),
		reparseBuf(TagLXSymlink, le32(1)),
		reparseBuf(TagNFS, le64(nfsSpecfileCHR), le32(1), le32(3)),
		reparseBuf(TagNFS, le64(nfsSpecfileSOCK)),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeReparse(b)
		if err != nil {
			var (
				fe *FormatError
				te *UnsupportedTagError
				ve *UnsupportedVersionError
				se *SpecialFileError
			)
			if !errors.As(err, &fe) && !errors.As(err, &te) && !errors.As(err, &ve) && !errors.As(err, &se) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		enc, err := EncodeReparse(l)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", l, err)
		}
		got, err := DecodeReparse(enc)
		if err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", enc, err)
		}
		if got != l {
			t.Fatalf("re-encoded link %+v, want %+v", got, l)
		}
	})
}
