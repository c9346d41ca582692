//go:build windows

package mount

import (
	"os"
	"syscall"

	"github.com/winfsp/cgofuse/fuse"
	"golang.org/x/sys/windows"

	"github.com/linkfs/linkfs/fs"
)

// winErrnos maps the Win32 errors the Windows tree passes on to WinFsp's
// errno numbers.
var winErrnos = map[syscall.Errno]int{
	windows.ERROR_FILE_NOT_FOUND:        fuse.ENOENT,
	windows.ERROR_PATH_NOT_FOUND:        fuse.ENOENT,
	windows.ERROR_BAD_NETPATH:           fuse.ENOENT,
	windows.ERROR_BAD_NET_NAME:          fuse.ENOENT,
	windows.ERROR_INVALID_DRIVE:         fuse.ENOENT,
	windows.ERROR_ACCESS_DENIED:         fuse.EACCES,
	windows.ERROR_PRIVILEGE_NOT_HELD:    fuse.EPERM,
	windows.ERROR_ALREADY_EXISTS:        fuse.EEXIST,
	windows.ERROR_FILE_EXISTS:           fuse.EEXIST,
	windows.ERROR_DIR_NOT_EMPTY:         fuse.ENOTEMPTY,
	windows.ERROR_SHARING_VIOLATION:     fuse.EBUSY,
	windows.ERROR_LOCK_VIOLATION:        fuse.EBUSY,
	windows.ERROR_BUSY:                  fuse.EBUSY,
	windows.ERROR_NOT_SAME_DEVICE:       fuse.EXDEV,
	windows.ERROR_DIRECTORY:             fuse.ENOTDIR,
	windows.ERROR_INVALID_NAME:          fuse.EINVAL,
	windows.ERROR_INVALID_PARAMETER:     fuse.EINVAL,
	windows.ERROR_NOT_A_REPARSE_POINT:   fuse.EINVAL,
	windows.ERROR_INVALID_REPARSE_DATA:  fuse.EINVAL,
	windows.ERROR_FILENAME_EXCED_RANGE:  fuse.ENAMETOOLONG,
	windows.ERROR_DISK_FULL:             fuse.ENOSPC,
	windows.ERROR_HANDLE_DISK_FULL:      fuse.ENOSPC,
	windows.ERROR_WRITE_PROTECT:         fuse.EROFS,
	windows.ERROR_NOT_SUPPORTED:         fuse.ENOTSUP,
	windows.ERROR_CALL_NOT_IMPLEMENTED:  fuse.ENOSYS,
	windows.ERROR_INVALID_HANDLE:        fuse.EBADF,
	windows.ERROR_NOT_ENOUGH_MEMORY:     fuse.ENOMEM,
	windows.ERROR_OUTOFMEMORY:           fuse.ENOMEM,
	windows.ERROR_CANT_RESOLVE_FILENAME: fuse.ELOOP,
	syscall.EWINDOWS:                    fuse.ENOTSUP, // Go's "not supported by windows"
}

// systemErrno maps a Win32 error; others become EIO.
func systemErrno(errno syscall.Errno) (int, bool) {
	code, ok := winErrnos[errno]
	return code, ok
}

// osFlags converts cgofuse's open flags, which are WinFsp's numbers, to
// the tree's (os.O_*). O_APPEND is dropped: WinFsp sends every write with
// its offset.
func osFlags(flags int) int {
	var f int
	switch flags & fuse.O_ACCMODE {
	case fuse.O_WRONLY:
		f = os.O_WRONLY
	case fuse.O_RDWR:
		f = os.O_RDWR
	}
	for _, b := range [...]struct{ fuse, os int }{
		{fuse.O_CREAT, os.O_CREATE}, {fuse.O_EXCL, os.O_EXCL}, {fuse.O_TRUNC, os.O_TRUNC},
	} {
		if flags&b.fuse != 0 {
			f |= b.os
		}
	}
	return f
}

// fuseCaller: on Windows new entries belong to the daemon's user, who is
// the mounting user (WinFsp maps ownership with -o uid=-1,gid=-1).
func fuseCaller() fs.Caller { return fs.Caller{} }
