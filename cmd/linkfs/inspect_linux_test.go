//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// inspectKeys are the fields of every `inspect --json` object.
var inspectKeys = []string{"path", "format", "raw", "target", "windows_target", "error"}

// inspectT runs runInspect and returns stdout, stderr and its error.
func inspectT(t *testing.T, asJSON bool, m mappingFlags, paths ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runInspect(context.Background(), inspectOptions{json: asJSON, mapping: m}, paths, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// inspectTree is a plain directory holding one link of each format a
// plain Linux directory can store, a real Explorer shortcut, a plain file
// and a directory.
type inspectTree struct {
	dir  string
	raw  map[string][]byte // name -> the bytes the link is stored in
	want map[string]wantRecord
}

type wantRecord struct {
	format, target, windows string
}

func newInspectTree(t *testing.T) *inspectTree {
	t.Helper()
	d := t.TempDir()
	tr := &inspectTree{dir: d, raw: map[string][]byte{}}
	writeBytes(t, filepath.Join(d, "docs", "readme.txt"), []byte("hi\n"))
	tr.raw["cookie"] = writeLink(t, filepath.Join(d, "cookie"), translate.CygwinCookie, "docs/readme.txt")
	tr.raw["cookie-abs"] = writeLink(t, filepath.Join(d, "cookie-abs"), translate.CygwinCookie, "/cygdrive/c/Users")
	tr.raw["xsym"] = writeLink(t, filepath.Join(d, "xsym"), translate.MFSymlink, "../up/file.txt")
	tr.raw["music.lnk"] = writeLink(t, filepath.Join(d, "music.lnk"), translate.CygwinShortcut, "docs")
	tr.raw["native"] = writeLink(t, filepath.Join(d, "native"), translate.Native, "/mnt/d/data")
	tr.raw["explorer.lnk"] = corpusLnk(t, "microsoft_example.lnk")
	writeBytes(t, filepath.Join(d, "explorer.lnk"), tr.raw["explorer.lnk"])
	writeBytes(t, filepath.Join(d, "plain.txt"), []byte("!<symlink is not a cookie\n"))
	tr.want = map[string]wantRecord{
		// Relative POSIX targets stay as they are; the Windows form swaps
		// the separators.
		"cookie": {"cygwin-cookie", "docs/readme.txt", `docs\readme.txt`},
		// A Cygwin drive path is shown the WSL way by default.
		"cookie-abs":   {"cygwin-cookie", "/mnt/c/Users", `C:\Users`},
		"xsym":         {"mfsymlink", "../up/file.txt", `..\up\file.txt`},
		"music.lnk":    {"cygwin-shortcut", "docs", "docs"},
		"native":       {"native", "/mnt/d/data", `D:\data`},
		"explorer.lnk": {"shell-link", "/mnt/c/test/a.txt", `C:\test\a.txt`},
		"plain.txt":    {"none", "", ""},
		"docs":         {"none", "", ""},
	}
	return tr
}

// names lists the tree's entries in a fixed order.
func (tr *inspectTree) names() []string {
	return []string{"cookie", "cookie-abs", "xsym", "music.lnk", "native", "explorer.lnk", "plain.txt", "docs"}
}

func (tr *inspectTree) paths() []string {
	var ps []string
	for _, n := range tr.names() {
		ps = append(ps, filepath.Join(tr.dir, n))
	}
	return ps
}

// TestInspectJSON decodes one link of every plain-directory format and
// checks every field of every record, in the order the paths were given.
func TestInspectJSON(t *testing.T) {
	tr := newInspectTree(t)
	stdout, stderr, err := inspectT(t, true, mapping(t), tr.paths()...)
	if err != nil || stderr != "" {
		t.Fatalf("runInspect: %v, stderr %q", err, stderr)
	}
	recs := jsonLines(t, stdout, inspectKeys, nil)
	if len(recs) != len(tr.names()) {
		t.Fatalf("%d records for %d paths:\n%s", len(recs), len(tr.names()), stdout)
	}
	for i, name := range tr.names() {
		r, w := recs[i], tr.want[name]
		if got := str(t, r, "path"); got != filepath.Join(tr.dir, name) {
			t.Errorf("record %d: path %q, want %q", i, got, filepath.Join(tr.dir, name))
		}
		if f, tg, win := str(t, r, "format"), str(t, r, "target"), str(t, r, "windows_target"); f != w.format || tg != w.target || win != w.windows {
			t.Errorf("%s: format %q target %q windows_target %q; want %q %q %q", name, f, tg, win, w.format, w.target, w.windows)
		}
		if e := str(t, r, "error"); e != "" {
			t.Errorf("%s: error %q", name, e)
		}
		// raw is the stored bytes: the whole file of a content link, the
		// symlink text of a native one, nothing for a plain entry.
		if got := rawBytes(t, r); !bytes.Equal(got, tr.raw[name]) {
			t.Errorf("%s: raw %x, want %x", name, got, tr.raw[name])
		}
	}
}

// TestInspectMapping checks that the mapping flags reach the targets
// inspect shows: the Cygwin style, and a drive mapped to a directory.
func TestInspectMapping(t *testing.T) {
	tr := newInspectTree(t)
	paths := []string{filepath.Join(tr.dir, "cookie-abs"), filepath.Join(tr.dir, "explorer.lnk"), filepath.Join(tr.dir, "native")}
	for _, tc := range []struct {
		flags []string
		want  []string // POSIX targets, in the order of paths
	}{
		// A native symlink into a drive is shown in the chosen style too.
		{[]string{"--style", "cygwin"}, []string{"/cygdrive/c/Users", "/cygdrive/c/test/a.txt", "/cygdrive/d/data"}},
		{[]string{"--style", "msys"}, []string{"/c/Users", "/c/test/a.txt", "/d/data"}},
		{[]string{"--automount-root", "/win"}, []string{"/win/c/Users", "/win/c/test/a.txt", "/win/d/data"}},
		// Only the mapped drive moves.
		{[]string{"--drive", "C:=/srv/c"}, []string{"/srv/c/Users", "/srv/c/test/a.txt", "/mnt/d/data"}},
	} {
		stdout, _, err := inspectT(t, true, mapping(t, tc.flags...), paths...)
		if err != nil {
			t.Fatalf("%v: %v", tc.flags, err)
		}
		recs := jsonLines(t, stdout, inspectKeys, nil)
		if len(recs) != len(paths) {
			t.Fatalf("%v: %d records, want %d", tc.flags, len(recs), len(paths))
		}
		for i, r := range recs {
			if got := str(t, r, "target"); got != tc.want[i] {
				t.Errorf("%v: %s: target %q, want %q", tc.flags, filepath.Base(paths[i]), got, tc.want[i])
			}
		}
		// The stored Windows form does not depend on the POSIX style.
		if got := str(t, recs[0], "windows_target"); got != `C:\Users` {
			t.Errorf("%v: cookie-abs windows_target %q", tc.flags, got)
		}
	}
	var usage *usageError
	if _, _, err := inspectT(t, true, mapping(t, "--style", "vms"), paths...); !errors.As(err, &usage) {
		t.Errorf("--style vms: %v, want a *usageError", err)
	}
	if _, _, err := inspectT(t, true, mapping(t, "--drive", "C:=relative"), paths...); !errors.As(err, &usage) {
		t.Errorf("--drive C:=relative: %v, want a *usageError", err)
	}
}

// TestInspectTable checks the text output: a header, one aligned row per
// path, "-" for a missing target and the error in place of the targets.
func TestInspectTable(t *testing.T) {
	tr := newInspectTree(t)
	bad := filepath.Join(tr.dir, "bad-cookie")
	writeBytes(t, bad, []byte("!<symlink>no terminator"))
	stdout, _, err := inspectT(t, false, mapping(t), append(tr.paths(), bad)...)
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(stdout)
	if len(rows) != len(tr.names())+2 {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(rows), len(tr.names())+1, stdout)
	}
	header := rows[0]
	if strings.Join(strings.Fields(header), " ") != "PATH FORMAT TARGET WINDOWS TARGET" {
		t.Fatalf("header %q", header)
	}
	starts := columnStarts(t, header, "PATH", "FORMAT", "TARGET", "WINDOWS TARGET")
	for i, name := range tr.names() {
		row, w := rows[i+1], tr.want[name]
		if len(row) < starts[1] || row[starts[1]-1] != ' ' {
			t.Errorf("row %q is not aligned with the header %q", row, header)
			continue
		}
		target, win := w.target, w.windows
		if target == "" {
			target, win = "-", "-"
		}
		got := []string{cell(row, starts, 0), cell(row, starts, 1), cell(row, starts, 2), cell(row, starts, 3)}
		want := []string{filepath.Join(tr.dir, name), w.format, target, win}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %q:\n got %q\nwant %q", row, got, want)
		}
	}
	last := rows[len(rows)-1]
	if cell(last, starts, 0) != bad || cell(last, starts, 1) != "cygwin-cookie" ||
		!strings.HasPrefix(cell(last, starts, 2), "error: cygwin-cookie: ") || !strings.Contains(last, "no NUL terminator") {
		t.Errorf("malformed cookie row %q", last)
	}
}

