//go:build linux

package mount

import "fmt"

// Backend names the FUSE library a Linux mount is served through.
type Backend string

// The backends. go-fuse is the default; cgofuse (over libfuse3) is the
// adapter Windows uses through WinFsp, built on Linux so that it runs in
// this project's tests.
const (
	BackendGoFUSE  Backend = "gofuse"
	BackendCgofuse Backend = "cgofuse"
)

// CgofuseBuild is how to build a linkfs that has the cgofuse backend.
const CgofuseBuild = "go build -tags cgofuse,fuse3 ./cmd/linkfs (needs cgo and libfuse3-dev)"

// ParseBackend checks a --backend value against the backends this binary
// was built with.
func ParseBackend(s string) (Backend, error) {
	switch b := Backend(s); b {
	case BackendGoFUSE:
		return b, nil
	case BackendCgofuse:
		if !cgofuseBuilt {
			return "", fmt.Errorf("this linkfs was built without the cgofuse backend; build it with %s", CgofuseBuild)
		}
		return b, nil
	}
	return "", fmt.Errorf("unknown backend %q (want gofuse or cgofuse)", s)
}

// served is a mount run by a backend other than go-fuse.
type served interface {
	wait()
	unmount() error
}
