package translate

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// symlinkBuf is an IO_REPARSE_TAG_SYMLINK buffer with the given name fields,
// Flags and PathBuffer.
func symlinkBuf(substOff, substLen, printOff, printLen uint16, flags uint32, path []byte) []byte {
	return reparseBuf(TagSymlink, le16(substOff), le16(substLen), le16(printOff), le16(printLen), le32(flags), path)
}

// mountPointBuf is an IO_REPARSE_TAG_MOUNT_POINT buffer: no Flags.
func mountPointBuf(substOff, substLen, printOff, printLen uint16, path []byte) []byte {
	return reparseBuf(TagMountPoint, le16(substOff), le16(substLen), le16(printOff), le16(printLen), path)
}

// linuxSymlinkAbs is /mnt/c/x as Linux cifs create_native_symlink lays it
// out: PrintName `C:\x` first, then SubstituteName `\??\C:\x`, no NULs.
var linuxSymlinkAbs = symlinkBuf(8, 16, 0, 8, 0, concat(utf16LE(`C:\x`), utf16LE(`\??\C:\x`)))

func TestDecodeSymlink(t *testing.T) {
	abs := Link{Format: NTFSSymlink, Target: `\??\C:\x`, PrintName: `C:\x`}
	tests := []struct {
		name string
		b    []byte
		want Link
	}{
		{"SubstituteName first (ReactOS, Samba)", symlinkBuf(0, 16, 16, 8, 0, concat(utf16LE(`\??\C:\x`), utf16LE(`C:\x`))), abs},
		{"PrintName first (Linux cifs, ntfs3)", linuxSymlinkAbs, abs},
		{"NUL after each name", symlinkBuf(0, 16, 18, 8, 0, concat(utf16LE(`\??\C:\x`), le16(0), utf16LE(`C:\x`), le16(0))), abs},
		{"PrintName first with NULs", symlinkBuf(10, 16, 0, 8, 0, concat(utf16LE(`C:\x`), le16(0), utf16LE(`\??\C:\x`), le16(0))), abs},
		{"slack after the names", symlinkBuf(0, 16, 16, 8, 0, concat(utf16LE(`\??\C:\x`), utf16LE(`C:\x`), make([]byte, 6))), abs},
		{
			"UNC",
			symlinkBuf(0, 34, 34, 22, 0, concat(utf16LE(`\??\UNC\srv\shr\a`), utf16LE(`\\srv\shr\a`))),
			Link{Format: NTFSSymlink, Target: `\??\UNC\srv\shr\a`, PrintName: `\\srv\shr\a`},
		},
		{
			"relative, empty PrintName",
			symlinkBuf(0, 14, 14, 0, symlinkFlagRelative, utf16LE(`..\a\b`+"\u00e9")),
			Link{Format: NTFSSymlink, Target: `..\a\b` + "\u00e9", Relative: true},
		},
		{
			"only bit 0 of Flags is RELATIVE",
			symlinkBuf(0, 2, 2, 0, 0xFFFFFFFE, utf16LE("a")),
			Link{Format: NTFSSymlink, Target: "a"},
		},
		{
			// Windows allows unpaired surrogates in names; they show as U+FFFD.
			"unpaired surrogate",
			symlinkBuf(0, 4, 4, 4, symlinkFlagRelative, concat(le16(0xD800), utf16LE("a"), utf16LE("b"), le16(0xDC00))),
			Link{Format: NTFSSymlink, Target: "\uFFFDa", PrintName: "b\uFFFD", Relative: true},
		},
	}
	for _, tt := range tests {
		got, err := DecodeReparse(tt.b)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestDecodeMountPoint(t *testing.T) {
	const vol = `\??\Volume{12345678-1234-1234-1234-123456789abc}\`
	tests := []struct {
		name string
		b    []byte
		want Link
	}{
		{
			"PrintName first",
			mountPointBuf(14, 20, 0, 12, concat(utf16LE(`C:\dir`), le16(0), utf16LE(`\??\C:\dir`), le16(0))),
			Link{Format: Junction, Target: `\??\C:\dir`, PrintName: `C:\dir`},
		},
		{
			// SetVolumeMountPointW: the volume name, a NUL, an empty PrintName and its NUL.
			"volume mount point",
			mountPointBuf(0, uint16(2*len(vol)), uint16(2*len(vol)+2), 0, concat(utf16LE(vol), le16(0), le16(0))),
			Link{Format: VolumeMount, Target: vol},
		},
		{
			"volume prefix in lower case",
			mountPointBuf(0, 22, 24, 0, concat(utf16LE(`\??\volume{`), le16(0), le16(0))),
			Link{Format: VolumeMount, Target: `\??\volume{`},
		},
		{
			"not quite a volume",
			mountPointBuf(0, 24, 24, 0, utf16LE(`\??\Volumes\x`)[:24]),
			Link{Format: Junction, Target: `\??\Volumes\`},
		},
	}
	for _, tt := range tests {
		got, err := DecodeReparse(tt.b)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestDecodeNamesFormatErrors(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		format Format
		off    int
	}{
		{"symlink truncated", reparseBuf(TagSymlink, make([]byte, 11)), NTFSSymlink, 19},
		{"mount point truncated", reparseBuf(TagMountPoint, make([]byte, 7)), Junction, 15},
		{"empty SubstituteName", symlinkBuf(0, 0, 0, 2, 0, utf16LE("a")), NTFSSymlink, offSubstituteNameLength},
		{"SubstituteName too long", symlinkBuf(0, 8, 0, 0, 0, utf16LE("ab")), NTFSSymlink, offSubstituteNameOffset},
		{"SubstituteName offset past end", symlinkBuf(6, 2, 0, 0, 0, utf16LE("abc")), NTFSSymlink, offSubstituteNameOffset},
		{"offset 0xFFFF", symlinkBuf(0xFFFF, 2, 0, 0, 0, utf16LE("abc")), NTFSSymlink, offSubstituteNameOffset},
		{"PrintName past end", symlinkBuf(0, 2, 2, 4, 0, utf16LE("ab")), NTFSSymlink, offPrintNameOffset},
		{"odd SubstituteName", symlinkBuf(0, 3, 4, 0, 0, utf16LE("ab")), NTFSSymlink, offSubstituteNameLength},
		{"odd PrintName", symlinkBuf(0, 2, 2, 1, 0, utf16LE("ab")), NTFSSymlink, offPrintNameLength},
		{"NUL in SubstituteName", symlinkBuf(0, 4, 4, 0, 0, concat(utf16LE("a"), le16(0))), NTFSSymlink, symlinkPathBuffer + 2},
		{"NUL in PrintName", symlinkBuf(0, 2, 2, 2, 0, concat(utf16LE("a"), le16(0))), NTFSSymlink, symlinkPathBuffer + 2},
		{"overlapping names", symlinkBuf(0, 4, 2, 2, 0, utf16LE("ab")), NTFSSymlink, offPrintNameOffset},
		{"same bytes for both names", symlinkBuf(0, 4, 0, 4, 0, utf16LE("ab")), NTFSSymlink, offPrintNameOffset},
		{"mount point odd length", mountPointBuf(0, 3, 0, 0, utf16LE("ab")), Junction, offSubstituteNameLength},
		{"mount point NUL", mountPointBuf(2, 2, 0, 0, concat(utf16LE("a"), le16(0))), Junction, mountPointPathBuffer + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeReparse(tt.b)
			wantReparseFormatError(t, err, tt.format, tt.off)
		})
	}
}

// TestEncodeSymlinkLayout pins the layout our encoders choose: SubstituteName
// first, no NULs for a symlink, NULs after both names for a junction.
func TestEncodeSymlinkLayout(t *testing.T) {
	got, err := EncodeReparse(Link{Format: NTFSSymlink, Target: `\??\C:\x`, PrintName: `C:\x`})
	if err != nil {
		t.Fatal(err)
	}
	if want := symlinkBuf(0, 16, 16, 8, 0, concat(utf16LE(`\??\C:\x`), utf16LE(`C:\x`))); string(got) != string(want) {
		t.Errorf("symlink: %x\nwant     %x", got, want)
	}
	got, err = EncodeReparse(Link{Format: Junction, Target: `\??\C:\dir`, PrintName: `C:\dir`})
	if err != nil {
		t.Fatal(err)
	}
	if want := mountPointBuf(0, 20, 22, 12, concat(utf16LE(`\??\C:\dir`), le16(0), utf16LE(`C:\dir`), le16(0))); string(got) != string(want) {
		t.Errorf("junction: %x\nwant      %x", got, want)
	}
}

func TestNTFSSymlinkFor(t *testing.T) {
	rel := func(p string) Link { return Link{Format: NTFSSymlink, Target: p, PrintName: p, Relative: true} }
	abs := func(nt, p string) Link { return Link{Format: NTFSSymlink, Target: nt, PrintName: p} }
	tests := []struct {
		in   string
		want Link
	}{
		{`a\b`, rel(`a\b`)},
		{`a/b`, rel(`a/b`)},
		{`..\x`, rel(`..\x`)},
		{`\a\b`, rel(`\a\b`)},
		{`/a/b`, rel(`/a/b`)},
		{`C:\a`, abs(`\??\C:\a`, `C:\a`)},
		{`C:\`, abs(`\??\C:\`, `C:\`)},
		{`c:\a\.\b\..\c`, abs(`\??\c:\a\c`, `c:\a\.\b\..\c`)},
		{`C:/a//b/`, abs(`\??\C:\a\b\`, `C:/a//b/`)},
		{`C:\..\..`, abs(`\??\C:\`, `C:\..\..`)},
		{`C:\a. `, abs(`\??\C:\a. `, `C:\a. `)},
		{`é:\x`, abs(`\??\é:\x`, `é:\x`)},
		{`\\srv\shr\a`, abs(`\??\UNC\srv\shr\a`, `\\srv\shr\a`)},
		{`\\srv\shr\..\..\x`, abs(`\??\UNC\srv\shr\x`, `\\srv\shr\..\..\x`)},
		{`//srv/shr/a`, abs(`\??\UNC\srv\shr\a`, `//srv/shr/a`)},
		{`\\srv`, abs(`\??\UNC\srv`, `\\srv`)},
		{`\\?\C:\a\..\b`, abs(`\??\C:\a\..\b`, `\\?\C:\a\..\b`)},
		{`\\?\UNC\srv\shr`, abs(`\??\UNC\srv\shr`, `\\?\UNC\srv\shr`)},
		{`\\.\C:\a\..\b`, abs(`\??\C:\b`, `\\.\C:\a\..\b`)},
		{`//?/C:/a`, abs(`\??\C:\a`, `//?/C:/a`)},
		{`\\?\Volume{x}\a`, abs(`\??\Volume{x}\a`, `\\?\Volume{x}\a`)},
	}
	for _, tt := range tests {
		got, err := NTFSSymlinkFor(tt.in)
		if err != nil {
			t.Errorf("NTFSSymlinkFor(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("NTFSSymlinkFor(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		checkReencodes(t, got)
	}
	for _, in := range []string{"", `C:foo`, `C:`, `\\`, `\\.`, `\\?`, `\\.\`, `\\?\`, "a\x00", "a\xff"} {
		if got, err := NTFSSymlinkFor(in); err == nil {
			t.Errorf("NTFSSymlinkFor(%q) = %+v, want an error", in, got)
		}
	}
}

func TestJunctionFor(t *testing.T) {
	const guid = `Volume{12345678-1234-1234-1234-123456789abc}`
	tests := []struct {
		in   string
		want Link
	}{
		{`C:\dir`, Link{Format: Junction, Target: `\??\C:\dir`, PrintName: `C:\dir`}},
		{`C:\dir\`, Link{Format: Junction, Target: `\??\C:\dir\`, PrintName: `C:\dir\`}},
		{`D:/a/../b`, Link{Format: Junction, Target: `\??\D:\b`, PrintName: `D:/a/../b`}},
		{`\\srv\shr\a`, Link{Format: Junction, Target: `\??\UNC\srv\shr\a`, PrintName: `\\srv\shr\a`}},
		{`\\?\C:\dir`, Link{Format: Junction, Target: `\??\C:\dir`, PrintName: `\\?\C:\dir`}},
		{`\\?\` + guid + `\`, Link{Format: VolumeMount, Target: `\??\` + guid + `\`}},
		{`\\?\` + guid, Link{Format: VolumeMount, Target: `\??\` + guid + `\`}},
		{`\\?\volume{x}\sub`, Link{Format: VolumeMount, Target: `\??\volume{x}\sub`}},
	}
	for _, tt := range tests {
		got, err := JunctionFor(tt.in)
		if err != nil {
			t.Errorf("JunctionFor(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("JunctionFor(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		checkReencodes(t, got)
	}
	for _, in := range []string{"", `dir`, `..\dir`, `\dir`, `C:dir`, `\\.`, `\\`, "C:\\\x00"} {
		if got, err := JunctionFor(in); err == nil {
			t.Errorf("JunctionFor(%q) = %+v, want an error", in, got)
		}
	}
}

// checkReencodes checks that l survives EncodeReparse and DecodeReparse.
func checkReencodes(t *testing.T, l Link) {
	t.Helper()
	b, err := EncodeReparse(l)
	if err != nil {
		t.Errorf("EncodeReparse(%+v): %v", l, err)
		return
	}
	if got, err := DecodeReparse(b); err != nil || got != l {
		t.Errorf("DecodeReparse(EncodeReparse(%+v)) = %+v, %v", l, got, err)
	}
}

// TestNTFSSymlinkForProperties runs NTFSSymlinkFor over path-like strings:
// relative paths are stored as given, absolute ones become NT paths with no
// `/` outside a verbatim `\\?\` path, and every result encodes.
func TestNTFSSymlinkForProperties(t *testing.T) {
	alphabet := []rune{'a', 'b', '\\', '/', '.', ':', 'C', '?', ' ', 'é'}
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.StringOfN(rapid.RuneFrom(alphabet), 1, 24, -1).Draw(t, "path")
		l, err := NTFSSymlinkFor(p)
		if err != nil {
			return
		}
		switch {
		case l.Relative:
			if l.Target != p || l.PrintName != p {
				t.Fatalf("relative %q stored as %+v", p, l)
			}
		case !strings.HasPrefix(l.Target, ntPrefix) || l.PrintName != p:
			t.Fatalf("absolute %q stored as %+v", p, l)
		case !strings.HasPrefix(p, `\\?\`) && strings.ContainsAny(l.Target, "/"):
			t.Fatalf("%q: separator left in %q", p, l.Target)
		}
		b, err := EncodeReparse(l)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeReparse(b); err != nil || got != l {
			t.Fatalf("round trip: %+v, %v", got, err)
		}
	})
}
