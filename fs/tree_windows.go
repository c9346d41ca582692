//go:build windows

package fs

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"

	"github.com/linkfs/linkfs/translate"
)

// Tree is a source directory on Windows seen through link translation,
// with the same API as the Linux tree: paths are slash-separated, relative
// to the source root, with names in POSIX form (a name WSL stores as
// U+F03A shows as ":"). Every access opens the entry relative to the
// root's handle without following any reparse point (nt_windows.go), and
// each entry is classified from its reparse tag, attributes and content.
type Tree struct {
	cfg  Config
	root windows.Handle
	// abs is the source as an absolute Win32 path.
	abs string
	// depth counts the directories between the volume root and the
	// source: a rooted NTFS target (`\a\b`) is relative to the volume.
	depth  int
	caps   winCaps
	create translate.Format
	warned sync.Map // paths already logged as malformed
}

// winCaps records what the source's volume and this process allow.
type winCaps struct {
	reparse          bool // the volume keeps reparse points (not FAT)
	symlinkPrivilege bool // SeCreateSymbolicLinkPrivilege is enabled
	developerMode    bool // CreateSymbolicLinkW needs no privilege
	maxName          uint32
}

// NewTree opens the source and resolves the creation policy.
func NewTree(cfg Config) (*Tree, error) {
	if cfg.Mapper == nil {
		cfg.Mapper = &translate.Mapper{}
	}
	if cfg.Read == nil {
		cfg.Read = DefaultRead()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(cfg.Source)
	if err != nil {
		return nil, err
	}
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return nil, err
	}
	// The source's own path may go through links; below it nothing does.
	h, err := windows.CreateFile(p, windows.FILE_LIST_DIRECTORY|windows.FILE_READ_ATTRIBUTES|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open source", Path: cfg.Source, Err: err}
	}
	t := &Tree{cfg: cfg, root: h, abs: abs, depth: volumeDepth(abs)}
	info, err := infoOf(h)
	if err == nil && info.attrs&AttrDirectory == 0 {
		err = syscall.ENOTDIR
	}
	if err != nil {
		windows.CloseHandle(h)
		return nil, &os.PathError{Op: "open source", Path: cfg.Source, Err: err}
	}
	var flags uint32
	if windows.GetVolumeInformationByHandle(h, nil, 0, nil, &t.caps.maxName, &flags, nil, 0) == nil {
		t.caps.reparse = flags&windows.FILE_SUPPORTS_REPARSE_POINTS != 0
	}
	t.caps.symlinkPrivilege = enableSymlinkPrivilege()
	t.caps.developerMode = developerMode()
	if t.create, err = t.resolveCreate(cfg.Create); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return t, nil
}

