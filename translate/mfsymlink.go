package translate

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
)

// Minshall+French symlinks, FORMATS.md §8: a plain 1067-byte file
//
//	XSym\n
//	LLLL\n        target length, 4 decimal digits
//	<32 hex>\n    MD5 of the target, lowercase
//	target\n      the target bytes, no conversion; no \n when it is 1024 bytes
//	spaces        up to byte 1066
const (
	// MFSymlinkMagic starts an MFSymlink file.
	MFSymlinkMagic = "XSym\n"
	// MFSymlinkSize is the exact size of every MFSymlink file.
	MFSymlinkSize = 1067

	mfsymlinkLenOffset  = 5
	mfsymlinkMD5Offset  = 10
	mfsymlinkLinkOffset = 43
	mfsymlinkLinkMaxLen = 1024
)

// DecodeMFSymlink decodes the whole content of an MFSymlink file.
//
// A file that is not exactly MFSymlinkSize bytes or does not start with
// MFSymlinkMagic is ErrNotLink. A malformed length line or MD5 line is a
// *FormatError. An MD5 that does not match the target is ErrNotLink: like
// Linux, the file then stays the regular file it is.
//
// The whole 32-digit digest is compared. Linux compares only the first 17
// characters (strncmp(..., 17) in fs/smb/client/link.c); every writer
// stores the full digest, so comparing it all rejects no real link and
// leaves no doubt about the rest of the line.
//
// The target bytes are returned unchanged, as Linux and macOS do. The \n
// and space padding after them are not checked (Linux does not either); an
// empty target is ErrNotLink because symlink(2) cannot create one, and a
// NUL inside it is a *FormatError.
func DecodeMFSymlink(b []byte) (Link, error) {
	if len(b) != MFSymlinkSize || !bytes.HasPrefix(b, []byte(MFSymlinkMagic)) {
		return Link{}, ErrNotLink
	}
	n := 0
	for i := mfsymlinkLenOffset; i < mfsymlinkLenOffset+4; i++ {
		if b[i] < '0' || b[i] > '9' {
			return Link{}, formatErr(MFSymlink, i, "length is not 4 decimal digits")
		}
		n = 10*n + int(b[i]-'0')
	}
	if b[mfsymlinkMD5Offset-1] != '\n' {
		return Link{}, formatErr(MFSymlink, mfsymlinkMD5Offset-1, "no newline after the length")
	}
	if n > mfsymlinkLinkMaxLen {
		return Link{}, formatErr(MFSymlink, mfsymlinkLenOffset, "target length %d is more than %d", n, mfsymlinkLinkMaxLen)
	}
	digest := b[mfsymlinkMD5Offset : mfsymlinkLinkOffset-1]
	for i, c := range digest {
		if !isHexDigit(c) {
			return Link{}, formatErr(MFSymlink, mfsymlinkMD5Offset+i, "MD5 is not 32 hex digits")
		}
	}
	if b[mfsymlinkLinkOffset-1] != '\n' {
		return Link{}, formatErr(MFSymlink, mfsymlinkLinkOffset-1, "no newline after the MD5")
	}
	target := b[mfsymlinkLinkOffset : mfsymlinkLinkOffset+n]
	sum := md5.Sum(target)
	if string(digest) != hex.EncodeToString(sum[:]) {
		return Link{}, ErrNotLink
	}
	if n == 0 {
		return Link{}, ErrNotLink
	}
	if i := bytes.IndexByte(target, 0); i >= 0 {
		return Link{}, formatErr(MFSymlink, mfsymlinkLinkOffset+i, "NUL inside target")
	}
	return Link{Format: MFSymlink, Target: string(target)}, nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// EncodeMFSymlink returns the 1067-byte MFSymlink file for target, as Linux
// cifs and macOS smbfs write it. The target bytes are stored unchanged; it
// must be 1 to 1024 bytes without NUL.
func EncodeMFSymlink(target string) ([]byte, error) {
	switch {
	case target == "":
		return nil, &EncodeError{Format: MFSymlink, Err: errEmptyTarget}
	case strings.IndexByte(target, 0) >= 0:
		return nil, &EncodeError{Format: MFSymlink, Err: errNULInTarget}
	case len(target) > mfsymlinkLinkMaxLen:
		return nil, encodeErr(MFSymlink, "target is %d bytes, more than %d", len(target), mfsymlinkLinkMaxLen)
	}
	b := make([]byte, 0, MFSymlinkSize)
	b = fmt.Appendf(b, "%s%04d\n%x\n%s", MFSymlinkMagic, len(target), md5.Sum([]byte(target)), target)
	if len(b) < MFSymlinkSize {
		b = append(b, '\n')
	}
	for len(b) < MFSymlinkSize {
		b = append(b, ' ')
	}
	return b, nil
}
