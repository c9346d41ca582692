//go:build !linux

package main

import (
	"fmt"
	"os"
)

// main exists so that `go build ./...` links on every system; the
// benchmark mounts FUSE file systems, which only Linux has here.
func main() {
	fmt.Fprintln(os.Stderr, "bench: the benchmark runs on Linux only")
	os.Exit(2)
}
