//go:build linux

package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
)

// scanRecord mirrors a link line of `linkfs scan --json`.
type scanRecord struct {
	inspectRecord
	Dangling bool `json:"dangling"`
	Loop     bool `json:"loop"`
	Outside  bool `json:"outside"`
}

// scanSummary mirrors the last line of `linkfs scan --json`.
type scanSummary struct {
	Summary    map[string]int `json:"summary"`
	Entries    int64          `json:"entries"`
	Dangling   int            `json:"dangling"`
	Loops      int            `json:"loops"`
	Outside    int            `json:"outside"`
	Errors     int            `json:"errors"`
	Unreadable int            `json:"unreadable"`
}

// scan runs `linkfs scan --json` and returns its records keyed by path
// relative to dir, and its summary. It fails the test on an exit code
// other than want.
func scan(t *testing.T, dir string, want int, args ...string) (map[string]scanRecord, scanSummary) {
	t.Helper()
	stdout, stderr, code := linkfs(t, append([]string{"scan", "--json"}, args...)...)
	if code != want {
		t.Fatalf("linkfs scan exited %d, want %d\nstdout: %s\nstderr: %s", code, want, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum scanSummary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Summary == nil {
		t.Fatalf("last line is no summary (%v): %s", err, lines[len(lines)-1])
	}
	recs := map[string]scanRecord{}
	for _, line := range lines[:len(lines)-1] {
		var r scanRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		rel, err := filepath.Rel(dir, r.Path)
		if err != nil {
			t.Fatal(err)
		}
		recs[rel] = r
	}
	return recs, sum
}

// wantScan is what scan must report for one link.
type wantScan struct {
	format, target string
	state          string // "", "dangling", "loop" or "outside"
	errContains    string
}

func checkScan(t *testing.T, got map[string]scanRecord, want map[string]wantScan) {
	t.Helper()
	for name, w := range want {
		r, ok := got[name]
		if !ok {
			t.Errorf("%s: not reported", name)
			continue
		}
		state := ""
		switch {
		case r.Dangling:
			state = "dangling"
		case r.Loop:
			state = "loop"
		case r.Outside:
			state = "outside"
		}
		if r.Format != w.format || r.Target != w.target || state != w.state {
			t.Errorf("%s: %s -> %q (%s, error %q); want %s -> %q (%s)", name, r.Format, r.Target, state, r.Error, w.format, w.target, w.state)
		}
		if (w.errContains == "") != (r.Error == "") || !strings.Contains(r.Error, w.errContains) {
			t.Errorf("%s: error %q, want %q", name, r.Error, w.errContains)
		}
	}
	for name, r := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: reported as %s, not expected", name, r.Format)
		}
	}
}

func summaryOf(want map[string]wantScan) map[string]int {
	m := map[string]int{}
	for _, w := range want {
		m[w.format]++
	}
	return m
}

func countState(want map[string]wantScan, state string) int {
	n := 0
	for _, w := range want {
		if w.state == state {
			n++
		}
	}
	return n
}

// contentScan is what scan reports for writeContentLinks.
var contentScan = map[string]wantScan{
	"cookie":       {format: "cygwin-cookie", target: "docs/readme.txt"},
	"cookie-abs":   {format: "cygwin-cookie", target: "/mnt/c/Users", state: "outside"},
	"music.lnk":    {format: "cygwin-shortcut", target: "docs"},
	"xsym":         {format: "mfsymlink", target: "docs/readme.txt"},
	"intx":         {format: "interix", target: "docs/readme.txt"},
	"explorer.lnk": {format: "shell-link", target: "/mnt/c/test/a.txt", state: "outside"},
}

