//go:build linux

package scan

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// ErrCannotConvert marks a conversion that is impossible, not one that
// failed: the format cannot live on the file system, the target cannot be
// expressed in it, or the new name is taken. The link is left untouched.
var ErrCannotConvert = errors.New("cannot convert")

// ConvertOptions configure a Converter.
type ConvertOptions struct {
	// To is the format links are rewritten into; auto is refused.
	To       fs.CreateFormat
	Mapper   *translate.Mapper
	Classify fs.Options
	// DryRun checks every conversion and changes nothing.
	DryRun bool
}

// Converter rewrites links found by Scan into one format, one link at a
// time and atomically: the new link is written under a temporary name in
// the same directory, checked, and renamed over the old one (or, when the
// name changes, renamed to its new name before the old one is removed).
// At every instant the old or the new link exists under its name.
type Converter struct {
	opts  ConvertOptions
	to    translate.Format
	trees map[string]*fs.Tree // by root, for opening directories beneath it
	pid   int
	seq   int
}

// NewConverter prepares conversions into opts.To.
func NewConverter(opts ConvertOptions) (*Converter, error) {
	to := opts.To.Format()
	if to == translate.None {
		return nil, fmt.Errorf("convert: %q is not a format links can be written in", opts.To)
	}
	if opts.Mapper == nil {
		opts.Mapper = &translate.Mapper{}
	}
	return &Converter{opts: opts, to: to, trees: map[string]*fs.Tree{}, pid: os.Getpid()}, nil
}

// Close releases the directories the converter holds open.
func (c *Converter) Close() {
	for _, t := range c.trees {
		t.Close()
	}
}

// Convert rewrites l into the converter's format, pointing at target (the
// presented POSIX target of l). targetIsDir says whether the target is a
// directory, which makes NTFS links directory links. It returns the link's
// path after the conversion (with --dry-run, the path it would have). An
// error wrapping ErrCannotConvert means the link was left untouched
// because it cannot be converted; any other error also leaves it as it
// was, or, when it says so, converted with the old name left beside it.
func (c *Converter) Convert(l *Link, target string, targetIsDir bool) (string, error) {
	if l.Entry.Format == c.to {
		return l.Path, nil
	}
	tree, dirRel, name, err := c.locate(l)
	if err != nil {
		return "", err
	}
	d, err := tree.OpenDir(dirRel)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: filepath.Dir(l.Path), Err: err}
	}
	defer d.Close()
	if err := d.Fits(c.to); err != nil {
		return "", fmt.Errorf("%w: %w", ErrCannotConvert, err)
	}
	if err := c.unchanged(d, name, l); err != nil {
		return "", err
	}
	logical := name
	if n, ok := fs.LogicalName(name); ok && fs.IsShortcutFormat(l.Entry.Format) {
		logical = n
	}
	// A link stored as a directory (a junction, a directory symlink) has a
	// directory target even where the scan could not see it.
	isDir := targetIsDir || l.Entry.Format == translate.Junction || l.Entry.Type.IsDir() ||
		l.Entry.HasAttrs && l.Entry.Attrs&fs.AttrDirectory != 0
	stored, err := fs.Encode(c.to, logical, target, isDir, c.opts.Mapper)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCannotConvert, err)
	}
	if _, _, err := d.CheckRoundTrip(&stored, target); err != nil {
		return "", fmt.Errorf("%w: %w", ErrCannotConvert, err)
	}
	newPath := filepath.Join(filepath.Dir(l.Path), stored.Name)
	finish := false
	if stored.Name != name {
		if finish, err = c.nameFree(d, &stored, target, newPath); err != nil {
			return "", err
		}
	}
	if c.opts.DryRun {
		return newPath, nil
	}
	if !finish {
		if err := c.replace(d, name, &stored, target); err != nil {
			return "", err
		}
	}
	if stored.Name != name {
		if err := d.RemoveLink(name); err != nil {
			return newPath, fmt.Errorf("converted to %s, but the old %s is still there: %w", newPath, l.Path, err)
		}
	}
	return newPath, nil
}

