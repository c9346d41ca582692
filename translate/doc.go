// Package translate decodes and encodes every on-disk link format that
// Windows, WSL, Cygwin, SMB clients and ntfs-3g write, and maps link targets
// between POSIX and Windows paths.
//
// The package is pure: it works on bytes and path strings and never touches
// the operating system, so the same code serves the Linux mount, the Windows
// mount and the offline tools. Byte layouts follow FORMATS.md (the project's
// format reference, cited by section); each format lives in its own file
// (ntfs.go, lx.go, nfs.go, cookie.go, shortcut.go, shelllink.go, mfsymlink.go,
// interix.go), and formats.go declares each once in the table that every
// classifier, encoder and flag reads. pathmap.go, present.go and gateway.go
// map targets between POSIX and Windows; utf16.go holds the UTF-16LE text
// helpers every Windows structure needs.
//
// Decoders return ErrNotLink when the bytes are not of their format at all
// ("try the next format") and a *FormatError when they are but are
// malformed; encoders return an *EncodeError for what a format cannot store.
package translate
