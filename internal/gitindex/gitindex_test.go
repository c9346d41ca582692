package gitindex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/internal/testenv"
)

// encodeGitIndex writes entries as git would, independently of the parser
// (from gitformat-index): the test's reference writer. ext holds raw
// extensions (signature, size, data) appended after the entries.
func encodeGitIndex(t testing.TB, version uint32, f ObjectFormat, entries []Entry, ext []byte) []byte {
	t.Helper()
	h, err := f.newHash()
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("DIRC")
	b = binary.BigEndian.AppendUint32(b, version)
	b = binary.BigEndian.AppendUint32(b, uint32(len(entries)))
	prev := ""
	for _, e := range entries {
		start := len(b)
		b = append(b, make([]byte, 24)...) // ctime, mtime, dev, ino
		b = binary.BigEndian.AppendUint32(b, e.Mode)
		b = append(b, make([]byte, 8)...) // uid, gid
		b = binary.BigEndian.AppendUint32(b, e.Size)
		oid := e.OID
		if oid == nil {
			oid = make([]byte, h.Size())
		}
		b = append(b, oid...)
		flags := uint16(min(len(e.Path), 0xFFF)) | uint16(e.Stage)<<12
		extended := e.SkipWorktree || e.IntentToAdd
		if extended {
			flags |= 0x4000
		}
		b = binary.BigEndian.AppendUint16(b, flags)
		if extended {
			var x uint16
			if e.SkipWorktree {
				x |= 0x4000
			}
			if e.IntentToAdd {
				x |= 0x2000
			}
			b = binary.BigEndian.AppendUint16(b, x)
		}
		if version == 4 {
			common := 0
			for common < len(prev) && common < len(e.Path) && prev[common] == e.Path[common] {
				common++
			}
			b = appendGitVarint(b, uint64(len(prev)-common))
			b = append(append(b, e.Path[common:]...), 0)
		} else {
			b = append(append(b, e.Path...), 0)
			for (len(b)-start)%8 != 0 {
				b = append(b, 0)
			}
		}
		prev = e.Path
	}
	b = append(b, ext...)
	h.Write(b)
	return h.Sum(b)
}

// appendGitVarint is git's encode_varint.
func appendGitVarint(b []byte, v uint64) []byte {
	var buf [16]byte
	pos := len(buf) - 1
	buf[pos] = byte(v & 127)
	for v >>= 7; v != 0; v >>= 7 {
		v--
		pos--
		buf[pos] = 128 | byte(v&127)
	}
	return append(b, buf[pos:]...)
}

func gitExtension(sig string, data []byte) []byte {
	b := append([]byte(sig), binary.BigEndian.AppendUint32(nil, uint32(len(data)))...)
	return append(b, data...)
}

func TestParse(t *testing.T) {
	oid := bytes.Repeat([]byte{0xAB}, 20)
	entries := []Entry{
		{Path: "a.txt", Mode: 0o100644, Size: 3, OID: oid},
		{Path: "dir/link", Mode: ModeSymlink, Size: 7, OID: oid},
		{Path: "dir/linked-too", Mode: ModeSymlink, Size: 1, OID: oid, IntentToAdd: true},
		{Path: "dir/sub/x", Mode: 0o100755, Size: 0, OID: oid, SkipWorktree: true},
		{Path: strings.Repeat("long/", 900) + "name", Mode: 0o100644, OID: oid},
	}
	plain := entries[:2]
	sha256oid := bytes.Repeat([]byte{0xCD}, 32)
	sha256Entries := []Entry{{Path: "l", Mode: ModeSymlink, Size: 1, OID: sha256oid}}
	tree := gitExtension("TREE", []byte("anything git keeps here"))

	tests := []struct {
		name    string
		index   []byte
		format  ObjectFormat
		want    []Entry
		wantErr string // substring; "" means success
	}{
		{"v2", encodeGitIndex(t, 2, SHA1, plain, nil), SHA1, plain, ""},
		{"v3 extended flags", encodeGitIndex(t, 3, SHA1, entries, nil), SHA1, entries, ""},
		{"v4 prefix-compressed", encodeGitIndex(t, 4, SHA1, entries, nil), SHA1, entries, ""},
		{"sha256", encodeGitIndex(t, 2, SHA256, sha256Entries, nil), SHA256, sha256Entries, ""},
		{"optional extension skipped", encodeGitIndex(t, 2, SHA1, plain, tree), SHA1, plain, ""},
		{"empty", encodeGitIndex(t, 2, SHA1, nil, nil), SHA1, []Entry{}, ""},
		{"index.skipHash", zeroChecksum(encodeGitIndex(t, 2, SHA1, plain, nil), 20), SHA1, plain, ""},
		{"sha1 index read as sha256", encodeGitIndex(t, 2, SHA1, plain, nil), SHA256, nil, "checksum mismatch"},
		{"checksum mismatch", flip(encodeGitIndex(t, 2, SHA1, plain, nil), 30), SHA1, nil, "checksum mismatch"},
		{"split index", encodeGitIndex(t, 2, SHA1, plain, gitExtension("link", oid)), SHA1, nil, "split index"},
		{"sparse index", encodeGitIndex(t, 3, SHA1, plain, gitExtension("sdir", nil)), SHA1, nil, "sparse index"},
		{"unknown required extension", encodeGitIndex(t, 2, SHA1, plain, gitExtension("zzzz", nil)), SHA1, nil, `required extension "zzzz"`},
		{"extension overruns", encodeGitIndex(t, 2, SHA1, plain, append([]byte("TREE"), 0, 0, 1, 0)), SHA1, nil, "overruns"},
		{"bad signature", rehash(t, SHA1, append([]byte("DIRX"), encodeGitIndex(t, 2, SHA1, plain, nil)[4:]...)), SHA1, nil, "signature"},
		{"version 5", rehash(t, SHA1, setU32(encodeGitIndex(t, 2, SHA1, plain, nil), 4, 5)), SHA1, nil, "unsupported version 5"},
		{"count too large", rehash(t, SHA1, setU32(encodeGitIndex(t, 2, SHA1, plain, nil), 8, 1<<30)), SHA1, nil, "cannot fit"},
		{"count too small", rehash(t, SHA1, setU32(encodeGitIndex(t, 2, SHA1, plain, nil), 8, 1)), SHA1, nil, "required extension"},
		{"truncated", []byte("DIRC\x00\x00\x00\x02"), SHA1, nil, "truncated header"},
		{"empty path", encodeGitIndex(t, 2, SHA1, []Entry{{Path: ""}}, nil), SHA1, nil, "empty path"},
		{"unknown object format", encodeGitIndex(t, 2, SHA1, plain, nil), "md5", nil, "unknown git object format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := Parse(tc.index, tc.format)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(idx.Entries, tc.want) {
				t.Errorf("entries:\n got %+v\nwant %+v", idx.Entries, tc.want)
			}
		})
	}
}

