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

func TestFuseErrno(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{syscall.ENOENT, -fuse.ENOENT},
		{&os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, -fuse.EACCES},
		{fmt.Errorf("%w: lx link to %q does not decode", syscall.EINVAL, "x"), -fuse.EINVAL},
		{syscall.ENOTEMPTY, -fuse.ENOTEMPTY},
		{syscall.ENODATA, -fuse.ENODATA},
		{syscall.ERANGE, -fuse.ERANGE},
		{syscall.EROFS, -fuse.EROFS},
		{syscall.EXDEV, -fuse.EXDEV},
		{syscall.ELOOP, -fuse.ELOOP},
		{syscall.ENOTSUP, -fuse.ENOTSUP},
		{&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EISDIR}, -fuse.EISDIR},
		{syscall.EDQUOT, -fuse.ENOSPC},
		{os.ErrNotExist, -fuse.ENOENT},
		{os.ErrExist, -fuse.EEXIST},
		{os.ErrPermission, -fuse.EACCES},
		{errors.ErrUnsupported, -fuse.ENOTSUP},
		{errors.New("something else"), -fuse.EIO},
	} {
		if got := fuseErrno(tc.err); got != tc.want {
			t.Errorf("fuseErrno(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
