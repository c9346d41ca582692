package fs

// UserDOSAttrs are the DOS attributes a client may change (Windows'
// SetFileAttributes, cgofuse's Chflags); the others describe what the
// entry is and belong to the file system.
const UserDOSAttrs = AttrReadOnly | AttrHidden | AttrSystem | AttrArchive
