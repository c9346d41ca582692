package translate

import "encoding/binary"

// IO_REPARSE_TAG_NFS, the reparse point of Windows Server for NFS and of
// Linux cifs with reparse=nfs (FORMATS.md §10):
//
//	8  InodeType  le64, one of the NFS_SPECFILE_* values
//	16 data       LNK: UTF-16LE target, no NUL; CHR, BLK: le32 major, le32 minor;
//	              FIFO, SOCK: nothing
const (
	offNFSInodeType = 8
	offNFSData      = 16

	nfsSpecfileLNK  uint64 = 0x00000000014B4E4C // "LNK\x01"
	nfsSpecfileCHR  uint64 = 0x0000000000524843 // "CHR"
	nfsSpecfileBLK  uint64 = 0x00000000004B4C42 // "BLK"
	nfsSpecfileFIFO uint64 = 0x000000004F464946 // "FIFO"
	nfsSpecfileSOCK uint64 = 0x000000004B434F53 // "SOCK"

	nfsDeviceDataSize = 8 // major, minor
)

// decodeNFS decodes an IO_REPARSE_TAG_NFS buffer whose header ReparseTag has
// checked. Symlinks become Links; devices, FIFOs and sockets a
// *SpecialFileError. The data sizes are checked as Linux cifs checks them.
func decodeNFS(b []byte) (Link, error) {
	if len(b) < offNFSData {
		return Link{}, formatErr(NFSSymlink, len(b), "reparse data truncated: %d bytes, need %d", len(b), offNFSData)
	}
	data := b[offNFSData:]
	switch typ := binary.LittleEndian.Uint64(b[offNFSInodeType:]); typ {
	case nfsSpecfileLNK:
		if len(data) == 0 {
			return Link{}, formatErr(NFSSymlink, offNFSData, "empty target")
		}
		if len(data)%2 != 0 {
			return Link{}, formatErr(NFSSymlink, 4, "UTF-16 target of odd length %d", len(data))
		}
		if nul := IndexUTF16NUL(data); nul >= 0 {
			return Link{}, formatErr(NFSSymlink, offNFSData+nul, "target contains U+0000")
		}
		return Link{Format: NFSSymlink, Target: DecodeUTF16LE(data)}, nil
	case nfsSpecfileCHR, nfsSpecfileBLK:
		if len(data) != nfsDeviceDataSize {
			return Link{}, formatErr(NFSSymlink, offNFSData, "device data of %d bytes, want %d", len(data), nfsDeviceDataSize)
		}
		kind := CharDevice
		if typ == nfsSpecfileBLK {
			kind = BlockDevice
		}
		// Major first, as current Linux and Samba read it (FORMATS.md §10).
		return Link{}, &SpecialFileError{Format: NFSSymlink, Kind: kind, Major: binary.LittleEndian.Uint32(data), Minor: binary.LittleEndian.Uint32(data[4:])}
	case nfsSpecfileFIFO, nfsSpecfileSOCK:
		if len(data) != 0 {
			return Link{}, formatErr(NFSSymlink, offNFSData, "%d bytes of data after a FIFO or socket InodeType", len(data))
		}
		kind := FIFO
		if typ == nfsSpecfileSOCK {
			kind = Socket
		}
		return Link{}, &SpecialFileError{Format: NFSSymlink, Kind: kind}
	default:
		return Link{}, formatErr(NFSSymlink, offNFSInodeType, "unknown InodeType 0x%016X", typ)
	}
}

// encodeNFS writes an NFS_SPECFILE_LNK reparse point.
func encodeNFS(l Link) ([]byte, error) {
	switch {
	case l.PrintName != "" || l.Relative:
		return nil, encodeErr(NFSSymlink, "an NFS symlink stores neither PrintName nor a relative flag")
	case l.Target == "":
		return nil, encodeErr(NFSSymlink, "empty target")
	}
	target, err := encodeUTF16Name(NFSSymlink, "target", l.Target)
	if err != nil {
		return nil, err
	}
	size := offNFSData + 2*len(target)
	if size > MaxReparseSize {
		return nil, encodeErr(NFSSymlink, "target needs %d bytes, more than %d", size, MaxReparseSize)
	}
	b := newReparse(TagNFS, size)
	binary.LittleEndian.PutUint64(b[offNFSInodeType:], nfsSpecfileLNK)
	putUTF16LE(b[offNFSData:], target)
	return b, nil
}
