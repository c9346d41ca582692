package fs

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	"github.com/linkfs/linkfs/translate"
)

// Byte layouts the Windows source reads and writes through
// GetFileInformationByHandleEx and NtSetInformationFile, kept free of
// system calls so that they are tested on every system.

// ntfsEpoch is 1970-01-01 in Windows time: 100 ns intervals since 1601.
const ntfsEpoch = 116444736000000000

// winTime converts a Windows time to a Timespec.
func winTime(t int64) Timespec {
	d := t - ntfsEpoch
	sec, rem := d/10_000_000, d%10_000_000
	if rem < 0 {
		sec, rem = sec-1, rem+10_000_000
	}
	return Timespec{Sec: sec, Nsec: rem * 100}
}

// toWinTime converts a Timespec to a Windows time.
func toWinTime(ts Timespec) int64 {
	return ts.Sec*10_000_000 + ts.Nsec/100 + ntfsEpoch
}

// winDirent is one entry of a directory listing.
type winDirent struct {
	name    string // Windows form
	id      uint64 // file id; 0 when the listing has none
	attrs   DOSAttrs
	size    int64
	tag     uint32 // reparse tag, with AttrReparsePoint
	btime   int64  // Windows times
	atime   int64
	mtime   int64
	ctime   int64
	hasInfo bool
}

// Offsets in FILE_ID_BOTH_DIR_INFO and FILE_FULL_DIR_INFO. Both start
// with NextEntryOffset, FileIndex, four times, EndOfFile, AllocationSize,
// FileAttributes, FileNameLength and EaSize, which holds the reparse tag
// of a reparse point (as FindFirstFile's dwReserved0 does).
const (
	dirInfoTimes    = 8
	dirInfoEOF      = 40
	dirInfoAttrs    = 56
	dirInfoNameLen  = 60
	dirInfoEaSize   = 64
	fullDirInfoName = 68  // FILE_FULL_DIR_INFO.FileName
	idBothInfoID    = 96  // FILE_ID_BOTH_DIR_INFO.FileId, after the 8.3 name
	idBothInfoName  = 104 // FILE_ID_BOTH_DIR_INFO.FileName
)

// parseDirInfo parses a buffer of FILE_ID_BOTH_DIR_INFO (idBoth) or
// FILE_FULL_DIR_INFO records, "." and ".." left out.
func parseDirInfo(buf []byte, idBoth bool) ([]winDirent, error) {
	nameOff := fullDirInfoName
	if idBoth {
		nameOff = idBothInfoName
	}
	var out []winDirent
	le := binary.LittleEndian
	for off := 0; ; {
		rec := buf[off:]
		if len(rec) < nameOff {
			return nil, fmt.Errorf("directory listing: short record at %d", off)
		}
		nameLen := int(le.Uint32(rec[dirInfoNameLen:]))
		if nameLen%2 != 0 || nameOff+nameLen > len(rec) {
			return nil, fmt.Errorf("directory listing: bad name length %d at %d", nameLen, off)
		}
		d := winDirent{
			name:    translate.DecodeUTF16LE(rec[nameOff : nameOff+nameLen]),
			attrs:   DOSAttrs(le.Uint32(rec[dirInfoAttrs:])),
			size:    int64(le.Uint64(rec[dirInfoEOF:])),
			btime:   int64(le.Uint64(rec[dirInfoTimes:])),
			atime:   int64(le.Uint64(rec[dirInfoTimes+8:])),
			mtime:   int64(le.Uint64(rec[dirInfoTimes+16:])),
			ctime:   int64(le.Uint64(rec[dirInfoTimes+24:])),
			hasInfo: true,
		}
		if d.attrs&AttrReparsePoint != 0 {
			d.tag = le.Uint32(rec[dirInfoEaSize:])
		}
		if idBoth {
			d.id = le.Uint64(rec[idBothInfoID:])
		}
		if d.name != "." && d.name != ".." {
			out = append(out, d)
		}
		next := int(le.Uint32(rec))
		if next == 0 {
			return out, nil
		}
		if next < nameOff || next > len(rec) {
			return nil, fmt.Errorf("directory listing: bad next offset %d at %d", next, off)
		}
		off += next
	}
}

// linkInfo encodes FILE_RENAME_INFORMATION_EX or FILE_LINK_INFORMATION_EX
// (the same layout): Flags, RootDirectory, FileNameLength, FileName, with
// a handle of ptrSize bytes aligned as the C compiler does.
func linkInfo(flags uint32, root uintptr, name string, ptrSize int) []byte {
	u := utf16.Encode([]rune(name))
	rootOff := ptrSize // Flags, padded to the handle's alignment
	lenOff := rootOff + ptrSize
	nameOff := lenOff + 4
	b := make([]byte, nameOff+2*len(u)+2) // and a NUL, for the kernel's comfort
	le := binary.LittleEndian
	le.PutUint32(b, flags)
	if ptrSize == 8 {
		le.PutUint64(b[rootOff:], uint64(root))
	} else {
		le.PutUint32(b[rootOff:], uint32(root))
	}
	le.PutUint32(b[lenOff:], uint32(2*len(u)))
	for i, c := range u {
		le.PutUint16(b[nameOff+2*i:], c)
	}
	return b
}
