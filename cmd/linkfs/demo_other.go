//go:build !linux && !windows

package main

// platformCommands lists the commands that exist only on some systems;
// the demo builds its sample tree on an ntfs-3g image, which is Linux's,
// and mount exists on Linux and (through WinFsp) on Windows.
func platformCommands() []command { return nil }
