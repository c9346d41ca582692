//go:build linux

package integration

import (
	"slices"
	"testing"
	"time"
)

// backend is one FUSE adapter the mount tests run through: go-fuse, and
// cgofuse over libfuse3, the adapter Windows uses through WinFsp (linkfsBin
// is built with -tags cgofuse,fuse3 for it).
type backend struct {
	name string
	args []string // the flags that select it
	opt  string   // the same as a -o option, for mount(8)
	// locksReachSource says whether POSIX locks taken through the mount
	// reach the source. go-fuse forwards them; cgofuse has no lock
	// operation, so the kernel keeps them to the mount (on Windows, WinFsp
	// keeps byte-range locks itself too).
	locksReachSource bool
	// debugOps are the requests its --debug log names for a read and a
	// listing, and debugFormat how a log line names one.
	debugOps    []string
	debugFormat string
}

var backends = []backend{
	{
		name: "gofuse", args: []string{"--backend", "gofuse"}, opt: "backend=gofuse", locksReachSource: true,
		debugOps: []string{"LOOKUP", "GETATTR", "OPEN", "OPENDIR", "READDIR", "RELEASE"}, debugFormat: ": %s ",
	},
	{
		// A path-based interface: getattr answers lookups.
		name: "cgofuse", args: []string{"--backend", "cgofuse"}, opt: "backend=cgofuse",
		debugOps: []string{"getattr", "open", "read", "opendir", "readdir", "release"}, debugFormat: "op=%s ",
	},
}

// forEachBackend runs test once per backend, as a subtest named after it.
func forEachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// with returns the backend's flags followed by args, for mountT.
func (b backend) with(args ...string) []string {
	return append(slices.Clip(b.args), args...)
}

// mount returns the arguments of `linkfs mount` on this backend.
func (b backend) mount(args ...string) []string {
	return append(append([]string{"mount"}, b.args...), args...)
}

// awaitLog returns the mount's log once done(log) holds, or after 5 s:
// the daemon's stderr reaches the buffer through a pipe, a moment after
// the requests it logs were served.
func awaitLog(m *mounted, done func(log string) bool) string {
	log := m.stderr.String()
	for deadline := time.Now().Add(5 * time.Second); !done(log) && time.Now().Before(deadline); log = m.stderr.String() {
		time.Sleep(20 * time.Millisecond)
	}
	return log
}