// locate returns the tree l lies in, and its directory and stored name.
func (c *Converter) locate(l *Link) (*fs.Tree, string, string, error) {
	root, rel := l.Root, l.Rel
	if rel == "" {
		// The link was given itself as a root: its directory is the tree.
		abs, err := filepath.Abs(l.Root)
		if err != nil {
			return nil, "", "", err
		}
		root, rel = filepath.Dir(abs), filepath.Base(abs)
	}
	t, ok := c.trees[root]
	if !ok {
		var err error
		if t, err = fs.NewTree(fs.Config{Source: root, Mapper: c.opts.Mapper, Classify: c.opts.Classify, CrossMounts: true}); err != nil {
			return nil, "", "", err
		}
		c.trees[root] = t
	}
	dir, name := path.Split(rel)
	return t, strings.TrimSuffix(dir, "/"), name, nil
}

// unchanged checks that the entry is still the link Scan found.
func (c *Converter) unchanged(d *fs.Dir, name string, l *Link) error {
	e, err := d.Classify(name)
	if err == nil && l.Entry.Format == translate.GitSymlink && e.Format == translate.None && e.Err == nil && e.Type.IsRegular() {
		err = readGitSymlink(d, name, &e)
	}
	if err != nil {
		return fmt.Errorf("classify %s again: %w", l.Path, err)
	}
	if e.Format != l.Entry.Format || !bytes.Equal(e.Raw, l.Entry.Raw) || e.Link != l.Entry.Link || !e.IsLink() {
		return fmt.Errorf("%s changed since it was scanned; scan again", l.Path)
	}
	return nil
}

// nameFree checks that the link's new name is free. A name taken by the
// very link the conversion would write is the trace of a conversion that
// was interrupted after the rename: finish is true, and only the old name
// remains to be removed.
func (c *Converter) nameFree(d *fs.Dir, s *fs.Stored, target, newPath string) (finish bool, err error) {
	if _, serr := d.Lstat(s.Name); errors.Is(serr, unix.ENOENT) {
		return false, nil
	}
	e, err := d.Classify(s.Name)
	if err == nil && e.IsLink() && e.Format == s.Format {
		if got, perr := d.Present(&e); perr == nil && got == c.normalized(target) {
			return true, nil
		}
	}
	return false, fmt.Errorf("%w: %s already exists", ErrCannotConvert, newPath)
}

func (c *Converter) normalized(target string) string {
	if n, err := c.opts.Mapper.Normalize(target); err == nil {
		return n
	}
	return target
}

// replace writes s under a temporary name, checks it, and renames it to
// s.Name, over the old link when the name is the same.
func (c *Converter) replace(d *fs.Dir, oldName string, s *fs.Stored, target string) error {
	old, statErr := d.Lstat(oldName)
	caller := fs.Caller{}
	if statErr == nil {
		caller = fs.Caller{Uid: old.Uid, Gid: old.Gid, Set: true}
	}
	c.seq++
	tmp := *s
	tmp.Name = convertTempName(c.pid, c.seq)
	if fs.HasShortcutSuffix(s.Name) {
		tmp.Name += s.Name[len(s.Name)-4:] // a shortcut is one only under a .lnk name
	}
	dirRel := d.Rel()
	if _, err := d.Store(&tmp, target, caller); err != nil {
		return fmt.Errorf("write %s link %s: %w", s.Format, path.Join(dirRel, tmp.Name), err)
	}
	if err := c.settle(d, &tmp, target, &old, statErr == nil); err != nil {
		d.RemoveLink(tmp.Name)
		return err
	}
	if s.Name != oldName {
		return renameNoReplace(d, tmp.Name, s.Name)
	}
	err := d.Rename(tmp.Name, s.Name, 0)
	if errors.Is(err, unix.EISDIR) || errors.Is(err, unix.ENOTDIR) {
		// A directory link replaced by a file link or the reverse: swap
		// them in one step, then remove the old one, now under the
		// temporary name.
		if err = d.Rename(tmp.Name, s.Name, unix.RENAME_EXCHANGE); err == nil {
			if rerr := d.RemoveLink(tmp.Name); rerr != nil {
				return fmt.Errorf("converted, but the old link remains as %s: %w", path.Join(dirRel, tmp.Name), rerr)
			}
			return nil
		}
		err = fmt.Errorf("%w: replacing a directory by a file (or the reverse) needs RENAME_EXCHANGE, which this file system refuses: %w", ErrCannotConvert, err)
	}
	if err != nil {
		d.RemoveLink(tmp.Name)
		return fmt.Errorf("rename %s over %s: %w", tmp.Name, path.Join(dirRel, s.Name), err)
	}
	return nil
}