// TestScanNTFS scans an NTFS volume holding a link of every format, plus
// dangling links and a loop, and checks each record and the summary.
func TestScanNTFS(t *testing.T) {
	n := testenv.NewNTFS(t, "special_files=wsl")
	writeReparseLinks(t, n.Dir)
	writeContentLinks(t, n.Dir, true)
	p := func(name string) string { return filepath.Join(n.Dir, name) }
	testenv.Run(t, "ln", "-s", "missing", p("dangling"))
	testenv.Run(t, "ln", "-s", "loop-b", p("loop-a"))
	testenv.Run(t, "ln", "-s", "loop-a", p("loop-b"))
	// A cookie pointing through an NTFS symlink to a directory: a link to
	// a link of another format is followed.
	writeFile(t, p("via-ntfs"), cookie("ntfs-rel"), dosSystem)
	writeFile(t, p("via-missing"), cookie("dangling/x"), dosSystem)
	n.Remount(t, "special_files=wsl")

	got, sum := scan(t, n.Dir, 0, n.Dir)
	want := map[string]wantScan{
		"lx-rel":      {format: "lx-symlink", target: "docs/readme.txt"},
		"lx-abs":      {format: "lx-symlink", target: "/mnt/c/Windows", state: "outside"},
		"ntfs-rel":    {format: "ntfs-symlink", target: "docs/readme.txt"},
		"ntfs-abs":    {format: "ntfs-symlink", target: "/mnt/c/Program Files", state: "outside"},
		"ntfs-unc":    {format: "ntfs-symlink", target: "//srv/share", state: "outside"},
		"nfs-link":    {format: "nfs-symlink", target: "docs/readme.txt"},
		"junction":    {format: "junction", target: "/mnt/c/Users", state: "outside"},
		"bad-reparse": {format: "nfs-symlink", errContains: "nfs-symlink"},
		"dangling":    {format: "lx-symlink", target: "missing", state: "dangling"},
		"loop-a":      {format: "lx-symlink", target: "loop-b", state: "loop"},
		"loop-b":      {format: "lx-symlink", target: "loop-a", state: "loop"},
		"via-ntfs":    {format: "cygwin-cookie", target: "ntfs-rel"},
		"via-missing": {format: "cygwin-cookie", target: "dangling/x", state: "dangling"},
	}
	for k, v := range contentScan {
		want[k] = v
	}
	checkScan(t, got, want)
	wantSum := scanSummary{Summary: summaryOf(want), Entries: sum.Entries,
		Dangling: countState(want, "dangling"), Loops: countState(want, "loop"), Outside: countState(want, "outside"), Errors: 1}
	if !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("summary %+v\nwant    %+v", sum, wantSum)
	}
	// docs, readme.txt, plain.txt, the root, and every link.
	if sum.Entries < int64(len(want)+4) {
		t.Errorf("%d entries classified, want at least %d", sum.Entries, len(want)+4)
	}
}