// TestInspectMalformed reports damaged links as records with an error and
// goes on to the next path; a malformed link is not an unreadable path.
func TestInspectMalformed(t *testing.T) {
	d := t.TempDir()
	good := filepath.Join(d, "good")
	writeLink(t, good, translate.CygwinCookie, "docs")
	xsym, err := translate.EncodeMFSymlink("target")
	if err != nil {
		t.Fatal(err)
	}
	badLen := bytes.Clone(xsym)
	badLen[7] = 'x' // in the length line "0006"
	shortcut := corpusLnk(t, "microsoft_example.lnk")
	bad := map[string]struct {
		content []byte
		format  string
		err     string
	}{
		"cookie-no-nul":  {[]byte("!<symlink>docs"), "cygwin-cookie", "8-bit target has no NUL terminator"},
		"cookie-utf16":   {[]byte("!<symlink>\xff\xfed\x00o\x00"), "cygwin-cookie", "UTF-16 target has no NUL terminator"},
		"xsym-bad-len":   {badLen, "mfsymlink", "length is not 4 decimal digits"},
		"truncated.lnk":  {shortcut[:120], "shell-link", "shell-link: "},
		"cookie-too-big": {append(append([]byte("!<symlink>"), bytes.Repeat([]byte("a"), 5000)...), 0), "cygwin-cookie", "longer than SYMLINK_MAX"},
	}
	var paths []string
	for name, b := range bad {
		writeBytes(t, filepath.Join(d, name), b.content)
		paths = append(paths, filepath.Join(d, name))
	}
	// An MFSymlink whose MD5 does not match its target is a regular
	// file, as Linux cifs shows it, with no error.
	badSum := bytes.Clone(xsym)
	if i := len(translate.MFSymlinkMagic) + 5; badSum[i] == '0' { // the first MD5 digit
		badSum[i] = '1'
	} else {
		badSum[i] = '0'
	}
	writeBytes(t, filepath.Join(d, "xsym-bad-md5"), badSum)
	paths = append(paths, filepath.Join(d, "xsym-bad-md5"), good)
	stdout, stderr, err := inspectT(t, true, mapping(t), paths...)
	if err != nil || stderr != "" {
		t.Fatalf("runInspect: %v, stderr %q; a malformed link is a record, not a failure", err, stderr)
	}
	recs := jsonLines(t, stdout, inspectKeys, nil)
	if len(recs) != len(paths) {
		t.Fatalf("%d records for %d paths", len(recs), len(paths))
	}
	for _, r := range recs[:len(recs)-2] {
		name := filepath.Base(str(t, r, "path"))
		w := bad[name]
		if f, e := str(t, r, "format"), str(t, r, "error"); f != w.format || !strings.Contains(e, w.err) {
			t.Errorf("%s: format %q error %q; want %q and an error containing %q", name, f, e, w.format, w.err)
		}
		if tg, win := str(t, r, "target"), str(t, r, "windows_target"); tg != "" || win != "" {
			t.Errorf("%s: target %q windows_target %q, want none", name, tg, win)
		}
	}
	if r := recs[len(recs)-2]; str(t, r, "format") != "none" || str(t, r, "error") != "" || str(t, r, "raw") != "" {
		t.Errorf("MFSymlink with a wrong MD5: %v, want a plain file", r)
	}
	if r := recs[len(recs)-1]; str(t, r, "target") != "docs" || str(t, r, "error") != "" {
		t.Errorf("the good cookie after the bad ones: %v", r)
	}
}

