//go:build windows

package mount

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/winfsp/cgofuse/fuse"
	"golang.org/x/sys/windows"
)

// TestFuseErrnoWindows checks the Win32 errors the Windows tree passes on.
func TestFuseErrnoWindows(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{windows.ERROR_FILE_NOT_FOUND, -fuse.ENOENT},
		{&os.PathError{Op: "open", Path: "x", Err: windows.ERROR_PATH_NOT_FOUND}, -fuse.ENOENT},
		{windows.ERROR_ACCESS_DENIED, -fuse.EACCES},
		{windows.ERROR_PRIVILEGE_NOT_HELD, -fuse.EPERM},
		{fmt.Errorf("rename: %w", windows.ERROR_DIR_NOT_EMPTY), -fuse.ENOTEMPTY},
		{windows.ERROR_SHARING_VIOLATION, -fuse.EBUSY},
		{windows.ERROR_NOT_SAME_DEVICE, -fuse.EXDEV},
		{windows.ERROR_FILENAME_EXCED_RANGE, -fuse.ENAMETOOLONG},
		{windows.ERROR_DISK_FULL, -fuse.ENOSPC},
		{windows.ERROR_CANT_RESOLVE_FILENAME, -fuse.ELOOP},
		{syscall.EWINDOWS, -fuse.ENOTSUP},
		{windows.ERROR_CANT_ACCESS_FILE, -fuse.EIO},
		{&os.PathError{Op: "open", Path: "x", Err: windows.ERROR_CANT_ACCESS_FILE}, -fuse.EIO},
	} {
		if got := fuseErrno(tc.err); got != tc.want {
			t.Errorf("fuseErrno(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
