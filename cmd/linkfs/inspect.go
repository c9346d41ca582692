package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/translate"
)

// inspectRecord is one line of `inspect --json`.
type inspectRecord struct {
	Path          string `json:"path"`
	Format        string `json:"format"`
	Raw           string `json:"raw"`
	Target        string `json:"target"`
	WindowsTarget string `json:"windows_target"`
	Error         string `json:"error"`
}

type inspectOptions struct {
	json    bool
	mapping mappingFlags
}

func runInspectArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts inspectOptions
	flags := newFlagSet("inspect", "inspect [--json] [--style wsl|cygwin|msys] [--automount-root DIR] [--drive X:=DIR] PATH...", stderr)
	flags.BoolVar(&opts.json, "json", false, "print one JSON object per path")
	opts.mapping.register(flags)
	paths, err := parseInterspersed(flags, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		flags.Usage()
		return usagef("no PATH given")
	}
	return runInspect(ctx, opts, paths, stdout, stderr)
}

func runInspect(ctx context.Context, opts inspectOptions, paths []string, stdout, stderr io.Writer) error {
	mapper, err := opts.mapping.mapper()
	if err != nil {
		return err
	}
	classify := fs.Options{Explain: true}
	var records []inspectRecord
	failed := 0
	for _, path := range paths {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e, err := fs.ClassifyPath(path, &classify)
		if err != nil {
			fmt.Fprintf(stderr, "linkfs inspect: %v\n", err)
			failed++
			continue
		}
		records = append(records, describe(path, &e, mapper))
	}
	if opts.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for i := range records {
			if err := enc.Encode(&records[i]); err != nil {
				return err
			}
		}
	} else if err := printInspectTable(stdout, records); err != nil {
		return err
	}
	if failed > 0 {
		return &partialError{failed: failed}
	}
	return nil
}

// describe turns a classified entry into its report: both forms of the
// target, or why there is none.
func describe(path string, e *fs.Entry, m *translate.Mapper) inspectRecord {
	r := inspectRecord{Path: path, Format: string(e.Format), Raw: hex.EncodeToString(e.Raw)}
	if e.Err != nil {
		r.Error = e.Err.Error()
		return r
	}
	if !e.IsLink() {
		return r
	}
	depth := 0
	if rootedRelative(&e.Link) {
		d, err := fs.VolumeDepth(filepath.Dir(path))
		if err != nil {
			r.Error = fmt.Sprintf("locate volume root: %v", err)
			return r
		}
		depth = d
	}
	posix, err := m.POSIXTarget(e.Link, depth)
	if err != nil {
		r.Error = err.Error()
	}
	r.Target = posix
	if win, err := m.WindowsTarget(e.Link, depth); err == nil {
		r.WindowsTarget = win
	}
	return r
}

// rootedRelative reports an NTFS symlink whose target is relative to the
// root of its volume (`\a\b`), which needs the link's depth to present.
func rootedRelative(l *translate.Link) bool {
	return l.Format == translate.NTFSSymlink && l.Relative && strings.HasPrefix(l.Target, `\`)
}

func printInspectTable(w io.Writer, records []inspectRecord) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tFORMAT\tTARGET\tWINDOWS TARGET")
	for _, r := range records {
		target, win := dash(r.Target), dash(r.WindowsTarget)
		if r.Error != "" {
			target, win = "error: "+r.Error, ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Path, r.Format, target, win)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
