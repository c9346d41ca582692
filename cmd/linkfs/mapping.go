package main

import (
	"flag"
	"strings"

	"github.com/linkfs/linkfs/translate"
)

// mappingFlags are the path-mapping flags shared by every command.
type mappingFlags struct {
	style         string
	automountRoot string
	drives        listFlag
	distro        string
}

func (m *mappingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.style, "style", "wsl", "POSIX form of Windows drive paths: wsl (/mnt/c/x), cygwin (/cygdrive/c/x) or msys (/c/x)")
	fs.StringVar(&m.automountRoot, "automount-root", "/mnt", "WSL automount root for the wsl style")
	fs.Var(&m.drives, "drive", "map a drive to a directory, `X:=DIR` (repeatable); wins over the style's prefix")
	fs.StringVar(&m.distro, "distro", "", "WSL distribution name: absolute Linux paths outside every drive become \\\\wsl.localhost\\`NAME`\\...")
}

func (m *mappingFlags) mapper() (*translate.Mapper, error) {
	style, err := translate.ParseStyle(m.style)
	if err != nil {
		return nil, usagef("--style: %v", err)
	}
	mp := &translate.Mapper{Style: style, AutomountRoot: m.automountRoot, Distro: m.distro}
	for _, d := range m.drives {
		dm, err := translate.ParseDriveMap(d)
		if err != nil {
			return nil, usagef("--drive: %v", err)
		}
		mp.Drives = append(mp.Drives, dm)
	}
	return mp, nil
}

// parseReadList parses a --read value: comma-separated names of formats
// the mount can present.
func parseReadList(list string) (map[translate.Format]bool, error) {
	read, err := parseFormatList(list, isPresented)
	if err != nil {
		return nil, usagef("--read: %v", err)
	}
	return read, nil
}

func isPresented(r translate.FormatInfo) bool { return r.Presented }

// parseFormatList parses comma-separated format names, short or long,
// among the formats keep accepts.
func parseFormatList(list string, keep func(translate.FormatInfo) bool) (map[translate.Format]bool, error) {
	set := map[translate.Format]bool{}
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		f, err := translate.ParseFormatAmong(name, keep)
		if err != nil {
			return nil, err
		}
		set[f] = true
	}
	return set, nil
}

// formatList joins the formats' long names, as flag defaults show them.
func formatList(fs []translate.Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ",")
}

// applyMountOpt sets the path-mapping option key (a -o option of the mount
// commands) to value.
func (m *mappingFlags) applyMountOpt(key, value string) {
	switch key {
	case "style":
		m.style = value
	case "automount_root", "automount-root":
		m.automountRoot = value
	case "drive":
		m.drives = append(m.drives, value)
	case "distro":
		m.distro = value
	}
}
