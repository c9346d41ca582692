//go:build windows || (linux && cgofuse)

package mount

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/winfsp/cgofuse/fuse"
)

// TestFuseErrno checks cgofuse's conversion of toErrno's errnos (the
// mapping itself is TestToErrno's): every errno by name, and errors
// through both steps.
func TestFuseErrno(t *testing.T) {
	for _, e := range errnos {
		if got := fuseErrno(e.sys); got != -e.fuse {
			t.Errorf("fuseErrno(%v) = %d, want %d", e.sys, got, -e.fuse)
		}
	}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{syscall.ENOENT, -fuse.ENOENT},
		{&os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, -fuse.EACCES},
		{fmt.Errorf("%w: lx link to %q does not decode", syscall.EINVAL, "x"), -fuse.EINVAL},
		{&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EISDIR}, -fuse.EISDIR},
		{syscall.EDQUOT, -fuse.ENOSPC},
		{os.ErrNotExist, -fuse.ENOENT},
		{os.ErrExist, -fuse.EEXIST},
		{os.ErrPermission, -fuse.EACCES},
		{errors.ErrUnsupported, -fuse.ENOTSUP},
		{fmt.Errorf("read: %w", errors.ErrUnsupported), -fuse.ENOTSUP},
		{errors.New("something else"), -fuse.EIO},
	} {
		if got := fuseErrno(tc.err); got != tc.want {
			t.Errorf("fuseErrno(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