// TestInspectMissingPath reports a path that does not exist on stderr,
// goes on with the others and returns a *partialError, which run turns
// into exit status 1.
func TestInspectMissingPath(t *testing.T) {
	d := t.TempDir()
	missing := filepath.Join(d, "missing")
	good := filepath.Join(d, "good")
	writeLink(t, good, translate.MFSymlink, "x")
	stdout, stderr, err := inspectT(t, true, mapping(t), missing, good, filepath.Join(d, "gone", "deeper"))
	var pe *partialError
	if !errors.As(err, &pe) || pe.failed != 2 {
		t.Fatalf("err = %#v, want a *partialError for 2 paths", err)
	}
	if !strings.Contains(stderr, "linkfs inspect: ") || !strings.Contains(stderr, missing) || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("stderr %q does not name %s and why", stderr, missing)
	}
	if n := strings.Count(stderr, "\n"); n != 2 {
		t.Errorf("stderr has %d lines, want one per missing path:\n%s", n, stderr)
	}
	recs := jsonLines(t, stdout, inspectKeys, nil)
	if len(recs) != 1 || str(t, recs[0], "path") != good || str(t, recs[0], "format") != "mfsymlink" {
		t.Errorf("stdout: %s; want the one record of %s", stdout, good)
	}

	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"inspect", "--json", missing}, exitPartial},
		{[]string{"inspect", good}, exitOK},
		{[]string{"inspect"}, exitUsage},
		{[]string{"inspect", "--style", "vms", good}, exitUsage},
		{[]string{"inspect", "--no-such-flag", good}, exitUsage},
	} {
		if code := run(context.Background(), tc.args, io.Discard, io.Discard); code != tc.code {
			t.Errorf("linkfs %v: exit %d, want %d", tc.args, code, tc.code)
		}
	}
}

