//go:build linux

package scan

import (
	"context"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// Scan walks every root in parallel and classifies each entry, never
// following a symlink and never opening anything but directories and
// regular files of a size plausible for a link. Each directory is read
// once; the walk crosses mount points and asks each file system for the
// NTFS metadata it can hold. In git work trees, regular files that the
// index records as symlinks are reported as git-symlink. The error is
// non-nil only when ctx is cancelled.
func Scan(ctx context.Context, roots []string, opts Options) (*Result, error) {
	w := &walker{
		opts: opts,
		ns:   &namespace{entries: map[string]nsEntry{}},
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
	res := &Result{Links: w.links, Entries: w.entries.Load(), Errors: w.errs, Temporaries: w.temps, ns: w.ns}
	sort.Slice(res.Links, func(i, j int) bool { return res.Links[i].Path < res.Links[j].Path })
	sort.Slice(res.Temporaries, func(i, j int) bool { return res.Temporaries[i].Path < res.Temporaries[j].Path })
	sort.Slice(res.Errors, func(i, j int) bool { return res.Errors[i].Error() < res.Errors[j].Error() })
	for i := range res.Links {
		w.ns.addLink(&res.Links[i], i)
	}
	return res, nil
}

// walker is the state of one Scan: a queue of directories to read, served
// by a bounded set of workers, and what they found.
type walker struct {
	opts    Options
	ns      *namespace
	entries atomic.Int64

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []dirJob // LIFO: depth first keeps the queue short
	pending int      // directories queued or being read
	links   []Link
	temps   []Link
	errs    []error
	trees   []*fs.Tree
	git     map[string]*gitRepo // by work tree root
}

// dirJob is one directory to read.
type dirJob struct {
	tree *fs.Tree // the root it lies under: every directory is opened beneath it
	root string   // the root as given
	rel  string   // below the root, "" for the root
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
	// The root is classified from its parent, where it is one entry.
	parent, err := w.openTree(dir)
	if err != nil {
		w.fail(err)
		return
	}
	d, err := parent.OpenDir("")
	if err != nil {
		w.fail(&os.PathError{Op: "open", Path: dir, Err: err})
		return
	}
	defer d.Close()
	e, err := d.Classify(name)
	if err != nil {
		w.fail(fmt.Errorf("classify %s: %w", root, err))
		return
	}
	w.entries.Add(1)
	place := w.gitPlaceOf(abs, e.Type == iofs.ModeDir)
	if e.Type != iofs.ModeDir || e.IsLink() {
		w.classifyGit(d, name, &e, place, func() string { return root })
		if e.Format != translate.None || e.Err != nil {
			w.links = append(w.links, Link{Root: root, Path: root, Entry: e, abs: abs})
		}
		w.ns.set(abs, nsEntry{kind: nsFile})
		return
	}
	t, err := w.openTree(abs)
	if err != nil {
		w.fail(err)
		return
	}
	w.push(dirJob{tree: t, root: root, abs: abs, git: place})
}

// openTree opens a tree to read at dir, closed when the walk ends.
func (w *walker) openTree(dir string) (*fs.Tree, error) {
	t, err := fs.NewTree(fs.Config{Source: dir, ReadOnly: true, Classify: w.opts.Classify, KeepAtime: true, CrossMounts: true})
	if err != nil {
		return nil, err
	}
	w.trees = append(w.trees, t)
	return t, nil
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

// readDir reads one directory, classifies its entries and queues its
// subdirectories. The directory is opened beneath its root without
// following any symlink, and its access time stays as it was.
func (w *walker) readDir(j dirJob) {
	d, err := j.tree.ListDir(j.rel)
	if err != nil {
		w.ns.set(j.abs, nsEntry{kind: nsUnread})
		w.fail(&os.PathError{Op: "open", Path: filepath.Join(j.root, j.rel), Err: err})
		return
	}
	defer d.Close()
	dirents, err := d.List()
	if err != nil {
		w.ns.set(j.abs, nsEntry{kind: nsUnread})
		w.fail(&os.PathError{Op: "readdir", Path: filepath.Join(j.root, j.rel), Err: err})
		return
	}
	place := j.git
	var names map[string]bool // built when a shortcut needs it
	for _, de := range dirents {
		if de.Name == ".git" {
			place = w.gitPlaceAt(j.abs)
		}
	}
	found := make([]nsFound, 0, len(dirents))
	var links, temps []Link
	for _, de := range dirents {
		abs := j.abs + "/" + de.Name
		if j.abs == "/" {
			abs = "/" + de.Name
		}
		rel := func() string { return path.Join(j.rel, de.Name) }
		display := func() string { return filepath.Join(j.root, j.rel, de.Name) }
		descend := func() {
			found = append(found, nsFound{abs, nsEntry{kind: nsDir}})
			w.push(dirJob{tree: j.tree, root: j.root, rel: rel(), abs: abs, git: gitPlace{place.repo, path.Join(place.rel, de.Name)}})
		}
		if isConvertTemp(de.Name) {
			temps = append(temps, Link{Root: j.root, Rel: rel(), Path: display()})
			continue
		}
		// Without reparse points a directory cannot be a link: its type
		// from the listing is enough, and openat2 checks it again.
		if de.Type == unix.DT_DIR && !d.HoldsReparse() {
			descend()
			continue
		}
		e, err := d.Classify(de.Name)
		if err != nil {
			w.fail(fmt.Errorf("classify %s: %w", display(), err))
			continue
		}
		if place.repo != nil {
			w.classifyGit(d, de.Name, &e, place, display)
		}
		switch {
		case e.Format != translate.None || e.Err != nil:
			l := Link{Root: j.root, Rel: rel(), Path: display(), Entry: e, abs: abs}
			// A shortcut is also reached by its presented name, as through
			// the mount (Tree.ReadDir).
			if logical, ok := fs.LogicalName(de.Name); ok && e.IsLink() && fs.IsShortcutFormat(e.Format) {
				if names == nil {
					names = make(map[string]bool, len(dirents))
					for _, de := range dirents {
						names[de.Name] = true
					}
				}
				if !names[logical] {
					l.alias = abs[:len(abs)-len(de.Name)] + logical
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
