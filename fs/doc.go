// Package fs is the overlay core that every linkfs front end shares: it reads
// the underlying tree, classifies each entry as a link of some format or as a
// plain file, and (for the mount) caches that classification and creates links.
//
// It knows the source file system (lstat, xattrs, DOS attributes, file heads)
// but nothing about FUSE or WinFsp; formats are decoded by package translate.
package fs
