//go:build linux

// Package integration runs the linkfs binary against real file systems:
// ntfs-3g images for the reparse formats and plain directories for the
// content formats, and (for the mount) real FUSE mounts.
package integration

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/sys/unix"
)

// linkfsBin is the linkfs binary built once for the whole package.
var linkfsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "linkfs-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	linkfsBin = filepath.Join(dir, "linkfs")
	// With the cgofuse backend, so every mount case runs through both
	// adapters (see backends_test.go).
	build := exec.Command("go", "build", "-tags", "cgofuse,fuse3", "-o", linkfsBin, "github.com/linkfs/linkfs/cmd/linkfs")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build linkfs:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// setXattr sets a raw xattr on path itself (never following a symlink).
func setXattr(t *testing.T, path, name string, value []byte) {
	t.Helper()
	if err := unix.Lsetxattr(path, name, value, 0); err != nil {
		t.Fatalf("setxattr %s %s: %v", path, name, err)
	}
}

// DOS attributes as ntfs-3g's system.ntfs_attrib holds them.
const (
	dosReadOnly = 0x1
	dosSystem   = 0x4
	dosArchive  = 0x20
)

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// Hand-built reparse buffers, written from FORMATS.md independently of the
// translate encoders so that these tests check the decoders end to end.

// symlinkReparse is IO_REPARSE_TAG_SYMLINK with PrintName first (the order
// the Linux writers use; the decoder must follow the offsets).
func symlinkReparse(substitute, print string, relative bool) []byte {
	sub, pr := utf16le(substitute), utf16le(print)
	var flags uint32
	if relative {
		flags = 1
	}
	data := binary.LittleEndian.AppendUint16(nil, uint16(len(pr))) // SubstituteNameOffset
	data = binary.LittleEndian.AppendUint16(data, uint16(len(sub)))
	data = binary.LittleEndian.AppendUint16(data, 0) // PrintNameOffset
	data = binary.LittleEndian.AppendUint16(data, uint16(len(pr)))
	data = binary.LittleEndian.AppendUint32(data, flags)
	data = append(append(data, pr...), sub...)
	return reparseHeader(0xA000000C, data)
}

func mountPointReparse(substitute, print string) []byte {
	sub, pr := append(utf16le(substitute), 0, 0), append(utf16le(print), 0, 0)
	data := binary.LittleEndian.AppendUint16(nil, 0)
	data = binary.LittleEndian.AppendUint16(data, uint16(len(sub)-2))
	data = binary.LittleEndian.AppendUint16(data, uint16(len(sub)))
	data = binary.LittleEndian.AppendUint16(data, uint16(len(pr)-2))
	data = append(append(data, sub...), pr...)
	return reparseHeader(0xA0000003, data)
}

func nfsReparse(inodeType uint64, payload []byte) []byte {
	data := binary.LittleEndian.AppendUint64(nil, inodeType)
	return reparseHeader(0x80000014, append(data, payload...))
}

func reparseHeader(tag uint32, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, tag)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	b = binary.LittleEndian.AppendUint16(b, 0)
	return append(b, data...)
}

func cookie(target string) []byte {
	b := append([]byte("!<symlink>\xff\xfe"), utf16le(target)...)
	return append(b, 0, 0)
}

// inspectRecord mirrors the JSON that `linkfs inspect --json` prints.
type inspectRecord struct {
	Path          string `json:"path"`
	Format        string `json:"format"`
	Raw           string `json:"raw"`
	Target        string `json:"target"`
	WindowsTarget string `json:"windows_target"`
	Error         string `json:"error"`
}

// linkfs runs the binary and returns stdout, stderr and the exit code.
func linkfs(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(linkfsBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run linkfs %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// inspect runs `linkfs inspect --json` and decodes its records, keyed by
// base name. It fails the test on a non-zero exit.
func inspect(t *testing.T, args ...string) map[string]inspectRecord {
	t.Helper()
	stdout, stderr, code := linkfs(t, append([]string{"inspect", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("linkfs inspect exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	recs := map[string]inspectRecord{}
	dec := json.NewDecoder(strings.NewReader(stdout))
	for dec.More() {
		var r inspectRecord
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("decode inspect output: %v\n%s", err, stdout)
		}
		recs[filepath.Base(r.Path)] = r
	}
	return recs
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
