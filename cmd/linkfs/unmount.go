//go:build linux || windows

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/linkfs/linkfs/mount"
)

func runUnmountArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("unmount", unmountSynopsis, stderr)
	pos, err := parseInterspersed(flags, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		flags.Usage()
		return usagef("no mount point given")
	}
	failed := 0
	for _, mp := range pos {
		if err := mount.Unmount(mp); err != nil {
			fmt.Fprintf(stderr, "linkfs unmount: %v\n", err)
			failed++
		}
	}
	if failed > 0 {
		return &partialError{failed: failed}
	}
	return nil
}
