package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/mount"
)

func platformCommands() []command {
	return []command{
		{"demo", "build a sample tree with a link of every format and show it through a mount", runDemoArgs},
		{"mount", "present SOURCE at MOUNTPOINT with every link translated", runMountArgs},
		{"unmount", "unmount a linkfs mount, also one whose daemon died", runUnmountArgs},
		{"scan", "find every link under the given paths and check where each leads", runScanArgs},
		{"convert", "rewrite every link under the given paths into one format", runConvertArgs},
	}
}

type demoOptions struct {
	mapping mappingFlags
	keep    bool
}

func runDemoArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts demoOptions
	flags := newFlagSet("demo", "demo [--keep] [--style wsl|cygwin|msys]", stderr)
	flags.BoolVar(&opts.keep, "keep", false, "leave the sample tree in place and print where it is")
	opts.mapping.register(flags)
	rest, err := parseInterspersed(flags, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("demo takes no arguments")
	}
	return runDemo(ctx, opts, stdout, stderr)
}

// runDemo builds the sample tree, mounts it, shows each entry as the
// source shows it and as the mount does, and unmounts.
func runDemo(ctx context.Context, opts demoOptions, stdout, stderr io.Writer) (err error) {
	m, err := opts.mapping.mapper()
	if err != nil {
		return err
	}
	tree, err := makeSampleTree(ctx, m, stderr)
	if err != nil {
		return fmt.Errorf("build sample tree: %w", err)
	}
	if opts.keep {
		fmt.Fprintf(stdout, "sample tree kept at %s\n", tree.root)
	} else {
		defer func() { err = errors.Join(err, tree.cleanup()) }()
	}
	kind := "a plain directory"
	if tree.ntfs {
		kind = "an ntfs-3g mount of a fresh NTFS image"
	}
	fmt.Fprintf(stdout, "Sample tree on %s: %s\n\n", kind, tree.root)

	mnt, err := os.MkdirTemp("", "linkfs-demo-mnt-")
	if err != nil {
		return err
	}
	defer os.Remove(mnt)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t, err := fs.NewTree(fs.Config{Source: tree.root, Mapper: m, Logger: logger})
	if err != nil {
		return err
	}
	defer t.Close()
	mounted, err := mount.Mount(mount.Options{Tree: t, Mountpoint: mnt, CacheTimeout: time.Second, Logger: logger})
	if err != nil {
		return fmt.Errorf("%w (the demo mounts with FUSE: run it as root with /dev/fuse, after apt-get install fuse3)", err)
	}
	defer func() { err = errors.Join(err, mounted.Unmount()) }()

	names, err := demoNames(tree.root, mnt)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tON THE SOURCE (%s)\tTHROUGH linkfs (%s)\n", "ls -l", mnt)
	for _, name := range names {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, describeEntry(filepath.Join(tree.root, name)), describeEntry(filepath.Join(mnt, name)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	for _, name := range []string{"ntfs-symlink", "mf-symlink", "native-link"} {
		if data, err := os.ReadFile(filepath.Join(mnt, name)); err == nil {
			fmt.Fprintf(stdout, "cat %s/%s: %s", filepath.Base(mnt), name, data)
			break
		}
	}
	if opts.keep {
		fmt.Fprintf(stdout, "\nInspect the stored bytes with: linkfs inspect --json %s/*\n", tree.root)
	} else {
		fmt.Fprintln(stdout, "\nThe tree is removed now; run with --keep to inspect its stored bytes afterwards (linkfs inspect --json).")
	}
	return nil
}

// demoNames lists the entries of both views: shortcuts have one name on
// the source (music.lnk) and another through the mount (music).
func demoNames(dirs ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			seen[e.Name()] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// describeEntry is a one-line ls -l of path.
func describeEntry(path string) string {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "(absent)"
	case err != nil:
		return "error: " + errors.Unwrap(err).Error()
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return "symlink, readlink fails: " + errors.Unwrap(err).Error()
		}
		return "symlink -> " + target
	case fi.IsDir():
		return "directory"
	case fi.Mode().IsRegular():
		return fmt.Sprintf("regular file, %d bytes", fi.Size())
	}
	return strings.ToLower(fi.Mode().Type().String())
}
