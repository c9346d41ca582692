//go:build linux

package scan

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// convertAll converts every link of root into to, as the convert command
// does: the raw target of links whose stored target is already POSIX.
func convertAll(t *testing.T, root string, to fs.CreateFormat, dryRun bool) (map[string]string, []error) {
	t.Helper()
	res := scanT(t, root)
	targets := make([]string, len(res.Links))
	for i, l := range res.Links {
		targets[i] = l.Entry.Link.Target
	}
	resolutions := res.ResolveAll(targets)
	c, err := NewConverter(ConvertOptions{To: to, DryRun: dryRun})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	moved := map[string]string{}
	var errs []error
	for i := range res.Links {
		l := &res.Links[i]
		newPath, err := c.Convert(l, targets[i], resolutions[i].Dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.Rel, err))
			continue
		}
		moved[l.Rel] = strings.TrimPrefix(newPath, root+"/")
	}
	return moved, errs
}

// links returns what a scan of root finds: name -> format and target.
func links(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range scanT(t, root).Links {
		out[l.Rel] = fmt.Sprintf("%s %s", l.Entry.Format, l.Entry.Link.Target)
	}
	return out
}

func contentTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mkdirs(t, filepath.Join(root, "docs"), filepath.Join(root, "sub"))
	writeFileT(t, filepath.Join(root, "docs", "readme.txt"), "hi")
	writeLinkT(t, root, "cookie", translate.CygwinCookie, "docs/readme.txt")
	writeLinkT(t, root, "music", translate.CygwinShortcut, "docs")
	writeLinkT(t, root, "xsym", translate.MFSymlink, "/srv/data")
	writeLinkT(t, filepath.Join(root, "sub"), "intx", translate.Interix, "../docs")
	if err := os.Symlink("docs/readme.txt", filepath.Join(root, "native")); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestConvertRoundTrip converts a tree of every content format into each
// creatable format a plain directory can hold, and back to native.
func TestConvertRoundTrip(t *testing.T) {
	root := contentTree(t)
	old := time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	ts := []unix.Timespec{unix.NsecToTimespec(old.UnixNano()), unix.NsecToTimespec(old.UnixNano())}
	for _, n := range []string{"cookie", "native", "sub/intx"} {
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, n), ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			t.Fatal(err)
		}
	}
	targets := map[string]string{"cookie": "docs/readme.txt", "music": "docs", "xsym": "/srv/data", "sub/intx": "../docs", "native": "docs/readme.txt"}
	stored := func(f translate.Format, name string) string {
		if f == translate.CygwinShortcut {
			return name + ".lnk"
		}
		return name
	}
	for round, to := range []fs.CreateFormat{fs.CreateAs(translate.Native), fs.CreateAs(translate.CygwinCookie), fs.CreateAs(translate.CygwinShortcut), fs.CreateAs(translate.MFSymlink), fs.CreateAs(translate.Interix), fs.CreateAs(translate.Native)} {
		if _, errs := convertAll(t, root, to, false); len(errs) > 0 {
			t.Fatalf("--to %s: %v", to, errs)
		}
		// Before anything reads the new links: reading a symlink may move
		// its access time.
		for _, n := range []string{"cookie", "native", "sub/intx"} {
			var st unix.Stat_t
			if err := unix.Lstat(filepath.Join(root, stored(to.Format(), n)), &st); err != nil {
				t.Fatal(err)
			}
			// Scanning a symlink reads it, which moves an access time
			// not newer than the modification time (relatime): only the
			// first round, from regular files, keeps the access time.
			if st.Mtim != ts[1] || round == 0 && n != "native" && st.Atim != ts[0] {
				t.Errorf("--to %s: %s: times %v %v, want those of the original link", to, n, st.Atim, st.Mtim)
			}
		}
		want := map[string]string{}
		for name, target := range targets {
			want[stored(to.Format(), name)] = fmt.Sprintf("%s %s", to.Format(), target)
		}
		if got := links(t, root); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("--to %s:\n got %v\nwant %v", to, got, want)
		}
		if entries, _ := os.ReadDir(root); len(entries) != 6 {
			t.Errorf("--to %s: the root holds %d entries, want 6 (no temporary left)", to, len(entries))
		}
	}
	for name, target := range targets {
		if got, err := os.Readlink(filepath.Join(root, name)); err != nil || got != target {
			t.Errorf("%s: readlink %q, %v; want %q", name, got, err, target)
		}
	}
}

