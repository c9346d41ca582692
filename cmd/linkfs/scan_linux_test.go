//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

var (
	// scanKeys are the fields of a link line of `scan --json`: those of
	// inspect and where the target leads.
	scanKeys = append(append([]string(nil), inspectKeys...), "dangling", "loop", "outside")
	// scanSummaryKeys are the fields of its last line.
	scanSummaryKeys = []string{"summary", "entries", "dangling", "loops", "outside", "errors", "unreadable"}
)

func scanT(t *testing.T, asJSON bool, m mappingFlags, paths ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runScan(context.Background(), scanOptions{json: asJSON, mapping: m}, paths, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// scanLink is what scan should say of one link of scanTreeT.
type scanLink struct {
	format, target, status string // status: ok, dangling, loop, outside, error
}

// scanTreeT builds a tree whose links lead everywhere a link can: to a
// file and a directory in the tree, nowhere, round in a loop, out of the
// tree, and one that is malformed.
func scanTreeT(t *testing.T) (string, map[string]scanLink) {
	t.Helper()
	d := t.TempDir()
	writeBytes(t, filepath.Join(d, "docs", "readme.txt"), []byte("hi\n"))
	writeBytes(t, filepath.Join(d, "plain.txt"), []byte("plain\n"))
	writeLink(t, filepath.Join(d, "cookie"), translate.CygwinCookie, "docs/readme.txt")
	writeLink(t, filepath.Join(d, "sub", "up"), translate.CygwinCookie, "../docs")
	writeLink(t, filepath.Join(d, "drive"), translate.CygwinCookie, "/cygdrive/c/Users")
	writeLink(t, filepath.Join(d, "xsym-gone"), translate.MFSymlink, "docs/gone.txt")
	writeLink(t, filepath.Join(d, "music.lnk"), translate.CygwinShortcut, "sub/up")
	writeLink(t, filepath.Join(d, "loop-a"), translate.Native, "loop-b")
	writeLink(t, filepath.Join(d, "loop-b"), translate.MFSymlink, "loop-a")
	writeLink(t, filepath.Join(d, "etc"), translate.Native, "/etc")
	writeBytes(t, filepath.Join(d, "bad"), []byte("!<symlink>no terminator"))
	return d, map[string]scanLink{
		"cookie":    {"cygwin-cookie", "docs/readme.txt", "ok"},
		"sub/up":    {"cygwin-cookie", "../docs", "ok"},
		"drive":     {"cygwin-cookie", "/mnt/c/Users", "outside"},
		"xsym-gone": {"mfsymlink", "docs/gone.txt", "dangling"},
		"music.lnk": {"cygwin-shortcut", "sub/up", "ok"}, // through another link
		"loop-a":    {"native", "loop-b", "loop"},
		"loop-b":    {"mfsymlink", "loop-a", "loop"},
		"etc":       {"native", "/etc", "outside"},
		"bad":       {"cygwin-cookie", "", "error"},
	}
}

// statusOf reads the three flags of a scan record as one status.
func statusOf(t *testing.T, r map[string]any) string {
	t.Helper()
	dangling, loop, outside := boolean(t, r, "dangling"), boolean(t, r, "loop"), boolean(t, r, "outside")
	switch {
	case b2i(dangling)+b2i(loop)+b2i(outside) > 1:
		return fmt.Sprintf("dangling=%v loop=%v outside=%v", dangling, loop, outside)
	case str(t, r, "error") != "":
		return "error"
	case dangling:
		return "dangling"
	case loop:
		return "loop"
	case outside:
		return "outside"
	}
	return "ok"
}

// TestScanJSON checks every record of a scan and the summary line.
func TestScanJSON(t *testing.T) {
	d, want := scanTreeT(t)
	stdout, stderr, err := scanT(t, true, mapping(t), d)
	if err != nil || stderr != "" {
		t.Fatalf("runScan: %v, stderr %q", err, stderr)
	}
	lines := jsonLines(t, stdout, scanKeys, scanSummaryKeys)
	if len(lines) != len(want)+1 {
		t.Fatalf("%d lines, want %d links and a summary:\n%s", len(lines), len(want), stdout)
	}
	recs, sum := lines[:len(lines)-1], lines[len(lines)-1]
	var paths []string
	formats := map[string]int64{}
	statuses := map[string]int64{}
	for _, r := range recs {
		path := str(t, r, "path")
		paths = append(paths, path)
		rel, err := filepath.Rel(d, path)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[rel]
		if !ok {
			t.Errorf("unexpected record %v", r)
			continue
		}
		delete(want, rel)
		formats[w.format]++
		statuses[w.status]++
		if f, tg, st := str(t, r, "format"), str(t, r, "target"), statusOf(t, r); f != w.format || tg != w.target || st != w.status {
			t.Errorf("%s: format %q target %q status %s; want %q %q %s (error %q)", rel, f, tg, st, w.format, w.target, w.status, str(t, r, "error"))
		}
		if w.status == "error" && !strings.Contains(str(t, r, "error"), "no NUL terminator") {
			t.Errorf("%s: error %q", rel, str(t, r, "error"))
		}
		if len(rawBytes(t, r)) == 0 {
			t.Errorf("%s: no raw bytes", rel)
		}
	}
	for rel := range want {
		t.Errorf("%s: no record", rel)
	}
	if !sort.StringsAreSorted(paths) {
		t.Errorf("records not sorted by path: %v", paths)
	}
	if got := counts(t, sum, "summary"); fmt.Sprint(got) != fmt.Sprint(formats) {
		t.Errorf("summary %v, want %v", got, formats)
	}
	if got, want := number(t, sum, "entries"), countEntries(t, d); got != want {
		t.Errorf("entries %d, want %d (the root and everything under it)", got, want)
	}
	for key, status := range map[string]string{"dangling": "dangling", "loops": "loop", "outside": "outside", "errors": "error"} {
		if got := number(t, sum, key); got != statuses[status] {
			t.Errorf("%s = %d, want %d", key, got, statuses[status])
		}
	}
	if got := number(t, sum, "unreadable"); got != 0 {
		t.Errorf("unreadable = %d", got)
	}
}

// TestScanTable checks the text output: a STATUS column and two summary
// lines.
func TestScanTable(t *testing.T) {
	d, want := scanTreeT(t)
	stdout, _, err := scanT(t, false, mapping(t), d)
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(stdout)
	if len(rows) != 1+len(want)+3 {
		t.Fatalf("%d lines, want a header, %d rows, a blank line and 2 summary lines:\n%s", len(rows), len(want), stdout)
	}
	header := rows[0]
	if strings.Join(strings.Fields(header), " ") != "PATH FORMAT TARGET WINDOWS TARGET STATUS" {
		t.Fatalf("header %q", header)
	}
	starts := columnStarts(t, header, "PATH", "FORMAT", "TARGET", "WINDOWS TARGET", "STATUS")
	for _, row := range rows[1 : 1+len(want)] {
		rel, _ := filepath.Rel(d, cell(row, starts, 0))
		w, ok := want[rel]
		if !ok {
			t.Errorf("unexpected row %q", row)
			continue
		}
		target := w.target
		if w.status == "error" {
			target = "error: cygwin-cookie: 8-bit target has no NUL terminator at byte 23"
		}
		if got := []string{cell(row, starts, 1), cell(row, starts, 2), cell(row, starts, 4)}; fmt.Sprint(got) != fmt.Sprint([]string{w.format, target, w.status}) {
			t.Errorf("row %q: got %q, want %q", row, got, []string{w.format, target, w.status})
		}
	}
	formats := map[string]int{}
	statuses := map[string]int{}
	for _, w := range want {
		formats[w.format]++
		statuses[w.status]++
	}
	var parts []string
	for _, f := range []string{"cygwin-cookie", "cygwin-shortcut", "mfsymlink", "native"} { // sorted by name
		parts = append(parts, fmt.Sprintf("%d %s", formats[f], f))
	}
	wantSum := []string{"",
		fmt.Sprintf("%d links in %d entries: %s", len(want), countEntries(t, d), strings.Join(parts, ", ")),
		fmt.Sprintf("%d dangling, %d loops, %d outside the scanned paths, %d errors, 0 unreadable", statuses["dangling"], statuses["loop"], statuses["outside"], statuses["error"]),
	}
	if got := rows[len(rows)-3:]; strings.Join(got, "\n") != strings.Join(wantSum, "\n") {
		t.Errorf("summary:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantSum, "\n"))
	}

	// A tree without links: a dash for the formats.
	empty := t.TempDir()
	writeBytes(t, filepath.Join(empty, "f"), []byte("x"))
	stdout, _, err = scanT(t, false, mapping(t), empty)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(stdout, "\n0 links in 2 entries: -\n0 dangling, 0 loops, 0 outside the scanned paths, 0 errors, 0 unreadable\n") {
		t.Errorf("empty tree:\n%s", stdout)
	}
}

// TestScanUnreadable scans a missing path with a good one: the missing
// one is reported on stderr and counted, the other scanned, and the error
// is a *partialError (exit status 1).
func TestScanUnreadable(t *testing.T) {
	d := t.TempDir()
	writeLink(t, filepath.Join(d, "xsym"), translate.MFSymlink, "f")
	writeBytes(t, filepath.Join(d, "f"), []byte("x"))
	missing := filepath.Join(t.TempDir(), "missing")
	stdout, stderr, err := scanT(t, true, mapping(t), missing, d)
	var pe *partialError
	if !errors.As(err, &pe) || pe.failed != 1 {
		t.Fatalf("err = %#v, want a *partialError for 1 path", err)
	}
	if !strings.HasPrefix(stderr, "linkfs scan: ") || !strings.Contains(stderr, missing) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q: want one line naming %s", stderr, missing)
	}
	lines := jsonLines(t, stdout, scanKeys, scanSummaryKeys)
	if len(lines) != 2 {
		t.Fatalf("want the link of %s and a summary:\n%s", d, stdout)
	}
	if r := lines[0]; str(t, r, "path") != filepath.Join(d, "xsym") || str(t, r, "format") != "mfsymlink" || statusOf(t, r) != "ok" {
		t.Errorf("record %v", r)
	}
	if sum := lines[1]; number(t, sum, "unreadable") != 1 || number(t, sum, "entries") != 3 {
		t.Errorf("summary %v: want 1 unreadable and the 3 entries of %s", sum, d)
	}

	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"scan", missing}, exitPartial},
		{[]string{"scan", "--json", d}, exitOK},
		{[]string{"scan"}, exitUsage},
		{[]string{"scan", "--style", "vms", d}, exitUsage},
	} {
		if code := run(context.Background(), tc.args, io.Discard, io.Discard); code != tc.code {
			t.Errorf("linkfs %v: exit %d, want %d", tc.args, code, tc.code)
		}
	}
	var usage *usageError
	if _, _, err := scanT(t, true, mapping(t, "--drive", "1:=/x"), d); !errors.As(err, &usage) {
		t.Errorf("--drive 1:=/x: %v, want a *usageError", err)
	}
}

