// Package translate decodes and encodes every on-disk link format that
// Windows, WSL, Cygwin, SMB clients and ntfs-3g write, and maps link targets
// between POSIX and Windows paths.
//
// The package is pure: it works on bytes and path strings and never touches
// the operating system, so the same code serves the Linux mount, the Windows
// mount and the offline tools. Byte layouts follow ../shared/FORMATS.md; each
// format lives in its own file.
//
// Decoders return ErrNotLink when the bytes are not of their format at all
// ("try the next format") and a *FormatError when they are but are malformed.
package translate
