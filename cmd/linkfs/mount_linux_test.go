//go:build linux

package main

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

// TestMountOptions parses -o as mount(8) passes it, into the same fields
// the flags set.
func TestMountOptions(t *testing.T) {
	parse := func(t *testing.T, args ...string) (mountOptions, error) {
		t.Helper()
		var o mountOptions
		flags := newFlagSet("mount", mountSynopsis, io.Discard)
		o.register(flags)
		if _, err := parseInterspersed(flags, args); err != nil {
			t.Fatal(err)
		}
		return o, o.applyMountOpts()
	}
	o, err := parse(t, "-o", "ro,watch=false,watch_timeout=5m,cache_timeout=250ms,style=cygwin,drive=D:=/srv/d,automount_root=/win,distro=Debian", "S", "M")
	if err != nil {
		t.Fatal(err)
	}
	if !o.readOnly || o.watch || o.watchTimeout != 5*time.Minute || o.cacheTimeout != 250*time.Millisecond {
		t.Errorf("ro=%v watch=%v watch_timeout=%v cache_timeout=%v", o.readOnly, o.watch, o.watchTimeout, o.cacheTimeout)
	}
	if m := o.mapping; m.style != "cygwin" || m.automountRoot != "/win" || m.distro != "Debian" || !slices.Equal(m.drives, listFlag{"D:=/srv/d"}) {
		t.Errorf("mapping %+v", m)
	}

	o, err = parse(t, "S", "M")
	if err != nil || !o.watch || o.watchTimeout != time.Hour || o.cacheTimeout != time.Second {
		t.Errorf("defaults: watch=%v watch_timeout=%v cache_timeout=%v, %v", o.watch, o.watchTimeout, o.cacheTimeout, err)
	}
	if o, err = parse(t, "-o", "nowatch", "S", "M"); err != nil || o.watch {
		t.Errorf("-o nowatch: watch=%v, %v", o.watch, err)
	}
	for _, bad := range []string{"watch=perhaps", "watch_timeout=soon", "watch_timeout", "cache_timeout"} {
		var usage *usageError
		if _, err := parse(t, "-o", bad, "S", "M"); !errors.As(err, &usage) {
			t.Errorf("-o %s: %v, want a usage error", bad, err)
		}
	}
}
