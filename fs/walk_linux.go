//go:build linux

package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/translate"
)

// ScanOptions tune Scan.
type ScanOptions struct {
	Classify Options
	// Workers bounds how many directories are read at once; 0 picks a
	// default suited to the machine.
	Workers int
	// Progress, when set, is called after each directory with the number
	// of entries it held and how many of them are links. It is called from
	// several goroutines at once.
	Progress func(entries, links int)
}

// ScannedLink is a link Scan found: an entry of some link format, or one
// that looks like a link but is malformed (Entry.Err says why).
type ScannedLink struct {
	Root  string // the path given to Scan it was found under
	Rel   string // slash-separated path below Root; "" when Root is the link
	Path  string // Root joined with Rel
	Entry Entry

	abs   string // absolute path, the key of the scanned namespace
	alias string // absolute presented name of a shortcut ("music" for "music.lnk"), "" for none
}

// ScanResult is what Scan found.
type ScanResult struct {
	Links   []ScannedLink // sorted by Path
	Entries int64         // entries classified, links or not
	// Errors holds one error per path that could not be read (a
	// directory, an entry, a git index); the walk went on past each.
	Errors []error
	// Temporaries are the temporary links of conversions (running, or
	// killed before they finished), which are not reported as links.
	Temporaries []ScannedLink

	ns *namespace
}

// Scan walks every root in parallel and classifies each entry, never
// following a symlink and never opening anything but directories and
// regular files of a size plausible for a link. Each directory is read
// once; the walk crosses mount points and asks each file system for the
// NTFS metadata it can hold. In git work trees, regular files that the
// index records as symlinks are reported as git-symlink. The error is
// non-nil only when ctx is cancelled.
func Scan(ctx context.Context, roots []string, opts ScanOptions) (*ScanResult, error) {
	w := &walker{
		opts: opts,
		ns:   &namespace{entries: map[string]nsEntry{}},
		caps: map[uint64]sourceCaps{},
		git:  map[string]*gitRepo{},
	}
	w.cond = sync.NewCond(&w.mu)
	workers := opts.Workers
	if workers <= 0 {
		workers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	for _, root := range roots {
		w.addRoot(root)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { w.work(ctx) })
	}
	wg.Wait()
	for _, t := range w.trees {
		t.Close()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &ScanResult{Links: w.links, Entries: w.entries.Load(), Errors: w.errs, Temporaries: w.temps, ns: w.ns}
	sort.Slice(res.Links, func(i, j int) bool { return res.Links[i].Path < res.Links[j].Path })
	sort.Slice(res.Temporaries, func(i, j int) bool { return res.Temporaries[i].Path < res.Temporaries[j].Path })
	sort.Slice(res.Errors, func(i, j int) bool { return res.Errors[i].Error() < res.Errors[j].Error() })
	for i := range res.Links {
		l := &res.Links[i]
		w.ns.entries[l.abs] = nsEntry{kind: nsLink, link: i}
		if l.alias != "" {
			w.ns.entries[l.alias] = nsEntry{kind: nsLink, link: i}
		}
	}
	return res, nil
}

// walker is the state of one Scan: a queue of directories to read, served
// by a bounded set of workers, and what they found.
type walker struct {
	opts    ScanOptions
	ns      *namespace
	entries atomic.Int64

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []dirJob // LIFO: depth first keeps the queue short
	pending int      // directories queued or being read
	links   []ScannedLink
	temps   []ScannedLink
	errs    []error
	trees   []*Tree
	caps    map[uint64]sourceCaps // per device: a walk crosses mount points
	git     map[string]*gitRepo   // by work tree root
}

// dirJob is one directory to read.
type dirJob struct {
	tree *Tree  // the root it lies under, for openat2 beneath it
	root string // the root as given
	rel  string // below the root, "" for the root
	abs  string
	git  gitPlace
}

// gitPlace locates a directory in a git work tree.
type gitPlace struct {
	repo *gitRepo // nil outside every work tree
	rel  string   // the directory's path in the index, "" at the work tree root
}

func (w *walker) fail(err error) {
	w.mu.Lock()
	w.errs = append(w.errs, err)
	w.mu.Unlock()
}

func (w *walker) push(j dirJob) {
	w.mu.Lock()
	w.queue = append(w.queue, j)
	w.pending++
	w.mu.Unlock()
	w.cond.Signal()
}

// addRoot classifies a root itself: a directory is walked, a link is
// reported, anything else is not a link and is left alone.
func (w *walker) addRoot(root string) {
	abs, err := filepath.Abs(root)
	if err != nil {
		w.fail(fmt.Errorf("%s: %w", root, err))
		return
	}
	w.ns.addRoot(abs)
	dir, name := filepath.Split(abs)
	if name == "" {
		dir, name = abs, "."
	}
	parent, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		w.fail(&os.PathError{Op: "open", Path: dir, Err: err})
		return
	}
	defer unix.Close(parent)
	caps := w.capsOf(parent)
	e, err := classifyAt(parent, name, &w.opts.Classify, caps)
	if err != nil {
		w.fail(fmt.Errorf("classify %s: %w", root, err))
		return
	}
	w.entries.Add(1)
	place := w.gitPlaceOf(abs, e.Type == iofs.ModeDir)
	if e.Type != iofs.ModeDir || e.IsLink() {
		w.classifyGit(parent, name, &e, place, func() string { return root })
		if e.Format != translate.None || e.Err != nil {
			w.links = append(w.links, ScannedLink{Root: root, Path: root, Entry: e, abs: abs})
		}
		w.ns.set(abs, nsEntry{kind: nsFile})
		return
	}
	t, err := NewTree(Config{Source: abs, ReadOnly: true, Classify: w.opts.Classify})
	if err != nil {
		w.fail(err)
		return
	}
	w.trees = append(w.trees, t)
	w.push(dirJob{tree: t, root: root, abs: abs, git: place})
}

