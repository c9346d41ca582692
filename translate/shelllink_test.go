package translate

import (
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// lnkDir holds real-world .lnk files, stored as their real bytes (see its
// README).
var lnkDir = filepath.Join("testdata", "lnk")

// readLnkFiles returns the content of every .lnk file of lnkDir by name.
func readLnkFiles(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(lnkDir, "*.lnk"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no .lnk files in %s: %v", lnkDir, err)
	}
	files := make(map[string][]byte)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	return files
}

// The expected targets were read from the files with liblnk's lnkinfo
// (20181227, which decodes ANSI strings as Windows-1252) and checked
// against a throwaway Python dump of LinkInfo and StringData.
var lnkTargets = []struct {
	file     string
	codePage *charmap.Charmap // nil: the default, Windows-1252
	target   string           // "": ErrNotLink
}{
	// Only RELATIVE_PATH (no LinkInfo).
	{"broken_link_info.lnk", nil, `..\..\..\..\..\..\Program Files\xt\xt.exe`},
	{"darwin_block.lnk", nil, `..\..\..\Windows\Installer\{DB8757A3-1B62-4136-8D95-D2CB9F00E36C}\test_icon.ico`},
	{"darwin_block_modified.lnk", nil, `..\..\..\Windows\Installer\{DB8757A3-1B62-4136-8D95-D2CB9F00E36C}\test_icon.ico`},
	{"sample7.lnk", nil, `..\..\..\..\..\..\..\ProgramData\VК_DJ\VК_DJ.exe`}, // Unicode StringData, Cyrillic К
	// LinkInfo LocalBasePath, empty CommonPathSuffix; the
	// EnvironmentVariableDataBlock of some of them comes later and is not used.
	{"console_properties_block.lnk", nil, `C:\Windows\SysWOW64\WindowsPowerShell\v1.0\powershell.exe`},
	{"decoding_error.lnk", nil, `C:\Users\Ibrahim\Desktop\PostDoc\20190101 - 20191231 KU Leuven MD SPICY\publications\02_Majd\Majd Py FT-IR\.CSV file`},
	{"decoding_error2.lnk", nil, `C:\Windows\System32\cmd.exe`},
	{"extra_data.lnk", nil, `C:\Users\Jonathan\AppData\Roaming\.minecraft`}, // its last ExtraData block is cut off
	{"invalid_date.lnk", nil, `E:\Razwan Ali\REACT NATIVE\React-Navigation-with-drawer\.git`},
	{"microsoft_example.lnk", nil, `C:\test\a.txt`},
	{"sample.lnk", nil, `C:\Users\Jonathan\AppData\Roaming\.minecraft`},
	{"sample10.lnk", nil, `C:\Program Files (x86)\HDZB_USBKEY_NEW1G\HDZB_USBKEY_NEW1G.exe`},
	{"sample11.lnk", nil, `C:\AnonymusBrowser-v2.0\AnonymusBrowser.exe`},
	{"sample12.lnk", nil, `C:\AnonymusBrowser-v2.0\AnonymusBrowser.exe`},
	{"sample13.lnk", nil, `C:\Windows\System32\cmd.exe`},
	{"sample14.lnk", nil, `C:\AnonymusBrowser-v2.0\AnonymusBrowser.exe`},
	{"sample15.lnk", nil, `C:\AnonymusBrowser-v2.0\AnonymusBrowser.exe`},
	{"sample2.lnk", nil, `C:\Users\TEMP\AppData\Roaming\.minecraft`},
	{"sample4.lnk", nil, `C:\Users\roman\AppData\Roaming\.minecraft`},
	{"sample5.lnk", nil, "E:\\\u00a0\\\u00a0.exe"}, // no-break spaces
	{"sample8.lnk", nil, `C:\AnonymusBrowser-v2.0\AnonymusBrowser.exe`},
	{"sample9.lnk", nil, `C:\AnonymusBrowser-v2.0\AnonymusBrowser.exe`},
	// ANSI strings in other code pages: Cyrillic, and GBK, which a
	// single-byte code page can only garble.
	{"invalid_date3.lnk", nil, "C:\\Users\\Ïîëüçîâàòåëü\\Desktop\\\u00a0"},
	{"invalid_date3.lnk", charmap.Windows1251, "C:\\Users\\Пользователь\\Desktop\\\u00a0"},
	{"sample6.lnk", nil, `C:\Youdao\ShoppingAssistant\ie\4.4\²¥·ÅÆ÷ÕýÔÚ¼ÓÔØ£¨À¹½ØÇëÔÊÐí£©.exe`},
	// LocalBasePath + CommonPathSuffix (the network part is not used).
	{"decoding_error3.lnk", nil, `C:\Users\Äèìà\Desktop\PixelMod\Mod for Pixelmon\Error Fix.bat`},
	{"decoding_error3.lnk", charmap.Windows1251, `C:\Users\Дима\Desktop\PixelMod\Mod for Pixelmon\Error Fix.bat`},
	{"decoding_error4.lnk", nil, "C:\\Users\\admin\\AppData\\Local\\Temp\\MZ\uFFFD"}, // 0x90 is unassigned in Windows-1252
	{"sample16.lnk", nil, `C:\Users\Asus-PC\AppData\Roaming\Microsoft\Windows\Recent`},
	{"sample17.lnk", nil, `C:\Users\Asus-PC\Downloads`},
	// CommonNetworkRelativeLink only: NetName + \ + CommonPathSuffix.
	{"network_info.lnk", nil, `\\10.0.0.150\LMmetal\A - LM METAL LIFT\01.OBCHOD - BROŽURY - Prodejní a technické informace o produktech\ETN\ETN-Katalog-ENG\Katalog ETN 10_2017\Lift-programme\ETN-lift programme 2017.pdf`},
	// No path at all: IDList only, or only arguments and icon. The
	// ARGUMENTS string of padded_cli_arguments.lnk runs past the end, but
	// nothing needs it.
	{"invalid_date2.lnk", nil, ""},
	{"padded_cli_arguments.lnk", nil, ""},
	{"sample3.lnk", nil, ""},
	{"unknown_block.lnk", nil, ""},
	{"unknown_target.lnk", nil, ""},
}

func TestDecodeShellLinkRealFiles(t *testing.T) {
	files := readLnkFiles(t)
	seen := make(map[string]bool)
	for _, tt := range lnkTargets {
		seen[tt.file] = true
		b, ok := files[tt.file]
		if !ok {
			t.Errorf("%s: missing from %s", tt.file, lnkDir)
			continue
		}
		l, err := DecodeShellLink(b, ShellLinkOptions{CodePage: tt.codePage})
		if tt.target == "" {
			if err != ErrNotLink {
				t.Errorf("%s: got %+v, %v; want ErrNotLink", tt.file, l, err)
			}
			continue
		}
		if want := (Link{Format: ShellLink, Target: tt.target}); err != nil || l != want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.file, l, err, want)
		}
	}
	var missing []string
	for name := range files {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no expected target for %v", missing)
	}
}

