// Package gitindex decodes git's index file ("DIRC", versions 2 to 4,
// SHA-1 and SHA-256 repositories): bytes in, entries out, no I/O. scan
// reads it to find the symlinks a checkout with core.symlinks=false wrote
// as plain files. Malformed input gives a *FormatError, an index this
// decoder does not read (split, sparse) an *UnsupportedError.
package gitindex

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
)

// The git index ("DIRC") format, from git's Documentation/gitformat-index
// (FORMATS.md section 11). Every number is big-endian.
const (
	gitIndexSignature  = "DIRC"
	gitIndexHeaderSize = 12 // signature, version, entry count
	// gitEntryStatSize is ctime, mtime (two u32 each), dev, ino, mode,
	// uid, gid and size: the fixed part before the object id.
	gitEntryStatSize = 40
	gitFlagExtended  = 0x4000
	gitFlagStageMask = 0x3000
	gitFlagNameMask  = 0x0FFF
	// Extended flags (version 3 and later).
	gitExtSkipWorktree = 0x4000
	gitExtIntentToAdd  = 0x2000
	gitExtUnused       = 0x9FFF // must be zero
	gitExtensionHeader = 8      // signature, size
)

// ModeSymlink is the mode of an index entry recorded as a symlink: object
// type 1010 (S_IFLNK) with no permission bits. With core.symlinks=false git
// checks such an entry out as a regular file holding the link text.
const ModeSymlink = 0o120000

// ObjectFormat is a repository's hash algorithm, named as git's
// extensions.objectFormat names it.
type ObjectFormat string

// The object formats git knows.
const (
	SHA1   ObjectFormat = "sha1"
	SHA256 ObjectFormat = "sha256"
)