// work serves the queue until it is empty and no directory is being read.
func (w *walker) work(ctx context.Context) {
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && w.pending > 0 {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		j := w.queue[len(w.queue)-1]
		w.queue = w.queue[:len(w.queue)-1]
		w.mu.Unlock()
		if ctx.Err() == nil {
			w.readDir(j)
		}
		w.mu.Lock()
		w.pending--
		done := w.pending == 0
		w.mu.Unlock()
		if done {
			w.cond.Broadcast()
		}
	}
}

// capsOf returns what the file system holding dirfd exposes, probed once
// per device.
func (w *walker) capsOf(dirfd int) sourceCaps {
	var st unix.Stat_t
	if err := unix.Fstat(dirfd, &st); err != nil {
		return everyCap
	}
	w.mu.Lock()
	c, ok := w.caps[st.Dev]
	w.mu.Unlock()
	if ok {
		return c
	}
	c = probeCaps(dirfd)
	w.mu.Lock()
	w.caps[st.Dev] = c
	w.mu.Unlock()
	return c
}

// readDir reads one directory, classifies its entries and queues its
// subdirectories. The directory is opened beneath its root without
// following any symlink, and with O_NOATIME so that even its access time
// stays as it was.
func (w *walker) readDir(j dirJob) {
	flags := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	fd, err := j.tree.openBeneath(j.rel, flags|unix.O_NOATIME)
	if errors.Is(err, unix.EPERM) { // O_NOATIME needs ownership
		fd, err = j.tree.openBeneath(j.rel, flags)
	}
	if err != nil {
		w.ns.set(j.abs, nsEntry{kind: nsUnread})
		w.fail(&os.PathError{Op: "open", Path: filepath.Join(j.root, j.rel), Err: err})
		return
	}
	defer unix.Close(fd)
	caps := w.capsOf(fd)
	dirents, err := readDirents(fd)
	if err != nil {
		w.ns.set(j.abs, nsEntry{kind: nsUnread})
		w.fail(&os.PathError{Op: "readdir", Path: filepath.Join(j.root, j.rel), Err: err})
		return
	}
	place := j.git
	var names map[string]bool // built when a shortcut needs it
	for _, d := range dirents {
		if d.Name == ".git" {
			place = w.gitPlaceAt(j.abs)
		}
	}
	found := make([]nsFound, 0, len(dirents))
	var links, temps []ScannedLink
	for _, d := range dirents {
		abs := j.abs + "/" + d.Name
		if j.abs == "/" {
			abs = "/" + d.Name
		}
		rel := func() string { return path.Join(j.rel, d.Name) }
		display := func() string { return filepath.Join(j.root, j.rel, d.Name) }
		descend := func() {
			found = append(found, nsFound{abs, nsEntry{kind: nsDir}})
			w.push(dirJob{tree: j.tree, root: j.root, rel: rel(), abs: abs, git: gitPlace{place.repo, path.Join(place.rel, d.Name)}})
		}
		if isConvertTemp(d.Name) {
			temps = append(temps, ScannedLink{Root: j.root, Rel: rel(), Path: display()})
			continue
		}
		// Without reparse points a directory cannot be a link: its type
		// from the listing is enough, and openat2 checks it again.
		if d.Type == unix.DT_DIR && !caps.reparse {
			descend()
			continue
		}
		e, err := classifyAt(fd, d.Name, &w.opts.Classify, caps)
		if err != nil {
			w.fail(fmt.Errorf("classify %s: %w", display(), err))
			continue
		}
		if place.repo != nil {
			w.classifyGit(fd, d.Name, &e, place, display)
		}
		switch {
		case e.Format != translate.None || e.Err != nil:
			l := ScannedLink{Root: j.root, Rel: rel(), Path: display(), Entry: e, abs: abs}
			// A shortcut is also reached by its presented name, as through
			// the mount (Tree.ReadDir).
			if logical, ok := logicalName(d.Name); ok && e.IsLink() && isShortcutFormat(e.Format) {
				if names == nil {
					names = make(map[string]bool, len(dirents))
					for _, d := range dirents {
						names[d.Name] = true
					}
				}
				if !names[logical] {
					l.alias = abs[:len(abs)-len(d.Name)] + logical
				}
			}
			links = append(links, l)
			if !e.IsLink() && e.Type == iofs.ModeDir {
				descend()
			}
		case e.Type == iofs.ModeDir:
			descend()
		default:
			found = append(found, nsFound{abs, nsEntry{kind: nsFile}})
		}
	}
	w.entries.Add(int64(len(dirents)))
	w.ns.setAll(found)
	w.mu.Lock()
	w.links = append(w.links, links...)
	w.temps = append(w.temps, temps...)
	w.mu.Unlock()
	if w.opts.Progress != nil {
		w.opts.Progress(len(dirents), len(links))
	}
}