// TestScanPlainDir scans a directory without DOS attributes: content
// decides, and native symlinks are links too.
func TestScanPlainDir(t *testing.T) {
	d := t.TempDir()
	p := func(name string) string { return filepath.Join(d, name) }
	if err := os.MkdirAll(p("docs/deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p("docs/readme.txt"), []byte(readme))
	writeContentLinks(t, d, false)
	for target, name := range map[string]string{
		"docs/readme.txt": "native", "nothing-here": "dangling", "self": "self",
		"../../music/readme.txt": "docs/deep/up-through-shortcut", "../../../outside": "docs/deep/leaves",
		"docs/readme.txt/x": "through-a-file",
	} {
		if err := os.Symlink(target, p(name)); err != nil {
			t.Fatal(err)
		}
	}
	got, sum := scan(t, d, 0, d)
	want := map[string]wantScan{
		"native":                        {format: "native", target: "docs/readme.txt"},
		"dangling":                      {format: "native", target: "nothing-here", state: "dangling"},
		"self":                          {format: "native", target: "self", state: "loop"},
		"docs/deep/up-through-shortcut": {format: "native", target: "../../music/readme.txt"},
		"docs/deep/leaves":              {format: "native", target: "../../../outside", state: "outside"},
		"through-a-file":                {format: "native", target: "docs/readme.txt/x", state: "dangling"},
	}
	for k, v := range contentScan {
		want[k] = v
	}
	checkScan(t, got, want)
	if sum.Dangling != 2 || sum.Loops != 1 || sum.Outside != 3 || sum.Errors != 0 || !reflect.DeepEqual(sum.Summary, summaryOf(want)) {
		t.Errorf("summary %+v", sum)
	}
	// The table: one line per link, then the summary.
	stdout, _, code := linkfs(t, "scan", d)
	if code != 0 || !strings.Contains(stdout, "STATUS") || !strings.Contains(stdout, "dangling") || !strings.Contains(stdout, "12 links") {
		t.Errorf("table: exit %d\n%s", code, stdout)
	}
}

// TestScanGitSymlinks scans a checkout made with core.symlinks=false: its
// symlinks are text files, reported as git-symlink from the index that
// git wrote, in versions 2 and 4.
func TestScanGitSymlinks(t *testing.T) {
	testenv.SkipUnless(t, testenv.HaveTool("git"), "git is not installed (apt-get install git)")
	base := t.TempDir()
	up, co := filepath.Join(base, "up"), filepath.Join(base, "co")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.MkdirAll(filepath.Join(up, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	git(up, "init", "-q")
	writeFile(t, filepath.Join(up, "docs/readme.txt"), []byte(readme))
	for target, name := range map[string]string{"docs/readme.txt": "link", "../link": "docs/up", "gone": "dangling", "docs": "dir-link"} {
		if err := os.Symlink(target, filepath.Join(up, name)); err != nil {
			t.Fatal(err)
		}
	}
	git(up, "add", "-A")
	git(up, "commit", "-qm", "links")
	git(base, "clone", "-q", "-c", "core.symlinks=false", up, co)
	if fi, err := os.Lstat(filepath.Join(co, "link")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the checkout holds link as %v, %v: want a regular file", fi, err)
	}
	want := map[string]wantScan{
		"link":     {format: "git-symlink", target: "docs/readme.txt"},
		"docs/up":  {format: "git-symlink", target: "../link"},
		"dangling": {format: "git-symlink", target: "gone", state: "dangling"},
		"dir-link": {format: "git-symlink", target: "docs"},
	}
	for _, version := range []string{"2", "4"} {
		git(co, "update-index", "--index-version", version)
		got, sum := scan(t, co, 0, co)
		checkScan(t, got, want)
		if sum.Summary["git-symlink"] != 4 || sum.Dangling != 1 {
			t.Errorf("index version %s: summary %+v", version, sum)
		}
	}
	// git itself still sees the files as the symlinks it checked out.
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = co
	if out, err := cmd.Output(); err != nil || len(out) != 0 {
		t.Errorf("git status: %q, %v", out, err)
	}
}

// TestScanExitCodes checks the documented exit status.
func TestScanExitCodes(t *testing.T) {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "cookie"), cookie("x"))
	_, sum := scan(t, d, 1, d, filepath.Join(d, "missing"))
	if sum.Unreadable != 1 || sum.Summary["cygwin-cookie"] != 1 {
		t.Errorf("summary %+v", sum)
	}
	if _, stderr, _ := linkfs(t, "scan", filepath.Join(d, "missing")); !strings.Contains(stderr, "missing") {
		t.Errorf("the unreadable path is not named: %q", stderr)
	}
	for _, args := range [][]string{{"scan"}, {"scan", "--style", "dos", d}, {"scan", "--bogus", d}} {
		if _, _, code := linkfs(t, args...); code != 2 {
			t.Errorf("linkfs %v: exit %d, want 2", args, code)
		}
	}
	// No progress display when stderr is not a terminal.
	if _, stderr, code := linkfs(t, "scan", d); code != 0 || stderr != "" {
		t.Errorf("scan to a pipe: exit %d, stderr %q", code, stderr)
	}
}

// TestScanBenchmark compares `linkfs scan` over a tree of 100,000 entries
// with `find -type l` over the same tree, in the same run. It prints and
// asserts nothing about time; run it with LINKFS_BENCH=1 go test -v -run
// TestScanBenchmark ./integration.
func TestScanBenchmark(t *testing.T) {
	if os.Getenv("LINKFS_BENCH") == "" {
		t.Skip("set LINKFS_BENCH=1 to run the scan benchmark")
	}
	root := filepath.Join(t.TempDir(), "tree")
	entries := buildBenchTree(t, root, 1000, 99)
	// Best of five runs each, interleaved so that a busy moment of the
	// machine does not fall on one command only.
	commands := [][]string{{"find", root, "-type", "l"}, {"find", root, "-printf", "%s\n"}, {linkfsBin, "scan", "--json", root}}
	best := make([]time.Duration, len(commands))
	for range 5 {
		for i, c := range commands {
			start := time.Now()
			if out, err := exec.Command(c[0], c[1:]...).Output(); err != nil {
				t.Fatalf("%v: %v\n%s", c, err, out)
			}
			if d := time.Since(start); best[i] == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	find, findStat, scan := best[0], best[1], best[2]
	rate := func(d time.Duration) float64 { return float64(entries) / d.Seconds() }
	fmt.Printf("scan benchmark: %d entries, best of 5 runs\n", entries)
	fmt.Printf("  find -type l         %8.1f ms  %10.0f entries/s\n", find.Seconds()*1e3, rate(find))
	fmt.Printf("  find -printf %%s      %8.1f ms  %10.0f entries/s  (one lstat per entry)\n", findStat.Seconds()*1e3, rate(findStat))
	fmt.Printf("  linkfs scan --json   %8.1f ms  %10.0f entries/s\n", scan.Seconds()*1e3, rate(scan))
	fmt.Printf("  ratio scan / find -type l: %.2f; scan / find -printf: %.2f\n", scan.Seconds()/find.Seconds(), scan.Seconds()/findStat.Seconds())
}

// buildBenchTree writes dirs directories of perDir entries each: plain
// files of source-tree sizes (most small enough that the classifier must
// read their first bytes), native symlinks, and content links.
func buildBenchTree(t *testing.T, root string, dirs, perDir int) int {
	t.Helper()
	sizes := []int{300, 1500, 6000, 20000, 90000}
	entries := 1
	for d := range dirs {
		dir := filepath.Join(root, fmt.Sprintf("g%02d", d/100), fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		entries++
		if d%100 == 0 {
			entries++
		}
		for i := range perDir {
			p := filepath.Join(dir, fmt.Sprintf("e%02d", i))
			var err error
			switch k := i % 20; {
			case k < 13:
				err = os.WriteFile(p, make([]byte, sizes[(d+i)%len(sizes)]), 0o644)
			case k < 17:
				err = os.Symlink(fmt.Sprintf("e%02d", i-1), p)
			case k == 17:
				err = os.WriteFile(p, cookie("../d000/e00"), 0o644)
			case k == 18:
				err = os.WriteFile(p, mfSymlink("e00"), 0o644)
			default:
				err = os.WriteFile(p+".lnk", cygwinShortcut("e01", `e01`), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			entries++
		}
	}
	return entries
}
