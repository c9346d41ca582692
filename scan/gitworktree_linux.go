//go:build linux

package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/internal/gitindex"
	"github.com/linkfs/linkfs/translate"
)

// Git work trees: rule 5 of the decision procedure (FORMATS.md section
// 14) needs the index of the repository a file is checked out from.

// classifyGit applies rule 5 of the decision procedure (FORMATS.md
// section 14) after classification: a regular file that is no link of any
// other format, recorded in its repository's index as a symlink, is a
// git-symlink whose target is the file's content.
func (w *walker) classifyGit(d *fs.Dir, name string, e *fs.Entry, place gitPlace, display func() string) {
	if place.repo == nil || e.Format != translate.None || e.Err != nil || !e.Type.IsRegular() {
		return
	}
	links, err := place.repo.symlinks()
	if err != nil {
		place.repo.reportOnce(func() { w.fail(err) })
		return
	}
	if !links[path.Join(place.rel, name)] {
		return
	}
	if err := readGitSymlink(d, name, e); err != nil {
		w.fail(fmt.Errorf("read %s: %w", display(), err))
	}
}

// readGitSymlink turns e, a plain regular file, into the git-symlink it
// holds. The content is the link text exactly as committed; a text no
// symlink could hold is reported in e.Err.
func readGitSymlink(d *fs.Dir, name string, e *fs.Entry) error {
	st, err := d.Lstat(name)
	if err != nil {
		return err
	}
	e.Format = translate.GitSymlink
	switch {
	case st.Size == 0:
		e.Err = &translate.FormatError{Format: translate.GitSymlink, Reason: "empty file"}
		return nil
	case st.Size >= unix.PathMax:
		e.Err = &translate.FormatError{Format: translate.GitSymlink, Offset: unix.PathMax, Reason: fmt.Sprintf("%d bytes, longer than a link target can be", st.Size)}
		return nil
	}
	b, err := d.ReadFile(name, &st, int(st.Size))
	if err != nil {
		e.Format = translate.None
		return err
	}
	e.Raw = b
	if i := bytes.IndexByte(b, 0); i >= 0 {
		e.Err = &translate.FormatError{Format: translate.GitSymlink, Offset: i, Reason: "NUL byte in the link text"}
		return nil
	}
	e.Link = translate.Link{Format: translate.GitSymlink, Target: string(b)}
	return nil
}

// gitRepo is a git work tree met by a walk; its index is read once, when
// the first regular file below it needs it.
type gitRepo struct {
	workTree string
	once     sync.Once
	links    map[string]bool
	err      error
	reported atomic.Bool
}

func (r *gitRepo) symlinks() (map[string]bool, error) {
	r.once.Do(func() {
		r.links, r.err = loadGitSymlinks(r.workTree)
		if r.err != nil {
			r.err = fmt.Errorf("git work tree %s: %w", r.workTree, r.err)
		}
	})
	return r.links, r.err
}

// reportOnce runs report the first time it is called: a repository whose
// index cannot be read is one error, not one per file.
func (r *gitRepo) reportOnce(report func()) {
	if r.reported.CompareAndSwap(false, true) {
		report()
	}
}

// repoAt returns the repository whose work tree root is dir.
func (w *walker) repoAt(dir string) *gitRepo {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.git[dir]
	if !ok {
		r = &gitRepo{workTree: dir}
		w.git[dir] = r
	}
	return r
}

// gitPlaceAt is the place of dir, a directory that holds a .git entry:
// the root of a work tree (a repository, a submodule, a linked worktree).
func (w *walker) gitPlaceAt(dir string) gitPlace {
	return gitPlace{repo: w.repoAt(dir)}
}