// classifyGit applies rule 5 of the decision procedure (FORMATS.md
// section 14) after classifyAt: a regular file that is no link of any
// other format, recorded in its repository's index as a symlink, is a
// git-symlink whose target is the file's content.
func (w *walker) classifyGit(dirfd int, name string, e *Entry, place gitPlace, display func() string) {
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
	if err := readGitSymlink(dirfd, name, e); err != nil {
		w.fail(fmt.Errorf("read %s: %w", display(), err))
	}
}

// readGitSymlink turns e, a plain regular file, into the git-symlink it
// holds. The content is the link text exactly as committed; a text no
// symlink could hold is reported in e.Err.
func readGitSymlink(dirfd int, name string, e *Entry) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
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
	head := fileHead{dirfd: dirfd, name: name, st: &st}
	defer head.close()
	b, err := head.read(int(st.Size))
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
	format := GitSHA1
	if b, err := readRegular(filepath.Join(commonDir, "config"), gitSmallFileMax); err == nil {
		if v, ok := gitConfigValue(b, "extensions", "objectformat"); ok {
			format = GitObjectFormat(strings.ToLower(v))
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
	idx, err := ParseGitIndex(b, format)
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

// namespace is the scanned tree as a map from absolute path to what is
// there, for resolving link targets without asking the OS.
type namespace struct {
	mu      sync.Mutex
	entries map[string]nsEntry
	roots   []nsRoot
}

type nsRoot struct {
	abs  string
	real string // abs with symlinks resolved, when that differs
}

type nsKind uint8

const (
	nsFile   nsKind = iota + 1 // a regular file or special file
	nsDir                      // a directory whose entries were read
	nsUnread                   // a directory that could not be read
	nsLink                     // a link; nsEntry.link indexes ScanResult.Links
)

type nsEntry struct {
	kind nsKind
	link int
}

func (n *namespace) set(p string, e nsEntry) {
	n.mu.Lock()
	n.entries[p] = e
	n.mu.Unlock()
}

// nsFound is an entry a directory read found.
type nsFound struct {
	path  string
	entry nsEntry
}

// setAll records the entries of one directory. A subdirectory already
// recorded was found unreadable by the worker that raced ahead to read
// it: that stays.
func (n *namespace) setAll(found []nsFound) {
	n.mu.Lock()
	for _, f := range found {
		if _, ok := n.entries[f.path]; !ok || f.entry.kind != nsDir {
			n.entries[f.path] = f.entry
		}
	}
	n.mu.Unlock()
}

func (n *namespace) addRoot(abs string) {
	r := nsRoot{abs: abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		r.real = real
	}
	n.roots = append(n.roots, r)
}

// inRoots reports whether p is a root or lies below one.
func (n *namespace) inRoots(p string) bool {
	for _, r := range n.roots {
		if within(p, r.abs) {
			return true
		}
	}
	return false
}

// aboveRoot reports whether p is an ancestor of a root.
func (n *namespace) aboveRoot(p string) bool {
	for _, r := range n.roots {
		if within(r.abs, p) {
			return true
		}
	}
	return false
}

// isRootDir reports whether p is a root that is a directory.
func (n *namespace) isRootDir(p string) bool {
	for _, r := range n.roots {
		if r.abs == p {
			e, ok := n.entries[p]
			return !ok || e.kind == nsDir || e.kind == nsUnread
		}
	}
	return false
}

// ResolveState says where following a link's target leads.
type ResolveState string

// The states of a resolution.
const (
	// Resolved: the target exists in the scanned tree.
	Resolved ResolveState = "resolved"
	// Dangling: the target does not exist (or a component of its path is
	// not a directory).
	Dangling ResolveState = "dangling"
	// Loop: following the target comes back to the link itself, or takes
	// more than maxLinkHops links, where the kernel gives up with ELOOP.
	Loop ResolveState = "loop"
	// Outside: the target leaves every scanned root; it was not followed.
	Outside ResolveState = "outside"
	// Unknown: the link has no target to follow (it is malformed or its
	// target cannot be presented), or the path crosses a directory that
	// could not be read.
	Unknown ResolveState = "unknown"
)

// Resolution is where a link's target leads within the scanned tree.
type Resolution struct {
	State ResolveState
	Dir   bool // Resolved to a directory
}

// maxLinkHops is Linux's MAXSYMLINKS: the links one path lookup follows.
const maxLinkHops = 40

// ResolveAll follows the target of every link in r.Links through the
// scanned tree, component by component, as the kernel would follow the
// presented links: targets[i] is the presented POSIX target of Links[i],
// "" for a link without one. Every component is looked up in what the
// scan found, never through the OS: a link to a link of any format is
// followed, a shortcut is found by its presented name, and a path that
// leaves every root is reported Outside and not followed further.
func (r *ScanResult) ResolveAll(targets []string) []Resolution {
	rv := resolver{ns: r.ns, links: r.Links, targets: make([]string, len(r.Links)),
		memo: make([]resolved, len(r.Links)), busy: make([]bool, len(r.Links))}
	copy(rv.targets, targets)
	out := make([]Resolution, len(r.Links))
	for i := range r.Links {
		if !r.Links[i].Entry.IsLink() {
			out[i] = Resolution{State: Unknown}
			continue
		}
		res := rv.link(i, 0)
		out[i] = Resolution{State: res.state, Dir: res.dir}
	}
	return out
}

type resolver struct {
	ns      *namespace
	links   []ScannedLink
	targets []string
	memo    []resolved
	busy    []bool // being resolved: meeting it again is a cycle
}

// resolved is a finished resolution: the state and, when Resolved, the
// absolute path reached and the number of links followed to reach it.
type resolved struct {
	state ResolveState
	path  string
	dir   bool
	need  int
	// limited: a Loop from the hop limit, which depends on how many links
	// were followed before this one, so it is not remembered. A cycle is a
	// loop however the link is reached: every link being resolved needs
	// the next one, and the last needs one of them again.
	limited bool
}

// link resolves Links[i], a link, after hops links were followed in the
// same lookup; like the kernel, it gives up after maxLinkHops in all.
func (rv *resolver) link(i, hops int) resolved {
	if rv.busy[i] {
		return resolved{state: Loop}
	}
	res := rv.memo[i]
	if res.state == "" {
		if rv.targets[i] == "" {
			res = resolved{state: Unknown}
		} else {
			rv.busy[i] = true
			res = rv.walk(path.Dir(rv.links[i].abs), rv.targets[i], hops+1)
			rv.busy[i] = false
			res.need++
		}
		if !res.limited {
			rv.memo[i] = res
		}
	}
	if res.state == Resolved && hops+res.need > maxLinkHops {
		return resolved{state: Loop, limited: true}
	}
	return res
}

// walk looks target up from the directory dir, one component at a time.
// The need of the result counts the links followed.
func (rv *resolver) walk(dir, target string, hops int) resolved {
	cur, curDir, need := dir, true, 0
	if strings.HasPrefix(target, "/") {
		cur = "/"
		target = rv.ns.fromReal(path.Clean(target))
	}
	comps := strings.Split(target, "/")
	for k, c := range comps {
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		more := !allEmpty(comps[k+1:])
		p := path.Join(cur, c)
		if rv.ns.isRootDir(p) {
			cur, curDir = p, true
			continue
		}
		if !rv.ns.inRoots(p) {
			if !rv.ns.aboveRoot(p) {
				return resolved{state: Outside}
			}
			// On the way down to a root from above it: the names are
			// the root's own, so nothing outside is looked at.
			cur, curDir = p, true
			continue
		}
		e, ok := rv.ns.entries[p]
		if !ok {
			if parent, ok := rv.ns.entries[cur]; ok && parent.kind == nsUnread {
				return resolved{state: Unknown}
			}
			return resolved{state: Dangling}
		}
		isDir := false
		switch e.kind {
		case nsUnread:
			if more {
				return resolved{state: Unknown}
			}
			isDir = true
		case nsDir:
			isDir = true
		case nsLink:
			if l := &rv.links[e.link]; !l.Entry.IsLink() {
				// Malformed: shown as the plain entry it is.
				isDir = l.Entry.Type.IsDir()
				break
			}
			res := rv.link(e.link, hops+need)
			if res.state != Resolved {
				return res
			}
			need += res.need
			if more && !res.dir {
				return resolved{state: Dangling}
			}
			cur, curDir = res.path, res.dir
			continue
		}
		if more && !isDir {
			return resolved{state: Dangling} // ENOTDIR
		}
		cur, curDir = p, isDir
	}
	if !rv.ns.inRoots(cur) {
		return resolved{state: Outside} // ended above every root
	}
	return resolved{state: Resolved, path: cur, dir: curDir, need: need}
}

// fromReal rewrites an absolute path given through a root's real path
// (its symlinks resolved) to the root's path as scanned.
func (n *namespace) fromReal(p string) string {
	for _, r := range n.roots {
		if r.real != "" && within(p, r.real) {
			return r.abs + strings.TrimPrefix(p, r.real)
		}
	}
	return p
}

func allEmpty(comps []string) bool {
	for _, c := range comps {
		if c != "" && c != "." {
			return false
		}
	}
	return true
}