// TestScanGitSymlinks scans a clone made with core.symlinks=false, whose
// symlinks are text files that only the index calls links.
func TestScanGitSymlinks(t *testing.T) {
	testenv.SkipUnless(t, testenv.HaveTool("git"), "git is not installed (apt-get install git)")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	base := t.TempDir()
	up, co := filepath.Join(base, "up"), filepath.Join(base, "co")
	writeBytes(t, filepath.Join(up, "docs", "readme.txt"), []byte("hi\n"))
	writeLink(t, filepath.Join(up, "link"), translate.Native, "docs/readme.txt")
	writeLink(t, filepath.Join(up, "gone"), translate.Native, "nothing")
	// A regular file holding link text, but not a symlink in the index.
	writeBytes(t, filepath.Join(up, "lookalike"), []byte("docs/readme.txt"))
	git(up, "init", "-q")
	git(up, "add", "-A")
	git(up, "commit", "-qm", "links")
	git(base, "clone", "-q", "-c", "core.symlinks=false", up, co)
	if fi, err := os.Lstat(filepath.Join(co, "link")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the clone's link is not a regular file: %v, %v", fi, err)
	}
	stdout, stderr, err := scanT(t, true, mapping(t), co)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := jsonLines(t, stdout, scanKeys, scanSummaryKeys)
	got := map[string]string{}
	for _, r := range lines[:len(lines)-1] {
		rel, _ := filepath.Rel(co, str(t, r, "path"))
		got[rel] = str(t, r, "format") + " " + str(t, r, "target") + " " + statusOf(t, r)
	}
	want := map[string]string{"link": "git-symlink docs/readme.txt ok", "gone": "git-symlink nothing dangling"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("links %v, want %v", got, want)
	}
	if s := counts(t, lines[len(lines)-1], "summary"); s["git-symlink"] != 2 || len(s) != 1 {
		t.Errorf("summary %v", s)
	}
}
