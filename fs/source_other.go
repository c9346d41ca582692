//go:build !linux && !windows

package fs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ClassifyPath classifies the entry at path without following it. Off
// Linux this portable version sees no reparse data and no DOS attributes,
// so only content formats and native symlinks are recognised.
func ClassifyPath(path string, opts *Options) (Entry, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Entry{}, err
	}
	p := probe{name: filepath.Base(path), typ: fi.Mode().Type(), size: fi.Size()}
	p.readlink = func() (string, error) { return os.Readlink(path) }
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	p.readHead = func(n int) ([]byte, error) {
		if f == nil {
			if f, err = os.Open(path); err != nil {
				return nil, err
			}
			st, err := f.Stat()
			if err != nil {
				return nil, err
			}
			if !os.SameFile(st, fi) || !st.Mode().IsRegular() {
				return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("entry changed while being classified")}
			}
		}
		buf := make([]byte, min(int64(n), fi.Size()))
		m, err := f.ReadAt(buf, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return buf[:m], nil
	}
	e, err := decide(&p, opts)
	if err != nil {
		return e, fmt.Errorf("classify %s: %w", path, err)
	}
	return e, nil
}

// VolumeDepth returns how many directories lie between the volume root of
// dir and dir itself.
func VolumeDepth(dir string) (int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	rest := abs[len(filepath.VolumeName(abs)):]
	return countNames(filepath.ToSlash(rest)), nil
}
