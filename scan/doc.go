// Package scan holds the offline tools behind `linkfs scan` and `linkfs
// convert`: they read a tree directly, with no mount.
//
//   - walk_linux.go: Scan, the parallel walker, which classifies each entry
//     through fs.Dir and reports the links it finds.
//   - gitworktree_linux.go: git work trees met on the walk, whose index
//     (internal/gitindex) marks the files that are git-symlinks.
//   - resolve.go: the namespace of everything scanned and the resolver that
//     follows each link's target through it (pure, tested on every system).
//   - convert_linux.go: Converter, which rewrites links in another format,
//     atomically, keeping owner and times.
package scan