func (f ObjectFormat) newHash() (hash.Hash, error) {
	switch f {
	case SHA1, "":
		return sha1.New(), nil
	case SHA256:
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("unknown git object format %q", string(f))
}

// Index is a parsed git index.
type Index struct {
	Version uint32
	Entries []Entry
}

// Entry is one entry of a git index.
type Entry struct {
	Path         string // slash-separated, relative to the work tree root
	Mode         uint32 // ModeSymlink for a symlink
	Size         uint32 // the work tree file's size when last refreshed (truncated to 32 bits)
	OID          []byte // object id: 20 bytes for SHA-1, 32 for SHA-256
	Stage        int    // 0, or 1 to 3 during a merge conflict
	SkipWorktree bool   // not checked out (sparse checkout)
	IntentToAdd  bool   // `git add -N`
}

// FormatError reports an index that is malformed.
type FormatError struct {
	Offset int
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("git index: %s at byte %d", e.Reason, e.Offset)
}

// UnsupportedError reports an index feature linkfs does not read:
// a split index keeps most entries in another file, a sparse index
// replaces whole directories by one entry, and any other extension git
// marks as required changes what the entries mean.
type UnsupportedError struct {
	Extension string // the extension's signature, e.g. "link" or "sdir"
	Hint      string // how to turn the feature off, "" when there is none
}

func (e *UnsupportedError) Error() string {
	what := fmt.Sprintf("required extension %q", e.Extension)
	switch e.Extension {
	case "link":
		what = "split index (extension \"link\")"
	case "sdir":
		what = "sparse index (extension \"sdir\")"
	}
	msg := "git index uses a " + what + ", which linkfs does not read"
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Parse parses an index of version 2, 3 or 4 written for a
// repository of object format f, and checks its trailing checksum (an
// all-zero checksum, written under index.skipHash, is accepted). It does
// no I/O, so that it can be fuzzed.
func Parse(b []byte, f ObjectFormat) (*Index, error) {
	h, err := f.newHash()
	if err != nil {
		return nil, err
	}
	oidSize := h.Size()
	if len(b) < gitIndexHeaderSize+oidSize {
		return nil, &FormatError{Offset: len(b), Reason: "truncated header"}
	}
	if string(b[:4]) != gitIndexSignature {
		return nil, &FormatError{Offset: 0, Reason: fmt.Sprintf("signature %q, want %q", b[:4], gitIndexSignature)}
	}
	body, sum := b[:len(b)-oidSize], b[len(b)-oidSize:]
	if !allZero(sum) {
		h.Write(body)
		if !bytes.Equal(h.Sum(nil), sum) {
			return nil, &FormatError{Offset: len(body), Reason: "checksum mismatch"}
		}
	}
	idx := &Index{Version: binary.BigEndian.Uint32(b[4:])}
	if idx.Version < 2 || idx.Version > 4 {
		return nil, &FormatError{Offset: 4, Reason: fmt.Sprintf("unsupported version %d", idx.Version)}
	}
	count := binary.BigEndian.Uint32(b[8:])
	// Every entry takes at least its fixed part and a NUL: a count the
	// input cannot hold is refused before anything is allocated for it.
	minEntry := gitEntryStatSize + oidSize + 2 + 1
	if uint64(count) > uint64(len(body)-gitIndexHeaderSize)/uint64(minEntry) {
		return nil, &FormatError{Offset: 8, Reason: fmt.Sprintf("%d entries cannot fit in %d bytes", count, len(body))}
	}
	idx.Entries = make([]Entry, 0, count)
	off := gitIndexHeaderSize
	prev := ""
	for range count {
		e, next, err := parseGitEntry(body, off, idx.Version, oidSize, prev)
		if err != nil {
			return nil, err
		}
		idx.Entries = append(idx.Entries, e)
		prev, off = e.Path, next
	}
	if err := checkGitExtensions(body, off); err != nil {
		return nil, err
	}
	for i := range idx.Entries {
		if idx.Entries[i].Path == "" {
			return nil, &FormatError{Offset: gitIndexHeaderSize, Reason: fmt.Sprintf("entry %d has an empty path", i)}
		}
	}
	return idx, nil
}

func parseGitEntry(b []byte, start int, version uint32, oidSize int, prev string) (Entry, int, error) {
	var e Entry
	off := start
	fixed := gitEntryStatSize + oidSize + 2
	if len(b)-off < fixed {
		return e, 0, &FormatError{Offset: off, Reason: "truncated entry"}
	}
	e.Mode = binary.BigEndian.Uint32(b[off+24:])
	e.Size = binary.BigEndian.Uint32(b[off+36:])
	e.OID = bytes.Clone(b[off+gitEntryStatSize : off+gitEntryStatSize+oidSize])
	flags := binary.BigEndian.Uint16(b[off+gitEntryStatSize+oidSize:])
	off += fixed
	e.Stage = int(flags&gitFlagStageMask) >> 12
	if flags&gitFlagExtended != 0 {
		if version < 3 {
			return e, 0, &FormatError{Offset: off - 2, Reason: "extended flag in a version 2 index"}
		}
		if len(b)-off < 2 {
			return e, 0, &FormatError{Offset: off, Reason: "truncated extended flags"}
		}
		ext := binary.BigEndian.Uint16(b[off:])
		if ext&gitExtUnused != 0 {
			return e, 0, &FormatError{Offset: off, Reason: fmt.Sprintf("unknown extended flags %#04x", ext&gitExtUnused)}
		}
		e.SkipWorktree, e.IntentToAdd = ext&gitExtSkipWorktree != 0, ext&gitExtIntentToAdd != 0
		off += 2
	}
	var prefix string
	if version == 4 {
		// The path is the previous one minus strip bytes at its end, plus
		// the NUL-terminated suffix that follows.
		strip, n, err := gitVarint(b, off)
		if err != nil {
			return e, 0, err
		}
		if strip > uint64(len(prev)) {
			return e, 0, &FormatError{Offset: off, Reason: fmt.Sprintf("strips %d bytes of a %d-byte previous path", strip, len(prev))}
		}
		prefix = prev[:len(prev)-int(strip)]
		off += n
	}
	nul := bytes.IndexByte(b[off:], 0)
	if nul < 0 {
		return e, 0, &FormatError{Offset: off, Reason: "path not NUL-terminated"}
	}
	// An empty path is refused once the extensions are known: a split
	// index uses it for entries that replace those of the shared index,
	// and that deserves its own error.
	e.Path = prefix + string(b[off:off+nul])
	if n := int(flags & gitFlagNameMask); n != gitFlagNameMask && n != len(e.Path) {
		return e, 0, &FormatError{Offset: off, Reason: fmt.Sprintf("path is %d bytes, flags say %d", len(e.Path), n)}
	}
	off += nul + 1
	if version < 4 {
		// 1 to 8 NULs pad the entry to a multiple of 8 bytes; one is the
		// terminator already read.
		end := start + (off-start+7)&^7
		if end > len(b) {
			return e, 0, &FormatError{Offset: off, Reason: "truncated padding"}
		}
		if !allZero(b[off:end]) {
			return e, 0, &FormatError{Offset: off, Reason: "non-NUL padding"}
		}
		off = end
	}
	return e, off, nil
}

// gitVarint decodes git's offset varint (varint.c): big-endian groups of 7
// bits, each continuation adding one so that every value has one encoding.
func gitVarint(b []byte, off int) (uint64, int, error) {
	var v uint64
	for i := off; i < len(b); i++ {
		c := b[i]
		if i > off {
			v++
			if v == 0 || v>>57 != 0 {
				return 0, 0, &FormatError{Offset: off, Reason: "varint overflows"}
			}
			v <<= 7
		}
		v |= uint64(c & 0x7F)
		if c&0x80 == 0 {
			return v, i + 1 - off, nil
		}
	}
	return 0, 0, &FormatError{Offset: off, Reason: "truncated varint"}
}

// checkGitExtensions walks the extensions after the entries. Optional ones
// (signature starting with A to Z: the cache tree, resolve-undo, the
// untracked cache...) are skipped, as git does; a required one changes
// what the entries mean and is refused.
func checkGitExtensions(b []byte, off int) error {
	for off < len(b) {
		if len(b)-off < gitExtensionHeader {
			return &FormatError{Offset: off, Reason: "truncated extension header"}
		}
		sig := string(b[off : off+4])
		size := binary.BigEndian.Uint32(b[off+4:])
		if uint64(size) > uint64(len(b)-off-gitExtensionHeader) {
			return &FormatError{Offset: off + 4, Reason: fmt.Sprintf("extension %q of %d bytes overruns the index", sig, size)}
		}
		if sig[0] < 'A' || sig[0] > 'Z' {
			hint := ""
			switch sig {
			case "link":
				hint = "run `git update-index --no-split-index` in the repository"
			case "sdir":
				hint = "run `git sparse-checkout set --no-sparse-index` (or `git sparse-checkout disable`) in the repository"
			}
			return &UnsupportedError{Extension: sig, Hint: hint}
		}
		off += gitExtensionHeader + int(size)
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Symlinks returns the paths of the index's stage-0 symlink entries.
func (idx *Index) Symlinks() map[string]bool {
	links := map[string]bool{}
	for i := range idx.Entries {
		if e := &idx.Entries[i]; e.Mode == ModeSymlink && e.Stage == 0 {
			links[e.Path] = true
		}
	}
	return links
}
