package translate

import (
	"errors"
	"strings"
	"testing"
)

func TestParseGatewayPath(t *testing.T) {
	for _, tc := range []struct {
		rel       string
		ok        bool
		root, sub string
		bad       bool
	}{
		{rel: "docs/x"},
		{rel: ""},
		{rel: ".linkfsx/C"},
		{rel: ".LinkFS/d", ok: true, root: `D:\`},
		{rel: ".linkfs", ok: true},
		{rel: ".linkfs/C", ok: true, root: `C:\`},
		{rel: ".linkfs/c/Windows/System32", ok: true, root: `C:\`, sub: "Windows/System32"},
		{rel: ".linkfs/UNC", ok: true},
		{rel: ".linkfs/unc/srv", ok: true},
		{rel: ".linkfs/UNC/srv/share", ok: true, root: `\\srv\share\`},
		{rel: ".linkfs/UNC/srv/share/a/b", ok: true, root: `\\srv\share\`, sub: "a/b"},
		{rel: ".linkfs/wsl.localhost", ok: true},
		{rel: ".linkfs/wsl.localhost/Ubuntu/usr/lib", ok: true, root: `\\wsl.localhost\Ubuntu\`, sub: "usr/lib"},
		{rel: ".linkfs/gateway-off/C/x", ok: true, bad: true},
		{rel: ".linkfs/no-windows-path/usr", ok: true, bad: true},
		{rel: ".linkfs/CD", ok: true, bad: true},
		{rel: ".linkfs/UNC/a:b/share", ok: true, bad: true},
		{rel: ".linkfs/UNC/srv/sh|are/x", ok: true, bad: true},
		{rel: ".linkfs/C/../x", ok: true, bad: true},
		{rel: ".linkfs//C", ok: true, bad: true},
	} {
		r, ok, err := ParseGatewayPath(tc.rel)
		if ok != tc.ok || (err != nil) != tc.bad {
			t.Errorf("ParseGatewayPath(%q) = %+v, %v, %v; want ok %v, error %v", tc.rel, r, ok, err, tc.ok, tc.bad)
			continue
		}
		if !tc.bad && (r.Root != tc.root || r.Rel != tc.sub) {
			t.Errorf("ParseGatewayPath(%q) = %+v, want root %q rel %q", tc.rel, r, tc.root, tc.sub)
		}
	}
}

// TestLinkText covers every case of WINDOWS.md §1: what WinFsp gets for
// links inside the tree, leaving it to a drive, a share or WSL, without a
// Windows form, with the gateway off, and seen through the gateway.
func TestLinkText(t *testing.T) {
	on := &WinFspView{Source: `D:\shared`, Gateway: true, Mapper: &Mapper{Distro: "Ubuntu"}}
	off := &WinFspView{Source: `D:\shared`, Mapper: &Mapper{Distro: "Ubuntu"}}
	noDistro := &WinFspView{Source: `D:\shared`, Gateway: true, Mapper: &Mapper{}}
	share := &WinFspView{Source: `\\srv\data\proj`, Gateway: true, Mapper: &Mapper{Style: StyleCygwin}}
	for _, tc := range []struct {
		name         string
		v            *WinFspView
		link, target string
		want         string
	}{
		{"relative, inside", on, "docs/link", "../readme.txt", "../readme.txt"},
		{"relative, inside, kept as written", on, "a/b/link", "./../c/./x", "./../c/./x"},
		{"absolute into the source", on, "a/link", "/mnt/d/shared/docs/x", "../docs/x"},
		{"absolute into the source, other case", on, "link", "/mnt/d/SHARED/docs", "docs"},
		{"absolute: the source itself", on, "a/b/link", "/mnt/d/shared", "../.."},
		{"another drive", on, "a/link", "/mnt/c/Windows", "../.linkfs/C/Windows"},
		{"another drive, from the root", on, "link", "/mnt/c/Program Files/x", ".linkfs/C/Program Files/x"},
		{"a drive root", on, "link", "/mnt/e", ".linkfs/E"},
		{"same drive, outside the source", on, "link", "/mnt/d/other", ".linkfs/D/other"},
		{"UNC", on, "link", "//srv/share/dir", ".linkfs/UNC/srv/share/dir"},
		{"WSL", on, "a/link", "/usr/lib", "../.linkfs/wsl.localhost/Ubuntu/usr/lib"},
		{"no Windows form", noDistro, "a/link", "/usr/lib/../share", "../.linkfs/no-windows-path/usr/share"},
		{"relative, climbing out", on, "a/link", "../../other/x", "../.linkfs/D/other/x"},
		{"relative, climbing out and back in", on, "a/link", "../../shared/docs", "../docs"},
		{"relative, climbing above the drive root", on, "link", "../../../../x", ".linkfs/D/x"},
		{"name Windows escapes", on, "link", "/mnt/c/a:b", ".linkfs/C/a:b"},
		{"gateway off: a drive", off, "a/link", "/mnt/c/Windows", "../.linkfs/gateway-off/C/Windows"},
		{"gateway off: UNC", off, "link", "//srv/share", ".linkfs/gateway-off/UNC/srv/share"},
		{"gateway off: inside still works", off, "a/link", "/mnt/d/shared/x", "../x"},
		{"gateway off: relative inside", off, "link", "docs", "docs"},
		{"through the gateway: relative inside its drive", on, ".linkfs/C/Users/me/link", "../other", "../other"},
		{"through the gateway: climbing above its root", on, ".linkfs/C/Users/me/link", "../../../../x", "../../x"},
		{"through the gateway: into the source", on, ".linkfs/C/Users/link", "/mnt/d/shared/docs", "../../../docs"},
		{"through the gateway: to another drive", on, ".linkfs/C/Users/link", "/mnt/e/x", "../../E/x"},
		{"through the gateway: in a share", on, ".linkfs/UNC/srv/share/a/link", "/mnt/c", "../../../../C"},
		{"source on a share: inside", share, "a/link", "//srv/data/proj/docs", "../docs"},
		{"source on a share: the share", share, "a/link", "//srv/data/x", "../.linkfs/UNC/srv/data/x"},
		{"source on a share: a drive", share, "link", "/cygdrive/c/x", ".linkfs/C/x"},
	} {
		got, err := tc.v.LinkText(tc.link, tc.target)
		if err != nil || got != tc.want {
			t.Errorf("%s: LinkText(%q, %q) = %q, %v; want %q", tc.name, tc.link, tc.target, got, err, tc.want)
		}
	}
}

func TestLinkTextErrors(t *testing.T) {
	on := &WinFspView{Source: `D:\shared`, Gateway: true, Mapper: &Mapper{}}
	for _, tc := range []struct{ link, target string }{
		{"link", strings.Repeat("x/", MaxWinFspTarget/2+1)},
		{"link", "/mnt/c/" + strings.Repeat("x", MaxWinFspTarget)}, // through the gateway
	} {
		if got, err := on.LinkText(tc.link, tc.target); !errors.Is(err, ErrLinkTextTooLong) {
			t.Errorf("LinkText(%q, %q) = %q, %v; want ErrLinkTextTooLong", tc.link, tc.target, got, err)
		}
	}
	var ue *UnmappableError
	for _, tc := range []struct{ link, target string }{
		{"", "x"},                // the root is no link
		{".linkfs", "x"},         // nor the gateway
		{".linkfs/C", "x"},       // nor a drive root
		{".linkfs/UNC/srv", "x"}, // nor a server
		{".linkfs/Q1/x", "y"},    // nowhere
	} {
		if got, err := on.LinkText(tc.link, tc.target); !errors.As(err, &ue) {
			t.Errorf("LinkText(%q, %q) = %q, %v; want an *UnmappableError", tc.link, tc.target, got, err)
		}
	}
	bad := &WinFspView{Source: `shared`, Gateway: true, Mapper: &Mapper{}}
	if _, err := bad.LinkText("link", "x"); err == nil {
		t.Error("a relative source is accepted")
	}
}

func TestStoredTarget(t *testing.T) {
	on := &WinFspView{Source: `D:\shared`, Gateway: true, Mapper: &Mapper{Distro: "Ubuntu"}}
	for _, tc := range []struct {
		name       string
		link, text string
		want       string
		bad        bool
	}{
		{"relative, inside", "docs/link", "../readme.txt", "../readme.txt", false},
		{"relative, inside, normalised", "a/link", "./b/../c", "c", false},
		{"into the gateway: a drive", "a/link", "../.linkfs/C/Windows", "/mnt/c/Windows", false},
		{"into the gateway: UNC", "link", ".linkfs/UNC/srv/share/d", "//srv/share/d", false},
		{"into the gateway: WSL", "link", ".linkfs/wsl.localhost/Ubuntu/usr/lib", "/usr/lib", false},
		{"into the gateway, other case", "link", ".LINKFS/c/x", "/mnt/c/x", false},
		{"an explaining link: no Windows form", "link", ".linkfs/no-windows-path/usr/lib", "/usr/lib", false},
		{"an explaining link: gateway off", "a/link", "../.linkfs/gateway-off/C/Windows", "/mnt/c/Windows", false},
		{"volume-absolute", "link", "/docs/x", "/mnt/d/shared/docs/x", false},
		{"name Windows escapes", "link", ".linkfs/C/a:b", "/mnt/c/a:b", false},
		{"from the gateway into the source", ".linkfs/C/Users/link", "../../../docs", "/mnt/d/shared/docs", false},
		{"from the gateway, inside its drive", ".linkfs/C/Users/me/link", "../x", "../x", false},
		{"climbing above the mount", "link", "../x", "", true},
		{"a gateway directory", "link", ".linkfs/UNC/srv", "", true},
	} {
		got, err := on.StoredTarget(tc.link, tc.text)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: StoredTarget(%q, %q) = %q, want an error", tc.name, tc.link, tc.text, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: StoredTarget(%q, %q) = %q, %v; want %q", tc.name, tc.link, tc.text, got, err, tc.want)
		}
	}
}

// TestLinkTextRoundTrip checks that a link a Windows program copies (the
// text WinFsp showed it, given back to symlink) stores the same target.
func TestLinkTextRoundTrip(t *testing.T) {
	for _, v := range []*WinFspView{
		{Source: `D:\shared`, Gateway: true, Mapper: &Mapper{Distro: "Ubuntu"}},
		{Source: `D:\shared`, Mapper: &Mapper{}},
	} {
		for _, tc := range [][2]string{
			{"a/link", "/mnt/c/Windows"}, {"link", "//srv/share/dir"}, {"a/b/link", "../x"},
			{"a/link", "/usr/lib"}, {".linkfs/C/Users/link", "/mnt/e/x"}, {"a/link", "/mnt/d/other"},
		} {
			text, err := v.LinkText(tc[0], tc[1])
			if err != nil {
				t.Errorf("LinkText(%q, %q): %v", tc[0], tc[1], err)
				continue
			}
			if got, err := v.StoredTarget(tc[0], text); err != nil || got != tc[1] {
				t.Errorf("gateway %v: %q -> %q -> %q, %v", v.Gateway, tc[1], text, got, err)
			}
		}
	}
}

func TestWindowsName(t *testing.T) {
	for posix, win := range map[string]string{"a:b": "a\uf03ab", "plain": "plain", `x\y*?`: "x\uf05cy\uf02a\uf03f"} {
		if got := WindowsName(posix); got != win {
			t.Errorf("WindowsName(%q) = %q, want %q", posix, got, win)
		}
		if got := POSIXName(win); got != posix {
			t.Errorf("POSIXName(%q) = %q, want %q", win, got, posix)
		}
	}
}
