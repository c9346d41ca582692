//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

var (
	// convertKeys are the fields of a link line of `convert --json`.
	convertKeys = []string{"path", "new_path", "from", "to", "target", "dry_run", "error"}
	// convertSummaryKeys are the fields of its last line.
	convertSummaryKeys = []string{"summary", "converted", "failed", "skipped", "removed", "unreadable", "dry_run"}
)

// contentFrom lists the formats the convert tests convert from: every
// format a plain directory holds (what --from defaults to, less the
// reparse formats and git).
const contentFrom = "cygwin-cookie,cygwin-shortcut,mfsymlink,interix,native"

func convertT(t *testing.T, opts convertOptions, paths ...string) (string, string, error) {
	t.Helper()
	if reflect.ValueOf(opts.mapping).IsZero() { // the flags' defaults
		opts.mapping = mapping(t)
	}
	var stdout, stderr bytes.Buffer
	err := runConvert(context.Background(), opts, paths, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// convertTree is a tree with one link of each content format, a native
// symlink, a malformed cookie and a plain file. links maps the name each
// link is stored under to its target.
func convertTree(t *testing.T) (dir string, links map[string]string, formats map[string]string) {
	t.Helper()
	d := t.TempDir()
	writeBytes(t, filepath.Join(d, "docs", "readme.txt"), []byte("hi\n"))
	writeBytes(t, filepath.Join(d, "plain.txt"), []byte("plain\n"))
	writeBytes(t, filepath.Join(d, "bad"), []byte("!<symlink>no terminator"))
	links = map[string]string{"cookie": "docs/readme.txt", "music.lnk": "docs", "xsym": "/srv/data", "sub/native": "../docs/readme.txt"}
	formats = map[string]string{"cookie": "cygwin-cookie", "music.lnk": "cygwin-shortcut", "xsym": "mfsymlink", "sub/native": "native"}
	for name, target := range links {
		f, _ := translate.ParseFormat(formats[name])
		writeLink(t, filepath.Join(d, name), f, target)
	}
	return d, links, formats
}

// newName is the name a link is stored under once converted out of a
// Cygwin shortcut.
func newName(name string) string { return strings.TrimSuffix(name, ".lnk") }

// TestConvertDryRun reports what would change, with the same records and
// summary as a real conversion, and changes nothing.
func TestConvertDryRun(t *testing.T) {
	d, links, formats := convertTree(t)
	before := snapshot(t, d)
	stdout, stderr, err := convertT(t, convertOptions{to: "mfsymlink", from: contentFrom, dryRun: true, json: true}, d)
	if err != nil || stderr != "" {
		t.Fatalf("runConvert: %v, stderr %q", err, stderr)
	}
	if after := snapshot(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("--dry-run changed the tree:\nbefore %v\nafter  %v", before, after)
	}
	lines := jsonLines(t, stdout, convertKeys, convertSummaryKeys)
	recs, sum := lines[:len(lines)-1], lines[len(lines)-1]
	// Every link but the one already an MFSymlink, and the malformed
	// cookie.
	if len(recs) != len(links)-1+1 {
		t.Fatalf("%d records:\n%s", len(recs), stdout)
	}
	perFormat := map[string]int64{}
	for _, r := range recs {
		rel, _ := filepath.Rel(d, str(t, r, "path"))
		if !boolean(t, r, "dry_run") || str(t, r, "to") != "mfsymlink" {
			t.Errorf("%s: dry_run %v to %q", rel, r["dry_run"], r["to"])
		}
		if rel == "bad" {
			if str(t, r, "new_path") != "" || str(t, r, "from") != "cygwin-cookie" || !strings.HasPrefix(str(t, r, "error"), "malformed, not converted: ") {
				t.Errorf("malformed cookie: %v", r)
			}
			continue
		}
		target, ok := links[rel]
		if !ok || rel == "xsym" {
			t.Errorf("unexpected record %v", r)
			continue
		}
		perFormat[formats[rel]]++
		if str(t, r, "from") != formats[rel] || str(t, r, "target") != target || str(t, r, "error") != "" ||
			str(t, r, "new_path") != filepath.Join(d, newName(rel)) {
			t.Errorf("%s: %v; want from %s, target %s, new_path %s", rel, r, formats[rel], target, filepath.Join(d, newName(rel)))
		}
	}
	if got := counts(t, sum, "summary"); fmt.Sprint(got) != fmt.Sprint(perFormat) {
		t.Errorf("summary %v, want %v", got, perFormat)
	}
	if number(t, sum, "converted") != 3 || number(t, sum, "skipped") != 1 || number(t, sum, "failed") != 0 ||
		number(t, sum, "removed") != 0 || number(t, sum, "unreadable") != 0 || !boolean(t, sum, "dry_run") {
		t.Errorf("summary line %v", sum)
	}

	// The text form says "would".
	stdout, _, err = convertT(t, convertOptions{to: "mfsymlink", from: contentFrom, dryRun: true}, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("would convert %s: cygwin-cookie -> mfsymlink, target docs/readme.txt\n", filepath.Join(d, "cookie")),
		fmt.Sprintf("would convert %s: cygwin-shortcut -> mfsymlink, as %s, target docs\n", filepath.Join(d, "music.lnk"), filepath.Join(d, "music")),
		fmt.Sprintf("left %s (cygwin-cookie): malformed, not converted: ", filepath.Join(d, "bad")),
		"\nwould convert 3 links (",
		"); 0 left untouched, 1 malformed skipped, 0 unreadable paths\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	if after := snapshot(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("--dry-run (text) changed the tree")
	}
}

// TestConvertRewrites converts the tree to native symlinks and back to
// Cygwin cookies: each link is stored in the new format, keeps its
// target, and inspect reads it back so.
func TestConvertRewrites(t *testing.T) {
	d, links, formats := convertTree(t)
	badBefore, err := os.ReadFile(filepath.Join(d, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := convertT(t, convertOptions{to: "native", from: contentFrom}, d)
	if err != nil || stderr != "" {
		t.Fatalf("runConvert: %v, stderr %q", err, stderr)
	}
	for name, target := range links {
		path := filepath.Join(d, newName(name))
		if got, err := os.Readlink(path); err != nil || got != target {
			t.Errorf("%s: readlink %q, %v; want %q", path, got, err, target)
		}
		if name == "sub/native" {
			continue
		}
		if !strings.Contains(stdout, fmt.Sprintf("converted %s: %s -> native", filepath.Join(d, name), formats[name])) {
			t.Errorf("no line for %s in\n%s", name, stdout)
		}
	}
	if _, err := os.Lstat(filepath.Join(d, "music.lnk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("music.lnk is still there: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(d, "bad")); err != nil || !bytes.Equal(b, badBefore) {
		t.Errorf("the malformed cookie changed: %q, %v", b, err)
	}
	if !strings.Contains(stdout, "\nconverted 3 links (") || !strings.HasSuffix(stdout, "); 0 left untouched, 1 malformed skipped, 0 unreadable paths\n") {
		t.Errorf("summary:\n%s", stdout)
	}

	// inspect reads the converted links as native symlinks to the same
	// targets, then as Cygwin cookies after converting again.
	var paths []string
	for name := range links {
		paths = append(paths, filepath.Join(d, newName(name)))
	}
	check := func(format string) {
		t.Helper()
		stdout, _, err := inspectT(t, true, mapping(t), paths...)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range jsonLines(t, stdout, inspectKeys, nil) {
			rel, _ := filepath.Rel(d, str(t, r, "path"))
			target := links[rel]
			if rel == "music" {
				target = links["music.lnk"]
			}
			if str(t, r, "format") != format || str(t, r, "target") != target || str(t, r, "error") != "" {
				t.Errorf("inspect %s: %v; want %s to %s", rel, r, format, target)
			}
			if format == "cygwin-cookie" {
				want, _ := translate.EncodeCygwinCookie(target)
				if got := rawBytes(t, r); !bytes.Equal(got, want) {
					t.Errorf("%s: stored %x, want %x", rel, got, want)
				}
			}
		}
	}
	check("native")
	stdout, _, err = convertT(t, convertOptions{to: "cygwin", from: "native", json: true}, d)
	if err != nil {
		t.Fatal(err)
	}
	sum := jsonLines(t, stdout, convertKeys, convertSummaryKeys)
	if s := sum[len(sum)-1]; number(t, s, "converted") != 4 || counts(t, s, "summary")["native"] != 4 || boolean(t, s, "dry_run") {
		t.Errorf("second conversion: %v", s)
	}
	check("cygwin-cookie")
}

// TestConvertFrom converts only the formats --from names.
func TestConvertFrom(t *testing.T) {
	d, _, _ := convertTree(t)
	before := snapshot(t, d)
	stdout, _, err := convertT(t, convertOptions{to: "native", from: "mfsymlink", json: true}, d)
	if err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, stdout, convertKeys, convertSummaryKeys)
	if len(lines) != 2 || str(t, lines[0], "path") != filepath.Join(d, "xsym") {
		t.Fatalf("want the one MFSymlink converted:\n%s", stdout)
	}
	after := snapshot(t, d)
	for rel, desc := range before {
		if rel != "xsym" && after[rel] != desc {
			t.Errorf("%s changed: %s -> %s", rel, desc, after[rel])
		}
	}
	if !strings.HasSuffix(after["xsym"], " -> /srv/data") {
		t.Errorf("xsym: %s", after["xsym"])
	}
}

// TestConvertImpossible asks for reparse formats a plain directory cannot
// store: every link is left as it was, with an error record, and the
// command returns a *partialError counting them.
func TestConvertImpossible(t *testing.T) {
	d, links, _ := convertTree(t)
	before := snapshot(t, d)
	stdout, _, err := convertT(t, convertOptions{to: "lx", from: contentFrom, json: true}, d)
	var pe *partialError
	if !errors.As(err, &pe) || pe.failed != len(links) {
		t.Fatalf("err = %#v, want a *partialError for %d links", err, len(links))
	}
	lines := jsonLines(t, stdout, convertKeys, convertSummaryKeys)
	for _, r := range lines[:len(lines)-1] {
		if str(t, r, "new_path") != "" || str(t, r, "error") == "" {
			t.Errorf("record %v: want an error and no new_path", r)
		}
	}
	if s := lines[len(lines)-1]; number(t, s, "failed") != int64(len(links)) || number(t, s, "converted") != 0 || number(t, s, "skipped") != 1 {
		t.Errorf("summary %v", s)
	}
	if after := snapshot(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the tree changed")
	}
	if code := run(context.Background(), []string{"convert", "--to", "lx", d}, io.Discard, io.Discard); code != exitPartial {
		t.Errorf("linkfs convert --to lx: exit %d, want %d", code, exitPartial)
	}
}

// TestConvertErrors checks the usage errors and a missing path.
func TestConvertErrors(t *testing.T) {
	d, _, _ := convertTree(t)
	before := snapshot(t, d)
	var usage *usageError
	for _, opts := range []convertOptions{
		{from: contentFrom},                     // no --to
		{to: "auto", from: contentFrom},         // not one format
		{to: "symlink", from: contentFrom},      // unknown
		{to: "native", from: "native,hardlink"}, // unknown --from
		{to: "native", from: contentFrom, mapping: mapping(t, "--style", "vms")},
	} {
		if _, _, err := convertT(t, opts, d); !errors.As(err, &usage) {
			t.Errorf("%+v: %v, want a *usageError", opts, err)
		}
	}
	if after := snapshot(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a refused command changed the tree")
	}
	if code := run(context.Background(), []string{"convert", d}, io.Discard, io.Discard); code != exitUsage {
		t.Errorf("linkfs convert without --to: exit %d, want %d", code, exitUsage)
	}

	missing := filepath.Join(t.TempDir(), "missing")
	stdout, stderr, err := convertT(t, convertOptions{to: "native", from: "mfsymlink", json: true}, missing)
	var pe *partialError
	if !errors.As(err, &pe) || pe.failed != 1 {
		t.Fatalf("missing path: err = %#v, want a *partialError for 1 path", err)
	}
	if !strings.HasPrefix(stderr, "linkfs convert: ") || !strings.Contains(stderr, missing) {
		t.Errorf("stderr %q", stderr)
	}
	lines := jsonLines(t, stdout, convertKeys, convertSummaryKeys)
	if len(lines) != 1 || number(t, lines[0], "unreadable") != 1 || number(t, lines[0], "converted") != 0 {
		t.Errorf("stdout %s: want only a summary with 1 unreadable", stdout)
	}
}

// TestConvertNTFS converts LX symlinks on an ntfs-3g image into NTFS
// symlinks; inspect then reads NTFS symlinks with the same targets.
func TestConvertNTFS(t *testing.T) {
	n := testenv.NewNTFS(t, "special_files=wsl")
	writeBytes(t, filepath.Join(n.Dir, "docs", "readme.txt"), []byte("hi\n"))
	targets := map[string]string{"rel": "docs/readme.txt", "abs": "/mnt/c/Windows"}
	var paths []string
	for name, target := range targets {
		writeLink(t, filepath.Join(n.Dir, name), translate.Native, target) // stored as LX by ntfs-3g
		paths = append(paths, filepath.Join(n.Dir, name))
	}
	formatsOf := func() map[string]string {
		t.Helper()
		stdout, _, err := inspectT(t, true, mapping(t), paths...)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range jsonLines(t, stdout, inspectKeys, nil) {
			got[filepath.Base(str(t, r, "path"))] = str(t, r, "format") + " " + str(t, r, "target")
		}
		return got
	}
	if got := formatsOf(); got["rel"] != "lx-symlink docs/readme.txt" || got["abs"] != "lx-symlink /mnt/c/Windows" {
		t.Fatalf("before: %v", got)
	}
	stdout, stderr, err := convertT(t, convertOptions{to: "ntfs", from: "lx-symlink", json: true}, n.Dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := jsonLines(t, stdout, convertKeys, convertSummaryKeys)
	if s := lines[len(lines)-1]; number(t, s, "converted") != 2 || counts(t, s, "summary")["lx-symlink"] != 2 {
		t.Errorf("summary %v", s)
	}
	n.Remount(t, "special_files=wsl") // read what is on the disk
	if got := formatsOf(); got["rel"] != "ntfs-symlink docs/readme.txt" || got["abs"] != "ntfs-symlink /mnt/c/Windows" {
		t.Errorf("after: %v", got)
	}
	if b, err := os.ReadFile(filepath.Join(n.Dir, "rel")); err != nil || string(b) != "hi\n" {
		t.Errorf("reading through the NTFS symlink: %q, %v", b, err)
	}
}