// TestRealLnkFilesAreNotCygwinShortcuts checks that no shortcut made by
// Windows passes Cygwin's strict header check, and that both decoders
// finish quickly on every file, whole, cut short or as base64 text.
func TestRealLnkFilesAreNotCygwinShortcuts(t *testing.T) {
	start := time.Now()
	for name, b := range readLnkFiles(t) {
		if _, err := DecodeCygwinShortcut(b); err != ErrNotLink {
			t.Errorf("%s: DecodeCygwinShortcut err = %v, want ErrNotLink", name, err)
		}
		for n := range len(b) {
			DecodeShellLink(b[:n], ShellLinkOptions{Env: map[string]string{"USERNAME": "u", "windir": `C:\Windows`}})
			DecodeCygwinShortcut(b[:n])
		}
		text := []byte(base64.StdEncoding.EncodeToString(b))
		if _, err := DecodeShellLink(text, ShellLinkOptions{}); err != ErrNotLink {
			t.Errorf("%s as base64: err = %v, want ErrNotLink", name, err)
		}
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("decoding every prefix of every file took %v", d)
	}
}

// lnkFile builds a shell link: a ShellLinkHeader with flags, then the
// sections as they are.
func lnkFile(flags uint32, sections ...[]byte) []byte {
	b := make([]byte, lnkHeaderSize)
	binary.LittleEndian.PutUint32(b, lnkHeaderSize)
	copy(b[4:], lnkLinkCLSID)
	binary.LittleEndian.PutUint32(b[20:], flags)
	binary.LittleEndian.PutUint32(b[60:], 1)
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

// linkInfo builds a LinkInfo of headerSize bytes of header with flags.
// data maps a header field offset (12 VolumeIDOffset, 16
// LocalBasePathOffset, 20 CommonNetworkRelativeLinkOffset, 24
// CommonPathSuffixOffset, 28 and 32 their Unicode forms) to what it points
// at; those are laid out after the header in field order.
func linkInfo(headerSize, flags uint32, data map[int][]byte) []byte {
	b := make([]byte, headerSize)
	binary.LittleEndian.PutUint32(b[4:], headerSize)
	binary.LittleEndian.PutUint32(b[8:], flags)
	var fields []int
	for f := range data {
		fields = append(fields, f)
	}
	sort.Ints(fields)
	for _, f := range fields {
		binary.LittleEndian.PutUint32(b[f:], uint32(len(b)))
		b = append(b, data[f]...)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// volumeID is a VolumeID of a fixed drive with an empty label.
var volumeID = []byte{0x11, 0, 0, 0, 3, 0, 0, 0, 0x78, 0x56, 0x34, 0x12, 0x10, 0, 0, 0, 0}

func ansiz(s string) []byte { return append([]byte(s), 0) }
func widez(s string) []byte { return append(appendUTF16LE(nil, s), 0, 0) }

// netLink builds a CommonNetworkRelativeLink naming netName, with
// NetNameOffsetUnicode when wide.
func netLink(netName string, wide bool) []byte {
	header := 0x14
	if wide {
		header = 0x1C
	}
	b := make([]byte, header)
	binary.LittleEndian.PutUint32(b[4:], 0x2)            // ValidNetType
	binary.LittleEndian.PutUint32(b[8:], uint32(header)) // NetNameOffset
	binary.LittleEndian.PutUint32(b[16:], 0x20000)       // WNNC_NET_LANMAN
	b = append(b, ansiz(netName)...)
	if wide {
		binary.LittleEndian.PutUint32(b[20:], uint32(len(b)))
		b = append(b, widez(netName)...)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// lnkString is a StringData string.
func lnkString(s string, unicode bool) []byte {
	if unicode {
		return append(binary.LittleEndian.AppendUint16(nil, uint16(utf16Len(s))), appendUTF16LE(nil, s)...)
	}
	return append(binary.LittleEndian.AppendUint16(nil, uint16(len(s))), s...)
}

// envBlock is an EnvironmentVariableDataBlock.
func envBlock(ansi, wide string) []byte {
	b := make([]byte, lnkEnvironmentVariableSize)
	binary.LittleEndian.PutUint32(b, lnkEnvironmentVariableSize)
	binary.LittleEndian.PutUint32(b[4:], lnkEnvironmentVariableSig)
	copy(b[8:8+260], ansi)
	copy(b[8+260:], appendUTF16LE(nil, wide))
	return b
}

// extraBlock is an ExtraData block of the given signature with n bytes of
// data.
func extraBlock(sig uint32, n int) []byte {
	b := make([]byte, 8+n)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], sig)
	return b
}

var terminalBlock = []byte{0, 0, 0, 0}

func TestDecodeShellLinkSources(t *testing.T) {
	const (
		hasLinkInfo = lnkHasLinkInfo
		hasRel      = lnkHasRelativePath
		hasExp      = lnkHasExpString
		uni         = lnkIsUnicode
	)
	rel := lnkString(`..\rel`, true)
	env := map[string]string{"SystemRoot": `C:\Windows`, "USERPROFILE": `C:\Users\u`}
	tests := []struct {
		name   string
		b      []byte
		cp     *charmap.Charmap
		target string // "": ErrNotLink
	}{
		{"local ANSI base and suffix", lnkFile(hasLinkInfo, linkInfo(0x1C, 1, map[int][]byte{
			12: volumeID, 16: ansiz(`C:\Users\`), 24: ansiz(`u\x.txt`)})), nil, `C:\Users\u\x.txt`},
		{"local in another code page", lnkFile(hasLinkInfo, linkInfo(0x1C, 1, map[int][]byte{
			12: volumeID, 16: ansiz("C:\\\xc4\xe8\xec\xe0"), 24: ansiz("")})), charmap.Windows1251, `C:\Дима`},
		{"Unicode base and suffix win over ANSI", lnkFile(hasLinkInfo, linkInfo(0x24, 1, map[int][]byte{
			12: volumeID, 16: ansiz(`C:\??`), 24: ansiz(`?.txt`), 28: widez(`C:\Юникод\`), 32: widez(`файл.txt`)})), nil, `C:\Юникод\файл.txt`},
		{"Unicode base, ANSI suffix when its Unicode offset is 0", lnkFile(hasLinkInfo, linkInfo(0x24, 1, map[int][]byte{
			12: volumeID, 16: ansiz(`C:\x`), 24: ansiz(`\y`), 28: widez(`C:\ü`)})), nil, `C:\ü\y`},
		{"network share and suffix", lnkFile(hasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			20: netLink(`\\srv\share`, false), 24: ansiz(`dir\f.txt`)})), nil, `\\srv\share\dir\f.txt`},
		{"network share, empty suffix", lnkFile(hasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			20: netLink(`\\srv\share`, false), 24: ansiz("")})), nil, `\\srv\share`},
		{"network share ending in a backslash", lnkFile(hasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			20: netLink(`\\srv\share\`, false), 24: ansiz("f")})), nil, `\\srv\share\f`},
		{"network NetNameUnicode", lnkFile(hasLinkInfo, linkInfo(0x24, 2, map[int][]byte{
			20: netLink(`\\srv\Ωshare`, true), 24: ansiz("f"), 32: widez("ф")})), nil, `\\srv\Ωshare\ф`},
		// Offsets behind a clear LinkInfoFlags bit are stale: skip them.
		{"local offsets with only the network flag", lnkFile(hasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			12: volumeID, 16: ansiz(`C:\stale`), 20: netLink(`\\srv\s`, false), 24: ansiz("f")})), nil, `\\srv\s\f`},
		{"offsets with no LinkInfoFlags", lnkFile(hasLinkInfo|hasRel|uni, linkInfo(0x1C, 0, map[int][]byte{
			12: volumeID, 16: ansiz(`C:\stale`), 24: ansiz("")}), rel), nil, `..\rel`},
		{"ForceNoLinkInfo", lnkFile(hasLinkInfo|lnkForceNoLinkInfo|hasRel|uni, linkInfo(0x1C, 1, map[int][]byte{
			12: volumeID, 16: ansiz(`C:\ignored`), 24: ansiz("")}), rel), nil, `..\rel`},
		{"empty local path: the next source", lnkFile(hasLinkInfo|hasRel|uni, linkInfo(0x1C, 1, map[int][]byte{
			12: volumeID, 16: ansiz(""), 24: ansiz("")}), rel), nil, `..\rel`},
		{"after an IDList", lnkFile(lnkHasLinkTargetIDList|hasRel|uni, []byte{4, 0, 2, 0, 0, 0}, rel), nil, `..\rel`},
		{"NAME, then RELATIVE_PATH", lnkFile(lnkHasName|hasRel|uni, lnkString("a description", true), rel), nil, `..\rel`},
		{"ANSI RELATIVE_PATH", lnkFile(hasRel, lnkString("..\\\xe9", false)), nil, `..\é`},
		// The EnvironmentVariableDataBlock.
		{"environment TargetUnicode", lnkFile(hasExp|hasRel|lnkHasWorkingDir|lnkHasArguments|lnkHasIconLocation|uni,
			rel, lnkString("wd", true), lnkString("args", true), lnkString("icon", true),
			extraBlock(0xA0000003, 88), envBlock(`ignored`, `%systemroot%\System32\%USERPROFILE%.exe`), terminalBlock), nil, `C:\Windows\System32\C:\Users\u.exe`},
		{"environment TargetAnsi when TargetUnicode is empty", lnkFile(hasExp, envBlock("%SystemRoot%\\caf\xe9", "")), nil, `C:\Windows\café`},
		{"environment without the terminal block", lnkFile(hasExp, envBlock(`%SystemRoot%`, `%SystemRoot%`)), nil, `C:\Windows`},
		{"environment with a lone %", lnkFile(hasExp, envBlock("", `C:\100%`)), nil, `C:\100%`},
		{"environment with an unknown variable", lnkFile(hasExp|hasRel|uni, rel, envBlock("", `%NOPE%\x`), terminalBlock), nil, `..\rel`},
		{"environment block without HasExpString", lnkFile(hasRel|uni, rel, envBlock("", `C:\not\used`), terminalBlock), nil, `..\rel`},
		{"no path", lnkFile(lnkHasLinkTargetIDList|lnkHasArguments|uni, []byte{2, 0, 0, 0}, lnkString("/c calc", true)), nil, ""},
		{"empty environment target", lnkFile(hasExp, envBlock("", ""), terminalBlock), nil, ""},
		{"header only", lnkFile(0), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := DecodeShellLink(tt.b, ShellLinkOptions{CodePage: tt.cp, Env: env})
			if tt.target == "" {
				checkContentErr(t, err, ErrNotLink)
				return
			}
			if want := (Link{Format: ShellLink, Target: tt.target}); err != nil || l != want {
				t.Fatalf("got %+v, %v; want %+v", l, err, want)
			}
		})
	}
}

func TestDecodeShellLinkNotLink(t *testing.T) {
	badCLSID := lnkFile(0)
	badCLSID[4] = 0x02
	for _, b := range [][]byte{nil, []byte("L\x00\x00\x00"), lnkFile(0)[:lnkHeaderSize-1], badCLSID, readContent(t, "ntfs3g-interix-absolute.bin")} {
		_, err := DecodeShellLink(b, ShellLinkOptions{})
		checkContentErr(t, err, ErrNotLink)
	}
}

func TestDecodeShellLinkFormatError(t *testing.T) {
	const li = lnkHeaderSize // where LinkInfo starts when there is no IDList
	local := linkInfo(0x1C, 1, map[int][]byte{12: volumeID, 16: ansiz(`C:\x`), 24: ansiz("")})
	patch := func(b []byte, off int, v uint32) []byte {
		b = append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		off  int
	}{
		{"IDList past the end", lnkFile(lnkHasLinkTargetIDList, []byte{9, 0, 0}), li + 2},
		{"no LinkInfoSize", lnkFile(lnkHasLinkInfo, []byte{1, 0}), li},
		{"LinkInfo past the end", lnkFile(lnkHasLinkInfo, patch(local, 0, uint32(len(local)+1))), li},
		{"LinkInfoSize too small", lnkFile(lnkHasLinkInfo, patch(local, 0, 0x10)[:0x10]), li},
		{"LinkInfoHeaderSize 0x20", lnkFile(lnkHasLinkInfo, patch(local, 4, 0x20)), li + 4},
		{"LinkInfoHeaderSize past LinkInfoSize", lnkFile(lnkHasLinkInfo, patch(local, 4, 0x1000)), li + 4},
		{"LocalBasePathOffset outside LinkInfo", lnkFile(lnkHasLinkInfo, patch(local, 16, uint32(len(local)))), li + 16},
		{"LocalBasePath without NUL", lnkFile(lnkHasLinkInfo, linkInfo(0x1C, 1, map[int][]byte{16: []byte(`C:\x`)})), li + 0x1C},
		{"CommonPathSuffixOffset outside LinkInfo", lnkFile(lnkHasLinkInfo, patch(local, 24, 0xFFFFFFFF)), li + 24},
		{"LocalBasePathUnicode without NUL", lnkFile(lnkHasLinkInfo, linkInfo(0x24, 1, map[int][]byte{24: ansiz(""), 28: []byte{'C', 0, ':', 0}})), li + 0x25},
		{"CommonNetworkRelativeLinkOffset outside LinkInfo", lnkFile(lnkHasLinkInfo, patch(local, 8, 2)), li + 20},
		{"CommonNetworkRelativeLinkSize too big", lnkFile(lnkHasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			20: patch(netLink(`\\s\x`, false), 0, 0x100), 24: ansiz("")})), li + 0x1C},
		{"NetNameOffsetUnicode missing", lnkFile(lnkHasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			20: patch(netLink(`\\s\x`, false), 8, 0x1C), 24: ansiz("")})), li + 0x1C},
		{"NetName without NUL", lnkFile(lnkHasLinkInfo, linkInfo(0x1C, 2, map[int][]byte{
			20: patch(netLink(`\\s\x`, false)[:0x18], 0, 0x18), 24: ansiz("")})), li + 0x1C + 0x14},
		{"LocalBasePathOffset inside the header", lnkFile(lnkHasLinkInfo, patch(local, 16, 4)), li + 16},
		{"RELATIVE_PATH past the end", lnkFile(lnkHasRelativePath|lnkIsUnicode, []byte{3, 0, 'a', 0}), li + 2},
		{"NAME length missing", lnkFile(lnkHasName|lnkHasRelativePath, []byte{1}), li},
		{"ExtraData block past the end", lnkFile(lnkHasExpString, extraBlock(0xA0000003, 8)[:12]), li},
		{"ExtraData block without a signature", lnkFile(lnkHasExpString, []byte{6, 0, 0, 0, 0, 0}), li},
		{"EnvironmentVariableDataBlock of the wrong size", lnkFile(lnkHasExpString, extraBlock(lnkEnvironmentVariableSig, 8)), li},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeShellLink(tt.b, ShellLinkOptions{})
			checkContentErr(t, err, &FormatError{Format: ShellLink, Offset: tt.off})
		})
	}
}

func TestExpandWindowsEnv(t *testing.T) {
	env := map[string]string{"A": "1", "a": "lower", "Path": "p", "EMPTY": ""}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"plain", "plain", true},
		{"%A%", "1", true},
		{"%a%", "lower", true},
		{"%PATH%;%path%", "p;p", true},
		{"x%EMPTY%y", "xy", true},
		{"100%", "100%", true},
		{"%A%%A%", "11", true},
		{"%%", "", false},
		{"%B%", "", false},
		{"%A% and %B%", "", false},
	}
	for _, tt := range tests {
		got, ok := expandWindowsEnv(tt.in, env)
		if got != tt.want || ok != tt.ok {
			t.Errorf("expandWindowsEnv(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// Two keys that differ only in case: the smallest wins, every time.
	for range 20 {
		if got, _ := expandWindowsEnv("%x%", map[string]string{"X": "upper", "x": "exact"}); got != "exact" {
			t.Fatalf("exact key lost: %q", got)
		}
		if got, _ := expandWindowsEnv("%Xx%", map[string]string{"XX": "1", "xx": "2", "xX": "3"}); got != "1" {
			t.Fatalf("case-folded lookup = %q, want the value of the smallest key", got)
		}
	}
}

func FuzzDecodeShellLink(f *testing.F) {
	for _, b := range readLnkFiles(f) {
		f.Add(b)
	}
	for _, s := range contentSeeds(f, "handmade-cygwin-shortcut-") {
		f.Add(s)
	}
	f.Add(lnkFile(lnkHasLinkInfo, linkInfo(0x24, 3, map[int][]byte{
		12: volumeID, 16: ansiz(`C:\x`), 20: netLink(`\\s\x`, true), 24: ansiz("y"), 28: widez(`C:\x`), 32: widez("y")})))
	f.Add(lnkFile(lnkHasExpString, envBlock("%A%", "%A%\\b"), terminalBlock))
	opts := []ShellLinkOptions{{}, {CodePage: charmap.Windows1251, Env: map[string]string{"A": "x", "windir": `C:\Windows`}}}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, opt := range opts {
			l, err := DecodeShellLink(b, opt)
			if err != nil {
				continue
			}
			if l.Format != ShellLink || l.Target == "" {
				t.Fatalf("decoded %+v", l)
			}
		}
	})
}