// TestInspectLXSymlinkNTFS inspects a symlink made with symlink(2) on an
// ntfs-3g mount with special_files=wsl, which stores it as an LX symlink
// reparse point, and the same symlink on a plain directory, which stays
// native.
func TestInspectLXSymlinkNTFS(t *testing.T) {
	n := testenv.NewNTFS(t, "special_files=wsl")
	plain := t.TempDir()
	targets := map[string]string{"rel": "docs/readme.txt", "abs": "/mnt/c/Windows"}
	windows := map[string]string{"rel": `docs\readme.txt`, "abs": `C:\Windows`}
	for _, dir := range []string{n.Dir, plain} {
		writeBytes(t, filepath.Join(dir, "docs", "readme.txt"), []byte("hi\n"))
		for name, target := range targets {
			testenv.Run(t, "ln", "-s", target, filepath.Join(dir, name))
		}
	}
	for _, tc := range []struct {
		dir, format string
	}{{n.Dir, "lx-symlink"}, {plain, "native"}} {
		paths := []string{filepath.Join(tc.dir, "rel"), filepath.Join(tc.dir, "abs")}
		stdout, stderr, err := inspectT(t, true, mapping(t), paths...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.dir, err, stderr)
		}
		recs := jsonLines(t, stdout, inspectKeys, nil)
		if len(recs) != 2 {
			t.Fatalf("%s: %d records", tc.dir, len(recs))
		}
		for i, name := range []string{"rel", "abs"} {
			r := recs[i]
			if f, tg, win, e := str(t, r, "format"), str(t, r, "target"), str(t, r, "windows_target"), str(t, r, "error"); f != tc.format || tg != targets[name] || win != windows[name] || e != "" {
				t.Errorf("%s: format %q target %q windows_target %q error %q; want %q %q %q", paths[i], f, tg, win, e, tc.format, targets[name], windows[name])
			}
			raw := rawBytes(t, r)
			if tc.format == "native" {
				if string(raw) != targets[name] {
					t.Errorf("%s: raw %q, want the symlink text", paths[i], raw)
				}
				continue
			}
			// raw is the reparse buffer ntfs-3g stored.
			if tag, err := translate.ReparseTag(raw); err != nil || tag != translate.TagLXSymlink {
				t.Errorf("%s: reparse tag %#x, %v; want IO_REPARSE_TAG_LX_SYMLINK", paths[i], tag, err)
			}
			if l, err := translate.DecodeReparse(raw); err != nil || l.Format != translate.LXSymlink || l.Target != targets[name] {
				t.Errorf("%s: raw decodes to %+v, %v", paths[i], l, err)
			}
		}
	}
	// The kernel still reads the LX symlink as a symlink.
	if got, err := os.Readlink(filepath.Join(n.Dir, "rel")); err != nil || got != targets["rel"] {
		t.Errorf("readlink: %q, %v", got, err)
	}
}
