//go:build linux

package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/translate"
)

// Helpers for the tests that call runInspect, runScan and runConvert
// directly on trees built in t.TempDir().

// mapping returns the path-mapping flags as the command line sets them
// from args (none: the defaults every command starts from).
func mapping(t *testing.T, args ...string) mappingFlags {
	t.Helper()
	var m mappingFlags
	flags := flag.NewFlagSet("test", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	m.register(flags)
	if err := flags.Parse(args); err != nil {
		t.Fatalf("mapping flags %v: %v", args, err)
	}
	return m
}

// writeLink stores a link to target at path in format f, with the
// translate encoders (or symlink(2) for a native link). A Cygwin shortcut
// gets win32 as its RELATIVE_PATH; path must then end in ".lnk".
func writeLink(t *testing.T, path string, f translate.Format, target string) []byte {
	t.Helper()
	var b []byte
	var err error
	switch f {
	case translate.Native:
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
		return []byte(target)
	case translate.CygwinCookie:
		b, err = translate.EncodeCygwinCookie(target)
	case translate.MFSymlink:
		b, err = translate.EncodeMFSymlink(target)
	case translate.CygwinShortcut:
		b, err = translate.EncodeCygwinShortcut(target, `C:\tree\`+strings.ReplaceAll(target, "/", `\`))
	default:
		t.Fatalf("writeLink: no encoder for %s", f)
	}
	if err != nil {
		t.Fatal(err)
	}
	writeBytes(t, path, b)
	return b
}

func writeBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// corpusLnk returns a real-world shortcut of translate/testdata/lnk.
func corpusLnk(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "translate", "testdata", "lnk", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonLines decodes stdout of a --json command: one object per line, each
// with exactly the keys in keys (the last object with lastKeys, when
// lastKeys is not nil).
func jsonLines(t *testing.T, stdout string, keys, lastKeys []string) []map[string]any {
	t.Helper()
	var out []map[string]any
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if stdout == "" {
		lines = nil
	}
	for i, line := range lines {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", i+1, err, line)
		}
		want := keys
		if lastKeys != nil && i == len(lines)-1 {
			want = lastKeys
		}
		if got := sortedKeys(m); !slices.Equal(got, sortedCopy(want)) {
			t.Errorf("line %d: keys %v, want %v\n%s", i+1, got, sortedCopy(want), line)
		}
		out = append(out, m)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// str and boolean read a field of a decoded JSON object, failing t when it
// has another JSON type.
func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Errorf("%q is %T %v, want a string", key, m[key], m[key])
	}
	return s
}

func boolean(t *testing.T, m map[string]any, key string) bool {
	t.Helper()
	b, ok := m[key].(bool)
	if !ok {
		t.Errorf("%q is %T %v, want a bool", key, m[key], m[key])
	}
	return b
}

// number reads an integer field.
func number(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	n, ok := m[key].(json.Number)
	if !ok {
		t.Errorf("%q is %T %v, want a number", key, m[key], m[key])
		return -1
	}
	i, err := n.Int64()
	if err != nil {
		t.Errorf("%q: %v", key, err)
	}
	return i
}

// counts reads an object of integers, such as the per-format summary.
func counts(t *testing.T, m map[string]any, key string) map[string]int64 {
	t.Helper()
	obj, ok := m[key].(map[string]any)
	if !ok {
		t.Errorf("%q is %T %v, want an object", key, m[key], m[key])
		return nil
	}
	out := map[string]int64{}
	for k := range obj {
		out[k] = number(t, obj, k)
	}
	return out
}

// rawBytes decodes the hex "raw" field.
func rawBytes(t *testing.T, m map[string]any) []byte {
	t.Helper()
	b, err := hex.DecodeString(str(t, m, "raw"))
	if err != nil {
		t.Errorf("raw is not hex: %v", err)
	}
	return b
}

// snapshot describes every entry under root: its type and mode, and its
// content or symlink text, to tell whether anything changed.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			desc += " -> " + target
		case info.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += " " + hex.EncodeToString(b)
		}
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// countEntries counts root and everything under it, without following
// symlinks.
func countEntries(t *testing.T, root string) int64 {
	t.Helper()
	return int64(len(snapshot(t, root)))
}

// tableRows splits text output into its lines, dropping the trailing
// newline.
func tableRows(out string) []string {
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// columnStarts returns the offsets where the header's column names begin.
func columnStarts(t *testing.T, header string, names ...string) []int {
	t.Helper()
	var starts []int
	for _, n := range names {
		i := strings.Index(header, n)
		if i < 0 {
			t.Fatalf("header %q has no column %q", header, n)
		}
		starts = append(starts, i)
	}
	return starts
}

// cell returns the text of row from column start to the next column's
// start (or the end of the row), trimmed.
func cell(row string, starts []int, col int) string {
	from := starts[col]
	if from >= len(row) {
		return ""
	}
	to := len(row)
	if col+1 < len(starts) && starts[col+1] < to {
		to = starts[col+1]
	}
	return strings.TrimSpace(row[from:to])
}
