//go:build linux && !cgofuse

package mount

import "errors"

// cgofuseBuilt says whether this binary has the cgofuse backend.
const cgofuseBuilt = false

func mountCgofuse(Options, string) (served, error) {
	return nil, errors.New("built without the cgofuse backend: " + CgofuseBuild)
}
