// Package fs is the overlay core that every linkfs front end shares: it
// reads the underlying tree (SOURCE), classifies each entry as a link of
// some format or as a plain file, presents links as POSIX symlinks, and
// (for the mounts) caches that classification and performs every change:
// creating links in the configured format, renames, attributes.
//
// It knows the source file system (openat2 beneath SOURCE, lstat, xattrs,
// DOS attributes, NT handles on Windows) but nothing about FUSE or WinFsp
// (package mount) and no byte layout (package translate).
//
// Files, by job:
//
//   - api.go: the types of the Tree API (Node, Attr, Caller, SetattrChange).
//   - tree.go: Config, the presentation rule (linkDepth) and shortcut names.
//   - policy.go: the creation policy and round-trip check both systems share.
//   - classify.go: the decision procedure of FORMATS.md section 14, shared by
//     every source; winprobe.go feeds it what Windows listings say.
//   - create.go: --create values and Encode, from the format table.
//   - attrs.go: DOS attributes; dosattrs_linux.go reads and writes them.
//   - dir_linux.go: Dir, the one seam for "a directory of SOURCE, opened
//     safely": open beneath SOURCE, list, classify, present, store and remove
//     links. tree_linux.go (lookups, listings), ops_linux.go (changes) and
//     write_linux.go (storing a link) work through it.
//   - source_linux.go: what a Linux file system exposes of NTFS (ntfs-3g,
//     ntfs3, cifs xattrs) and ClassifyPath for the offline tools.
//   - cache_linux.go: classifications cached per inode and ctime.
//   - sourcewatch_linux.go: inotify on SOURCE, for the mount's long caches.
//   - tree_windows.go, ops_windows.go, nt_windows.go, windir.go,
//     source_windows.go: the same Tree over NT handles.
//
// The name stays fs, although it shadows io/fs and go-fuse's fs: it is the
// file system the mounts serve, its importers are few (mount, scan, cmd),
// and each aliases the other two packages once (iofs, gofs).
package fs
