//go:build windows

package mount

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// writeLX writes a WSL symlink the way WSL does: an empty file carrying
// an IO_REPARSE_TAG_LX_SYMLINK buffer set with FSCTL_SET_REPARSE_POINT.
func writeLX(t *testing.T, path, target string) {
	t.Helper()
	buf, err := translate.EncodeReparse(translate.Link{Format: translate.LXSymlink, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE, 0, nil, windows.CREATE_NEW, windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
	defer windows.CloseHandle(h)
	var n uint32
	if err := windows.DeviceIoControl(h, windows.FSCTL_SET_REPARSE_POINT, &buf[0], uint32(len(buf)), nil, 0, &n, nil); err != nil {
		t.Fatalf("FSCTL_SET_REPARSE_POINT %s: %v", path, err)
	}
}

// TestWinFspMount mounts a directory holding LX links through WinFsp and
// reads through them with cmd, as any Win32 program would. It needs
// WinFsp and runs only with LINKFS_WINFSP_TEST=1 (the Windows CI sets it).
func TestWinFspMount(t *testing.T) {
	if os.Getenv("LINKFS_WINFSP_TEST") != "1" {
		t.Skip("set LINKFS_WINFSP_TEST=1 to mount through WinFsp")
	}
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "docs", "readme.txt"), []byte("hello through linkfs\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeLX(t, filepath.Join(src, "lx-rel"), "docs/readme.txt")
	writeLX(t, filepath.Join(src, "lx-dir"), "docs")
	writeLX(t, filepath.Join(src, "lx-win"), "/mnt/c/Windows/win.ini") // through the gateway

	cfg := fs.Config{Source: src, Mapper: &translate.Mapper{}}
	tree, err := fs.NewTree(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	m, err := Mount(Options{Tree: tree, Config: cfg, Mountpoint: "*", Gateway: true, CacheTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { m.Wait(); close(done) }()
	defer func() {
		if err := Unmount(m.Dir()); err != nil {
			t.Errorf("unmount %s: %v", m.Dir(), err)
		}
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("%s still mounted 20 s after unmount", m.Dir())
		}
	}()
	drive := m.Dir() + `\`
	cmd := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("cmd", append([]string{"/c"}, args...)...).CombinedOutput()
		if err != nil {
			t.Errorf("cmd /c %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := cmd("type", drive+"lx-rel"); !strings.Contains(out, "hello through linkfs") {
		t.Errorf("type through the LX link: %q", out)
	}
	if out := cmd("type", drive+`lx-dir\readme.txt`); !strings.Contains(out, "hello through linkfs") {
		t.Errorf("type through the directory link: %q", out)
	}
	if out := cmd("dir", drive); !strings.Contains(out, "<SYMLINK>") || !strings.Contains(out, "<SYMLINKD>") {
		t.Errorf("dir shows no file and directory symlinks:\n%s", out)
	}
	if out := cmd("type", drive+"lx-win"); !strings.Contains(strings.ToLower(out), "[fonts]") && !strings.Contains(out, "; for 16-bit") {
		t.Errorf("type through the gateway (C:\\Windows\\win.ini): %q", out)
	}
}
