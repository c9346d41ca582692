//go:build linux

package integration

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/linkfs/linkfs/internal/testenv"
	"golang.org/x/sys/unix"
)

// convertSummary mirrors the last line of `linkfs convert --json`.
type convertSummary struct {
	Summary   map[string]int `json:"summary"`
	Converted int            `json:"converted"`
	Failed    int            `json:"failed"`
	Skipped   int            `json:"skipped"`
	Removed   int            `json:"removed"`
	DryRun    bool           `json:"dry_run"`
}

// convert runs `linkfs convert --json` and returns its summary, failing
// the test on an exit code other than want.
func convert(t *testing.T, want int, args ...string) convertSummary {
	t.Helper()
	stdout, stderr, code := linkfs(t, append([]string{"convert", "--json"}, args...)...)
	if code != want {
		t.Fatalf("linkfs convert %v exited %d, want %d\nstdout: %s\nstderr: %s", args, code, want, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum convertSummary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("last line is no summary (%v): %s", err, stdout)
	}
	return sum
}

// contentTargets are the targets of writeContentLinks's links, by logical
// name, as the wsl style presents them.
var contentTargets = map[string]string{
	"cookie":     "docs/readme.txt",
	"cookie-abs": "/mnt/c/Users",
	"music":      "docs",
	"xsym":       "docs/readme.txt",
	"intx":       "docs/readme.txt",
}

// TestConvertPlainToNative converts a directory holding every content
// format into native symlinks: readlink then gives the original targets.
func TestConvertPlainToNative(t *testing.T) {
	d := t.TempDir()
	if err := os.Mkdir(filepath.Join(d, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(d, "docs/readme.txt"), []byte(readme))
	writeContentLinks(t, d, false)
	sum := convert(t, 0, "--to", "native", d)
	if sum.Converted != len(contentTargets) || sum.Failed != 0 {
		t.Errorf("summary %+v", sum)
	}
	for name, target := range contentTargets {
		if got, err := os.Readlink(filepath.Join(d, name)); err != nil || got != target {
			t.Errorf("%s: readlink %q, %v; want %q", name, got, err, target)
		}
	}
	if data, err := os.ReadFile(filepath.Join(d, "cookie")); err != nil || string(data) != readme {
		t.Errorf("reading through cookie: %q, %v", data, err)
	}
	// The Explorer shortcut is not converted by default; the shortcut
	// music.lnk is gone, replaced by music.
	var names []string
	entries, _ := os.ReadDir(d)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "cookie cookie-abs docs explorer.lnk intx music plain.txt xsym" {
		t.Errorf("the directory holds %s", got)
	}
	// Converting again changes nothing.
	if sum := convert(t, 0, "--to", "native", d); sum.Converted != 0 {
		t.Errorf("a second conversion converted %d links", sum.Converted)
	}
}

// TestConvertNTFS converts every link of an NTFS volume into NTFS
// symlinks: after a remount the raw reparse data is IO_REPARSE_TAG_SYMLINK
// with the Windows form of each target, and the links still lead there.
func TestConvertNTFS(t *testing.T) {
	n := testenv.NewNTFS(t, "special_files=wsl")
	writeReparseLinks(t, n.Dir)
	writeContentLinks(t, n.Dir, true)
	n.Remount(t, "special_files=wsl")
	before := inspectAll(t, n.Dir)
	// Timestamps the conversion keeps.
	old := unix.NsecToTimespec(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).UnixNano())
	for _, name := range []string{"cookie", "lx-rel", "junction"} {
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(n.Dir, name), []unix.Timespec{old, old}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			t.Fatal(err)
		}
	}

	sum := convert(t, 0, "--to", "ntfs", n.Dir)
	// lx-rel, lx-abs, nfs-link, junction and the five content links; the
	// NTFS links already are; bad-reparse is malformed; explorer.lnk is an
	// Explorer shortcut, not converted by default.
	if sum.Converted != 9 || sum.Skipped != 1 || sum.Failed != 0 {
		t.Errorf("summary %+v", sum)
	}
	// Right away, before the kernel's caches expire: a name that took a
	// new link must not answer EIO (ntfs-3g changes an entry's type when
	// a reparse point is attached to it).
	for stored, was := range before {
		if was.Format == "none" || was.Error != "" || was.Format == "shell-link" {
			continue
		}
		name := strings.TrimSuffix(stored, ".lnk")
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(n.Dir, name), &st); err != nil {
			t.Errorf("%s: lstat right after the conversion: %v", name, err)
		}
	}
	n.Remount(t, "special_files=wsl")
	for _, name := range []string{"cookie", "lx-rel", "junction"} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(n.Dir, name), &st); err != nil || st.Mtim != old {
			t.Errorf("%s: mtime %v, %v; want the original link's", name, st.Mtim, err)
		}
	}
	after := inspectAll(t, n.Dir)
	for stored, was := range before {
		if was.Format == "none" || was.Error != "" || was.Format == "shell-link" {
			continue
		}
		name := strings.TrimSuffix(stored, ".lnk")
		now, ok := after[name]
		if !ok {
			t.Errorf("%s: gone after the conversion", name)
			continue
		}
		if now.Format != "ntfs-symlink" || now.Target != was.Target {
			t.Errorf("%s: %s -> %q, want ntfs-symlink -> %q", name, now.Format, now.Target, was.Target)
		}
		raw := make([]byte, 16384)
		size, err := unix.Lgetxattr(filepath.Join(n.Dir, name), "system.ntfs_reparse_data", raw)
		if err != nil {
			t.Errorf("%s: no reparse data: %v", name, err)
			continue
		}
		raw = raw[:size]
		if tag := binary.LittleEndian.Uint32(raw); tag != 0xA000000C {
			t.Errorf("%s: reparse tag %#x, want IO_REPARSE_TAG_SYMLINK", name, tag)
			continue
		}
		if sub, win := win32Name(substituteName(raw)), was.WindowsTarget; sub != win {
			t.Errorf("%s: SubstituteName %q, want the Windows target %q", name, sub, win)
		}
	}
	if _, ok := after["music.lnk"]; ok {
		t.Error("music.lnk is still there beside music")
	}
	// A directory target gets a directory link, as Windows needs.
	for _, name := range []string{"music", "junction"} {
		if attr := getAttrib(t, filepath.Join(n.Dir, name)); attr&0x10 == 0 {
			t.Errorf("%s: attributes %#x, want a directory link", name, attr)
		}
	}
	// ntfs-3g follows relative NTFS symlinks itself.
	for _, name := range []string{"cookie", "xsym", "intx", "lx-rel", "nfs-link"} {
		if data, err := os.ReadFile(filepath.Join(n.Dir, name)); err != nil || string(data) != readme {
			t.Errorf("reading through %s: %q, %v", name, data, err)
		}
	}
	if _, err := os.Stat(filepath.Join(n.Dir, "music", "readme.txt")); err != nil {
		t.Errorf("through the directory link music: %v", err)
	}
}

