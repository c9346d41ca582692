package fs

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/internal/testenv"
	"github.com/linkfs/linkfs/translate"
)

// rawXattr reads an xattr of path itself, failing the test if it cannot.
func rawXattr(t *testing.T, path, name string) []byte {
	t.Helper()
	buf := make([]byte, translate.MaxReparseSize)
	n, err := unix.Lgetxattr(path, name, buf)
	if err != nil {
		t.Fatalf("getxattr %s %s: %v", path, name, err)
	}
	return buf[:n]
}

// TestTreeSymlinkNTFS creates links through the Tree on an ntfs-3g volume
// in every format that needs one, and checks what reached the disk: the
// raw REPARSE_DATA_BUFFER and DOS attributes ntfs-3g stores, decoded with
// translate, before and after ntfs-3g reloads the volume.
func TestTreeSymlinkNTFS(t *testing.T) {
	n := testenv.NewNTFS(t)
	if err := os.MkdirAll(filepath.Join(n.Dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(n.Dir, "docs", "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		create     CreateFormat
		name       string
		target     string
		wantFormat translate.Format
		wantDir    bool // stored as a directory, as Windows needs to follow it
	}{
		{CreateAs(translate.NTFSSymlink), "ntfs-file", "docs/a.txt", translate.NTFSSymlink, false},
		{CreateAs(translate.NTFSSymlink), "ntfs-dir", "docs", translate.NTFSSymlink, true},
		{CreateAs(translate.NTFSSymlink), "ntfs-abs", "/mnt/c/Users", translate.NTFSSymlink, false},
		{CreateAs(translate.LXSymlink), "lx", "docs/a.txt", translate.LXSymlink, false},
		{CreateAs(translate.NFSSymlink), "nfs", "docs/a.txt", translate.NFSSymlink, false},
		{CreateAuto, "auto-win", "/mnt/c/x", translate.NTFSSymlink, false},
		{CreateAuto, "auto-posix", "/usr/bin/env", translate.LXSymlink, false},
	}
	// The trees are closed before the remount: an open root keeps the
	// volume busy.
	withTree := func(create CreateFormat, fn func(*Tree)) {
		tree, err := NewTree(Config{Source: n.Dir, Create: create})
		if err != nil {
			t.Fatalf("NewTree(%s, %s): %v", n.Dir, create, err)
		}
		defer tree.Close()
		fn(tree)
	}
	for _, tc := range tests {
		var node Node
		var err error
		withTree(tc.create, func(tree *Tree) { node, err = tree.Symlink("", tc.name, tc.target, Caller{}) })
		if err != nil {
			t.Errorf("%s: Symlink: %v", tc.name, err)
			continue
		}
		if node.Entry.Format != tc.wantFormat || node.Target != tc.target {
			t.Errorf("%s: stored as %s -> %q, want %s -> %q", tc.name, node.Entry.Format, node.Target, tc.wantFormat, tc.target)
		}
	}
	check := func(when string, tree *Tree) {
		for _, tc := range tests {
			p := filepath.Join(n.Dir, tc.name)
			l, err := translate.DecodeReparse(rawXattr(t, p, xattrReparse))
			if err != nil || l.Format != tc.wantFormat {
				t.Errorf("%s %s: reparse data decodes as %s, %v", when, tc.name, l.Format, err)
			}
			attrs := DOSAttrs(binary.LittleEndian.Uint32(rawXattr(t, p, xattrNTFSAttrib)))
			if attrs&AttrReparsePoint == 0 || (attrs&AttrDirectory != 0) != tc.wantDir {
				t.Errorf("%s %s: attributes %s, want REPARSE_POINT with DIRECTORY %v", when, tc.name, attrs, tc.wantDir)
			}
			got, err := tree.Readlink(tc.name)
			if err != nil || got != tc.target {
				t.Errorf("%s %s: Readlink = %q, %v; want %q", when, tc.name, got, err, tc.target)
			}
		}
	}
	withTree(CreateAuto, func(tree *Tree) { check("written", tree) })
	n.Remount(t)
	withTree(CreateAuto, func(tree *Tree) { check("after remount", tree) })
}
