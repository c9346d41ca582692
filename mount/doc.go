// Package mount presents an fs.Tree through FUSE: the go-fuse adapter on
// Linux, the cgofuse adapter (WinFsp on Windows; libfuse3 on Linux with
// -tags cgofuse,fuse3, where it is tested), and the mount lifecycle
// (options, readiness, unmounting, recovery of mounts whose daemon died).
// Adapters only translate between the kernel interface and fs.Tree; link
// formats are never parsed here.
//
// Files, by job:
//
//   - gofuse_linux.go: the go-fuse nodes; invalidate_linux.go turns source
//     changes (fs.Watcher) into kernel cache invalidations.
//   - cgofuse.go: the cgofuse FileSystemInterface both systems share, with
//     cgofuse_linux.go and cgofuse_windows.go; winview.go is what WinFsp is
//     shown (the gateway, Windows readlink forms).
//   - errno.go: the one mapping from errors to errnos; cgofuse_errno.go
//     turns it into cgofuse's numbers, which differ on Windows.
//   - mount_linux.go, backend_linux.go, nocgofuse_linux.go: mounting on
//     Linux through either backend; mount_windows.go and unmountname.go:
//     mounting and unmounting through WinFsp.
package mount
