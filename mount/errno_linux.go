//go:build linux

package mount

import (
	"errors"
	iofs "io/fs"
	"syscall"
)

// toErrno maps an error from fs.Tree to the errno the kernel gets. It
// unwraps %w chains itself: go-fuse's ToErrno turns a wrapped chain into
// ENOSYS.
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, iofs.ErrExist):
		return syscall.EEXIST
	case errors.Is(err, iofs.ErrPermission):
		return syscall.EACCES
	case errors.Is(err, iofs.ErrInvalid):
		return syscall.EINVAL
	}
	return syscall.EIO
}
