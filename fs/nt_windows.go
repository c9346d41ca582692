//go:build windows

package fs

import (
	"encoding/binary"
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/linkfs/linkfs/translate"
)

// The Windows source talks to NTFS through handles opened relative to the
// source root's handle with NtCreateFile and OBJ_DONT_REPARSE: no reparse
// point on the way is ever followed, the way the Linux tree walks with
// RESOLVE_NO_SYMLINKS. An entry is read with FILE_OPEN_REPARSE_POINT, so a
// link is looked at, never through; os.Stat and os.Readlink, which fail on
// LX links, are not used.

// FILE_INFORMATION_CLASS values for NtSetInformationFile (the Ex classes
// with POSIX semantics, Windows 10 1709 and later; x/sys names 72
// FileLinkInformation).
const (
	fileRenameInformationEx      = 65
	fileDispositionInformationEx = windows.FileDispositionInformationEx
	fileLinkInformationEx        = 72
)

// Options of every open: synchronous I/O, and backup semantics so that
// directories open too.
const openOptions = windows.FILE_SYNCHRONOUS_IO_NONALERT | windows.FILE_OPEN_FOR_BACKUP_INTENT

// ntOpen opens name (Windows form, `\`-separated, "" for dir itself)
// relative to dir. Reparse points on the way fail with ELOOP; with
// FILE_OPEN_REPARSE_POINT in options the last name is opened itself.
func ntOpen(dir windows.Handle, name string, access, disposition, options, attrs uint32) (windows.Handle, error) {
	objName, err := windows.NewNTUnicodeString(name)
	if err != nil {
		return windows.InvalidHandle, err
	}
	oa := windows.OBJECT_ATTRIBUTES{
		RootDirectory: dir,
		ObjectName:    objName,
		Attributes:    windows.OBJ_CASE_INSENSITIVE | windows.OBJ_DONT_REPARSE,
	}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var h windows.Handle
	var iosb windows.IO_STATUS_BLOCK
	err = windows.NtCreateFile(&h, access|windows.SYNCHRONIZE, &oa, &iosb, nil, attrs,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		disposition, options|openOptions, 0, 0)
	if err != nil {
		return windows.InvalidHandle, ntErr(err)
	}
	return h, nil
}

// ntErr turns an NTSTATUS into the errno POSIX callers expect where one
// fits, and the Win32 error otherwise.
func ntErr(err error) error {
	var s windows.NTStatus
	if !errors.As(err, &s) {
		return err
	}
	switch s {
	case windows.STATUS_OBJECT_NAME_NOT_FOUND, windows.STATUS_OBJECT_PATH_NOT_FOUND:
		return syscall.ENOENT
	case windows.STATUS_OBJECT_NAME_COLLISION:
		return syscall.EEXIST
	case windows.STATUS_REPARSE_POINT_ENCOUNTERED:
		return syscall.ELOOP
	case windows.STATUS_FILE_IS_A_DIRECTORY:
		return syscall.EISDIR
	case windows.STATUS_NOT_A_DIRECTORY:
		return syscall.ENOTDIR
	case windows.STATUS_DIRECTORY_NOT_EMPTY:
		return syscall.ENOTEMPTY
	case windows.STATUS_ACCESS_DENIED, windows.STATUS_CANNOT_DELETE:
		return syscall.EACCES
	case windows.STATUS_SHARING_VIOLATION:
		return syscall.EBUSY
	case windows.STATUS_NOT_SUPPORTED:
		return syscall.ENOTSUP
	}
	return s.Errno()
}

// entryInfo is what the handle of an entry says about it.
type entryInfo struct {
	attrs                      DOSAttrs
	size                       int64
	nlink                      uint64
	id                         uint64
	btime, atime, mtime, ctime int64 // Windows times
	tag                        uint32
}

// fileBasicInfo is FILE_BASIC_INFO: times of 0 and attributes of 0 leave
// them as they are when set.
type fileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime int64
	FileAttributes                                          uint32
	_                                                       uint32
}

type fileAttributeTagInfo struct {
	FileAttributes uint32
	ReparseTag     uint32
}

func infoOf(h windows.Handle) (entryInfo, error) {
	var bh windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &bh); err != nil {
		return entryInfo{}, err
	}
	var basic fileBasicInfo
	if err := windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&basic)), uint32(unsafe.Sizeof(basic))); err != nil {
		return entryInfo{}, err
	}
	info := entryInfo{
		attrs: DOSAttrs(bh.FileAttributes),
		size:  int64(bh.FileSizeHigh)<<32 | int64(bh.FileSizeLow),
		nlink: uint64(bh.NumberOfLinks),
		id:    uint64(bh.FileIndexHigh)<<32 | uint64(bh.FileIndexLow),
		btime: basic.CreationTime, atime: basic.LastAccessTime, mtime: basic.LastWriteTime, ctime: basic.ChangeTime,
	}
	if info.attrs&AttrReparsePoint != 0 {
		var tag fileAttributeTagInfo
		if err := windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo, (*byte)(unsafe.Pointer(&tag)), uint32(unsafe.Sizeof(tag))); err != nil {
			return entryInfo{}, err
		}
		info.tag = tag.ReparseTag
	}
	return info, nil
}

func setBasic(h windows.Handle, b fileBasicInfo) error {
	return windows.SetFileInformationByHandle(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&b)), uint32(unsafe.Sizeof(b)))
}

