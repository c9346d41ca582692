//go:build windows

package fs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// ClassifyPath classifies the entry at path without following it, from
// its reparse tag and buffer, attributes and content, as the Windows tree
// does (os.Lstat and os.Readlink cannot read LX links).
func ClassifyPath(path string, opts *Options) (Entry, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Entry{}, err
	}
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return Entry{}, err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return Entry{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(h), path)
	defer f.Close()
	info, err := infoOf(h)
	if err != nil {
		return Entry{}, fmt.Errorf("classify %s: %w", path, err)
	}
	readHead := func(n int) ([]byte, error) {
		buf := make([]byte, n)
		m, err := f.ReadAt(buf, 0)
		if err != nil && m < n && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return buf[:m], nil
	}
	e, err := classifyWindows(winEntry{name: filepath.Base(abs), attrs: info.attrs, size: info.size, tag: info.tag}, opts,
		func() ([]byte, error) { return getReparse(h) }, readHead)
	if err != nil {
		return e, fmt.Errorf("classify %s: %w", path, err)
	}
	return e, nil
}

// VolumeDepth returns how many directories lie between the root of the
// volume holding dir and dir itself: the depth that rooted NTFS targets
// (`\a\b`) are resolved against.
func VolumeDepth(dir string) (int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	return volumeDepth(abs), nil
}
