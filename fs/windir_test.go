package fs

import (
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// dirRecord builds one FILE_ID_BOTH_DIR_INFO (idBoth) or FILE_FULL_DIR_INFO
// record as Windows lays it out.
func dirRecord(name string, attrs DOSAttrs, size int64, ea uint32, id uint64, idBoth bool, last bool) []byte {
	nameOff := fullDirInfoName
	if idBoth {
		nameOff = idBothInfoName
	}
	u := utf16.Encode([]rune(name))
	n := (nameOff + 2*len(u) + 7) &^ 7
	b := make([]byte, n)
	le := binary.LittleEndian
	if !last {
		le.PutUint32(b, uint32(n))
	}
	for i := range 4 {
		le.PutUint64(b[dirInfoTimes+8*i:], uint64(ntfsEpoch+int64(i+1)*10_000_000))
	}
	le.PutUint64(b[dirInfoEOF:], uint64(size))
	le.PutUint32(b[dirInfoAttrs:], uint32(attrs))
	le.PutUint32(b[dirInfoNameLen:], uint32(2*len(u)))
	le.PutUint32(b[dirInfoEaSize:], ea)
	if idBoth {
		b[68] = 12 // ShortNameLength: the 8.3 name sits between EaSize and FileId
		le.PutUint64(b[idBothInfoID:], id)
	}
	for i, c := range u {
		le.PutUint16(b[nameOff+2*i:], c)
	}
	return b
}

func TestParseDirInfo(t *testing.T) {
	for _, idBoth := range []bool{true, false} {
		var buf []byte
		buf = append(buf, dirRecord(".", AttrDirectory, 0, 0, 1, idBoth, false)...)
		buf = append(buf, dirRecord("..", AttrDirectory, 0, 0, 2, idBoth, false)...)
		buf = append(buf, dirRecord("lx-link", AttrReparsePoint|AttrArchive, 0, 0xA000001D, 77, idBoth, false)...)
		buf = append(buf, dirRecord("notes\uf03a1.txt", AttrArchive, 1234, 99, 78, idBoth, false)...)
		buf = append(buf, dirRecord("Ωmega", AttrDirectory, 0, 0, 79, idBoth, true)...)
		got, err := parseDirInfo(buf, idBoth)
		if err != nil {
			t.Fatalf("idBoth %v: %v", idBoth, err)
		}
		if len(got) != 3 {
			t.Fatalf("idBoth %v: %d entries, want 3: %+v", idBoth, len(got), got)
		}
		l, f, d := got[0], got[1], got[2]
		if l.name != "lx-link" || l.tag != 0xA000001D || l.attrs != AttrReparsePoint|AttrArchive {
			t.Errorf("reparse point: %+v", l)
		}
		// EaSize is a tag only on reparse points.
		if f.name != "notes\uf03a1.txt" || f.size != 1234 || f.tag != 0 || d.name != "Ωmega" || d.attrs != AttrDirectory {
			t.Errorf("file and directory: %+v %+v", f, d)
		}
		wantID := uint64(0)
		if idBoth {
			wantID = 77
		}
		if l.id != wantID || winTime(l.btime) != (Timespec{Sec: 1}) || winTime(l.ctime) != (Timespec{Sec: 4}) {
			t.Errorf("idBoth %v: id %d, times %v %v", idBoth, l.id, winTime(l.btime), winTime(l.ctime))
		}
	}
	for name, buf := range map[string][]byte{
		"short":          make([]byte, 40),
		"name past end":  func() []byte { b := dirRecord("x", 0, 0, 0, 0, false, true); b[dirInfoNameLen] = 200; return b }(),
		"odd name":       func() []byte { b := dirRecord("x", 0, 0, 0, 0, false, true); b[dirInfoNameLen] = 3; return b }(),
		"next past end":  func() []byte { b := dirRecord("x", 0, 0, 0, 0, false, true); b[0] = 250; return b }(),
		"next too small": func() []byte { b := dirRecord("x", 0, 0, 0, 0, false, true); b[0] = 8; return b }(),
	} {
		if _, err := parseDirInfo(buf, false); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWinTime(t *testing.T) {
	for _, ts := range []Timespec{{0, 0}, {1000000000, 500000000}, {-1, 900000000}, {-11644473600, 0}} {
		if got := winTime(toWinTime(ts)); got != ts {
			t.Errorf("winTime(toWinTime(%v)) = %v", ts, got)
		}
	}
	if got := toWinTime(Timespec{}); got != ntfsEpoch {
		t.Errorf("1970 in Windows time: %d", got)
	}
}

func TestLinkInfo(t *testing.T) {
	b := linkInfo(3, 0x1234, "ab", 8)
	want := []byte{3, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x12, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'a', 0, 'b', 0, 0, 0}
	if string(b) != string(want) {
		t.Errorf("64-bit: % x\nwant      % x", b, want)
	}
	b = linkInfo(1, 0x1234, "ab", 4)
	want = []byte{1, 0, 0, 0, 0x34, 0x12, 0, 0, 4, 0, 0, 0, 'a', 0, 'b', 0, 0, 0}
	if string(b) != string(want) {
		t.Errorf("32-bit: % x\nwant      % x", b, want)
	}
}
