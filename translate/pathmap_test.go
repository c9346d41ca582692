package translate_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/linkfs/linkfs/translate"
	"pgregory.net/rapid"
)

// Mappers shared by the path tests. mapCases gives one wanted result per
// style; an empty string means "an *UnmappableError".
var (
	mapWSL    = &translate.Mapper{}
	mapCygwin = &translate.Mapper{Style: translate.StyleCygwin}
	mapMSYS   = &translate.Mapper{Style: translate.StyleMSYS}
)

type styleWant struct{ wsl, cygwin, msys string }

func same(s string) styleWant { return styleWant{s, s, s} }

// drives returns the wanted POSIX forms of drive C below rest.
func drives(rest string) styleWant {
	return styleWant{"/mnt/c" + rest, "/cygdrive/c" + rest, "/c" + rest}
}

func (w styleWant) each(f func(name string, m *translate.Mapper, want string)) {
	f("wsl", mapWSL, w.wsl)
	f("cygwin", mapCygwin, w.cygwin)
	f("msys", mapMSYS, w.msys)
}

// checkMapped fails t unless got/err is want, where want "" means an
// *UnmappableError.
func checkMapped(t *testing.T, in, got string, err error, want string) {
	t.Helper()
	if want == "" {
		var ue *translate.UnmappableError
		if !errors.As(err, &ue) {
			t.Errorf("%q: got %q, %v; want *UnmappableError", in, got, err)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
	}
}

var long = strings.Repeat("a", translate.MaxPOSIXTarget)

func TestToPOSIX(t *testing.T) {
	tests := []struct {
		win  string
		want styleWant
	}{
		// Drive paths, in both separators; the letter is lowercased.
		{`C:\x\y`, drives("/x/y")},
		{`C:/x/y`, drives("/x/y")},
		{`c:\x`, drives("/x")},
		{`C:\x/y\`, drives("/x/y/")},
		{`C:`, drives("")},
		{`C:\`, drives("")},
		{`C:/`, drives("")},
		// No cleaning: doubled separators, . and .. stay.
		{`C:\a\\b`, drives("/a//b")},
		{`C:\..\x\.`, drives("/../x/.")},
		// NT prefixes.
		{`\??\C:\x`, drives("/x")},
		{`\??\c:`, drives("")},
		{`\??\C:\`, drives("")},
		{`\\?\C:\x`, drives("/x")},
		{`\\.\C:\x`, drives("/x")},
		{`\??\\C:\x`, drives("/x")},
		{`\DosDevices\C:\x`, drives("/x")},
		{`\dosdevices\C:\x`, drives("/x")},
		{`\GLOBAL??\C:\x`, drives("/x")},
		{`\??\Global\C:\x`, drives("/x")},
		{`\??\GLOBALROOT\GLOBAL??\C:\x`, drives("/x")},
		{`\??\GLOBALROOT\??\C:\x`, drives("/x")},
		// UNC.
		{`\??\UNC\srv\shr\p`, same("//srv/shr/p")},
		{`\??\unc\srv\shr\p`, same("//srv/shr/p")},
		{`\??\\UNC\srv\shr\p`, same("//srv/shr/p")},
		{`\\?\UNC\srv\shr\p`, same("//srv/shr/p")},
		{`\\srv\shr\p`, same("//srv/shr/p")},
		{`\\srv\shr`, same("//srv/shr")},
		{`\\srv\shr\`, same("//srv/shr/")},
		{`//srv/shr/p`, same("//srv/shr/p")},
		// The Linux tree of a WSL distribution.
		{`\\wsl$\Ubuntu\etc\x`, same("/etc/x")},
		{`\\wsl.localhost\Ubuntu\etc`, same("/etc")},
		{`\\WSL.LOCALHOST\Ubuntu\etc\`, same("/etc/")},
		{`\\wsl.localhost\Ubuntu`, same("/")},
		{`\\wsl.localhost\Ubuntu\`, same("/")},
		{`//wsl.localhost/Ubuntu/etc`, same("/etc")},
		{`\\?\UNC\wsl$\Ubuntu\etc`, same("/etc")},
		{`\\wsl.localhost\Ubuntu\mnt\c\x`, same("/mnt/c/x")},
		// The prefix must end at a separator.
		{`\\wsl.localhostx\Ubuntu\etc`, same("//wsl.localhostx/Ubuntu/etc")},
		{`\\wsl$x\Ubuntu\etc`, same("//wsl$x/Ubuntu/etc")},
		// Relative paths: only separators change.
		{`a\b`, same("a/b")},
		{`..\c`, same("../c")},
		{`.\a\`, same("./a/")},
		{`a/b\c`, same("a/b/c")},
		{`ab:c`, same("ab:c")},
		// WSL escapes become plain characters; other private-use
		// characters stay literal.
		{"C:\\a\uF03Ab", drives("/a:b")},
		{"a\uF05Cb", same(`a\b`)},
		{"\uF022\uF02A\uF03C\uF03E\uF03F\uF07C", same(`"*<>?|`)},
		{"\uF001x\uF01F", same("\x01x\x1f")},
		{"\uF025\uF100\uF02F\uF020\uF07F\uF000\uFB00", same("\uF025\uF100\uF02F\uF020\uF07F\uF000\uFB00")},
		{"\\\\srv\\s\uF03Ah\\x\uF03F", same("//srv/s:h/x?")},
		// Not mappable.
		{`\??\Volume{0b3e0f5c-0000-0000-0000-100000000000}\x`, same("")},
		{`\\?\Volume{0b3e0f5c-0000-0000-0000-100000000000}\`, same("")},
		{`\??\volume{0b3e0f5c-0000-0000-0000-100000000000}`, same("")},
		{`C:foo`, same("")},
		{`\??\C:foo`, same("")},
		{`\a\b`, same("")},
		{`/a/b`, same("")},
		{`\`, same("")},
		{`\??\pipe\x`, same("")},
		{`\??\GLOBALROOT\Device\HarddiskVolume1\x`, same("")},
		{`\\.\pipe\x`, same("")},
		{`\\`, same("")},
		{`\\srv`, same("")},
		{`\\srv\`, same("")},
		{`\\srv\\x`, same("")},
		{`\??\UNC\srv`, same("")},
		{`\??\UNC`, same("")},
		{`\\wsl.localhost`, same("")},
		{`\\wsl$\Ubuntu\\x\y`, same("")}, // would read back as UNC //x/y
		{"", same("")},
		{"a\x00b", same("")},
		{"C:\\\xff", same("")},
		// Length: the POSIX result must fit in MaxPOSIXTarget bytes.
		{`C:\` + long[:translate.MaxPOSIXTarget-len("/mnt/c/")], styleWant{"/mnt/c/" + long[:translate.MaxPOSIXTarget-len("/mnt/c/")], "", "/c/" + long[:translate.MaxPOSIXTarget-len("/mnt/c/")]}},
		{`C:\` + long[:translate.MaxPOSIXTarget-len("/c/")], styleWant{"", "", "/c/" + long[:translate.MaxPOSIXTarget-len("/c/")]}},
		{long + "a", same("")},
		{strings.Repeat("\uF03A", translate.MaxPOSIXTarget), same(strings.Repeat(":", translate.MaxPOSIXTarget))},
	}
	for _, tt := range tests {
		tt.want.each(func(name string, m *translate.Mapper, want string) {
			got, err := m.ToPOSIX(tt.win)
			checkMapped(t, name+" "+tt.win, got, err, want)
		})
	}
}

func TestToPOSIXConfig(t *testing.T) {
	dataD := translate.DriveMap{Letter: 'D', Dir: "/data/d"}
	tests := []struct {
		m         translate.Mapper
		win, want string
	}{
		{translate.Mapper{AutomountRoot: "/win"}, `C:\x`, "/win/c/x"},
		{translate.Mapper{AutomountRoot: "/win/"}, `C:\x`, "/win/c/x"},
		{translate.Mapper{AutomountRoot: "/"}, `C:\x`, "/c/x"},
		{translate.Mapper{AutomountRoot: "/win", Style: translate.StyleCygwin}, `C:\x`, "/cygdrive/c/x"},
		// A drive map wins over the style, in every style.
		{translate.Mapper{Drives: []translate.DriveMap{dataD}}, `D:\x`, "/data/d/x"},
		{translate.Mapper{Drives: []translate.DriveMap{dataD}, Style: translate.StyleCygwin}, `d:`, "/data/d"},
		{translate.Mapper{Drives: []translate.DriveMap{dataD}, Style: translate.StyleMSYS}, `\??\D:\`, "/data/d"},
		{translate.Mapper{Drives: []translate.DriveMap{dataD}}, `C:\x`, "/mnt/c/x"},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}}, `Z:\etc`, "/etc"},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}}, `Z:\`, "/"},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}}, `Z:\\x`, ""}, // //x is UNC
		// A drive directory hidden by another drive's directory.
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/mnt/c/dvd"}}}, `C:\dvd\x`, ""},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/mnt/c/dvd"}}}, `C:\dvd2\x`, "/mnt/c/dvd2/x"},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/data"}, {Letter: 'E', Dir: "/data/e"}}}, `D:\e\x`, ""},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/data"}, {Letter: 'E', Dir: "/data/e"}}}, `D:\f`, "/data/f"},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/c"}}, Style: translate.StyleMSYS}, `C:\x`, ""},
		// The distribution must be this one, compared case-insensitively.
		{translate.Mapper{Distro: "Ubuntu"}, `\\wsl$\ubuntu\x`, "/x"},
		{translate.Mapper{Distro: "Ubuntu"}, `\\wsl.localhost\Debian\x`, ""},
	}
	for _, tt := range tests {
		got, err := tt.m.ToPOSIX(tt.win)
		checkMapped(t, tt.win, got, err, tt.want)
	}
}

func TestToWindows(t *testing.T) {
	distro := &translate.Mapper{Distro: "Ubuntu"}
	tests := []struct {
		posix, want, withDistro string
	}{
		// Every style is read, whatever the mapper's style.
		{"/mnt/c/x", `C:\x`, ""},
		{"/mnt/c", `C:\`, ""},
		{"/mnt/c/", `C:\`, ""},
		{"/mnt/c/x/", `C:\x\`, ""},
		{"/mnt/c//x/../.", `C:\\x\..\.`, ""},
		{"/cygdrive/c/x", `C:\x`, ""},
		{"/cygdrive/C/x", `C:\x`, ""},
		{"/cygdrive/z", `Z:\`, ""},
		{"/proc/cygdrive/c/x", `C:\x`, ""},
		// Not drives: WSL mounts lowercase letters only; one letter only.
		{"/mnt/C/x", "", `\\wsl.localhost\Ubuntu\mnt\C\x`},
		{"/mnt/cc/x", "", `\\wsl.localhost\Ubuntu\mnt\cc\x`},
		{"/mnt", "", `\\wsl.localhost\Ubuntu\mnt`},
		{"/cygdrive", "", `\\wsl.localhost\Ubuntu\cygdrive`},
		{"/cc/x", "", `\\wsl.localhost\Ubuntu\cc\x`},
		{"/1/x", "", `\\wsl.localhost\Ubuntu\1\x`},
		{"/etc/passwd", "", `\\wsl.localhost\Ubuntu\etc\passwd`},
		{"/", "", `\\wsl.localhost\Ubuntu\`},
		// UNC.
		{"//srv/shr/p", `\\srv\shr\p`, ""},
		{"//srv/shr", `\\srv\shr`, ""},
		{"//srv/shr/", `\\srv\shr\`, ""},
		{"//srv", "", ""},
		{"//", "", ""},
		{"///x", "", ""},
		{"//srv//x", "", ""},
		// Relative: separators change only.
		{"a/b", `a\b`, ""},
		{"../c", `..\c`, ""},
		{"a/", `a\`, ""},
		{"./x", `.\x`, ""},
		// Characters Win32 names cannot hold travel as U+F000+c.
		{"a:b", "a\uF03Ab", ""},
		{"c:", "c\uF03A", ""}, // a name, not drive C
		{"c:/x", "c\uF03A\\x", ""},
		{"/mnt/c/a:b", "C:\\a\uF03Ab", ""},
		{`a\b`, "a\uF05Cb", ""},
		{`"*<>?|`, "\uF022\uF02A\uF03C\uF03E\uF03F\uF07C", ""},
		{"\x01x\x1f", "\uF001x\uF01F", ""},
		{"//s:v/sh?/x*", "\\\\s\uF03Av\\sh\uF03F\\x\uF02A", ""},
		{"/etc/a:b", "", "\\\\wsl.localhost\\Ubuntu\\etc\\a\uF03Ab"},
		// U+F0xx in a POSIX name is not escaped (WSL cannot tell it apart).
		{"\uF03A\uF100", "\uF03A\uF100", ""},
		// Errors in any mapper.
		{"", "", ""},
		{"a\x00b", "", ""},
		{"a\xffb", "", ""},
		{"/mnt/c/" + long[len("/mnt/c/"):] + "a", "", ""},
	}
	for _, tt := range tests {
		for _, m := range []*translate.Mapper{mapWSL, mapCygwin, mapMSYS} {
			got, err := m.ToWindows(tt.posix)
			checkMapped(t, string(m.Style)+" "+tt.posix, got, err, tt.want)
		}
		want := tt.want
		if tt.withDistro != "" {
			want = tt.withDistro
		}
		got, err := distro.ToWindows(tt.posix)
		checkMapped(t, "distro "+tt.posix, got, err, want)
	}
	// The msys form /x is drive X in the msys style only: elsewhere a
	// one-letter top directory is a Linux directory.
	distroCygwin := &translate.Mapper{Style: translate.StyleCygwin, Distro: "Ubuntu"}
	distroMSYS := &translate.Mapper{Style: translate.StyleMSYS, Distro: "Ubuntu"}
	for _, tt := range []struct{ posix, msys, linux string }{
		{"/c/x", `C:\x`, `\\wsl.localhost\Ubuntu\c\x`},
		{"/C/x", `C:\x`, `\\wsl.localhost\Ubuntu\C\x`},
		{"/c", `C:\`, `\\wsl.localhost\Ubuntu\c`},
		{"/c/", `C:\`, `\\wsl.localhost\Ubuntu\c\`},
	} {
		for _, c := range []struct {
			m    *translate.Mapper
			want string
		}{
			{mapWSL, ""}, {mapCygwin, ""}, {mapMSYS, tt.msys},
			{distro, tt.linux}, {distroCygwin, tt.linux}, {distroMSYS, tt.msys},
		} {
			got, err := c.m.ToWindows(tt.posix)
			checkMapped(t, string(c.m.Style)+" "+c.m.Distro+" "+tt.posix, got, err, c.want)
		}
	}
	// The longest path accepted.
	if got, err := mapWSL.ToWindows("/mnt/c/" + long[len("/mnt/c/"):]); err != nil || got != `C:\`+long[len("/mnt/c/"):] {
		t.Errorf("longest path: got %.20q, %v", got, err)
	}
}

func TestToWindowsConfig(t *testing.T) {
	maps := []translate.DriveMap{{Letter: 'D', Dir: "/data"}, {Letter: 'E', Dir: "/data/e"}, {Letter: 'F', Dir: "/mnt/c/dvd"}}
	tests := []struct {
		m           translate.Mapper
		posix, want string
	}{
		{translate.Mapper{AutomountRoot: "/win"}, "/win/c/x", `C:\x`},
		{translate.Mapper{AutomountRoot: "/win/"}, "/win/c", `C:\`},
		{translate.Mapper{AutomountRoot: "/win"}, "/mnt/c/x", `C:\x`},
		{translate.Mapper{AutomountRoot: "/win"}, "/win/C/x", ""},
		{translate.Mapper{AutomountRoot: "/"}, "/c/x", `C:\x`},
		// WSL mounts lowercase letters only, at the root as well.
		{translate.Mapper{AutomountRoot: "/"}, "/C/x", ""},
		{translate.Mapper{AutomountRoot: "/", Distro: "Ubuntu"}, "/C/x", `\\wsl.localhost\Ubuntu\C\x`},
		// Drive maps: component-wise, longest first, before the styles.
		{translate.Mapper{Drives: maps}, "/data/x", `D:\x`},
		{translate.Mapper{Drives: maps}, "/data", `D:\`},
		{translate.Mapper{Drives: maps}, "/data/", `D:\`},
		{translate.Mapper{Drives: maps}, "/data/e/x", `E:\x`},
		{translate.Mapper{Drives: maps}, "/data/ee/x", `D:\ee\x`},
		{translate.Mapper{Drives: maps}, "/datax", ""},
		{translate.Mapper{Drives: maps}, "/mnt/c/dvd/x", `F:\x`},
		{translate.Mapper{Drives: maps}, "/mnt/c/dvdx", `C:\dvdx`},
		{translate.Mapper{Drives: maps, Style: translate.StyleMSYS}, "/data/e", `E:\`},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}}, "/etc", `Z:\etc`},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}}, "/", `Z:\`},
		{translate.Mapper{Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}}, "//srv/shr", `\\srv\shr`},
	}
	for _, tt := range tests {
		got, err := tt.m.ToWindows(tt.posix)
		checkMapped(t, tt.posix, got, err, tt.want)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		posix string
		want  styleWant
	}{
		{"/cygdrive/c/x", drives("/x")},
		{"/proc/cygdrive/c/x", drives("/x")},
		{"/mnt/c/x", drives("/x")},
		// The msys form is a drive in the msys style only.
		{"/c/x", same("/c/x")},
		{"/C/x", styleWant{"/C/x", "/C/x", "/c/x"}},
		{"/c", same("/c")},
		{"/cygdrive/c", drives("")},
		{"/cygdrive/c/", drives("")}, // as ToWindows gives C:\
		{"/mnt/c/a//b/../c/", drives("/a//b/../c/")},
		// POSIX names are kept as they are, escapes included.
		{"/cygdrive/c/a:b\uF03A", drives("/a:b\uF03A")},
		{"/cygdrive/c/\xff", drives("/\xff")},
		// Everything else is unchanged.
		{"a/../b", same("a/../b")},
		{"c:x", same("c:x")},
		{"\xff", same("\xff")},
		{"//srv/shr/x", same("//srv/shr/x")},
		{"//srv", same("//srv")},
		{"/etc/x", same("/etc/x")},
		{"/mnt/C/x", same("/mnt/C/x")},
		{"/", same("/")},
		{"", same("")},
		{"/c/\x00", same("")},
		{long, same(long)},
		{long + "a", same("")},
		{"/c/" + long[3:], same("/c/" + long[3:])},
		// The result must fit too.
		{"/mnt/c/" + long[7:], styleWant{"/mnt/c/" + long[7:], "", "/c/" + long[7:]}},
	}
	for _, tt := range tests {
		tt.want.each(func(name string, m *translate.Mapper, want string) {
			got, err := m.Normalize(tt.posix)
			checkMapped(t, name+" "+tt.posix, got, err, want)
		})
	}

	// Drive maps and a custom automount root.
	m := &translate.Mapper{AutomountRoot: "/win", Drives: []translate.DriveMap{{Letter: 'D', Dir: "/data/d"}, {Letter: 'F', Dir: "/win/c/dvd"}}}
	for in, want := range map[string]string{
		"/cygdrive/d/x":   "/data/d/x",
		"/mnt/d/x":        "/data/d/x",
		"/data/d/x":       "/data/d/x",
		"/mnt/c/x":        "/win/c/x",
		"/win/c/dvd/x":    "/win/c/dvd/x",
		"/mnt/c/dvd/x":    "", // C:\dvd is hidden by drive F
		"/cygdrive/c/dvd": "",
	} {
		got, err := m.Normalize(in)
		checkMapped(t, in, got, err, want)
	}

	// At automount root "/", WSL drives are the lowercase one-letter
	// directories; the uppercase ones stay Linux directories.
	m = &translate.Mapper{AutomountRoot: "/"}
	for in, want := range map[string]string{
		"/cygdrive/C/x": "/c/x",
		"/c/x":          "/c/x",
		"/C/x":          "/C/x",
	} {
		got, err := m.Normalize(in)
		checkMapped(t, in, got, err, want)
	}
}

// Every character Win32 names cannot hold, in both directions.
func TestEscapeEveryCharacter(t *testing.T) {
	for c := byte(1); c < 0x80; c++ {
		escaped := c < 0x20 || strings.IndexByte(`"*:<>?\|`, c) >= 0
		if c == '/' {
			continue
		}
		win := string(c)
		if escaped {
			win = string(rune(0xF000 + int(c)))
		}
		name := "x" + string(c) + "y"
		if got, err := mapWSL.ToWindows("/mnt/c/" + name); err != nil || got != `C:\x`+win+"y" {
			t.Errorf("ToWindows(%q) = %q, %v; want %q", name, got, err, `C:\x`+win+"y")
		}
		if got, err := mapWSL.ToPOSIX(`C:\x` + win + "y"); err != nil || got != "/mnt/c/"+name {
			t.Errorf("ToPOSIX(%q) = %q, %v", win, got, err)
		}
		// The escape of a character that needs none stays literal.
		if !escaped {
			lit := "x" + string(rune(0xF000+int(c))) + "y"
			if got, err := mapWSL.ToPOSIX(lit); err != nil || got != lit {
				t.Errorf("ToPOSIX(%q) = %q, %v; want it unchanged", lit, got, err)
			}
		}
	}
}

func TestParseStyle(t *testing.T) {
	for _, s := range []translate.Style{translate.StyleWSL, translate.StyleCygwin, translate.StyleMSYS} {
		if got, err := translate.ParseStyle(string(s)); err != nil || got != s {
			t.Errorf("ParseStyle(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "WSL", "posix", "mnt"} {
		if got, err := translate.ParseStyle(s); err == nil {
			t.Errorf("ParseStyle(%q) = %q, want an error", s, got)
		}
	}
}

func TestParseDriveMap(t *testing.T) {
	good := map[string]translate.DriveMap{
		"D:=/data/d":  {Letter: 'D', Dir: "/data/d"},
		"d:=/data/d/": {Letter: 'D', Dir: "/data/d"},
		"z:=/a/../b":  {Letter: 'Z', Dir: "/b"},
		"Q:=/":        {Letter: 'Q', Dir: "/"},
		"A:=//x//y":   {Letter: 'A', Dir: "/x/y"},
	}
	for s, want := range good {
		if got, err := translate.ParseDriveMap(s); err != nil || got != want {
			t.Errorf("ParseDriveMap(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "D:=", "D:=rel", "D:=./x", "1:=/x", "DD:=/x", "D=/x", "D:/x", "D:=/a\x00", "D:=/" + long} {
		if got, err := translate.ParseDriveMap(s); err == nil {
			t.Errorf("ParseDriveMap(%q) = %+v, want an error", s, got)
		}
	}
}

// A Mapper with bad settings reports them on every call, and not as an
// UnmappableError: the configuration is wrong, not the path.
func TestMapperConfigErrors(t *testing.T) {
	bad := []translate.Mapper{
		{Style: "posix"},
		{AutomountRoot: "mnt"},
		{Drives: []translate.DriveMap{{Letter: 'd', Dir: "/d"}}},
		{Drives: []translate.DriveMap{{Letter: 'D', Dir: "d"}}},
		{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/d/"}}},
		{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/d"}, {Letter: 'D', Dir: "/e"}}},
		{Drives: []translate.DriveMap{{Letter: 'D', Dir: "/d"}, {Letter: 'E', Dir: "/d"}}},
		{Distro: `a\b`},
		{Distro: "a/b"},
		{Distro: "a:b"},
	}
	for _, m := range bad {
		calls := map[string]func() error{
			"ToPOSIX":   func() error { _, err := m.ToPOSIX(`C:\x`); return err },
			"ToWindows": func() error { _, err := m.ToWindows("/mnt/c/x"); return err },
			"Normalize": func() error { _, err := m.Normalize("/mnt/c/x"); return err },
			"POSIXTarget": func() error {
				_, err := m.POSIXTarget(translate.Link{Format: translate.LXSymlink, Target: "x"}, 0)
				return err
			},
			"WindowsTarget": func() error {
				_, err := m.WindowsTarget(translate.Link{Format: translate.LXSymlink, Target: "x"}, 0)
				return err
			},
		}
		for name, call := range calls {
			err := call()
			var ue *translate.UnmappableError
			if err == nil || errors.As(err, &ue) {
				t.Errorf("%+v: %s: got %v, want a configuration error", m, name, err)
			}
		}
	}
}

func TestUnmappableErrorMessage(t *testing.T) {
	_, err := mapWSL.ToPOSIX(`C:foo`)
	var ue *translate.UnmappableError
	if !errors.As(err, &ue) || ue.Path != `C:foo` || !strings.Contains(ue.Reason, "drive-relative") {
		t.Fatalf("got %#v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"C:foo"`) || !strings.Contains(msg, ue.Reason) {
		t.Errorf("Error() = %q", msg)
	}
}

// The outputs of the mapper are always within the limits it promises.
func checkPOSIXOutput(t *testing.T, what, in, out string) {
	t.Helper()
	if len(out) > translate.MaxPOSIXTarget || strings.IndexByte(out, 0) >= 0 || out == "" {
		t.Fatalf("%s(%q) = %q: empty, too long or with NUL", what, in, out)
	}
}

func checkWindowsOutput(t *testing.T, what, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) || strings.IndexByte(out, 0) >= 0 || out == "" {
		t.Fatalf("%s(%q) = %q: empty, invalid UTF-8 or with NUL", what, in, out)
	}
}

// Mappers for the property tests: none of their drive directories hides
// another drive, so every drive path maps both ways.
var propertyMappers = []*translate.Mapper{
	mapWSL, mapCygwin, mapMSYS,
	{AutomountRoot: "/win", Distro: "Ubuntu", Drives: []translate.DriveMap{{Letter: 'D', Dir: "/data/d"}, {Letter: 'E', Dir: "/srv/e/f"}}},
	{Style: translate.StyleMSYS, Drives: []translate.DriveMap{{Letter: 'Q', Dir: "/q/x"}}},
}

// posixName draws one POSIX name: plain and Unicode characters, and
// characters Win32 names cannot hold. It leaves out the U+F0xx escapes,
// which a POSIX name cannot carry across unchanged.
var posixName = rapid.Custom(func(t *rapid.T) string {
	parts := rapid.SliceOfN(rapid.SampledFrom([]string{
		"a", "Z", "0", ".", " ", "-", "é", "日本", "\U0001F600", "\uF100", "\uF025", "%",
		":", `\`, "*", "?", `"`, "<", ">", "|", "\x01", "\x1f",
	}), 1, 4).Draw(t, "parts")
	return strings.Join(parts, "")
})

// windowsName draws one canonical Win32 name: no character Win32 names
// cannot hold, but their U+F0xx escapes.
var windowsName = rapid.Custom(func(t *rapid.T) string {
	parts := rapid.SliceOfN(rapid.SampledFrom([]string{
		"a", "Z", "0", ".", " ", "-", "é", "日本", "\U0001F600", "\uF100", "\uF025", "%",
		"\uF03A", "\uF05C", "\uF02A", "\uF03F", "\uF022", "\uF03C", "\uF03E", "\uF07C", "\uF001", "\uF01F",
	}), 1, 4).Draw(t, "parts")
	return strings.Join(parts, "")
})

// names draws at least min names and joins them with sep.
func names(t *rapid.T, name *rapid.Generator[string], sep string, min int) string {
	return strings.Join(rapid.SliceOfN(name, min, 5).Draw(t, "names"), sep)
}

func TestPropertyPOSIXRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.SampledFrom(propertyMappers).Draw(t, "mapper")
		var p string
		if rapid.Bool().Draw(t, "relative") {
			p = names(t, posixName, "/", 1) + rapid.SampledFrom([]string{"", "/"}).Draw(t, "trailing")
		} else {
			// The prefixes every mapper reads, the automount root, and
			// msys /x: a drive in the msys style, elsewhere a Linux
			// directory, which maps only with the distribution set.
			dirs := []string{"/mnt/", "/cygdrive/", "/proc/cygdrive/"}
			if m.AutomountRoot != "" {
				dirs = append(dirs, m.AutomountRoot+"/")
			}
			if m.Style == translate.StyleMSYS || m.Distro != "" {
				dirs = append(dirs, "/")
			}
			for _, d := range m.Drives {
				dirs = append(dirs, d.Dir)
			}
			dir := rapid.SampledFrom(dirs).Draw(t, "dir")
			if strings.HasSuffix(dir, "/") { // a prefix: add the letter
				letters := "abcdefghijklmnopqrstuvwxyz"
				if dir != "/mnt/" && dir != m.AutomountRoot+"/" {
					letters += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				}
				dir += string(rapid.SampledFrom([]byte(letters)).Draw(t, "letter"))
			}
			p = dir
			if rapid.Bool().Draw(t, "below") {
				p += "/" + names(t, posixName, "/", 0)
			}
		}
		w, err := m.ToWindows(p)
		if err != nil {
			t.Fatalf("ToWindows(%q): %v", p, err)
		}
		back, err := m.ToPOSIX(w)
		if err != nil {
			t.Fatalf("ToPOSIX(%q): %v", w, err)
		}
		n, err := m.Normalize(p)
		if err != nil || back != n {
			t.Fatalf("ToPOSIX(ToWindows(%q)) = %q, Normalize = %q, %v", p, back, n, err)
		}
	})
}

func TestPropertyWindowsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.SampledFrom(propertyMappers).Draw(t, "mapper")
		var w string
		switch kind := rapid.IntRange(0, 3).Draw(t, "kind"); {
		case kind == 0:
			w = names(t, windowsName, `\`, 1) + rapid.SampledFrom([]string{"", `\`}).Draw(t, "trailing")
		case kind == 1:
			letter := rapid.ByteRange('A', 'Z').Draw(t, "letter")
			w = string(letter) + `:\` + names(t, windowsName, `\`, 0)
		case kind == 2:
			server := rapid.StringMatching(`[a-z][a-z0-9-]{0,8}`).Draw(t, "server")
			w = `\\` + server + `\` + names(t, windowsName, `\`, 1)
		case m.Distro != "":
			w = `\\wsl.localhost\` + m.Distro + `\home\` + names(t, windowsName, `\`, 0)
		default:
			t.Skip("no distribution")
		}
		p, err := m.ToPOSIX(w)
		if err != nil {
			t.Fatalf("ToPOSIX(%q): %v", w, err)
		}
		back, err := m.ToWindows(p)
		if err != nil || back != w {
			t.Fatalf("ToWindows(ToPOSIX(%q)) = ToWindows(%q) = %q, %v", w, p, back, err)
		}
	})
}

// fuzzMappers adds mappers whose drive maps hide other drives and cover
// the whole tree.
var fuzzMappers = append(propertyMappers[:len(propertyMappers):len(propertyMappers)],
	&translate.Mapper{Distro: "Ubuntu", Drives: []translate.DriveMap{{Letter: 'D', Dir: "/data"}, {Letter: 'E', Dir: "/data/e"}, {Letter: 'F', Dir: "/mnt/c/dvd"}}},
	&translate.Mapper{Style: translate.StyleCygwin, AutomountRoot: "/", Drives: []translate.DriveMap{{Letter: 'Z', Dir: "/"}}},
)

func FuzzMapper(f *testing.F) {
	for _, s := range []string{
		`C:\x`, `\??\C:\x`, `\??\\UNC\srv\shr\p`, `\\wsl$\Ubuntu\etc`, `\\wsl.localhost\Ubuntu\mnt\c\x`,
		`\??\GLOBALROOT\GLOBAL??\C:\x`, `\??\Volume{0b3e0f5c-0000-0000-0000-100000000000}\x`, `C:foo`, `\a`,
		"a\uF03Ab\uF05C", "/mnt/c/a:b", "/cygdrive/c/x", "/c", "//srv/shr/x", "/etc", "/data/e/x", "../a\\b",
		`Z:\\x`, "\x01\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range fuzzMappers {
			if w, err := m.ToWindows(s); err == nil {
				checkWindowsOutput(t, "ToWindows", s, w)
			}
			if n, err := m.Normalize(s); err == nil {
				checkPOSIXOutput(t, "Normalize", s, n)
			}
			p, err := m.ToPOSIX(s)
			if err != nil {
				continue
			}
			checkPOSIXOutput(t, "ToPOSIX", s, p)
			w, err := m.ToWindows(p)
			if err != nil {
				continue
			}
			p2, err := m.ToPOSIX(w)
			if err != nil {
				continue
			}
			// Once through the mapper, a path is stable.
			if n, err := m.Normalize(p); err != nil || n != p2 {
				t.Fatalf("%+v: %q -> %q -> %q -> %q, but Normalize gives %q, %v", m, s, p, w, p2, n, err)
			}
			if w2, err := m.ToWindows(p2); err != nil || w2 != w {
				t.Fatalf("%+v: %q -> %q -> %q -> %q -> %q, %v", m, s, p, w, p2, w2, err)
			}
		}
	})
}
