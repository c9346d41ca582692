package mount

import (
	"strings"
	"testing"
)

func TestUnmountEventName(t *testing.T) {
	for _, tc := range [][2]string{
		{"X:", `Local\linkfs-unmount-X:`},
		{"x:", `Local\linkfs-unmount-X:`},
		{`x:\`, `Local\linkfs-unmount-X:`},
		{`C:\Mnt\Shared`, `Local\linkfs-unmount-c:/mnt/shared`},
		{`c:\mnt\shared\`, `Local\linkfs-unmount-c:/mnt/shared`},
		{`C:\mnt\.\shared`, `Local\linkfs-unmount-c:/mnt/shared`},
	} {
		got := unmountEventName(tc[0])
		if got != tc[1] {
			t.Errorf("unmountEventName(%q) = %q, want %q", tc[0], got, tc[1])
		}
		if strings.Contains(got[len(`Local\`):], `\`) {
			t.Errorf("unmountEventName(%q) = %q holds a backslash", tc[0], got)
		}
	}
}

func TestDriveLetters(t *testing.T) {
	const c, d, x = 1 << 2, 1 << 3, 1 << 23
	if got, ok := newDriveLetter(c|d, c|d|x); !ok || got != "X:" {
		t.Errorf("newDriveLetter = %q, %v; want X:", got, ok)
	}
	if _, ok := newDriveLetter(c|d, c|d); ok {
		t.Error("newDriveLetter found a letter where none was added")
	}
	if got := strings.Join(driveLetters(c|d|x), ","); got != "C,D,X" {
		t.Errorf("driveLetters = %s", got)
	}
}
