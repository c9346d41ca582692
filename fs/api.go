package fs

// The types of the Tree API. They are portable so that every front end
// (go-fuse on Linux, cgofuse on Linux and Windows) speaks the same API,
// whatever system call a source uses underneath.

// Timespec is a point in time, in seconds and nanoseconds since the epoch.
type Timespec struct {
	Sec, Nsec int64
}

// TimeNow as the Nsec of a SetattrChange time means "the current time"
// (it is Linux's UTIME_NOW).
const TimeNow = 1<<30 - 1

// Attr is an entry's attributes as presented.
type Attr struct {
	Ino     uint64
	Mode    uint32 // POSIX type and permission bits (S_IFLNK|0777 for a presented link)
	Nlink   uint64
	Uid     uint32
	Gid     uint32
	Rdev    uint64
	Size    int64
	Blocks  int64 // 512-byte blocks
	Blksize int64
	Atime   Timespec
	Mtime   Timespec
	Ctime   Timespec
	// Btime is the creation (birth) time that Windows shows; zero where
	// the tree does not read it (the Linux tree: FUSE on Linux has no
	// field for it).
	Btime Timespec
}

// POSIX file type bits of Attr.Mode.
const (
	ModeType    = 0o170000
	ModeDir     = 0o040000
	ModeRegular = 0o100000
	ModeSymlink = 0o120000
)

// Node is what the overlay shows for one entry.
type Node struct {
	// Stored is the entry's name on the source ("music.lnk" for a
	// shortcut shown as "music").
	Stored string
	// Attr is the entry's attributes as presented: for a link,
	// ModeSymlink|0777 and the size of the presented target.
	Attr Attr
	// Target is the presented target of a translated link, "" otherwise.
	Target string
	// Entry is the classification of the stored entry.
	Entry Entry
}

// IsLink reports whether the node is presented as a symlink.
func (n *Node) IsLink() bool { return n.Attr.Mode&ModeType == ModeSymlink }

// DirEntry is one presented directory entry.
type DirEntry struct {
	Name string
	Ino  uint64
	// Type is the POSIX type bits, 0 when unknown without a lookup (a
	// small regular file that may be a content link).
	Type uint32
}

// Caller is who asks for an operation; new entries are given to them when
// the daemon runs as root, as the kernel would for a local file system.
type Caller struct {
	Uid, Gid uint32
	Set      bool // false: leave ownership to the daemon's identity
}

// SetattrChange is what Setattr changes; nil fields stay.
type SetattrChange struct {
	Mode         *uint32
	Uid, Gid     *uint32
	Size         *uint64
	Atime, Mtime *Timespec // Nsec may be TimeNow
}

// StatfsInfo is the source file system's usage.
type StatfsInfo struct {
	Blocks, Bfree, Bavail uint64
	Files, Ffree          uint64
	Bsize, Frsize         uint32
	NameLen               uint32
}
