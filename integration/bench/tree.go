//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// treeSpec is the size of the benchmark tree and of what the write rows
// write.
type treeSpec struct {
	Dirs       int   // leaf directories, ten to a group directory
	PerDir     int   // entries per leaf directory, a tenth of them links
	BigSize    int64 // bytes of big.bin, read by the read rows
	WriteSize  int64 // bytes the write row writes and fsyncs
	SmallFiles int   // files the small-file rows create and remove
}

func (s treeSpec) entries() int { return s.Dirs * s.PerDir }

func (s treeSpec) links() int { return s.Dirs * (s.PerDir / 10) }

// linkFormats are the formats of the tree's links, in turn: the content
// formats a plain Linux directory can hold, and the native symlink.
var linkFormats = []translate.Format{
	translate.Native, translate.CygwinCookie, translate.MFSymlink, translate.Interix, translate.CygwinShortcut,
}

// bigFile is the name of the file the read rows read, at the tree's root.
const bigFile = "big.bin"

// scratchDir holds one directory per target for the write rows.
const scratchDir = "scratch"

func leafDir(d int) string { return fmt.Sprintf("g%03d/d%d", d/10, d%10) }

func fileName(i int) string { return fmt.Sprintf("f%03d.txt", i) }

// buildTree writes the benchmark tree into the empty directory src. It is
// deterministic: the same spec gives the same names, sizes and contents,
// so runs on different days measure the same thing. Links point at a
// sibling file, at a file in a neighbouring directory or at that
// directory, so that every one of them resolves.
func buildTree(src string, spec treeSpec, targets []string) error {
	if spec.Dirs%10 != 0 || spec.PerDir < 10 {
		return fmt.Errorf("tree of %d directories of %d entries: want whole groups of ten directories of at least ten entries", spec.Dirs, spec.PerDir)
	}
	rng := rand.New(rand.NewPCG(7, 20))
	text := sourceText(16 << 10)
	mapper := &translate.Mapper{}
	for d := range spec.Dirs {
		dir := filepath.Join(src, leafDir(d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		neighbour := fmt.Sprintf("../d%d", (d%10+1)%10)
		for i := range spec.PerDir {
			if i%10 != 0 {
				size := 100 + rng.IntN(8000)
				off := rng.IntN(len(text) - size)
				if err := os.WriteFile(filepath.Join(dir, fileName(i)), text[off:off+size], 0o644); err != nil {
					return err
				}
				continue
			}
			k := d*(spec.PerDir/10) + i/10
			format := linkFormats[k%len(linkFormats)]
			target, targetIsDir := fileName(i+1), false
			switch (k / len(linkFormats)) % 3 {
			case 1:
				target = neighbour + "/" + fileName(i+2)
			case 2:
				target, targetIsDir = neighbour, true
			}
			stored, err := fs.Encode(format, fmt.Sprintf("l%03d", i), target, targetIsDir, mapper)
			if err != nil {
				return err
			}
			if err := fs.WriteLink(dir, &stored); err != nil {
				return err
			}
		}
	}
	for _, t := range targets {
		if err := os.MkdirAll(filepath.Join(src, scratchDir, t), 0o777); err != nil {
			return err
		}
	}
	if err := writeBigFile(filepath.Join(src, bigFile), spec.BigSize); err != nil {
		return err
	}
	unix.Sync()
	return nil
}

// sourceText returns n bytes of text that looks like source code, so no
// file of the tree starts like a link format.
func sourceText(n int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "// line %d: the quick brown fox jumps over the lazy dog\n", i)
	}
	return []byte(b.String()[:n])
}

// writeBigFile writes size pseudo-random bytes and fsyncs them.
func writeBigFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	chunk := make([]byte, 1<<20)
	rng := rand.NewChaCha8([32]byte{'l', 'i', 'n', 'k', 'f', 's'})
	for written := int64(0); written < size; {
		rng.Read(chunk)
		n := int(min(int64(len(chunk)), size-written))
		if _, err := f.Write(chunk[:n]); err != nil {
			f.Close()
			return err
		}
		written += int64(n)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
