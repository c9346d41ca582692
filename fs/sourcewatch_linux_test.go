//go:build linux

package fs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// changeLog collects what a Watcher reports.
type changeLog struct {
	mu      sync.Mutex
	changes []Change
	batches int
}

func (l *changeLog) handle(batch []Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, batch...)
	l.batches++
}

// await waits until a change of name in dir carries every op in want.
func (l *changeLog) await(t *testing.T, dir WatchID, name string, want ChangeOp) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got ChangeOp
		l.mu.Lock()
		for _, c := range l.changes {
			if c.Dir == dir && c.Name == name {
				got |= c.Op
			}
		}
		l.mu.Unlock()
		if got&want == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q in watch %d: got ops %b, want %b", name, dir, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startWatcher(t *testing.T, src string) (*Watcher, *changeLog) {
	t.Helper()
	tree, err := NewTree(Config{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	w, err := tree.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	log := &changeLog{}
	done := make(chan error, 1)
	go func() { done <- w.Run(log.handle) }()
	t.Cleanup(func() {
		w.Close()
		if err := <-done; err != nil {
			t.Errorf("Run after Close: %v", err)
		}
	})
	return w, log
}

func TestWatcherReportsChanges(t *testing.T) {
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, log := startWatcher(t, src)
	root, err := w.Watch("")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := w.Watch("sub")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := w.Watch("sub"); err != nil || again != sub {
		t.Errorf("watching sub again: %d, %v; want %d", again, err, sub)
	}

	p := filepath.Join(src, "sub", "file")
	if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	log.await(t, sub, "file", ChangeAdded|ChangeData|ChangeWritten)
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	log.await(t, sub, "file", ChangeAttrs)

	// A shortcut is reported under its stored and its presented name.
	if err := os.WriteFile(filepath.Join(src, "music.lnk"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	log.await(t, root, "music.lnk", ChangeAdded)
	log.await(t, root, "music", ChangeAdded)

	if err := os.RemoveAll(filepath.Join(src, "sub")); err != nil {
		t.Fatal(err)
	}
	log.await(t, root, "sub", ChangeRemoved)
	log.await(t, sub, "", ChangeGone)
}

// TestWatcherBatchesBursts checks that a burst of changes arrives in far
// fewer batches than changes, the events of one name merged into one
// Change (a name whose events straddle two batches is in both).
func TestWatcherBatchesBursts(t *testing.T) {
	src := t.TempDir()
	w, log := startWatcher(t, src)
	root, err := w.Watch("")
	if err != nil {
		t.Fatal(err)
	}
	const files = 200
	for i := range files {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%03d", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log.await(t, root, fmt.Sprintf("f%03d", files-1), ChangeWritten)
	log.mu.Lock()
	defer log.mu.Unlock()
	// Each file raises three events: create, modify, close after writing.
	if len(log.changes) > files+log.batches {
		t.Errorf("%d files written: %d changes in %d batches, want the events of a name merged", files, len(log.changes), log.batches)
	}
	if log.batches >= files/2 {
		t.Errorf("%d files written: %d batches", files, log.batches)
	}
}

func TestWatcherRefusesRemoteFileSystems(t *testing.T) {
	// procfs stands for any file system that is not known to be local.
	w, _ := startWatcher(t, "/proc")
	if _, err := w.Watch(""); !errors.Is(err, ErrNotWatchable) {
		t.Errorf("watching /proc: %v, want ErrNotWatchable", err)
	}
}
