// Command bench times linkfs against the native directory and the best
// FUSE peers (go-fuse's example/loopback, bindfs) on one deterministic
// tree, in one run, alternating between them every round, and prints the
// median seconds per workload with the ratios issue 7 sets targets for.
//
//	go run ./integration/bench [--quick] [--scale N] [--rounds N] [--dir DIR]
//
// It needs Linux, root (to mount and to drop the page cache for the cold
// rows), /dev/fuse and fuse3; bindfs is measured when installed.
package main