// TestConvertImpossible leaves untouched what cannot be converted.
func TestConvertImpossible(t *testing.T) {
	root := contentTree(t)
	before := listTree(t, root)
	for _, to := range []fs.CreateFormat{fs.CreateAs(translate.NTFSSymlink), fs.CreateAs(translate.LXSymlink), fs.CreateAs(translate.NFSSymlink)} {
		_, errs := convertAll(t, root, to, false)
		if len(errs) != 5 {
			t.Errorf("--to %s: %d errors, want 5: %v", to, len(errs), errs)
		}
		for _, err := range errs {
			if !errors.Is(err, ErrCannotConvert) || !strings.Contains(err.Error(), "reparse") {
				t.Errorf("--to %s: %v, want ErrCannotConvert about reparse points", to, err)
			}
		}
	}
	if after := listTree(t, root); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("impossible conversions changed the tree:\n%v\n%v", before, after)
	}

	// A target the format cannot hold: XSym holds 1024 bytes.
	long := t.TempDir()
	if err := os.Symlink(strings.Repeat("long/", 300), filepath.Join(long, "link")); err != nil {
		t.Fatal(err)
	}
	before = listTree(t, long)
	_, errs := convertAll(t, long, fs.CreateAs(translate.MFSymlink), false)
	if len(errs) != 1 || !errors.Is(errs[0], ErrCannotConvert) {
		t.Errorf("--to mfsymlink: %v, want the long target refused", errs)
	}
	if after := listTree(t, long); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("an impossible conversion changed the tree:\n%v\n%v", before, after)
	}

	// The name a shortcut would take is taken by a plain file.
	taken := contentTree(t)
	writeFileT(t, filepath.Join(taken, "music"), "a real file")
	_, errs = convertAll(t, taken, fs.CreateAs(translate.Native), false)
	if len(errs) != 1 || !errors.Is(errs[0], ErrCannotConvert) || !strings.Contains(errs[0].Error(), "music already exists") {
		t.Errorf("--to native with music taken: %v", errs)
	}
	if _, err := os.Lstat(filepath.Join(taken, "music.lnk")); err != nil {
		t.Errorf("music.lnk: %v", err)
	}
	if _, err := NewConverter(ConvertOptions{To: fs.CreateAuto}); err == nil {
		t.Error("--to auto accepted")
	}
}

