// Package mount presents an fs.Tree through FUSE: the go-fuse adapter on
// Linux, and the mount lifecycle (options, readiness, unmounting, recovery
// of mounts whose daemon died). Adapters only translate between the kernel
// interface and fs.Tree; link formats are never parsed here.
package mount