func TestParseTypedErrors(t *testing.T) {
	oid := make([]byte, 20)
	_, err := Parse(encodeGitIndex(t, 2, SHA1, nil, gitExtension("link", oid)), SHA1)
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Extension != "link" || !strings.Contains(ue.Hint, "--no-split-index") {
		t.Errorf("split index: %v, want *UnsupportedError with a hint", err)
	}
	_, err = Parse(flip(encodeGitIndex(t, 2, SHA1, nil, nil), 5), SHA1)
	var ge *FormatError
	if !errors.As(err, &ge) {
		t.Errorf("corrupt index: %v, want *FormatError", err)
	}
}

// TestParseMalformedEntries damages single fields of an entry and
// rehashes, so that the entry checks (not the checksum) must refuse it.
func TestParseMalformedEntries(t *testing.T) {
	e := []Entry{{Path: "abc", Mode: ModeSymlink}}
	v2 := encodeGitIndex(t, 2, SHA1, e, nil)
	flagsAt := 12 + 40 + 20
	tests := []struct {
		name    string
		index   []byte
		wantErr string
	}{
		{"name length disagrees", rehash(t, SHA1, setU16(v2, flagsAt, 2)), "flags say 2"},
		{"extended flag in v2", rehash(t, SHA1, setU16(v2, flagsAt, 0x4003)), "extended flag in a version 2"},
		{"non-NUL padding", rehash(t, SHA1, setByte(v2, flagsAt+2+4, 'x')), "non-NUL padding"},
		{"path not terminated", rehash(t, SHA1, append(bytes.Clone(v2[:flagsAt+2+3]), make([]byte, 20)...)), "not NUL-terminated"},
		{"unknown extended flags", rehash(t, SHA1, setU16(encodeGitIndex(t, 3, SHA1, []Entry{{Path: "abc", IntentToAdd: true}}, nil), flagsAt+2, 0x0001)), "unknown extended flags"},
		{"v4 strips too much", rehash(t, SHA1, setByte(encodeGitIndex(t, 4, SHA1, e, nil), flagsAt+2, 9)), "strips 9 bytes"},
		{"v4 varint overflows", rehash(t, SHA1, append(bytes.Clone(encodeGitIndex(t, 4, SHA1, e, nil)[:flagsAt+2]), append(bytes.Repeat([]byte{0xFF}, 12), make([]byte, 20)...)...)), "varint overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.index, SHA1)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func zeroChecksum(b []byte, n int) []byte {
	b = bytes.Clone(b)
	clear(b[len(b)-n:])
	return b
}

// The helpers below change a copy of b.

func flip(b []byte, at int) []byte {
	b = bytes.Clone(b)
	b[at] ^= 0xFF
	return b
}

func setU32(b []byte, at int, v uint32) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[at:], v)
	return b
}

func setU16(b []byte, at int, v uint16) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[at:], v)
	return b
}

func setByte(b []byte, at int, v byte) []byte {
	b = bytes.Clone(b)
	b[at] = v
	return b
}

// rehash replaces the trailing checksum of an index.
func rehash(t testing.TB, f ObjectFormat, b []byte) []byte {
	h, err := f.newHash()
	if err != nil {
		t.Fatal(err)
	}
	body := b[:len(b)-h.Size()]
	h.Write(body)
	return h.Sum(bytes.Clone(body))
}