// TestConvertChanged refuses a link that changed since the scan.
func TestConvertChanged(t *testing.T) {
	root := contentTree(t)
	res := scanT(t, root)
	writeLinkT(t, root, "cookie.new", translate.CygwinCookie, "elsewhere")
	if err := os.Rename(filepath.Join(root, "cookie.new"), filepath.Join(root, "cookie")); err != nil {
		t.Fatal(err)
	}
	c, err := NewConverter(ConvertOptions{To: fs.CreateAs(translate.Native)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range res.Links {
		if l := &res.Links[i]; l.Rel == "cookie" {
			if _, err := c.Convert(l, l.Entry.Link.Target, false); err == nil || !strings.Contains(err.Error(), "changed since it was scanned") {
				t.Errorf("converting a changed link: %v", err)
			}
		}
	}
	if got := links(t, root)["cookie"]; got != "cygwin-cookie elsewhere" {
		t.Errorf("cookie is now %s", got)
	}
}

// TestConvertFinishes completes a conversion interrupted after the new
// link took its name: only the old shortcut is left to remove.
func TestConvertFinishes(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, filepath.Join(root, "docs"))
	writeLinkT(t, root, "music", translate.CygwinShortcut, "docs")
	if err := os.Symlink("docs", filepath.Join(root, "music")); err != nil {
		t.Fatal(err)
	}
	moved, errs := convertAll(t, root, fs.CreateAs(translate.Native), false)
	if len(errs) > 0 || moved["music.lnk"] != "music" {
		t.Fatalf("moved %v, errors %v", moved, errs)
	}
	if got := links(t, root); fmt.Sprint(got) != "map[music:native docs]" {
		t.Errorf("links %v", got)
	}
}

// TestConvertDryRun changes nothing, not even an access time.
func TestConvertDryRun(t *testing.T) {
	root := contentTree(t)
	writeLinkT(t, root, convertTempName(1<<22+1, 1), translate.CygwinCookie, "left by a killed run")
	// Access times older than the modification times: under relatime any
	// read would move them.
	old := unix.NsecToTimespec(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.Mode()&os.ModeSymlink != 0 {
			return err
		}
		return unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{old, {Nsec: unix.UTIME_OMIT}}, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		t.Fatal(err)
	}
	before := listTree(t, root)
	for _, to := range []fs.CreateFormat{fs.CreateAs(translate.Native), fs.CreateAs(translate.CygwinShortcut), fs.CreateAs(translate.MFSymlink), fs.CreateAs(translate.NTFSSymlink)} {
		moved, _ := convertAll(t, root, to, true)
		if to == fs.CreateAs(translate.Native) && moved["music.lnk"] != "music" {
			t.Errorf("--dry-run --to native: music.lnk would become %q", moved["music.lnk"])
		}
		c, err := NewConverter(ConvertOptions{To: to, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, tmp := range scanT(t, root).Temporaries {
			if removed, err := c.RemoveStale(&tmp); !removed || err != nil {
				t.Errorf("--dry-run: stale temporary %s: %v, %v", tmp.Rel, removed, err)
			}
		}
		c.Close()
	}
	if after := listTree(t, root); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("--dry-run changed the tree:\nbefore %v\nafter  %v", before, after)
	}
}

// TestRemoveStale removes the temporaries of dead conversions only.
func TestRemoveStale(t *testing.T) {
	root := t.TempDir()
	dead := convertTempName(1<<22+1, 3) // above the default pid_max
	alive := convertTempName(1, 3)      // init is always running
	writeLinkT(t, root, dead, translate.CygwinCookie, "x")
	writeLinkT(t, root, alive, translate.CygwinCookie, "x")
	c, err := NewConverter(ConvertOptions{To: fs.CreateAs(translate.Native)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tmp := range scanT(t, root).Temporaries {
		removed, err := c.RemoveStale(&tmp)
		if err != nil || removed != (tmp.Rel == dead) {
			t.Errorf("%s: removed %v, %v", tmp.Rel, removed, err)
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 || entries[0].Name() != alive {
		t.Errorf("left %v, want only %s", entries, alive)
	}
}

// TestConvertKeepsOwner gives the new link the old one's owner.
func TestConvertKeepsOwner(t *testing.T) {
	testenv.SkipUnless(t, os.Geteuid() == 0, "changing owners needs root")
	root := contentTree(t)
	if err := os.Lchown(filepath.Join(root, "cookie"), 1234, 5678); err != nil {
		t.Fatal(err)
	}
	if _, errs := convertAll(t, root, fs.CreateAs(translate.Native), false); len(errs) > 0 {
		t.Fatal(errs)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(root, "cookie"), &st); err != nil || st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("owner %d:%d, %v; want 1234:5678", st.Uid, st.Gid, err)
	}
}

// listTree describes every entry below root: type, size, mode, times,
// link text and a hash of the content, read without moving access times.
func listTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(rel string)
	walk = func(rel string) {
		p := filepath.Join(root, rel)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		var target string
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			// readlink(2) may move the access time: read it, then stat.
			var err error
			if target, err = os.Readlink(p); err != nil {
				t.Fatal(err)
			}
			if err := unix.Lstat(p, &st); err != nil {
				t.Fatal(err)
			}
		}
		desc := fmt.Sprintf("mode=%o size=%d uid=%d mtime=%v atime=%v", st.Mode, st.Size, st.Uid, st.Mtim, st.Atim)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			desc += " -> " + target
		case unix.S_IFREG:
			fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOATIME|unix.O_NOFOLLOW, 0)
			if err != nil {
				t.Fatal(err)
			}
			f := os.NewFile(uintptr(fd), p)
			h := sha256.New()
			_, err = f.WriteTo(h)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			desc += fmt.Sprintf(" sha256=%x", h.Sum(nil))
		case unix.S_IFDIR:
			fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOATIME, 0)
			if err != nil {
				t.Fatal(err)
			}
			f := os.NewFile(uintptr(fd), p)
			names, err := f.Readdirnames(-1)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(names)
			for _, n := range names {
				walk(filepath.Join(rel, n))
			}
		}
		out[rel] = desc
	}
	walk(".")
	return out
}
