//go:build linux

package integration

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkfs/linkfs/internal/testenv"
)

// The stress test: goroutines create, write, rename, link, read back and
// delete through mounts in every --create format, each on a source kind
// that holds it, all at once, checking every read by checksum and every
// link by its target; at the end the sources must hold exactly the model.
//
// It runs for LINKFS_STRESS (a Go duration; 60s for the full run, default
// 5s in the normal test run):
//
//	LINKFS_STRESS=60s go test -race -count=1 -run TestStress ./integration/

// stressDuration is how long the workers run.
func stressDuration(t *testing.T) time.Duration {
	t.Helper()
	s := os.Getenv("LINKFS_STRESS")
	if s == "" {
		return 5 * time.Second
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("LINKFS_STRESS=%q: want a positive Go duration such as 60s", s)
	}
	return d
}

const (
	workersPerMount = 4
	maxLiveEntries  = 12 // per worker, so that the NTFS image never fills
)

// stressMount is one mount of the stress test and its creation format.
type stressMount struct {
	create  string
	source  string // the source directory
	ntfs    bool
	m       *mounted
	startFd int
	// startGoroutines is the daemon's goroutine count before the workload.
	startGoroutines int
	workers         []*stressWorker
}

// modelEntry is what one presented name must be.
type modelEntry struct {
	link   bool
	target string // link target as given to ln -s
	data   []byte // file content
}

// stressWorker owns one directory of one mount.
type stressWorker struct {
	sm      *stressMount
	name    string // directory name, the same on the source and the mount
	rng     *rand.Rand
	seed    uint64
	model   map[string]modelEntry
	next    int
	ops     map[string]int
	checked int64 // bytes compared: file content and link targets
	err     error
}

func (w *stressWorker) mnt(name string) string { return w.sm.m.path(w.name, name) }

func (w *stressWorker) newName(prefix string) string {
	w.next++
	return fmt.Sprintf("%s%d", prefix, w.next)
}

// entryKind selects model entries.
type entryKind int

const (
	anyEntry entryKind = iota
	fileEntry
	linkEntry
)

func (k entryKind) has(e modelEntry) bool {
	return k == anyEntry || (k == linkEntry) == e.link
}

// names returns the model's names of kind k in order, so that a seed
// replays the same operations.
func (w *stressWorker) names(k entryKind) []string {
	var out []string
	for name, e := range w.model {
		if k.has(e) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (w *stressWorker) pick(k entryKind) (string, bool) {
	names := w.names(k)
	if len(names) == 0 {
		return "", false
	}
	return names[w.rng.IntN(len(names))], true
}

func (w *stressWorker) randomData() []byte {
	size := w.rng.IntN(16 << 10)
	if w.rng.IntN(8) == 0 {
		size = w.rng.IntN(16) // tiny files, where content links hide
	}
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(w.rng.Uint32())
	}
	return b
}

// randomTarget returns a link target the worker's format can store: a
// file of the worker (which then resolves), a name that does not exist,
// a drive path, or (where the format holds it) a Linux path.
func (w *stressWorker) randomTarget() string {
	switch w.rng.IntN(4) {
	case 0:
		if name, ok := w.pick(fileEntry); ok {
			return name
		}
		return "missing-" + w.newName("t")
	case 1:
		return "sub/dir/" + w.newName("t")
	case 2:
		return "/mnt/c/Users/" + w.newName("u")
	}
	if w.sm.create == "ntfs" {
		return "../" + w.newName("up") // an NTFS symlink needs a Windows form
	}
	return "/usr/share/" + w.newName("s")
}

// verifyFile reads name through the mount and compares it with want.
func (w *stressWorker) verifyFile(name string, want []byte) error {
	got, err := os.ReadFile(w.mnt(name))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("read %s: %d bytes (%s), want %d bytes (%s)", name, len(got), sha(got), len(want), sha(want))
	}
	w.checked += int64(len(got))
	return nil
}

func (w *stressWorker) verifyLink(name, want string) error {
	got, err := os.Readlink(w.mnt(name))
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("readlink %s: %q, want %q", name, got, want)
	}
	w.checked += int64(len(got))
	return nil
}

func (w *stressWorker) verify(name string) error {
	e := w.model[name]
	if e.link {
		return w.verifyLink(name, e.target)
	}
	return w.verifyFile(name, e.data)
}