// TestGitVarint checks the decoder against git's encoder on edge values.
func TestGitVarint(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 16383, 16511, 16512, 1 << 32, 1<<63 - 1} {
		b := appendGitVarint(nil, v)
		got, n, err := gitVarint(b, 0)
		if err != nil || got != v || n != len(b) {
			t.Errorf("%d: encoded %x, decoded %d (%d bytes), %v", v, b, got, n, err)
		}
	}
}

// TestParseGitWrittenIndexes reads indexes that git itself wrote: the
// default version 2, version 3 (git add -N sets an extended flag),
// version 4, a SHA-256 repository, and refuses a split and a sparse index.
func TestParseGitWrittenIndexes(t *testing.T) {
	testenv.SkipUnless(t, testenv.HaveTool("git"), "git is not installed (apt-get install git)")
	tests := []struct {
		name    string
		init    []string   // extra `git init` arguments
		setup   [][]string // git commands run after adding the files
		format  ObjectFormat
		version uint32
		wantErr string
	}{
		{name: "v2", version: 2},
		{name: "v3", setup: [][]string{{"add", "-N", "new-file"}}, version: 3},
		{name: "v4", setup: [][]string{{"update-index", "--index-version", "4"}}, version: 4},
		{name: "sha256", init: []string{"--object-format=sha256"}, format: SHA256, version: 2},
		{name: "split", setup: [][]string{{"update-index", "--split-index"}}, wantErr: "split index"},
		{name: "sparse", setup: [][]string{{"commit", "-qm", "c"}, {"sparse-checkout", "set", "--cone", "--sparse-index", "dir"}}, wantErr: "sparse index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) {
				t.Helper()
				cmd := exec.Command("git", append([]string{"-c", "core.symlinks=false", "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git(append([]string{"init", "-q"}, tc.init...)...)
			for name, data := range map[string]string{"file": "x", "other/file": "y", "dir/a": "z", "new-file": "n"} {
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			git("add", "file", "other/file", "dir/a")
			// Symlinks recorded through the index alone, as git does with
			// core.symlinks=false, at several depths.
			for _, l := range []string{"link", "dir/link", "other/deeper-link-name"} {
				cmd := exec.Command("git", "hash-object", "-w", "--stdin")
				cmd.Dir, cmd.Stdin = dir, strings.NewReader("target-of-"+l)
				oid, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				git("update-index", "--add", "--cacheinfo", "120000,"+strings.TrimSpace(string(oid))+","+l)
			}
			for _, s := range tc.setup {
				git(s...)
			}
			b, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
			if err != nil {
				t.Fatal(err)
			}
			format := tc.format
			if format == "" {
				format = SHA1
			}
			idx, err := Parse(b, format)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if idx.Version != tc.version {
				t.Errorf("version %d, want %d", idx.Version, tc.version)
			}
			var links []string
			for p := range idx.Symlinks() {
				links = append(links, p)
			}
			sort.Strings(links)
			if want := []string{"dir/link", "link", "other/deeper-link-name"}; !reflect.DeepEqual(links, want) {
				t.Errorf("symlinks %v, want %v", links, want)
			}
			if n := len(idx.Entries[0].OID); n != map[ObjectFormat]int{SHA1: 20, SHA256: 32}[format] {
				t.Errorf("object ids of %d bytes", n)
			}
		})
	}
}

// FuzzParse checks that no input makes the parser panic, and that an
// index it accepts, written again by the reference writer, parses to the
// same entries.
func FuzzParse(f *testing.F) {
	oid := bytes.Repeat([]byte{1}, 20)
	entries := []Entry{
		{Path: "a", Mode: 0o100644, OID: oid},
		{Path: "a/b", Mode: ModeSymlink, OID: oid, IntentToAdd: true},
		{Path: "a/bc", Mode: ModeSymlink, OID: oid, SkipWorktree: true, Stage: 2},
	}
	for _, v := range []uint32{2, 3, 4} {
		es := entries
		if v == 2 {
			es = entries[:1]
		}
		f.Add(encodeGitIndex(f, v, SHA1, es, nil), false)
		f.Add(zeroChecksum(encodeGitIndex(f, v, SHA1, es, gitExtension("TREE", []byte{1, 2})), 20), false)
	}
	f.Add(zeroChecksum(encodeGitIndex(f, 4, SHA256, []Entry{{Path: "x", OID: make([]byte, 32)}}, nil), 32), true)
	f.Fuzz(func(t *testing.T, b []byte, sha256 bool) {
		format := SHA1
		if sha256 {
			format = SHA256
		}
		idx, err := Parse(b, format)
		if err != nil {
			return
		}
		for _, e := range idx.Entries {
			if e.Path == "" || strings.IndexByte(e.Path, 0) >= 0 {
				t.Fatalf("accepted path %q", e.Path)
			}
		}
		again, err := Parse(encodeGitIndex(t, idx.Version, format, idx.Entries, nil), format)
		if err != nil {
			t.Fatalf("re-encoded index refused: %v", err)
		}
		if !reflect.DeepEqual(again.Entries, idx.Entries) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again.Entries, idx.Entries)
		}
	})
}
