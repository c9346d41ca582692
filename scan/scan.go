package scan

import (
	"github.com/linkfs/linkfs/fs"
)

// Options tune Scan.
type Options struct {
	Classify fs.Options
	// Workers bounds how many directories are read at once; 0 picks a
	// default suited to the machine.
	Workers int
	// Progress, when set, is called after each directory with the number
	// of entries it held and how many of them are links. It is called from
	// several goroutines at once.
	Progress func(entries, links int)
}

// Link is a link Scan found: an entry of some link format, or one
// that looks like a link but is malformed (Entry.Err says why).
type Link struct {
	Root  string // the path given to Scan it was found under
	Rel   string // slash-separated path below Root; "" when Root is the link
	Path  string // Root joined with Rel
	Entry fs.Entry

	abs   string // absolute path, the key of the scanned namespace
	alias string // absolute presented name of a shortcut ("music" for "music.lnk"), "" for none
}

// Result is what Scan found.
type Result struct {
	Links   []Link // sorted by Path
	Entries int64  // entries classified, links or not
	// Errors holds one error per path that could not be read (a
	// directory, an entry, a git index); the walk went on past each.
	Errors []error
	// Temporaries are the temporary links of conversions (running, or
	// killed before they finished), which are not reported as links.
	Temporaries []Link

	ns *namespace
}