// step does one random operation and checks its outcome.
func (w *stressWorker) step() (string, error) {
	full := len(w.model) >= maxLiveEntries
	switch op := w.rng.IntN(8); {
	case op == 0 && !full:
		name, data := w.newName("f"), w.randomData()
		if err := os.WriteFile(w.mnt(name), data, 0o644); err != nil {
			return "create", err
		}
		w.model[name] = modelEntry{data: data}
		return "create", w.verifyFile(name, data)
	case op == 1:
		name, ok := w.pick(fileEntry)
		if !ok {
			return "", nil
		}
		data := w.randomData()
		if w.rng.IntN(2) == 0 {
			f, err := os.OpenFile(w.mnt(name), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return "append", err
			}
			_, err = f.Write(data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return "append", err
			}
			data = append(slices.Clone(w.model[name].data), data...)
		} else if err := os.WriteFile(w.mnt(name), data, 0o644); err != nil {
			return "overwrite", err
		}
		w.model[name] = modelEntry{data: data}
		return "write", w.verifyFile(name, data)
	case op == 2 && !full:
		name, target := w.newName("l"), w.randomTarget()
		if err := os.Symlink(target, w.mnt(name)); err != nil {
			return "symlink", fmt.Errorf("ln -s %q: %w", target, err)
		}
		w.model[name] = modelEntry{link: true, target: target}
		if err := w.verifyLink(name, target); err != nil {
			return "symlink", err
		}
		if e, ok := w.model[target]; ok && !e.link {
			return "symlink", w.verifyFile(name, e.data) // through the link
		}
		return "symlink", nil
	case op == 3:
		name, ok := w.pick(anyEntry)
		if !ok {
			return "", nil
		}
		return "read", w.verify(name)
	case op == 4:
		// Rename to a new name, or over another entry.
		name, ok := w.pick(anyEntry)
		if !ok {
			return "", nil
		}
		dst, over := w.pick(anyEntry)
		if !over || dst == name || w.rng.IntN(2) == 0 {
			dst = w.newName("r")
		}
		if err := os.Rename(w.mnt(name), w.mnt(dst)); err != nil {
			return "rename", fmt.Errorf("mv %s %s: %w", name, dst, err)
		}
		w.model[dst] = w.model[name]
		delete(w.model, name)
		if _, err := os.Lstat(w.mnt(name)); !errors.Is(err, os.ErrNotExist) {
			return "rename", fmt.Errorf("%s still there after mv %s %s: %v", name, name, dst, err)
		}
		return "rename", w.verify(dst)
	case op == 5:
		name, ok := w.pick(anyEntry)
		if !ok {
			return "", nil
		}
		if err := os.Remove(w.mnt(name)); err != nil {
			return "delete", err
		}
		delete(w.model, name)
		if _, err := os.Lstat(w.mnt(name)); !errors.Is(err, os.ErrNotExist) {
			return "delete", fmt.Errorf("%s still there after rm: %v", name, err)
		}
		return "delete", nil
	case op == 6:
		// ln -sf over an existing link.
		name, ok := w.pick(linkEntry)
		if !ok {
			return "", nil
		}
		target := w.randomTarget()
		tmp := w.newName("tmp")
		if err := os.Symlink(target, w.mnt(tmp)); err != nil {
			return "relink", fmt.Errorf("ln -s %q: %w", target, err)
		}
		if err := os.Rename(w.mnt(tmp), w.mnt(name)); err != nil {
			return "relink", err
		}
		w.model[name] = modelEntry{link: true, target: target}
		return "relink", w.verifyLink(name, target)
	case op == 7:
		// The listing holds exactly the model.
		entries, err := os.ReadDir(w.sm.m.path(w.name))
		if err != nil {
			return "list", err
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if want := w.names(anyEntry); !slices.Equal(got, want) {
			return "list", fmt.Errorf("ls shows %v, want %v", got, want)
		}
		return "list", nil
	}
	return "", nil
}

// run steps until stop is closed or an operation fails.
func (w *stressWorker) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		op, err := w.step()
		if op != "" {
			w.ops[op]++
		}
		if err != nil {
			w.err = fmt.Errorf("%s (--create %s, worker %s, seed %d): %w", op, w.sm.create, w.name, w.seed, err)
			return
		}
	}
}