// settle makes the temporary link ready to take the old one's place: a
// check that it reads back as target, and the old timestamps.
//
// On ntfs-3g, attaching a reparse point or the SYSTEM attribute changes the
// entry's type, and the kernel's FUSE client, which cached the entry as the
// regular file or directory it was created as, answers EIO to the first
// lookup that sees the new type and drops its stale inode. That lookup must
// happen here, on the temporary name: renamed with the stale inode, the
// final name would answer EIO once to whoever looks next.
func (c *Converter) settle(d *fs.Dir, s *fs.Stored, target string, old *unix.Stat_t, haveOld bool) error {
	dirRel := d.Rel()
	for range 3 {
		if _, err := d.Lstat(s.Name); !errors.Is(err, unix.EIO) {
			break
		}
	}
	e, err := d.Classify(s.Name)
	if err != nil {
		return fmt.Errorf("check the new link %s: %w", path.Join(dirRel, s.Name), err)
	}
	want := c.normalized(target)
	if !e.IsLink() {
		return fmt.Errorf("the new link %s does not read back as a link (%s, %v)", path.Join(dirRel, s.Name), e.Format, e.Err)
	}
	if got, err := d.Present(&e); err != nil || got != want {
		return fmt.Errorf("the new link %s reads back as %q (%v), not %q", path.Join(dirRel, s.Name), got, err, want)
	}
	// Last, as reading the link back (readlink) may move its access time.
	if haveOld {
		err := d.SetTimes(s.Name, old.Atim, old.Mtim)
		if err != nil && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EIO) {
			return fmt.Errorf("keep the timestamps of %s: %w", path.Join(dirRel, s.Name), err)
		}
	}
	return nil
}

// renameNoReplace renames from to to in dirfd, failing if to exists.
// Where the file system refuses RENAME_NOREPLACE (ntfs-3g), the check and
// the rename are two steps: an entry created by someone else in between
// would be replaced.
func renameNoReplace(d *fs.Dir, from, to string) error {
	err := d.Rename(from, to, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		if _, serr := d.Lstat(to); !errors.Is(serr, unix.ENOENT) {
			err = unix.EEXIST
		} else {
			err = d.Rename(from, to, 0)
		}
	}
	if err != nil {
		d.RemoveLink(from)
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	return nil
}

// convertTempPrefix starts the names of the temporary links a conversion
// writes: ".linkfs-convert.PID.N".
const convertTempPrefix = ".linkfs-convert."

func convertTempName(pid, seq int) string {
	return convertTempPrefix + strconv.Itoa(pid) + "." + strconv.Itoa(seq)
}

// isConvertTemp reports whether name is a conversion's temporary link.
func isConvertTemp(name string) bool {
	return strings.HasPrefix(name, convertTempPrefix)
}

// RemoveStale removes a temporary link that Scan found (in
// ScanResult.Temporaries) when the conversion that wrote it was killed:
// its process no longer exists. A temporary of a conversion still running
// is left alone. It reports whether the temporary was (or, with DryRun,
// would be) removed.
func (c *Converter) RemoveStale(tmp *Link) (bool, error) {
	tree, dirRel, name, err := c.locate(tmp)
	if err != nil {
		return false, err
	}
	rest, _ := strings.CutPrefix(name, convertTempPrefix)
	pidText, _, _ := strings.Cut(rest, ".")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == c.pid || !errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
		return false, nil
	}
	if c.opts.DryRun {
		return true, nil
	}
	d, err := tree.OpenDir(dirRel)
	if err != nil {
		return false, &os.PathError{Op: "open", Path: filepath.Dir(tmp.Path), Err: err}
	}
	defer d.Close()
	if err := d.RemoveLink(name); err != nil {
		return false, &os.PathError{Op: "remove", Path: tmp.Path, Err: err}
	}
	return true, nil
}
