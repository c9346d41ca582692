//go:build !linux

package main

// platformCommands lists the commands that exist only on some systems;
// the demo builds its sample tree on an ntfs-3g image, which is Linux's.
func platformCommands() []command { return nil }
