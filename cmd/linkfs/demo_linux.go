package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

func platformCommands() []command {
	return []command{
		{"demo", "build a sample tree with a link of every format and show it through a mount", runDemoArgs},
		{"mount", "present SOURCE at MOUNTPOINT with every link translated", runMountArgs},
		{"unmount", "unmount a linkfs mount, also one whose daemon died", runUnmountArgs},
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
	entries, err := os.ReadDir(tree.root)
	if err != nil {
		return err
	}
	var paths []string
	for _, e := range entries {
		if e.Name() != "docs" {
			paths = append(paths, filepath.Join(tree.root, e.Name()))
		}
	}
	sort.Strings(paths)
	return runInspect(ctx, inspectOptions{mapping: opts.mapping}, paths, stdout, stderr)
}
