// Package mount presents an fs.Tree through FUSE: the go-fuse adapter on
// Linux, the cgofuse adapter (WinFsp on Windows; libfuse3 on Linux with
// -tags cgofuse,fuse3, where it is tested), and the mount lifecycle
// (options, readiness, unmounting, recovery of mounts whose daemon died).
// Adapters only translate between the kernel interface and fs.Tree; link
// formats are never parsed here.
package mount
