package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// sample is one link of the sample tree.
type sample struct {
	name   string
	format translate.Format
	target string // POSIX target, or the Windows path for junctions
}

// sampleLinks holds one link of every format that can be written, each
// pointing at something a reader of the sample tree can recognise.
var sampleLinks = []sample{
	{"native-link", translate.Native, "docs/readme.txt"},
	{"cygwin-cookie", translate.CygwinCookie, "/cygdrive/c/Users/Public"},
	{"music", translate.CygwinShortcut, "docs"},
	{"mf-symlink", translate.MFSymlink, "docs/readme.txt"},
	{"interix-link", translate.Interix, "../outside/of/tree"},
	{"lx-symlink", translate.LXSymlink, "/mnt/c/Windows/notepad.exe"},
	{"ntfs-symlink", translate.NTFSSymlink, "docs/readme.txt"},
	{"ntfs-absolute", translate.NTFSSymlink, "/mnt/c/Program Files"},
	{"nfs-symlink", translate.NFSSymlink, "/srv/export"},
	{"junction", translate.Junction, `C:\Users`},
	{"volume-mount", translate.VolumeMount, `\??\Volume{5d4c3b2a-0000-4000-8000-00000000c0de}\`},
}

// sampleTree is a temporary tree holding the sample links.
type sampleTree struct {
	root    string // the directory holding the links
	ntfs    bool   // root is an ntfs-3g mount of an NTFS image
	cleanup func() error
}

// makeSampleTree builds the sample tree under a new temporary directory:
// on an ntfs-3g image when mkntfs and ntfs-3g are installed and we may
// mount, otherwise in a plain directory with the formats it can hold.
func makeSampleTree(ctx context.Context, m *translate.Mapper, log io.Writer) (*sampleTree, error) {
	base, err := os.MkdirTemp("", "linkfs-demo-")
	if err != nil {
		return nil, err
	}
	t := &sampleTree{root: filepath.Join(base, "source")}
	t.cleanup = func() error { return os.RemoveAll(base) }
	if err := os.Mkdir(t.root, 0o755); err != nil {
		return nil, errors.Join(err, t.cleanup())
	}
	if reason := ntfsUnavailable(); reason != "" {
		fmt.Fprintf(log, "note: %s; the sample tree holds only the formats a plain directory can (no reparse points)\n", reason)
	} else if err := mountNTFSImage(ctx, filepath.Join(base, "ntfs.img"), t.root); err != nil {
		fmt.Fprintf(log, "note: cannot mount an ntfs-3g image (%v); using a plain directory\n", err)
	} else {
		t.ntfs = true
		plain := t.cleanup
		t.cleanup = func() error {
			return errors.Join(unmountNTFS(t.root), plain())
		}
	}
	if err := fillSampleTree(t, m); err != nil {
		return nil, errors.Join(err, t.cleanup())
	}
	if t.ntfs {
		// ntfs-3g's kernel client keeps the new files cached as the regular
		// files they were created as; a remount shows them as stored.
		if err := unmountNTFS(t.root); err != nil {
			return nil, errors.Join(err, t.cleanup())
		}
		if err := exec.CommandContext(ctx, "ntfs-3g", filepath.Join(base, "ntfs.img"), t.root).Run(); err != nil {
			return nil, errors.Join(fmt.Errorf("remount ntfs-3g: %w", err), os.RemoveAll(base))
		}
	}
	return t, nil
}

func ntfsUnavailable() string {
	for _, tool := range []string{"mkntfs", "ntfs-3g"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (apt-get install ntfs-3g)"
		}
	}
	if os.Geteuid() != 0 {
		return "mounting an NTFS image needs root"
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return "/dev/fuse is missing"
	}
	return ""
}

func mountNTFSImage(ctx context.Context, img, dir string) error {
	f, err := os.Create(img)
	if err != nil {
		return err
	}
	err = f.Truncate(32 << 20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "mkntfs", "-F", "-q", "-f", img).CombinedOutput(); err != nil {
		return fmt.Errorf("mkntfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if out, err := exec.CommandContext(ctx, "ntfs-3g", img, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("ntfs-3g: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func unmountNTFS(dir string) error {
	var err error
	for range 50 {
		if err = unix.Unmount(dir, 0); err == nil || errors.Is(err, unix.EINVAL) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("unmount %s: %w", dir, err)
}

func fillSampleTree(t *sampleTree, m *translate.Mapper) error {
	if err := os.MkdirAll(filepath.Join(t.root, "docs"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(t.root, "docs", "readme.txt"), []byte("hello from the sample tree\n"), 0o644); err != nil {
		return err
	}
	for _, s := range sampleLinks {
		if fs.IsReparse(s.format) && !t.ntfs {
			continue
		}
		if s.format == translate.Native && t.ntfs {
			continue // NTFS has no native symlinks: ntfs-3g would write an Interix file
		}
		var stored fs.Stored
		var err error
		switch s.format {
		case translate.Junction, translate.VolumeMount:
			stored, err = sampleJunction(s)
		default:
			stored, err = fs.Encode(s.format, s.name, s.target, false, m)
		}
		if err != nil {
			return err
		}
		if err := fs.WriteLink(t.root, &stored); err != nil {
			return err
		}
	}
	return nil
}

func sampleJunction(s sample) (fs.Stored, error) {
	l := translate.Link{Format: s.format, Target: s.target}
	if s.format == translate.Junction {
		var err error
		if l, err = translate.JunctionFor(s.target); err != nil {
			return fs.Stored{}, err
		}
	}
	b, err := translate.EncodeReparse(l)
	if err != nil {
		return fs.Stored{}, err
	}
	return fs.Stored{Format: s.format, Name: s.name, Reparse: b, Dir: true}, nil
}
