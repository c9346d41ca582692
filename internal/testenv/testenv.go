// Package testenv holds what the tests of several packages need from the
// machine they run on: skipping when a prerequisite is missing (and
// failing instead under CI=true, where every prerequisite is installed),
// and fresh NTFS volumes mounted through ntfs-3g.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// SkipUnless skips t with reason when cond is false, except under
// CI=true, where a missing prerequisite is a failure: CI installs them
// all, so a skip there would hide a test that never ran.
func SkipUnless(t testing.TB, cond bool, reason string) {
	t.Helper()
	if cond {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("prerequisite missing under CI=true: %s", reason)
	}
	t.Skip(reason)
}

// HaveTool reports whether name is on the PATH.
func HaveTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