// wantFormat is the format inspect must report for a link created with
// --create create to target.
func wantFormat(create, target string) string {
	switch create {
	case "ntfs":
		return "ntfs-symlink"
	case "lx":
		return "lx-symlink"
	case "nfs":
		return "nfs-symlink"
	case "cygwin":
		return "cygwin-cookie"
	case "auto":
		if strings.HasPrefix(target, "/usr/") {
			return "lx-symlink"
		}
		return "ntfs-symlink"
	}
	return create // cygwin-shortcut, mfsymlink, interix, native
}

// checkSource compares the worker's directory on the source with the
// model: every file with its content, every link in the mount's format
// with its target, and nothing else.
func (w *stressWorker) checkSource(t *testing.T) (files, links int) {
	t.Helper()
	dir := filepath.Join(w.sm.source, w.name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // stored name -> presented name
	for name, e := range w.model {
		if e.link {
			want[storedName(w.sm.create, name)] = name
		} else {
			want[name] = name
		}
	}
	var linkPaths []string
	for _, e := range entries {
		name, ok := want[e.Name()]
		if !ok {
			t.Errorf("--create %s: %s/%s is on the source but not in the model", w.sm.create, w.name, e.Name())
			continue
		}
		delete(want, e.Name())
		if m := w.model[name]; m.link {
			linkPaths = append(linkPaths, filepath.Join(dir, e.Name()))
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || !bytes.Equal(data, w.model[name].data) {
			t.Errorf("--create %s: %s/%s on the source: %d bytes (%s), %v; want %d bytes (%s)", w.sm.create, w.name, e.Name(), len(data), sha(data), err, len(w.model[name].data), sha(w.model[name].data))
		}
		w.checked += int64(len(data))
		files++
	}
	for stored := range want {
		t.Errorf("--create %s: %s/%s is lost from the source", w.sm.create, w.name, stored)
	}
	if len(linkPaths) == 0 {
		return files, 0
	}
	for base, r := range inspect(t, linkPaths...) {
		name := strings.TrimSuffix(base, ".lnk")
		if w.sm.create != "cygwin-shortcut" {
			name = base
		}
		m := w.model[name]
		if r.Format != wantFormat(w.sm.create, m.target) || r.Target != m.target || r.Error != "" {
			t.Errorf("--create %s: %s/%s on the source is %s -> %q (%s); want %s -> %q", w.sm.create, w.name, base, r.Format, r.Target, r.Error, wantFormat(w.sm.create, m.target), m.target)
		}
		w.checked += int64(len(r.Target))
		links++
	}
	return files, links
}

// TestStress runs the workers on every format at once and then checks
// each source against the model, and the daemons' descriptors.
func TestStress(t *testing.T) {
	requireFUSE(t)
	duration := stressDuration(t)
	n := testenv.NewNTFS(t)
	plain := t.TempDir()
	var mounts []*stressMount
	for _, create := range []string{"native", "cygwin", "cygwin-shortcut", "mfsymlink", "interix"} {
		mounts = append(mounts, &stressMount{create: create, source: plain})
	}
	for _, create := range append(slices.Clone(ntfsCreateFormats), "auto") {
		mounts = append(mounts, &stressMount{create: create, source: n.Dir, ntfs: true})
	}
	var all []*stressWorker
	for i, sm := range mounts {
		sm.m = mountT(t, sm.source, "--create", sm.create)
		for j := range workersPerMount {
			seed := uint64(time.Now().UnixNano()) + uint64(i*workersPerMount+j)
			w := &stressWorker{
				sm: sm, name: fmt.Sprintf("%s-w%d", sm.create, j), seed: seed,
				rng: rand.New(rand.NewPCG(seed, 0)), model: map[string]modelEntry{}, ops: map[string]int{},
			}
			if err := os.Mkdir(sm.m.path(w.name), 0o755); err != nil {
				t.Fatal(err)
			}
			sm.workers = append(sm.workers, w)
			all = append(all, w)
		}
		if _, err := os.ReadDir(sm.m.dir); err != nil {
			t.Fatal(err)
		}
		sm.startFd = fdCount(t, sm.m.cmd.Process.Pid)
		sm.startGoroutines = idleGoroutines(t, sm.m)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Bool
	for _, w := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(stop)
			if w.err != nil {
				failed.Store(true)
			}
		}()
	}
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) && !failed.Load() {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	within(t, 2*time.Minute, "stopping the stress workers", wg.Wait)
	for _, w := range all {
		if w.err != nil {
			t.Error(w.err)
		}
	}

	// Through the mounts: every entry as the model says.
	for _, w := range all {
		for _, name := range w.names(anyEntry) {
			if err := w.verify(name); err != nil {
				t.Errorf("--create %s: %s/%s at the end: %v", w.sm.create, w.name, name, err)
			}
		}
	}
	checkStressFds(t, mounts)
	checkStressGoroutines(t, mounts)

	// On the sources, from the disk for NTFS: the model, nothing lost.
	for _, sm := range mounts {
		sm.m.stop(t)
	}
	n.Remount(t)
	var files, links int
	for _, w := range all {
		f, l := w.checkSource(t)
		files += f
		links += l
	}

	ops := map[string]int{}
	total := 0
	var checked int64
	for _, w := range all {
		for op, c := range w.ops {
			ops[op] += c
			total += c
		}
		checked += w.checked
	}
	t.Logf("%d workers on %d mounts for %v: %d operations %v; %d bytes verified; at the end %d files and %d links on the sources, as modelled",
		len(all), len(mounts), duration, total, ops, checked, files, links)
}

// checkStressFds waits for each daemon's descriptors to return to their
// level before the workers started: files closed through the mount are
// released asynchronously by the kernel (FUSE RELEASE), so it waits up to
// 10 s before reporting the descriptors left open.
func checkStressFds(t *testing.T, mounts []*stressMount) {
	t.Helper()
	for _, sm := range mounts {
		pid := sm.m.cmd.Process.Pid
		var now int
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if now = fdCount(t, pid); now <= sm.startFd || time.Now().After(deadline) {
				break
			}
		}
		t.Logf("--create %s: daemon descriptors %d before, %d after", sm.create, sm.startFd, now)
		if now > sm.startFd {
			t.Errorf("--create %s: the daemon holds %d descriptors after the workload, %d before: %s", sm.create, now, sm.startFd, fdTargets(pid))
		}
	}
}