// gitPlaceOf finds the work tree enclosing a root, as git does: the
// nearest ancestor holding a .git entry. For a root that is not a
// directory the place is that of its parent.
func (w *walker) gitPlaceOf(abs string, isDir bool) gitPlace {
	dir := abs
	if !isDir {
		dir = filepath.Dir(abs)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			rel, err := filepath.Rel(d, dir)
			if err != nil {
				return gitPlace{}
			}
			if rel == "." {
				rel = ""
			}
			return gitPlace{repo: w.repoAt(d), rel: filepath.ToSlash(rel)}
		}
		if d == filepath.Dir(d) {
			return gitPlace{}
		}
	}
}

// Limits on the git metadata read: a config or a gitfile is small; an
// index of a few million entries is a few hundred megabytes.
const (
	gitSmallFileMax = 1 << 20
	gitIndexMax     = 1 << 30
)

// loadGitSymlinks reads the index of the work tree at workTree and
// returns the paths it records as symlinks. A repository without an index
// yet (nothing added) has none.
func loadGitSymlinks(workTree string) (map[string]bool, error) {
	gitDir, err := findGitDir(workTree)
	if err != nil {
		return nil, err
	}
	// A linked worktree keeps its own index but shares the config (and
	// so the object format) of the main repository.
	commonDir := gitDir
	if b, err := readRegular(filepath.Join(gitDir, "commondir"), gitSmallFileMax); err == nil {
		commonDir = gitPath(gitDir, strings.TrimSpace(string(b)))
	} else if !errors.Is(err, unix.ENOENT) {
		return nil, err
	}
	format := gitindex.SHA1
	if b, err := readRegular(filepath.Join(commonDir, "config"), gitSmallFileMax); err == nil {
		if v, ok := gitConfigValue(b, "extensions", "objectformat"); ok {
			format = gitindex.ObjectFormat(strings.ToLower(v))
		}
	} else if !errors.Is(err, unix.ENOENT) {
		return nil, err
	}
	b, err := readRegular(filepath.Join(gitDir, "index"), gitIndexMax)
	if errors.Is(err, unix.ENOENT) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	idx, err := gitindex.Parse(b, format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(gitDir, "index"), err)
	}
	return idx.Symlinks(), nil
}

// findGitDir returns the git directory of a work tree: its .git
// directory, or where a .git file ("gitdir: PATH", written for submodules
// and linked worktrees) points.
func findGitDir(workTree string) (string, error) {
	dotGit := filepath.Join(workTree, ".git")
	fi, err := os.Lstat(dotGit)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return dotGit, nil
	}
	b, err := readRegular(dotGit, gitSmallFileMax)
	if err != nil {
		return "", err
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
	if !ok {
		return "", fmt.Errorf("%s: not a gitfile (no \"gitdir:\" line)", dotGit)
	}
	return gitPath(workTree, strings.TrimSpace(dir)), nil
}

// gitPath resolves p, as git writes paths in gitfiles and commondir:
// absolute, or relative to base.
func gitPath(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// gitConfigValue returns the last value of section.key in a git config
// file: enough of the format for one plain setting (no includes, no
// subsections).
func gitConfigValue(b []byte, section, key string) (string, bool) {
	var value string
	found, in := false, false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			name, _, _ := strings.Cut(strings.Trim(line, "[]"), " ")
			in = strings.EqualFold(strings.TrimSpace(name), section)
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		if in && strings.EqualFold(strings.TrimSpace(k), key) {
			if i := strings.IndexAny(v, "#;"); i >= 0 {
				v = v[:i]
			}
			value, found = strings.Trim(strings.TrimSpace(v), `"`), true
		}
	}
	return value, found
}

// readRegular reads a whole regular file of at most limit bytes. The open
// does not block on a FIFO swapped in for the file.
func readRegular(p string, limit int64) ([]byte, error) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: p, Err: err}
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, &os.PathError{Op: "read", Path: p, Err: errors.New("not a regular file")}
	case fi.Size() > limit:
		return nil, &os.PathError{Op: "read", Path: p, Err: fmt.Errorf("%d bytes, more than the %d read", fi.Size(), limit)}
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, &os.PathError{Op: "read", Path: p, Err: err}
	}
	return b, nil
}
