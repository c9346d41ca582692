//go:build linux

package scan

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// writeLinkT writes a link of format f at dir/name pointing at target,
// through the same encoder and writer the mount uses.
func writeLinkT(t *testing.T, dir, name string, f translate.Format, target string) {
	t.Helper()
	s, err := fs.Encode(f, name, target, false, &translate.Mapper{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteLink(dir, &s); err != nil {
		t.Fatal(err)
	}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFileT(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func scanT(t *testing.T, roots ...string) *Result {
	t.Helper()
	res, err := Scan(context.Background(), roots, Options{Classify: fs.Options{Explain: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range res.Errors {
		t.Errorf("scan error: %v", err)
	}
	return res
}

func TestScanFormats(t *testing.T) {
	root := t.TempDir()
	p := func(n string) string { return filepath.Join(root, n) }
	mkdirs(t, p("docs"), p("a/b/c"))
	writeFileT(t, p("docs/readme.txt"), "hi")
	writeFileT(t, p("plain.txt"), "!<symlinkish but not a link")
	writeLinkT(t, root, "cookie", translate.CygwinCookie, "docs")
	writeLinkT(t, root, "music", translate.CygwinShortcut, "docs")
	writeLinkT(t, p("a/b/c"), "xsym", translate.MFSymlink, "../../../docs/readme.txt")
	writeLinkT(t, p("a"), "intx", translate.Interix, "/usr/lib")
	if err := os.Symlink("docs/readme.txt", p("native")); err != nil {
		t.Fatal(err)
	}
	writeFileT(t, p("bad-cookie"), "!<symlink>\xff\xfex") // UTF-16 of odd length
	if err := unix.Mkfifo(p("fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	var entries, links atomic.Int64
	res, err := Scan(context.Background(), []string{root}, Options{
		Classify: fs.Options{Explain: true},
		Progress: func(e, l int) { entries.Add(int64(e)); links.Add(int64(l)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		format translate.Format
		target string
		err    bool
	}{
		"cookie":     {translate.CygwinCookie, "docs", false},
		"music.lnk":  {translate.CygwinShortcut, "docs", false},
		"a/b/c/xsym": {translate.MFSymlink, "../../../docs/readme.txt", false},
		"a/intx":     {translate.Interix, "/usr/lib", false},
		"native":     {translate.Native, "docs/readme.txt", false},
		"bad-cookie": {translate.CygwinCookie, "", true},
	}
	got := map[string]bool{}
	for _, l := range res.Links {
		got[l.Rel] = true
		w, ok := want[l.Rel]
		if !ok {
			t.Errorf("%s: reported as %s, not a link", l.Rel, l.Entry.Format)
			continue
		}
		if l.Entry.Format != w.format || l.Entry.Link.Target != w.target || (l.Entry.Err != nil) != w.err {
			t.Errorf("%s: %s %q err=%v, want %s %q err=%v", l.Rel, l.Entry.Format, l.Entry.Link.Target, l.Entry.Err, w.format, w.target, w.err)
		}
		if l.Path != filepath.Join(root, l.Rel) || l.Root != root {
			t.Errorf("%s: path %s root %s", l.Rel, l.Path, l.Root)
		}
	}
	for rel := range want {
		if !got[rel] {
			t.Errorf("%s: not found", rel)
		}
	}
	if !sort.SliceIsSorted(res.Links, func(i, j int) bool { return res.Links[i].Path < res.Links[j].Path }) {
		t.Error("links are not sorted by path")
	}
	// The root, docs, readme.txt, plain.txt, a, a/b, a/b/c, the six links
	// and the FIFO.
	if res.Entries != 14 || entries.Load() != res.Entries-1 || links.Load() != int64(len(res.Links)) {
		t.Errorf("entries %d, progress saw %d entries and %d links; want 14, 13, %d", res.Entries, entries.Load(), links.Load(), len(res.Links))
	}
}

// TestScanRootIsLink scans a link given itself as the path, and a root
// that is a plain file.
func TestScanRootIsLink(t *testing.T) {
	dir := t.TempDir()
	writeLinkT(t, dir, "cookie", translate.CygwinCookie, "x")
	writeFileT(t, filepath.Join(dir, "plain"), "text")
	res := scanT(t, filepath.Join(dir, "cookie"), filepath.Join(dir, "plain"))
	if len(res.Links) != 1 || res.Links[0].Rel != "" || res.Links[0].Path != filepath.Join(dir, "cookie") || res.Links[0].Entry.Format != translate.CygwinCookie {
		t.Fatalf("links %+v", res.Links)
	}
}

// TestScanUnreadable reports a path that cannot be read and goes on.
func TestScanUnreadable(t *testing.T) {
	dir := t.TempDir()
	writeLinkT(t, dir, "cookie", translate.CygwinCookie, "x")
	res, err := Scan(context.Background(), []string{filepath.Join(dir, "missing"), dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "missing") || len(res.Links) != 1 {
		t.Errorf("errors %v, links %d", res.Errors, len(res.Links))
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, []string{t.TempDir()}, Options{}); err == nil {
		t.Error("a cancelled scan returned no error")
	}
}

// TestScanTemporaries keeps a conversion's temporary links out of the
// links and lists them apart.
func TestScanTemporaries(t *testing.T) {
	dir := t.TempDir()
	writeLinkT(t, dir, convertTempName(1, 1), translate.CygwinCookie, "x")
	res := scanT(t, dir)
	if len(res.Links) != 0 || len(res.Temporaries) != 1 || res.Temporaries[0].Rel != convertTempName(1, 1) {
		t.Errorf("links %+v, temporaries %+v", res.Links, res.Temporaries)
	}
}

// TestResolveAll follows targets through the scanned tree.
func TestResolveAll(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	other := filepath.Join(base, "other")
	p := func(n string) string { return filepath.Join(root, n) }
	mkdirs(t, p("docs/sub"), p("music2"), other)
	writeFileT(t, p("docs/readme.txt"), "hi")
	writeFileT(t, filepath.Join(other, "file"), "x")
	symlink := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, p(name)); err != nil {
			t.Fatal(err)
		}
	}
	symlink("docs/readme.txt", "ok")
	symlink("docs", "okdir")
	symlink("missing", "dangling")
	symlink("docs/readme.txt/x", "notdir")
	symlink("loopb", "loopa")
	symlink("loopa", "loopb")
	symlink("self/x", "self")
	symlink("/etc", "outside-abs")
	symlink("../other/file", "other-root")
	symlink("../root/docs/readme.txt", "out-and-back")
	symlink(p("docs/sub"), "abs-inside")
	symlink("ok", "chain")
	symlink("dangling", "chain-dangling")
	symlink("loopa", "chain-loop")
	symlink("cookie/readme.txt", "via-cookie")
	symlink("music/readme.txt", "via-shortcut")
	symlink("music2/x", "shortcut-hidden")
	symlink("bad/..", "via-malformed")
	symlink("docs/sub/../readme.txt", "dotdot")
	writeLinkT(t, root, "cookie", translate.CygwinCookie, "docs")
	writeLinkT(t, root, "music", translate.CygwinShortcut, "docs")
	writeLinkT(t, root, "music2", translate.CygwinShortcut, "docs") // hidden by the real music2
	writeFileT(t, p("bad"), "!<symlink>\xff\xfex")
	// A chain of 45 links: the kernel follows 40 in one lookup.
	for k := range 45 {
		target := "docs"
		if k < 44 {
			target = chainName(k + 1)
		}
		symlink(target, chainName(k))
	}

	want := map[string]Resolution{
		"ok":              {State: Resolved},
		"okdir":           {State: Resolved, Dir: true},
		"dangling":        {State: Dangling},
		"notdir":          {State: Dangling},
		"loopa":           {State: Loop},
		"loopb":           {State: Loop},
		"self":            {State: Loop},
		"outside-abs":     {State: Outside},
		"other-root":      {State: Outside},
		"out-and-back":    {State: Resolved},
		"abs-inside":      {State: Resolved, Dir: true},
		"chain":           {State: Resolved},
		"chain-dangling":  {State: Dangling},
		"chain-loop":      {State: Loop},
		"cookie":          {State: Resolved, Dir: true},
		"music.lnk":       {State: Resolved, Dir: true},
		"music2.lnk":      {State: Resolved, Dir: true},
		"via-cookie":      {State: Resolved},
		"via-shortcut":    {State: Resolved},
		"shortcut-hidden": {State: Dangling},
		"via-malformed":   {State: Dangling},
		"dotdot":          {State: Resolved},
		"bad":             {State: Unknown},
		chainName(0):      {State: Loop},
		chainName(4):      {State: Loop},
		chainName(5):      {State: Resolved, Dir: true},
		chainName(44):     {State: Resolved, Dir: true},
	}
	check := func(res *Result, want map[string]Resolution) {
		t.Helper()
		targets := make([]string, len(res.Links))
		for i, l := range res.Links {
			targets[i] = l.Entry.Link.Target
		}
		got := res.ResolveAll(targets)
		seen := map[string]bool{}
		for i, l := range res.Links {
			if w, ok := want[l.Rel]; ok {
				seen[l.Rel] = true
				if got[i] != w {
					t.Errorf("%s -> %q: %+v, want %+v", l.Rel, targets[i], got[i], w)
				}
			}
		}
		for rel := range want {
			if !seen[rel] {
				t.Errorf("%s: not scanned", rel)
			}
		}
	}
	check(scanT(t, root), want)
	// Scanned together, the other root is inside the scan.
	check(scanT(t, root, other), map[string]Resolution{"other-root": {State: Resolved}})
	// Only the links resolved first in the order may not decide: resolve
	// the chain starting from its far end.
	res := scanT(t, root)
	sort.Slice(res.Links, func(i, j int) bool { return res.Links[i].Path > res.Links[j].Path })
	for i := range res.Links {
		res.ns.addLink(&res.Links[i], i)
	}
	check(res, want)
}

func chainName(k int) string { return "chain" + string(rune('A'+k/10)) + string(rune('0'+k%10)) }

// TestScanGit reports the symlinks of git checkouts made with
// core.symlinks=false as git-symlink, reading indexes git wrote.
func TestScanGit(t *testing.T) {
	testenv.SkipUnless(t, testenv.HaveTool("git"), "git is not installed (apt-get install git)")
	base := t.TempDir()
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	// An upstream with real symlinks, and a submodule.
	up := filepath.Join(base, "up")
	sub := filepath.Join(base, "sub")
	mkdirs(t, filepath.Join(up, "d"), sub)
	git(sub, "init", "-q")
	writeFileT(t, filepath.Join(sub, "f"), "x")
	if err := os.Symlink("f", filepath.Join(sub, "sublink")); err != nil {
		t.Fatal(err)
	}
	git(sub, "add", "-A")
	git(sub, "commit", "-qm", "sub")
	git(up, "init", "-q")
	writeFileT(t, filepath.Join(up, "d", "f"), "x")
	writeFileT(t, filepath.Join(up, "plain"), "not a link")
	for target, name := range map[string]string{"d/f": "l1", "../l1": "d/l2", "nowhere": "l3"} {
		if err := os.Symlink(target, filepath.Join(up, name)); err != nil {
			t.Fatal(err)
		}
	}
	git(up, "add", "-A")
	git(up, "submodule", "add", "-q", sub, "sm")
	git(up, "commit", "-qm", "up")

	co := filepath.Join(base, "co")
	// -c before the command reaches the submodule's clone too.
	git(base, "-c", "core.symlinks=false", "clone", "-q", "--recurse-submodules", up, co)
	git(co, "config", "core.symlinks", "false") // as a clone on Windows records it
	git(co, "worktree", "add", "-q", filepath.Join(base, "wt"))
	if st, err := os.Lstat(filepath.Join(co, "l1")); err != nil || !st.Mode().IsRegular() {
		t.Fatalf("the checkout holds l1 as %v, %v: want a regular file", st, err)
	}
	want := map[string]string{
		"co/l1": "d/f", "co/d/l2": "../l1", "co/l3": "nowhere", "co/sm/sublink": "f",
		"wt/l1": "d/f", "wt/d/l2": "../l1", "wt/l3": "nowhere",
	}
	check := func(res *Result, want map[string]string) {
		t.Helper()
		got := map[string]string{}
		for _, l := range res.Links {
			rel, _ := filepath.Rel(base, l.Path)
			if l.Entry.Format != translate.GitSymlink || l.Entry.Err != nil {
				t.Errorf("%s: %s, %v", rel, l.Entry.Format, l.Entry.Err)
			}
			got[rel] = l.Entry.Link.Target
		}
		if len(got) != len(want) {
			t.Errorf("found %v, want %v", got, want)
		}
		for p, target := range want {
			if got[p] != target {
				t.Errorf("%s: target %q, want %q", p, got[p], target)
			}
		}
	}
	check(scanT(t, co, filepath.Join(base, "wt")), want)
	// A directory inside the work tree finds the index above it; so does
	// a single file given as the path.
	check(scanT(t, filepath.Join(co, "d"), filepath.Join(co, "l3")), map[string]string{"co/d/l2": "../l1", "co/l3": "nowhere"})
	// Version 4 indexes, prefix-compressed.
	git(co, "update-index", "--index-version", "4")
	check(scanT(t, co), map[string]string{"co/l1": "d/f", "co/d/l2": "../l1", "co/l3": "nowhere", "co/sm/sublink": "f"})
	// A split index is refused with one clear error; the rest is scanned.
	git(co, "update-index", "--split-index")
	res, err := Scan(context.Background(), []string{co}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "split index") {
		t.Errorf("errors %v, want one about the split index", res.Errors)
	}
	for _, l := range res.Links {
		if rel, _ := filepath.Rel(base, l.Path); rel != "co/sm/sublink" {
			t.Errorf("with an unreadable index, %s reported as %s", rel, l.Entry.Format)
		}
	}
}

// TestScanGitSHA256 reads the index of a SHA-256 repository, whose object
// format is in its config.
func TestScanGitSHA256(t *testing.T) {
	testenv.SkipUnless(t, testenv.HaveTool("git"), "git is not installed (apt-get install git)")
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q", "--object-format=sha256"}, {"config", "core.symlinks", "false"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	writeFileT(t, filepath.Join(dir, "link"), "target/path")
	cmd := exec.Command("sh", "-c", `git update-index --add --cacheinfo 120000,$(git hash-object -w link),link`)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	res := scanT(t, dir)
	if len(res.Links) != 1 || res.Links[0].Entry.Format != translate.GitSymlink || res.Links[0].Entry.Link.Target != "target/path" {
		t.Errorf("links %+v", res.Links)
	}
}
