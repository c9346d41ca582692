package translate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/linkfs/linkfs/translate"
)

const volumeGUID = `Volume{0b3e0f5c-0000-0000-0000-100000000000}`

func TestPresent(t *testing.T) {
	withDistro := &translate.Mapper{Distro: "Ubuntu"}
	ntfs := func(target string, relative bool) translate.Link {
		return translate.Link{Format: translate.NTFSSymlink, Target: target, Relative: relative}
	}
	link := func(f translate.Format, target string) translate.Link {
		return translate.Link{Format: f, Target: target}
	}
	tests := []struct {
		name  string
		m     *translate.Mapper
		l     translate.Link
		depth int
		// "" means an *UnmappableError.
		posix, windows string
	}{
		// NTFS symlinks: absolute targets are NT paths (FORMATS.md §2.3).
		{"ntfs absolute", mapWSL, ntfs(`\??\C:\x`, false), 0, "/mnt/c/x", `C:\x`},
		{"ntfs absolute cygwin", mapCygwin, ntfs(`\??\C:\x`, false), 0, "/cygdrive/c/x", `C:\x`},
		{"ntfs absolute msys", mapMSYS, ntfs(`\??\c:\x\`, false), 0, "/c/x/", `C:\x\`},
		{"ntfs unc", mapWSL, ntfs(`\??\UNC\srv\shr\x`, false), 0, "//srv/shr/x", `\\srv\shr\x`},
		{"ntfs wsl", mapWSL, ntfs(`\??\UNC\wsl$\Ubuntu\etc`, false), 0, "/etc", `\\wsl.localhost\Ubuntu\etc`},
		{"ntfs volume", mapWSL, ntfs(`\??\`+volumeGUID+`\x`, false), 0, "", `\\?\` + volumeGUID + `\x`},
		{"ntfs rooted without flag", mapWSL, ntfs(`\a\b`, false), 3, "", ""},
		{"ntfs device", mapWSL, ntfs(`\??\pipe\x`, false), 0, "", ""},
		// Relative targets: only separators change, escapes are undone.
		{"ntfs relative", mapWSL, ntfs(`..\a\b`, true), 2, "../a/b", `..\a\b`},
		{"ntfs relative slash", mapWSL, ntfs(`a/b`, true), 0, "a/b", `a\b`},
		{"ntfs relative escaped", mapWSL, ntfs("foo\uF03Abar", true), 0, "foo:bar", "foo\uF03Abar"},
		// Rooted relative targets are relative to the volume root.
		{"ntfs rooted depth 2", mapWSL, ntfs(`\a\b`, true), 2, "../../a/b", `..\..\a\b`},
		{"ntfs rooted depth 0", mapWSL, ntfs(`\a\b`, true), 0, "a/b", `a\b`},
		{"ntfs rooted slash", mapWSL, ntfs(`\a/b\`, true), 1, "../a/b/", `..\a\b\`},
		{"ntfs root depth 0", mapWSL, ntfs(`\`, true), 0, ".", "."},
		{"ntfs root depth 1", mapWSL, ntfs(`\`, true), 1, "../", `..\`},
		{"ntfs rooted too deep", mapWSL, ntfs(`\a`, true), translate.MaxPOSIXTarget/3 + 1, "", ""},
		{"ntfs rooted result too long", mapWSL, ntfs(`\`+long[:translate.MaxPOSIXTarget-2], true), 1, "", `..\` + long[:translate.MaxPOSIXTarget-2]},
		// The flag does not turn NT and drive paths into relative ones.
		{"ntfs relative nt", mapWSL, ntfs(`\??\C:\x`, true), 2, "/mnt/c/x", `C:\x`},
		{"ntfs relative drive", mapWSL, ntfs(`C:\x`, true), 2, "/mnt/c/x", `C:\x`},
		{"ntfs relative unc", mapWSL, ntfs(`\\srv\shr`, true), 2, "//srv/shr", `\\srv\shr`},
		{"ntfs drive-relative", mapWSL, ntfs(`C:x`, true), 0, "", ""},
		// A target starting with / is a POSIX path (Linux cifs, Cygwin).
		{"ntfs posix", mapWSL, ntfs("/usr/bin", true), 0, "/usr/bin", ""},
		{"ntfs posix distro", withDistro, ntfs("/usr/bin", false), 0, "/usr/bin", `\\wsl.localhost\Ubuntu\usr\bin`},
		{"ntfs posix drive", mapWSL, ntfs(`/cygdrive/c\x`, true), 0, "/mnt/c/x", `C:\x`},
		{"ntfs posix escaped", mapWSL, ntfs("/mnt/c/a\uF03Ab", true), 0, "/mnt/c/a:b", "C:\\a\uF03Ab"},
		{"ntfs posix unc", mapWSL, ntfs(`//srv\shr`, false), 0, "//srv/shr", `\\srv\shr`},
		// Junctions.
		{"junction", mapWSL, link(translate.Junction, `\??\C:\Users`), 4, "/mnt/c/Users", `C:\Users`},
		{"junction msys", mapMSYS, link(translate.Junction, `\??\d:\`), 4, "/d", `D:\`},
		{"junction volume", mapWSL, link(translate.Junction, `\??\`+volumeGUID+`\`), 0, "", `\\?\` + volumeGUID + `\`},
		{"junction rooted", mapWSL, link(translate.Junction, `\a`), 1, "", ""},
		// Volume mount points.
		{"volume mount", mapWSL, link(translate.VolumeMount, `\??\`+volumeGUID+`\`), 0, "", `\\?\` + volumeGUID + `\`},
		{"volume mount no slash", mapWSL, link(translate.VolumeMount, `\??\`+volumeGUID), 0, "", `\\?\` + volumeGUID + `\`},
		// Shell links hold Windows paths.
		{"shell link", mapWSL, link(translate.ShellLink, `C:\Program Files\x.exe`), 0, "/mnt/c/Program Files/x.exe", `C:\Program Files\x.exe`},
		{"shell link relative", mapCygwin, link(translate.ShellLink, `..\x`), 0, "../x", `..\x`},
		{"shell link unc", mapWSL, link(translate.ShellLink, `\\srv\shr\doc`), 0, "//srv/shr/doc", `\\srv\shr\doc`},
		{"shell link rooted", mapWSL, link(translate.ShellLink, `\x`), 2, "", ""},
		// POSIX formats go through Normalize and ToWindows.
		{"lx drive", mapWSL, link(translate.LXSymlink, "/mnt/c/x"), 0, "/mnt/c/x", `C:\x`},
		{"lx drive cygwin", mapCygwin, link(translate.LXSymlink, "/mnt/c/x"), 0, "/cygdrive/c/x", `C:\x`},
		{"lx relative", mapWSL, link(translate.LXSymlink, "../x"), 5, "../x", `..\x`},
		{"lx linux", mapWSL, link(translate.LXSymlink, "/etc/passwd"), 0, "/etc/passwd", ""},
		{"lx linux distro", withDistro, link(translate.LXSymlink, "/etc/passwd"), 0, "/etc/passwd", `\\wsl.localhost\Ubuntu\etc\passwd`},
		// A one-letter top directory is Linux, not msys drive A.
		{"lx one-letter dir", mapWSL, link(translate.LXSymlink, "/a/b"), 0, "/a/b", ""},
		{"lx one-letter dir distro", withDistro, link(translate.LXSymlink, "/a/b"), 0, "/a/b", `\\wsl.localhost\Ubuntu\a\b`},
		{"lx colon", mapWSL, link(translate.LXSymlink, "a:b"), 0, "a:b", "a\uF03Ab"},
		{"lx drive-like name", mapWSL, link(translate.LXSymlink, "c:x"), 0, "c:x", "c\uF03Ax"},
		{"lx backslash name", mapWSL, link(translate.LXSymlink, `\a`), 0, `\a`, "\uF05Ca"},
		{"lx invalid utf-8", mapWSL, link(translate.LXSymlink, "a\xff"), 0, "a\xff", ""},
		{"lx too long", mapWSL, link(translate.LXSymlink, long+"a"), 0, "", ""},
		// A DOS path stored in a POSIX format is read as Windows.
		{"lx dos", mapWSL, link(translate.LXSymlink, `C:\x`), 0, "/mnt/c/x", `C:\x`},
		{"lx dos slash", mapCygwin, link(translate.LXSymlink, `c:/x`), 0, "/cygdrive/c/x", `C:\x`},
		{"lx unc", mapWSL, link(translate.LXSymlink, `\\srv\shr\x`), 0, "//srv/shr/x", `\\srv\shr\x`},
		{"cookie nt", mapWSL, link(translate.CygwinCookie, `\??\C:\x`), 0, "/mnt/c/x", `C:\x`},
		{"cookie cygdrive", mapWSL, link(translate.CygwinCookie, "/cygdrive/c/x"), 0, "/mnt/c/x", `C:\x`},
		{"cookie msys", mapMSYS, link(translate.CygwinCookie, "/cygdrive/c/x"), 0, "/c/x", `C:\x`},
		{"cookie dos relative", mapWSL, link(translate.CygwinCookie, `C:x`), 0, "C:x", "C\uF03Ax"},
		{"shortcut", mapWSL, link(translate.CygwinShortcut, "/proc/cygdrive/d/x"), 0, "/mnt/d/x", `D:\x`},
		{"nfs", withDistro, link(translate.NFSSymlink, "/srv/x"), 0, "/srv/x", `\\wsl.localhost\Ubuntu\srv\x`},
		{"mfsymlink", mapCygwin, link(translate.MFSymlink, "/c/x"), 0, "/c/x", ""},
		{"mfsymlink distro", &translate.Mapper{Style: translate.StyleCygwin, Distro: "Ubuntu"}, link(translate.MFSymlink, "/c/x"), 0, "/c/x", `\\wsl.localhost\Ubuntu\c\x`},
		{"mfsymlink msys", mapMSYS, link(translate.MFSymlink, "/c/x"), 0, "/c/x", `C:\x`},
		{"mfsymlink cygdrive", mapCygwin, link(translate.MFSymlink, "/cygdrive/c/x"), 0, "/cygdrive/c/x", `C:\x`},
		{"interix", mapWSL, link(translate.Interix, "x/y"), 0, "x/y", `x\y`},
		{"native", mapWSL, link(translate.Native, "//srv/shr/x"), 0, "//srv/shr/x", `\\srv\shr\x`},
		{"native dos", mapWSL, link(translate.Native, `\\?\C:\x`), 0, "/mnt/c/x", `C:\x`},
	}
	for _, tt := range tests {
		got, err := tt.m.POSIXTarget(tt.l, tt.depth)
		checkMapped(t, tt.name+" POSIX", got, err, tt.posix)
		got, err = tt.m.WindowsTarget(tt.l, tt.depth)
		checkMapped(t, tt.name+" Windows", got, err, tt.windows)
	}
}

// Bad arguments are not unmappable targets.
func TestPresentArgumentErrors(t *testing.T) {
	for _, tt := range []struct {
		l     translate.Link
		depth int
	}{
		{translate.Link{Format: translate.None, Target: "x"}, 0},
		{translate.Link{Format: "bogus", Target: "x"}, 0},
		{translate.Link{Format: translate.NTFSSymlink, Target: `\a`, Relative: true}, -1},
	} {
		for name, f := range map[string]func(translate.Link, int) (string, error){
			"POSIXTarget": mapWSL.POSIXTarget, "WindowsTarget": mapWSL.WindowsTarget,
		} {
			got, err := f(tt.l, tt.depth)
			var ue *translate.UnmappableError
			if err == nil || errors.As(err, &ue) {
				t.Errorf("%s(%+v, %d) = %q, %v; want a non-Unmappable error", name, tt.l, tt.depth, got, err)
			}
		}
	}
}

// The depth only matters for rooted relative NTFS symlinks.
func TestPresentDepthIgnored(t *testing.T) {
	for _, l := range []translate.Link{
		{Format: translate.NTFSSymlink, Target: `a\b`, Relative: true},
		{Format: translate.Junction, Target: `\??\C:\x`},
		{Format: translate.LXSymlink, Target: "../x"},
	} {
		want, err := mapWSL.POSIXTarget(l, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, depth := range []int{-1, 1, 1 << 30} {
			if got, err := mapWSL.POSIXTarget(l, depth); err != nil || got != want {
				t.Errorf("%+v depth %d: got %q, %v; want %q", l, depth, got, err, want)
			}
		}
	}
}

// What POSIXTarget shows maps back to what WindowsTarget shows.
func TestPresentSidesAgree(t *testing.T) {
	for _, target := range []string{`\??\C:\a\b`, `\??\UNC\srv\shr\x`, `..\x\y`, "a\uF03Ab"} {
		l := translate.Link{Format: translate.NTFSSymlink, Target: target, Relative: !strings.HasPrefix(target, `\??\`)}
		for _, m := range []*translate.Mapper{mapWSL, mapCygwin, mapMSYS} {
			p, err := m.POSIXTarget(l, 0)
			if err != nil {
				t.Fatal(err)
			}
			w, err := m.WindowsTarget(l, 0)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := m.ToWindows(p); err != nil || back != w {
				t.Errorf("%s %q: ToWindows(%q) = %q, %v; WindowsTarget = %q", m.Style, target, p, back, err, w)
			}
		}
	}
}
