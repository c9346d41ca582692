//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// rowKind decides how close to native a row must be (issue 7, Targets).
type rowKind int

const (
	metadataRow rowKind = iota // within 3x of native
	dataRow                    // within 1.1x of native
)

// row is one workload. prepare and cleanup are not timed; run is.
type row struct {
	name    string
	kind    rowKind
	prepare func(ctx context.Context, b *bench, t *target) error
	run     func(ctx context.Context, b *bench, t *target) error
	cleanup func(ctx context.Context, b *bench, t *target) error
}

// rowsFor returns the workloads of issue 7, in the order of the table.
func rowsFor(spec treeSpec) []row {
	big := mib(spec.BigSize)
	return []row{
		{name: "find -type l, cold", prepare: cold, run: findLinks},
		{name: "find -type l, warm", prepare: warm(findLinks), run: findLinks},
		{name: "ls -lR, warm", prepare: warm(lsLR), run: lsLR},
		{name: "stat every entry, warm", prepare: warm(statAll), run: statAll},
		{name: "readlink every link, warm", prepare: warm(readlinkAll), run: readlinkAll},
		{name: "readlink native symlinks, warm", prepare: warm(readlinkNative), run: readlinkNative},
		{name: "read " + big + ", cold", kind: dataRow, prepare: cold, run: readBig},
		{name: "read " + big + ", warm", kind: dataRow, prepare: warm(readBig), run: readBig},
		{name: "write " + mib(spec.WriteSize) + " + fsync", kind: dataRow, run: writeFsync, cleanup: removeWritten},
		{name: fmt.Sprintf("create %d small files", spec.SmallFiles), prepare: removeSmall, run: createSmall},
		{name: fmt.Sprintf("rm -r %d small files", spec.SmallFiles), prepare: ensureSmall, run: rmSmall},
	}
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }

// cold empties the kernel's caches: the page cache, dentries and inodes
// of every file system, the FUSE mounts' included (the daemons keep their
// own). Without permission to drop caches a FUSE target is remounted
// instead, and the native directory stays warm (the report says so).
func cold(ctx context.Context, b *bench, t *target) error {
	if !b.canDrop {
		if t.daemon == nil {
			return nil
		}
		if err := t.daemon.stop(); err != nil {
			return err
		}
		return t.daemon.start()
	}
	unix.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0); err != nil {
		return err
	}
	// Evicted FUSE inodes are forgotten asynchronously: let the FORGET
	// requests reach the daemons before the clock starts.
	time.Sleep(200 * time.Millisecond)
	return nil
}

// warm runs the workload once so the timed run finds what it left cached.
func warm(run func(context.Context, *bench, *target) error) func(context.Context, *bench, *target) error {
	return run
}

func findLinks(ctx context.Context, b *bench, t *target) error {
	return command(ctx, b, "find", t.root, "-type", "l")
}

func lsLR(ctx context.Context, b *bench, t *target) error {
	return command(ctx, b, "ls", "-lR", t.root)
}

// command runs a real command with its output on /dev/null and fails on
// any error it reports: a benchmark of a mount that answers wrongly
// measures nothing.
func command(ctx context.Context, b *bench, name string, args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = b.devNull, &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return nil
}

func statAll(ctx context.Context, b *bench, t *target) error {
	var st unix.Stat_t
	for _, p := range t.entries {
		if err := unix.Lstat(p, &st); err != nil {
			return &os.PathError{Op: "lstat", Path: p, Err: err}
		}
	}
	return nil
}

func readlinkAll(ctx context.Context, b *bench, t *target) error {
	return readlinks(t.links)
}

// readlinkNative reads the tree's native symlinks, which every target
// presents under the same names: the same work everywhere, unlike
// readlinkAll, where linkfs also reads the links it translates.
func readlinkNative(ctx context.Context, b *bench, t *target) error {
	paths := make([]string, len(b.nativeLinks))
	for i, rel := range b.nativeLinks {
		paths[i] = filepath.Join(t.root, rel)
	}
	return readlinks(paths)
}

func readlinks(paths []string) error {
	buf := make([]byte, 4096)
	for _, p := range paths {
		if _, err := unix.Readlink(p, buf); err != nil {
			return &os.PathError{Op: "readlink", Path: p, Err: err}
		}
	}
	return nil
}

func readBig(ctx context.Context, b *bench, t *target) error {
	f, err := os.Open(filepath.Join(t.root, bigFile))
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.CopyBuffer(io.Discard, onlyReader{f}, make([]byte, 1<<20))
	if err != nil {
		return err
	}
	if n != b.spec.BigSize {
		return fmt.Errorf("read %d bytes of %s, want %d", n, f.Name(), b.spec.BigSize)
	}
	return nil
}

// onlyReader hides WriterTo, so io.CopyBuffer reads with the given buffer.
type onlyReader struct{ io.Reader }

func scratch(t *target, elem ...string) string {
	return filepath.Join(append([]string{t.root, scratchDir, t.name}, elem...)...)
}

func writeFsync(ctx context.Context, b *bench, t *target) error {
	f, err := os.OpenFile(scratch(t, "write.bin"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	chunk := bytes.Repeat([]byte("linkfs benchmark data\n"), (1<<20)/22+1)[:1<<20]
	for written := int64(0); written < b.spec.WriteSize; {
		n := int(min(int64(len(chunk)), b.spec.WriteSize-written))
		if _, err := f.Write(chunk[:n]); err != nil {
			f.Close()
			return err
		}
		written += int64(n)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func removeWritten(ctx context.Context, b *bench, t *target) error {
	return os.Remove(scratch(t, "write.bin"))
}

// createSmall creates, writes and closes the small files one by one.
func createSmall(ctx context.Context, b *bench, t *target) error {
	dir := scratch(t, "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	data := bytes.Repeat([]byte("x"), 1024)
	for i := range b.spec.SmallFiles {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("s%05d", i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, werr := f.Write(data)
		if err := errors.Join(werr, f.Close()); err != nil {
			return err
		}
	}
	return nil
}

func removeSmall(ctx context.Context, b *bench, t *target) error {
	return os.RemoveAll(scratch(t, "small"))
}

// ensureSmall creates the small files unless the create row just did.
func ensureSmall(ctx context.Context, b *bench, t *target) error {
	if _, err := os.Stat(scratch(t, "small")); err == nil {
		return nil
	}
	return createSmall(ctx, b, t)
}

func rmSmall(ctx context.Context, b *bench, t *target) error {
	return command(ctx, b, "rm", "-r", scratch(t, "small"))
}
