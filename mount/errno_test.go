//go:build linux || windows

package mount

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// TestToErrno pins the one mapping from errors to errnos that both
// adapters answer with (go-fuse as it is, cgofuse through fuseCode).
func TestToErrno(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"nil", nil, 0},

		// A syscall.Errno is passed through, bare or wrapped.
		{"errno", syscall.ENOENT, syscall.ENOENT},
		{"errno not in any table", syscall.EPIPE, syscall.EPIPE},
		{"errno ENOTEMPTY, not EEXIST", syscall.ENOTEMPTY, syscall.ENOTEMPTY},
		{"errno EPERM, not EACCES", syscall.EPERM, syscall.EPERM},
		{"errno EDQUOT", syscall.EDQUOT, syscall.EDQUOT},
		{"PathError", &os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, syscall.EACCES},
		{"LinkError", &os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EISDIR}, syscall.EISDIR},
		{"SyscallError", os.NewSyscallError("getxattr", syscall.ENODATA), syscall.ENODATA},
		{"wrapped errno", fmt.Errorf("%w: lx link to %q does not decode", syscall.EINVAL, "x"), syscall.EINVAL},
		{"wrapped twice", fmt.Errorf("classify: %w", &os.PathError{Op: "lstat", Path: "x", Err: syscall.ELOOP}), syscall.ELOOP},
		{"errno before a sentinel", fmt.Errorf("%w: %w", syscall.ENAMETOOLONG, translate.ErrLinkTextTooLong), syscall.ENAMETOOLONG},
		{"errno over ErrNotExist", fmt.Errorf("%w: %w", syscall.EROFS, os.ErrNotExist), syscall.EROFS},

		// The io/fs sentinels, bare and wrapped.
		{"ErrNotExist", os.ErrNotExist, syscall.ENOENT},
		{"ErrExist", os.ErrExist, syscall.EEXIST},
		{"ErrPermission", os.ErrPermission, syscall.EACCES},
		{"ErrInvalid", os.ErrInvalid, syscall.EINVAL},
		{"ErrUnsupported", errors.ErrUnsupported, syscall.ENOTSUP},
		{"wrapped ErrNotExist", fmt.Errorf("gateway: %w", os.ErrNotExist), syscall.ENOENT},
		{"PathError of ErrPermission", &os.PathError{Op: "open", Path: "x", Err: os.ErrPermission}, syscall.EACCES},
		{"wrapped ErrUnsupported", fmt.Errorf("xattr: %w", errors.ErrUnsupported), syscall.ENOTSUP},

		// Context errors: an interrupted or timed-out request.
		{"Canceled", context.Canceled, syscall.EINTR},
		{"wrapped Canceled", fmt.Errorf("read: %w", context.Canceled), syscall.EINTR},
		{"DeadlineExceeded", context.DeadlineExceeded, syscall.ETIMEDOUT},

		// The trees' typed errors reach an adapter wrapped in an errno;
		// bare, they are unknown.
		{"refused symlink", fmt.Errorf("%w: %w", syscall.EINVAL, &translate.UnmappableError{Path: "x", Reason: "r"}), syscall.EINVAL},
		{"bare UnmappableError", &translate.UnmappableError{Path: "x", Reason: "r"}, syscall.EIO},
		{"bare FormatError", &translate.FormatError{Format: translate.NTFSSymlink, Reason: "r"}, syscall.EIO},
		{"bare AttrError", &fs.AttrError{Format: translate.CygwinCookie, Missing: fs.AttrSystem}, syscall.EIO},

		// Anything else.
		{"unknown", errors.New("something else"), syscall.EIO},
		{"PathError of unknown", &os.PathError{Op: "open", Path: "x", Err: errors.New("entry changed while being classified")}, syscall.EIO},
	} {
		if got := toErrno(tc.err); got != tc.want {
			t.Errorf("%s: toErrno(%v) = %v (%d), want %v (%d)", tc.name, tc.err, got, int(got), tc.want, int(tc.want))
		}
	}
}
