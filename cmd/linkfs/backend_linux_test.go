//go:build linux && !cgofuse

package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestBackendUsage checks that a binary built without the cgofuse backend
// refuses it as a usage error that says how to build one with it, and
// that an unknown backend is a usage error too.
func TestBackendUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--backend", "cgofuse"}, "go build -tags cgofuse,fuse3"},
		{[]string{"-o", "backend=cgofuse"}, "go build -tags cgofuse,fuse3"},
		{[]string{"--backend", "fuse2"}, `unknown backend "fuse2"`},
	} {
		var stderr bytes.Buffer
		args := append(append([]string{"mount"}, tc.args...), t.TempDir(), t.TempDir())
		if code := run(context.Background(), args, io.Discard, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("linkfs %v: exit %d, stderr %q; want %d and %q", args, code, stderr.String(), exitUsage, tc.want)
		}
	}
}
