//go:build windows || (linux && cgofuse)

package mount

import (
	"syscall"

	"github.com/winfsp/cgofuse/fuse"
)

// POSIX errors the adapter answers with itself.
var (
	errNotDir = syscall.ENOTDIR
	errLoop   = syscall.ELOOP
	errBusy   = syscall.EBUSY
	errPerm   = syscall.EPERM
	errRange  = syscall.ERANGE
)

// errnos maps POSIX errors to cgofuse's numbers. The trees return
// syscall.Errno values for POSIX conditions on both systems (on Windows
// the names exist as Go's own invented numbers), and cgofuse's numbers
// are the C library's on Linux but WinFsp's on Windows: the names, not
// the numbers, must match.
var errnos = []struct {
	sys  syscall.Errno
	fuse int
}{
	{syscall.EPERM, fuse.EPERM},
	{syscall.ENOENT, fuse.ENOENT},
	{syscall.EIO, fuse.EIO},
	{syscall.ENXIO, fuse.ENXIO},
	{syscall.EBADF, fuse.EBADF},
	{syscall.EAGAIN, fuse.EAGAIN},
	{syscall.ENOMEM, fuse.ENOMEM},
	{syscall.EACCES, fuse.EACCES},
	{syscall.EBUSY, fuse.EBUSY},
	{syscall.EEXIST, fuse.EEXIST},
	{syscall.EXDEV, fuse.EXDEV},
	{syscall.ENODEV, fuse.ENODEV},
	{syscall.ENOTDIR, fuse.ENOTDIR},
	{syscall.EISDIR, fuse.EISDIR},
	{syscall.EINVAL, fuse.EINVAL},
	{syscall.ENFILE, fuse.ENFILE},
	{syscall.EMFILE, fuse.EMFILE},
	{syscall.ETXTBSY, fuse.ETXTBSY},
	{syscall.EFBIG, fuse.EFBIG},
	{syscall.ENOSPC, fuse.ENOSPC},
	{syscall.ESPIPE, fuse.ESPIPE},
	{syscall.EROFS, fuse.EROFS},
	{syscall.EMLINK, fuse.EMLINK},
	{syscall.ERANGE, fuse.ERANGE},
	{syscall.ENAMETOOLONG, fuse.ENAMETOOLONG},
	{syscall.ENOSYS, fuse.ENOSYS},
	{syscall.ENOTEMPTY, fuse.ENOTEMPTY},
	{syscall.ELOOP, fuse.ELOOP},
	{syscall.ENODATA, fuse.ENODATA},
	{syscall.ENOTSUP, fuse.ENOTSUP},
	{syscall.EOPNOTSUPP, fuse.EOPNOTSUPP},
	{syscall.EINTR, fuse.EINTR},
	{syscall.ENOTCONN, fuse.ENOTCONN},
	{syscall.ETIMEDOUT, fuse.ETIMEDOUT},
	{syscall.EDQUOT, fuse.ENOSPC}, // WinFsp has no EDQUOT
}

// fuseErrno maps an error from fs.Tree (or the adapter) to the negative
// errno cgofuse hands on: toErrno's errno, by name in errnos, else as the
// system names it (systemErrno: the C library's number on Linux, a Win32
// error WinFsp knows on Windows), else EIO.
func fuseErrno(err error) int {
	return -fuseCode(toErrno(err))
}

// fuseCode converts an errno to cgofuse's positive number.
func fuseCode(errno syscall.Errno) int {
	if errno == 0 {
		return 0
	}
	for _, e := range errnos {
		if e.sys == errno {
			return e.fuse
		}
	}
	if code, ok := systemErrno(errno); ok {
		return code
	}
	return fuse.EIO
}