// readerAllowance is how many more goroutines than before an idle daemon
// may run without a leak: go-fuse keeps up to max(2, min(GOMAXPROCS, 16))
// request readers, which come and go with the load.
func readerAllowance() int { return max(2, min(runtime.GOMAXPROCS(0), 16)) }

// checkStressGoroutines waits for each daemon's goroutines to return to
// their idle level before the workers started (within the reader
// allowance). A leak grows with the thousands of operations done; the
// request readers do not.
func checkStressGoroutines(t *testing.T, mounts []*stressMount) {
	t.Helper()
	for _, sm := range mounts {
		limit := sm.startGoroutines + readerAllowance()
		var now int
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if now = idleGoroutines(t, sm.m); now <= limit || time.Now().After(deadline) {
				break
			}
		}
		t.Logf("--create %s: daemon goroutines %d before, %d after (idle minimum of 5 samples)", sm.create, sm.startGoroutines, now)
		if now > limit {
			t.Errorf("--create %s: the daemon runs %d goroutines after the workload, %d before: a leak", sm.create, now, sm.startGoroutines)
		}
	}
}

// idleGoroutines is the least goroutine count of five samples 20 ms apart:
// each FUSE request runs in a goroutine of its own while it is served.
func idleGoroutines(t *testing.T, m *mounted) int {
	t.Helper()
	least := daemonGoroutines(t, m)
	for range 4 {
		time.Sleep(20 * time.Millisecond)
		least = min(least, daemonGoroutines(t, m))
	}
	return least
}

// daemonGoroutines asks a daemon for its goroutine count: SIGUSR1 makes it
// log a status line.
func daemonGoroutines(t *testing.T, m *mounted) int {
	t.Helper()
	const marker = "msg=status "
	seen := strings.Count(m.stderr.String(), marker)
	if err := m.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatalf("SIGUSR1: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out := m.stderr.String()
		if strings.Count(out, marker) <= seen {
			continue
		}
		line := out[strings.LastIndex(out, marker):]
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		_, rest, _ := strings.Cut(line, "goroutines=")
		var n int
		if _, err := fmt.Sscanf(rest, "%d", &n); err != nil {
			t.Fatalf("status line %q: %v", line, err)
		}
		return n
	}
	t.Fatalf("no status line 5s after SIGUSR1:\n%s", m.stderr.String())
	return 0
}

// fdTargets lists what a process's descriptors point at.
func fdTargets(pid int) string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, fd := range fds {
		target, _ := os.Readlink(filepath.Join(dir, fd.Name()))
		out = append(out, fd.Name()+"->"+target)
	}
	return strings.Join(out, " ")
}
