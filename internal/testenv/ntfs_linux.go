package testenv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// RequireNTFS skips t (fails under CI=true) unless NTFS images can be
// made and mounted through ntfs-3g here.
func RequireNTFS(t testing.TB) {
	t.Helper()
	SkipUnless(t, os.Geteuid() == 0, "mounting ntfs-3g images needs root")
	SkipUnless(t, HaveTool("mkntfs") && HaveTool("ntfs-3g") && HaveTool("ntfscat"), "ntfs-3g is not installed (apt-get install ntfs-3g)")
	_, err := os.Stat("/dev/fuse")
	SkipUnless(t, err == nil, "/dev/fuse is missing")
}

// NTFSImage is a fresh NTFS image mounted through ntfs-3g at Dir.
type NTFSImage struct {
	Img string
	Dir string
}

// NewNTFS makes a 32 MiB NTFS image with mkntfs and mounts it with the
// given ntfs-3g options (such as "special_files=wsl"); it is unmounted
// when the test ends.
func NewNTFS(t testing.TB, opts ...string) *NTFSImage {
	t.Helper()
	return NewNTFSSize(t, 32<<20, opts...)
}

// NewNTFSSize is NewNTFS with an image of size bytes.
func NewNTFSSize(t testing.TB, size int64, opts ...string) *NTFSImage {
	t.Helper()
	RequireNTFS(t)
	base := t.TempDir()
	n := &NTFSImage{Img: filepath.Join(base, "ntfs.img"), Dir: filepath.Join(base, "mnt")}
	if err := os.Mkdir(n.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(n.Img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(n.Img, size); err != nil {
		t.Fatal(err)
	}
	Run(t, "mkntfs", "-F", "-q", "-f", n.Img)
	n.Mount(t, opts...)
	t.Cleanup(func() { n.Unmount(t) })
	return n
}

// Mount mounts the image at Dir with the given ntfs-3g options.
func (n *NTFSImage) Mount(t testing.TB, opts ...string) {
	t.Helper()
	args := []string{n.Img, n.Dir}
	if len(opts) > 0 {
		args = append(args, "-o", strings.Join(opts, ","))
	}
	Run(t, "ntfs-3g", args...)
}

// Unmount unmounts Dir, retrying while ntfs-3g is still busy; an image
// that is not mounted is no error.
func (n *NTFSImage) Unmount(t testing.TB) {
	t.Helper()
	var err error
	for range 50 {
		if err = unix.Unmount(n.Dir, 0); err == nil || errors.Is(err, unix.EINVAL) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("unmount %s: %v", n.Dir, err)
}

// Remount unmounts and mounts the image again, so what is read next
// comes from the disk, not from ntfs-3g's caches.
func (n *NTFSImage) Remount(t testing.TB, opts ...string) {
	t.Helper()
	n.Unmount(t)
	n.Mount(t, opts...)
}

// Run runs a command and fails t with its output when it fails.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