// getReparse reads the raw reparse buffer (FSCTL_GET_REPARSE_POINT).
func getReparse(h windows.Handle) ([]byte, error) {
	buf := make([]byte, translate.MaxReparseSize)
	var n uint32
	err := windows.DeviceIoControl(h, windows.FSCTL_GET_REPARSE_POINT, nil, 0, &buf[0], uint32(len(buf)), &n, nil)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// setReparse attaches a reparse buffer (FSCTL_SET_REPARSE_POINT).
func setReparse(h windows.Handle, b []byte) error {
	var n uint32
	return windows.DeviceIoControl(h, windows.FSCTL_SET_REPARSE_POINT, &b[0], uint32(len(b)), nil, 0, &n, nil)
}

// setLinkInfo renames or links (class) the entry of h to name in dir.
func setLinkInfo(h windows.Handle, class uint32, flags uint32, dir windows.Handle, name string) error {
	b := linkInfo(flags, uintptr(dir), name, int(unsafe.Sizeof(uintptr(0))))
	var iosb windows.IO_STATUS_BLOCK
	if err := windows.NtSetInformationFile(h, &iosb, &b[0], uint32(len(b)), class); err != nil {
		return ntErr(err)
	}
	return nil
}

// deleteHandle deletes the entry of h with POSIX semantics: the name goes
// at once, even while it is open elsewhere.
func deleteHandle(h windows.Handle) error {
	flags := uint32(windows.FILE_DISPOSITION_DELETE | windows.FILE_DISPOSITION_POSIX_SEMANTICS | windows.FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE)
	var iosb windows.IO_STATUS_BLOCK
	if err := windows.NtSetInformationFile(h, &iosb, (*byte)(unsafe.Pointer(&flags)), 4, fileDispositionInformationEx); err != nil {
		return ntErr(err)
	}
	return nil
}

// listDir reads a whole directory with the reparse tag of each entry
// (FILE_ID_BOTH_DIR_INFO's EaSize, FindFirstFileEx's dwReserved0), without
// opening the entries. File systems without file ids (some network
// redirectors) are read through FILE_FULL_DIR_INFO.
func listDir(h windows.Handle) ([]winDirent, error) {
	buf := make([]byte, 64<<10)
	idBoth := true
	class := uint32(windows.FileIdBothDirectoryRestartInfo)
	var out []winDirent
	for {
		err := windows.GetFileInformationByHandleEx(h, class, &buf[0], uint32(len(buf)))
		switch {
		case errors.Is(err, windows.ERROR_NO_MORE_FILES):
			return out, nil
		case idBoth && len(out) == 0 && class == windows.FileIdBothDirectoryRestartInfo &&
			(errors.Is(err, windows.ERROR_INVALID_PARAMETER) || errors.Is(err, windows.ERROR_NOT_SUPPORTED)):
			idBoth, class = false, windows.FileFullDirectoryRestartInfo
			continue
		case err != nil:
			return nil, err
		}
		entries, err := parseDirInfo(buf, idBoth)
		if err != nil {
			return nil, err
		}
		out = append(out, entries...)
		class = windows.FileIdBothDirectoryInfo
		if !idBoth {
			class = windows.FileFullDirectoryInfo
		}
	}
}

// finalName returns the stored name of the entry of h, in its stored case.
func finalName(h windows.Handle) (string, bool) {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetFinalPathNameByHandle(h, &buf[0], uint32(len(buf)), 0)
	if err != nil || int(n) >= len(buf) {
		return "", false
	}
	full := windows.UTF16ToString(buf[:n])
	for i := len(full) - 1; i >= 0; i-- {
		if full[i] == '\\' {
			return full[i+1:], i+1 < len(full)
		}
	}
	return "", false
}

// enableSymlinkPrivilege enables SeCreateSymbolicLinkPrivilege for the
// process if its token holds it (administrators, or where policy grants
// it), and reports whether it is enabled.
func enableSymlinkPrivilege() bool {
	name, err := windows.UTF16PtrFromString("SeCreateSymbolicLinkPrivilege")
	if err != nil {
		return false
	}
	var luid windows.LUID
	if windows.LookupPrivilegeValue(nil, name, &luid) != nil {
		return false
	}
	var tok windows.Token
	if windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok) != nil {
		return false
	}
	defer tok.Close()
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
	// It succeeds even for a privilege the token lacks; the token's own
	// list says whether it is enabled now.
	_ = windows.AdjustTokenPrivileges(tok, false, &tp, 0, nil, nil)
	var n uint32
	_ = windows.GetTokenInformation(tok, windows.TokenPrivileges, nil, 0, &n)
	if n < 4 {
		return false
	}
	buf := make([]byte, n)
	if windows.GetTokenInformation(tok, windows.TokenPrivileges, &buf[0], n, &n) != nil {
		return false
	}
	return privilegeEnabled(buf[:n], luid.LowPart, uint32(luid.HighPart))
}

// privilegeEnabled looks for a privilege in a TOKEN_PRIVILEGES buffer:
// PrivilegeCount, then LUID_AND_ATTRIBUTES of 12 bytes each.
func privilegeEnabled(b []byte, low, high uint32) bool {
	le := binary.LittleEndian
	count := int(le.Uint32(b))
	for i := range count {
		e := b[4+12*i:]
		if len(e) < 12 {
			return false
		}
		if le.Uint32(e) == low && le.Uint32(e[4:]) == high {
			return le.Uint32(e[8:])&windows.SE_PRIVILEGE_ENABLED != 0
		}
	}
	return false
}

// developerMode reports whether Windows' Developer Mode is on: then
// CreateSymbolicLinkW with SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE
// needs no privilege.
func developerMode() bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows\CurrentVersion\AppModelUnlock`, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	v, _, err := k.GetIntegerValue("AllowDevelopmentWithoutDevLicense")
	return err == nil && v == 1
}

// symbolicLinkAllowUnprivileged is SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE.
const symbolicLinkAllowUnprivileged = 0x2
