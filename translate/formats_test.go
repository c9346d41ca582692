package translate

import (
	"errors"
	"strings"
	"testing"
)

// TestFormatTable checks the rules every row must follow: unique names,
// a tag exactly on reparse formats, content rows with size bounds.
func TestFormatTable(t *testing.T) {
	names := map[string]Format{}
	for _, r := range formatTable {
		for _, n := range []string{string(r.Format), r.Short} {
			if n == "" {
				continue
			}
			if other, dup := names[n]; dup {
				t.Errorf("name %q is both %s and %s", n, other, r.Format)
			}
			names[n] = r.Format
		}
		if (r.Storage == StorageReparse) != (r.Tag != 0) {
			t.Errorf("%s: storage %d with tag 0x%08X", r.Format, r.Storage, r.Tag)
		}
		if r.Storage == StorageContent && (r.MinSize <= 0 || r.MaxSize < r.MinSize) {
			t.Errorf("%s: content sizes %d..%d", r.Format, r.MinSize, r.MaxSize)
		}
		if r.Target == 0 || r.About == "" {
			t.Errorf("%s: no target form or description", r.Format)
		}
		if r.DefaultRead && !r.Presented {
			t.Errorf("%s: read by default but never presented", r.Format)
		}
		if r.Storage == StorageReparse && r.decode == nil && r.Format != VolumeMount {
			t.Errorf("%s: reparse format without a decoder", r.Format)
		}
	}
}

// TestParseFormatNames checks that both names of a format parse, and that
// an unknown name's error lists the valid ones.
func TestParseFormatNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Format
	}{
		{"lx", LXSymlink}, {"lx-symlink", LXSymlink}, {"ntfs", NTFSSymlink}, {"ntfs-symlink", NTFSSymlink},
		{"nfs", NFSSymlink}, {"cygwin", CygwinCookie}, {"cygwin-cookie", CygwinCookie},
		{"junction", Junction}, {"git-symlink", GitSymlink}, {"native", Native},
	} {
		if got, err := ParseFormat(tc.name); err != nil || got != tc.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	_, err := ParseFormat("Lx")
	if err == nil || !strings.Contains(err.Error(), "lx (lx-symlink)") || !strings.Contains(err.Error(), "git-symlink") {
		t.Errorf("ParseFormat(%q) error %v does not list the names", "Lx", err)
	}
	reparseOnly := func(r FormatInfo) bool { return r.Storage == StorageReparse }
	_, err = ParseFormatAmong("cygwin", reparseOnly)
	if err == nil || strings.Contains(err.Error(), "mfsymlink") || !strings.Contains(err.Error(), "lx (lx-symlink)") {
		t.Errorf("ParseFormatAmong(cygwin, reparse only) = %v, want an error listing just the reparse formats", err)
	}
}

// TestFormatOfTag checks tag dispatch and the name-surrogate bit.
func TestFormatOfTag(t *testing.T) {
	for tag, want := range map[uint32]Format{TagSymlink: NTFSSymlink, TagMountPoint: Junction, TagLXSymlink: LXSymlink, TagNFS: NFSSymlink} {
		if got, ok := FormatOfTag(tag); !ok || got != want {
			t.Errorf("FormatOfTag(0x%08X) = %s, %v; want %s", tag, got, ok, want)
		}
	}
	if f, ok := FormatOfTag(0x80000017); ok { // WOF
		t.Errorf("FormatOfTag(WOF) = %s", f)
	}
	for tag, want := range map[uint32]bool{TagSymlink: true, TagMountPoint: true, TagLXSymlink: true, TagNFS: false, 0x80000017: false, 0x9000601A: false} {
		if got := IsTagNameSurrogate(tag); got != want {
			t.Errorf("IsTagNameSurrogate(0x%08X) = %v", tag, got)
		}
	}
}

// TestEncodeRoundTrip checks that every creatable format stores a target
// its own decoder reads back, and refuses an empty target with an
// *EncodeError naming the format.
func TestEncodeRoundTrip(t *testing.T) {
	m := &Mapper{}
	for _, r := range formatTable {
		if !r.Creatable() {
			if _, err := r.Encode("x", m); err == nil {
				t.Errorf("%s: not creatable, but Encode succeeded", r.Format)
			}
			continue
		}
		b, err := r.Encode("/mnt/c/dir/file", m)
		if err != nil {
			t.Errorf("%s: %v", r.Format, err)
			continue
		}
		if r.Storage != StorageSymlink {
			var l Link
			if r.Storage == StorageReparse {
				l, err = DecodeReparse(b)
			} else {
				l, err = r.Decode(b)
			}
			if err != nil || l.Format != r.Format {
				t.Errorf("%s: decodes as %s, %v", r.Format, l.Format, err)
				continue
			}
			if got, err := m.POSIXTarget(l, 0); err != nil || got != "/mnt/c/dir/file" {
				t.Errorf("%s: presents as %q, %v", r.Format, got, err)
			}
		}
		var ee *EncodeError
		if _, err := r.Encode("", m); r.Storage != StorageSymlink && (!errors.As(err, &ee) || ee.Format != r.Format) {
			t.Errorf("%s: empty target gives %v, want an *EncodeError", r.Format, err)
		}
	}
}
