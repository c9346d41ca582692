//go:build linux || windows

package mount

import (
	"context"
	"errors"
	iofs "io/fs"
	"syscall"
)

// toErrno maps an error from fs.Tree (or an adapter) to the POSIX errno
// it stands for: the one mapping both adapters use. go-fuse answers with
// the syscall.Errno itself; cgofuse converts it to its own numbers
// (fuseErrno), which on Windows are WinFsp's and differ from Go's.
//
// A syscall.Errno anywhere in a %w chain is passed through as it is: the
// trees wrap errnos with context (an *os.PathError, an *os.LinkError, the
// reason a symlink was refused), and on Windows the errno may be a Win32
// error, which cgofuse's conversion names. go-fuse's own ToErrno would
// turn a wrapped chain into ENOSYS. The trees' typed errors
// (translate.UnmappableError, translate.FormatError, fs.AttrError) reach
// an adapter only wrapped in an errno, so none is named here; a bare one
// is an EIO like any other error the table does not know.
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
	case errors.Is(err, errors.ErrUnsupported):
		return syscall.ENOTSUP
	case errors.Is(err, context.Canceled):
		// The request was interrupted (go-fuse cancels its context on
		// FUSE_INTERRUPT).
		return syscall.EINTR
	case errors.Is(err, context.DeadlineExceeded):
		return syscall.ETIMEDOUT
	}
	return syscall.EIO
}