// inspectAll runs `linkfs inspect --json` on every entry of dir.
func inspectAll(t *testing.T, dir string) map[string]inspectRecord {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	return inspect(t, paths...)
}

// substituteName decodes the SubstituteName of an NTFS symlink buffer.
func substituteName(raw []byte) string {
	data := raw[8:]
	off, n := binary.LittleEndian.Uint16(data), binary.LittleEndian.Uint16(data[2:])
	name := data[12+int(off) : 12+int(off)+int(n)]
	u := make([]uint16, len(name)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(name[2*i:])
	}
	return string(utf16.Decode(u))
}

// win32Name turns an NT path of a SubstituteName into its Win32 form.
func win32Name(nt string) string {
	if rest, ok := strings.CutPrefix(nt, `\??\UNC\`); ok {
		return `\\` + rest
	}
	return strings.TrimPrefix(nt, `\??\`)
}

// TestConvertDryRun checks that --dry-run leaves the tree byte-identical:
// names, types, sizes, link targets, xattrs (the DOS attributes and the
// reparse data on NTFS), content and modification times, and access
// times, set older than the modification times so that relatime would
// move them on any read.
func TestConvertDryRun(t *testing.T) {
	check := func(t *testing.T, dir string, formats ...string) {
		before := listTree(t, dir)
		old := unix.NsecToTimespec(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
		err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.Mode()&os.ModeSymlink != 0 {
				return err
			}
			return unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{old, {Nsec: unix.UTIME_OMIT}}, unix.AT_SYMLINK_NOFOLLOW)
		})
		if err != nil {
			t.Fatal(err)
		}
		timesBefore := statTree(t, dir)
		for _, f := range formats {
			stdout, stderr, code := linkfs(t, "convert", "--dry-run", "--to", f, dir)
			if code > 1 || !strings.Contains(stdout, "would convert") {
				t.Errorf("--dry-run --to %s: exit %d\n%s%s", f, code, stdout, stderr)
			}
		}
		diffListing(t, "times", timesBefore, statTree(t, dir))
		diffListing(t, "listing", before, listTree(t, dir))
	}
	t.Run("plain", func(t *testing.T) {
		d := t.TempDir()
		if err := os.Mkdir(filepath.Join(d, "docs"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "docs/readme.txt"), []byte(readme))
		writeContentLinks(t, d, false)
		if err := os.Symlink("docs", filepath.Join(d, "native")); err != nil {
			t.Fatal(err)
		}
		check(t, d, "native", "cygwin", "cygwin-shortcut", "mfsymlink", "interix", "ntfs")
	})
	t.Run("ntfs", func(t *testing.T) {
		n := testenv.NewNTFS(t, "special_files=wsl")
		writeReparseLinks(t, n.Dir)
		writeContentLinks(t, n.Dir, true)
		n.Remount(t, "special_files=wsl")
		check(t, n.Dir, "ntfs", "lx", "nfs", "cygwin", "cygwin-shortcut", "interix", "native")
	})
}

// listTree describes every entry below root: type, mode, size,
// modification time, link text, xattrs and a hash of the content.
func listTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		desc := fmt.Sprintf("mode=%o size=%d mtime=%v", st.Mode, st.Size, st.Mtim)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		case unix.S_IFREG:
			data, err := readNoATime(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" sha256=%x", sha256.Sum256(data))
		}
		desc += " xattrs=" + xattrsOf(t, p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// statTree returns the modification and access times of every entry
// below root, from lstat alone: nothing is read.
func statTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = fmt.Sprintf("mtime=%v atime=%v", st.Mtim, st.Atim)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readNoATime(p string) ([]byte, error) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NOATIME|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: p, Err: err}
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}

// xattrsOf lists the xattrs of p itself with their values, and the NTFS
// ones ntfs-3g does not list.
func xattrsOf(t *testing.T, p string) string {
	t.Helper()
	names := map[string]bool{"system.ntfs_attrib": true, "system.ntfs_reparse_data": true}
	buf := make([]byte, 64<<10)
	if n, err := unix.Llistxattr(p, buf); err == nil {
		for _, name := range strings.Split(string(buf[:n]), "\x00") {
			if name != "" {
				names[name] = true
			}
		}
	}
	var parts []string
	for name := range names {
		if n, err := unix.Lgetxattr(p, name, buf); err == nil {
			parts = append(parts, fmt.Sprintf("%s=%x", name, buf[:n]))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// diffListing reports every entry that differs between two listings.
func diffListing(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s: %s gone", what, p)
		} else if a != b {
			t.Errorf("%s: %s changed:\n  before %s\n  after  %s", what, p, b, a)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: %s appeared", what, p)
		}
	}
}

// TestConvertImpossible reports each link that cannot be converted, leaves
// it untouched and exits 1; usage errors exit 2.
func TestConvertImpossible(t *testing.T) {
	d := t.TempDir()
	writeContentLinks(t, d, false)
	before := listTree(t, d)
	stdout, _, code := linkfs(t, "convert", "--to", "ntfs", d)
	if code != 1 || strings.Count(stdout, "reparse points") != len(contentTargets) {
		t.Errorf("--to ntfs on a plain directory: exit %d\n%s", code, stdout)
	}
	diffListing(t, "listing", before, listTree(t, d))
	for _, args := range [][]string{{"convert", d}, {"convert", "--to", "auto", d}, {"convert", "--to", "bogus", d}, {"convert", "--to", "native"}, {"convert", "--to", "native", "--from", "bogus", d}} {
		if _, _, code := linkfs(t, args...); code != 2 {
			t.Errorf("linkfs %v: exit %d, want 2", args, code)
		}
	}
}

// TestConvertGitSymlinks converts the text-file symlinks of a checkout
// made with core.symlinks=false into native symlinks; git sees no change.
func TestConvertGitSymlinks(t *testing.T) {
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
	if err := os.Symlink("docs/readme.txt", filepath.Join(up, "link")); err != nil {
		t.Fatal(err)
	}
	git(up, "add", "-A")
	git(up, "commit", "-qm", "link")
	git(base, "clone", "-q", "-c", "core.symlinks=false", up, co)
	if sum := convert(t, 0, "--to", "native", co); sum.Summary["git-symlink"] != 1 {
		t.Errorf("summary %+v", sum)
	}
	if got, err := os.Readlink(filepath.Join(co, "link")); err != nil || got != "docs/readme.txt" {
		t.Errorf("readlink %q, %v", got, err)
	}
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = co
	if out, err := cmd.Output(); err != nil || len(out) != 0 {
		t.Errorf("git status after the conversion: %q, %v", out, err)
	}
}

// TestConvertKilled kills convert with SIGKILL at several points while it
// converts a tree of a few thousand links, and checks that every link is
// still there, in its old or its new format, with its target; a last run
// then finishes the job and removes the temporaries of the killed ones.
func TestConvertKilled(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		d := t.TempDir()
		testKilled(t, d, 3000, []int{1, 700, 1800}, false, "native")
	})
	t.Run("ntfs", func(t *testing.T) {
		n := testenv.NewNTFS(t)
		testKilled(t, n.Dir, 300, []int{1, 150}, true, "ntfs")
	})
}

// testKilled writes count links in dir (cookies, shortcuts and XSym
// files in turn), and converts them to format, killed after each of
// killAfter links were reported converted.
func testKilled(t *testing.T, dir string, count int, killAfter []int, attrs bool, format string) {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	system, readOnly := []uint32{}, []uint32{}
	if attrs {
		system, readOnly = []uint32{dosSystem}, []uint32{dosReadOnly}
	}
	want := map[string]string{} // logical name -> target
	for i := range count {
		name, target := fmt.Sprintf("l%04d", i), fmt.Sprintf("docs/t%04d", i)
		switch i % 3 {
		case 0:
			writeFile(t, filepath.Join(dir, name), cookie(target), system...)
		case 1:
			writeFile(t, filepath.Join(dir, name+".lnk"), cygwinShortcut(target, strings.ReplaceAll(target, "/", `\`)), readOnly...)
		default:
			writeFile(t, filepath.Join(dir, name), mfSymlink(target))
		}
		want[name] = target
	}
	for _, k := range killAfter {
		cmd := exec.Command(linkfsBin, "convert", "--to", format, dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		seen := 0
		for seen < k && lines.Scan() {
			if strings.HasPrefix(lines.Text(), "converted ") {
				seen++
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		checkNothingLost(t, dir, want, format)
	}
	sum := convert(t, 0, "--to", format, dir)
	if sum.Failed != 0 {
		t.Errorf("the last run: %+v", sum)
	}
	t.Logf("the last run converted %d links and removed %d temporaries", sum.Converted, sum.Removed)
	got, _ := scan(t, dir, 0, dir)
	if len(got) != count {
		t.Errorf("%d links after the last run, want %d", len(got), count)
	}
	for rel, r := range got {
		if r.Format != map[string]string{"native": "native", "ntfs": "ntfs-symlink"}[format] || r.Target != want[rel] {
			t.Errorf("%s: %s -> %q after the last run", rel, r.Format, r.Target)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".linkfs-convert.") {
			t.Errorf("temporary %s left after the last run", e.Name())
		}
	}
}

// checkNothingLost checks that every link of want exists under its old or
// its new name, with its target.
func checkNothingLost(t *testing.T, dir string, want map[string]string, format string) {
	t.Helper()
	got, _ := scan(t, dir, 0, dir)
	found := map[string]int{}
	for rel, r := range got {
		name := strings.TrimSuffix(rel, ".lnk")
		if target, ok := want[name]; !ok || r.Target != target || r.Error != "" {
			t.Errorf("%s: %s -> %q (%s), want a link to %q", rel, r.Format, r.Target, r.Error, target)
		}
		found[name]++
	}
	for name := range want {
		if found[name] == 0 {
			t.Errorf("%s: lost", name)
		}
	}
}