// volumeDepth counts the names of abs below its volume's root.
func volumeDepth(abs string) int {
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return 0
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	if windows.GetVolumePathName(p, &buf[0], uint32(len(buf))) != nil {
		return 0
	}
	vol := windows.UTF16ToString(buf)
	rest := strings.Trim(abs[min(len(vol), len(abs)):], `\`)
	if rest == "" {
		return 0
	}
	return strings.Count(rest, `\`) + 1
}

func (t *Tree) canSymlink() bool { return t.caps.symlinkPrivilege || t.caps.developerMode }

func (t *Tree) resolveCreate(c CreateFormat) (translate.Format, error) {
	if c == "" || c == CreateAuto {
		return WindowsCreateDefault(t.caps.reparse, t.canSymlink()), nil
	}
	f := c.Format()
	switch {
	case f == translate.Native:
		return "", fmt.Errorf("--create native: Windows has no POSIX symlinks; choose ntfs, lx, cygwin or another format")
	case IsReparse(f) && !t.caps.reparse:
		return "", fmt.Errorf("--create %s: the volume of %s cannot hold reparse points (FAT?); choose cygwin or mfsymlink", c, t.cfg.Source)
	case f == translate.NTFSSymlink && !t.canSymlink():
		return "", fmt.Errorf("--create ntfs: creating NTFS symlinks needs Developer Mode or the symlink privilege (an elevated prompt); --create lx needs neither")
	}
	return f, nil
}

// CreateFormat returns the format links created through the tree get.
func (t *Tree) CreateFormat() translate.Format { return t.create }

// Close releases the source.
func (t *Tree) Close() error { return windows.CloseHandle(t.root) }

// Source returns the source directory.
func (t *Tree) Source() string { return t.cfg.Source }

// ReadOnly reports whether the tree refuses changes.
func (t *Tree) ReadOnly() bool { return t.cfg.ReadOnly }

// winRel turns a tree path into the Windows form NtCreateFile takes
// relative to the root: "" for the root itself.
func winRel(rel string) string {
	if rel == "" || rel == "." {
		return ""
	}
	names := strings.Split(rel, "/")
	for i, n := range names {
		names[i] = translate.WindowsName(n)
	}
	return strings.Join(names, `\`)
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// openEntry opens the entry at rel itself (a link is not followed) to
// read its metadata.
func (t *Tree) openEntry(rel string, access uint32) (windows.Handle, error) {
	return ntOpen(t.root, winRel(rel), access|windows.FILE_READ_ATTRIBUTES, windows.FILE_OPEN, windows.FILE_OPEN_REPARSE_POINT, 0)
}

// Lookup finds the entry presented as name in the directory dirRel.
func (t *Tree) Lookup(dirRel, name string) (Node, error) {
	n, err := t.nodeAt(dirRel, name)
	if !errors.Is(err, syscall.ENOENT) || HasShortcutSuffix(name) {
		return n, err
	}
	// A shortcut "music.lnk" is shown as "music" when no "music" exists.
	sn, serr := t.nodeAt(dirRel, name+".lnk")
	if serr == nil && sn.IsLink() && IsShortcutFormat(sn.Entry.Format) {
		return sn, nil
	}
	return n, err
}

// nodeAt classifies the stored entry name of dirRel and presents it.
func (t *Tree) nodeAt(dirRel, name string) (Node, error) {
	rel := joinRel(dirRel, name)
	h, err := t.openEntry(rel, 0)
	if err != nil {
		return Node{}, err
	}
	defer windows.CloseHandle(h)
	info, err := infoOf(h)
	if err != nil {
		return Node{}, err
	}
	head := winHead{t: t, rel: rel, id: info.id}
	defer head.close()
	e, err := classifyWindows(winEntry{name: name, attrs: info.attrs, size: info.size, tag: info.tag}, &t.cfg.Classify,
		func() ([]byte, error) { return getReparse(h) }, head.read)
	if err != nil {
		return Node{}, err
	}
	stored := name
	if s, ok := finalName(h); ok {
		stored = translate.POSIXName(s)
	}
	n := Node{Stored: stored, Attr: attrOfInfo(&info), Entry: e}
	if e.Err != nil {
		t.warnOnce(rel, &e)
	}
	if !e.IsLink() || !t.cfg.Read[e.Format] {
		return n, nil
	}
	target, err := t.present(dirRel, &e)
	if err != nil {
		t.warnOnce(rel, &Entry{Format: e.Format, Err: err})
		return n, nil
	}
	n.Target = target
	n.Attr.presentAsLink(target)
	return n, nil
}

// attrOfInfo presents Windows metadata. The permission bits are the
// owner's only: WinFsp maps them to the mounting user (-o uid=-1), and
// nobody else gets in through them.
func attrOfInfo(info *entryInfo) Attr {
	a := Attr{
		Ino: info.id, Nlink: info.nlink, Size: info.size, Blocks: (info.size + 511) / 512, Blksize: 4096,
		Atime: winTime(info.atime), Mtime: winTime(info.mtime), Ctime: winTime(info.ctime), Btime: winTime(info.btime),
	}
	switch {
	case info.attrs&AttrDirectory != 0:
		a.Mode = ModeDir | 0o700
	case info.attrs&AttrReadOnly != 0:
		a.Mode = ModeRegular | 0o400
	default:
		a.Mode = ModeRegular | 0o600
	}
	return a
}

// winHead reads the start of a regular file for the classifier, opened at
// most once and checked to be the entry that was looked at.
type winHead struct {
	t   *Tree
	rel string
	id  uint64
	f   *os.File
}

func (h *winHead) read(n int) ([]byte, error) {
	if h.f == nil {
		fh, err := ntOpen(h.t.root, winRel(h.rel), windows.FILE_GENERIC_READ, windows.FILE_OPEN,
			windows.FILE_NON_DIRECTORY_FILE|windows.FILE_OPEN_REPARSE_POINT, 0)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: h.rel, Err: err}
		}
		info, err := infoOf(fh)
		if err == nil && info.id != h.id {
			err = errors.New("entry changed while being classified")
		}
		if err != nil {
			windows.CloseHandle(fh)
			return nil, &os.PathError{Op: "open", Path: h.rel, Err: err}
		}
		h.f = os.NewFile(uintptr(fh), h.rel)
	}
	buf := make([]byte, n)
	m, err := h.f.ReadAt(buf, 0)
	if err != nil && m < n && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:m], nil
}

func (h *winHead) close() {
	if h.f != nil {
		h.f.Close()
	}
}

// present returns the POSIX target a link shows through the overlay. A
// rooted NTFS target is relative to the volume, which lies depth
// directories above the source root.
func (t *Tree) present(dirRel string, e *Entry) (string, error) {
	return t.cfg.Mapper.POSIXTarget(e.Link, linkDepth(t.depth, dirRel))
}

// ReadDir lists the directory dirRel as presented: directories as such,
// shortcuts under their logical names, and files and reparse points that
// may be links with an unknown type for the reader to look up.
func (t *Tree) ReadDir(dirRel string) ([]DirEntry, error) {
	h, err := ntOpen(t.root, winRel(dirRel), windows.FILE_LIST_DIRECTORY, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(h)
	raw, err := listDir(h)
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(raw))
	for _, d := range raw {
		names[strings.ToLower(translate.POSIXName(d.name))] = true
	}
	out := make([]DirEntry, 0, len(raw))
	for _, d := range raw {
		e := DirEntry{Name: translate.POSIXName(d.name), Ino: d.id}
		switch {
		case d.attrs&AttrReparsePoint != 0 && isLinkTag(d.tag):
			// A link, or a malformed one shown as stored: a lookup says.
		case d.attrs&AttrDirectory != 0:
			e.Type = ModeDir
		default:
			if l, ok := LogicalName(e.Name); ok && !names[strings.ToLower(l)] {
				if n, err := t.nodeAt(dirRel, e.Name); err == nil && n.IsLink() && IsShortcutFormat(n.Entry.Format) {
					e.Name, e.Type = l, ModeSymlink
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Getattr presents the entry at rel ("" is the root).
func (t *Tree) Getattr(rel string) (Node, error) {
	if rel == "" {
		info, err := infoOf(t.root)
		if err != nil {
			return Node{}, err
		}
		return Node{Stored: ".", Attr: attrOfInfo(&info)}, nil
	}
	dir, name := splitRel(rel)
	return t.Lookup(dir, name)
}

// Readlink returns the presented target of the link at rel.
func (t *Tree) Readlink(rel string) (string, error) {
	n, err := t.Getattr(rel)
	switch {
	case err != nil:
		return "", err
	case !n.IsLink():
		return "", syscall.EINVAL
	}
	return n.Target, nil
}
