//go:build windows || (linux && cgofuse)

package mount

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"syscall"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// winView is what a Windows mount adds to the adapter: link texts that
// WinFsp can follow, and the gateway (translate.GatewayDir) through which
// links that leave the source reach drives, shares and WSL. It is plain
// logic over fs.Tree, so it is tested on Linux with trees over temporary
// directories standing in for drives.
type winView struct {
	links translate.WinFspView
	// open returns a tree for a Win32 root the gateway passes through to
	// (`C:\`, `\\srv\share\`); nil when the gateway is off.
	open func(root string) (*fs.Tree, error)
	// drives lists the drive letters the gateway shows.
	drives func() []string
	log    *slog.Logger

	mu    sync.Mutex
	trees map[string]*fs.Tree // by upper-cased root
}

// route returns the tree that holds the mount path rel: main, or the
// gateway's tree of the drive or share rel passes through to.
func (w *winView) route(main *fs.Tree, rel string) (*fs.Tree, string, error) {
	r, ok, err := translate.ParseGatewayPath(rel)
	switch {
	case !ok:
		return main, rel, nil
	case err != nil, w.open == nil:
		return nil, "", syscall.ENOENT
	case r.Root == "":
		// The gateway's own directories: nothing is made or changed there.
		return nil, "", syscall.EPERM
	}
	tree, err := w.tree(r.Root)
	if err != nil {
		return nil, "", err
	}
	return tree, r.Rel, nil
}

// reserved reports whether rel is the gateway itself, which is never
// made, moved or removed (a source entry of that name stays hidden).
func (w *winView) reserved(rel string) bool {
	return w.open != nil && strings.EqualFold(rel, translate.GatewayDir)
}

// tree opens the gateway's tree of root once.
func (w *winView) tree(root string) (*fs.Tree, error) {
	key := strings.ToUpper(root)
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.trees[key]; ok {
		return t, nil
	}
	t, err := w.open(root)
	if err != nil {
		w.log.Debug("gateway: cannot open", "path", root, "err", err)
		return nil, err
	}
	if w.trees == nil {
		w.trees = make(map[string]*fs.Tree)
	}
	w.trees[key] = t
	return t, nil
}

// close releases the gateway's trees.
func (w *winView) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, t := range w.trees {
		t.Close()
		delete(w.trees, key)
	}
}

// gatewayNode answers getattr for the gateway's own directories, with the
// source root's times; .linkfs itself is hidden.
func (w *winView) gatewayNode(main *fs.Tree, rel string) (fs.Node, bool) {
	r, ok, err := translate.ParseGatewayPath(rel)
	if !ok || err != nil || r.Root != "" || w.open == nil {
		return fs.Node{}, false
	}
	root, err := main.Getattr("")
	if err != nil {
		return fs.Node{}, false
	}
	n := fs.Node{Stored: rel, Attr: root.Attr}
	n.Attr.Mode = fs.ModeDir | 0o555
	n.Attr.Ino = syntheticIno(rel)
	n.Attr.Nlink = 2
	n.Entry.Attrs, n.Entry.HasAttrs = fs.AttrDirectory, true
	if !strings.Contains(rel, "/") {
		n.Entry.Attrs |= fs.AttrHidden
	}
	return n, true
}

// gatewayList lists the gateway's own directories: .linkfs holds the
// drives, UNC and wsl.localhost; servers, shares and distributions are
// reached by name and not listed.
func (w *winView) gatewayList(rel string) ([]fs.DirEntry, bool) {
	r, ok, err := translate.ParseGatewayPath(rel)
	if !ok || err != nil || r.Root != "" || w.open == nil {
		return nil, false
	}
	if strings.Contains(rel, "/") {
		return []fs.DirEntry{}, true
	}
	var names []string
	if w.drives != nil {
		names = w.drives()
	}
	names = append(names, translate.GatewayUNC, translate.GatewayWSL)
	entries := make([]fs.DirEntry, len(names))
	for i, name := range names {
		entries[i] = fs.DirEntry{Name: name, Ino: syntheticIno(rel + "/" + name), Type: fs.ModeDir}
	}
	return entries, true
}

// rootEntries adds the gateway to the listing of the mount root. An entry
// of the source with its name is hidden behind it: the name is reserved.
func (w *winView) rootEntries(entries []fs.DirEntry) []fs.DirEntry {
	if w.open == nil {
		return entries
	}
	out := entries[:0]
	for _, e := range entries {
		if !strings.EqualFold(e.Name, translate.GatewayDir) {
			out = append(out, e)
		}
	}
	return append(out, fs.DirEntry{Name: translate.GatewayDir, Ino: syntheticIno(translate.GatewayDir), Type: fs.ModeDir})
}

// linkText returns what WinFsp gets for the link at rel.
func (w *winView) linkText(rel, target string) (string, error) {
	text, err := w.links.LinkText(rel, target)
	switch {
	case errors.Is(err, translate.ErrLinkTextTooLong):
		w.log.Warn("link too long for Windows", "path", rel, "target", target, "err", err)
		return "", fmt.Errorf("%w: %w", syscall.ENAMETOOLONG, err)
	case err != nil:
		return "", fmt.Errorf("%w: %w", syscall.EINVAL, err)
	}
	return text, nil
}

// storedTarget returns the POSIX target to store for a link a Windows
// program creates at rel with the text WinFsp hands on.
func (w *winView) storedTarget(rel, text string) (string, error) {
	target, err := w.links.StoredTarget(rel, text)
	if err != nil {
		return "", fmt.Errorf("%w: %w", syscall.EINVAL, err)
	}
	return target, nil
}

// syntheticIno numbers the gateway's own directories (FNV-1a of the path,
// high bit set, away from the source's numbers).
func syntheticIno(rel string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(rel))
	return h.Sum64() | 1<<63
}
