//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"text/tabwriter"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/sys/unix"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/scan"
	"github.com/linkfs/linkfs/translate"
)

// scanRecord is one line of `scan --json`: the keys of `inspect --json`,
// and where following the target leads.
type scanRecord struct {
	inspectRecord
	// Dangling: the target does not exist in the scanned tree.
	Dangling bool `json:"dangling"`
	// Loop: following the target comes back to the link (or passes more
	// links than the kernel follows).
	Loop bool `json:"loop"`
	// Outside: the target leaves every scanned path; it was not followed,
	// so whether it exists is not known.
	Outside bool `json:"outside"`
}

// scanSummary is the last line of `scan --json`.
type scanSummary struct {
	Summary    map[string]int `json:"summary"` // links per format
	Entries    int64          `json:"entries"` // entries classified
	Dangling   int            `json:"dangling"`
	Loops      int            `json:"loops"`
	Outside    int            `json:"outside"`
	Errors     int            `json:"errors"`     // links reported with an error
	Unreadable int            `json:"unreadable"` // paths that could not be read
}

type scanOptions struct {
	json    bool
	mapping mappingFlags
}

const scanSynopsis = "scan [--json] [--style wsl|cygwin|msys] [--automount-root DIR] [--drive X:=DIR] [--distro NAME] PATH..."

func runScanArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts scanOptions
	flags := newFlagSet("scan", scanSynopsis, stderr)
	flags.BoolVar(&opts.json, "json", false, "print one JSON object per link, then a summary object")
	opts.mapping.register(flags)
	paths, err := parseInterspersed(flags, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		flags.Usage()
		return usagef("no PATH given")
	}
	return runScan(ctx, opts, paths, stdout, stderr)
}

func runScan(ctx context.Context, opts scanOptions, paths []string, stdout, stderr io.Writer) error {
	mapper, err := opts.mapping.mapper()
	if err != nil {
		return err
	}
	sc, err := scanTree(ctx, "scan", paths, mapper, stderr)
	if err != nil {
		return err
	}
	sum := scanSummary{Summary: map[string]int{}, Entries: sc.result.Entries, Unreadable: len(sc.result.Errors)}
	for _, r := range sc.records {
		sum.Summary[r.Format]++
		sum.Dangling += b2i(r.Dangling)
		sum.Loops += b2i(r.Loop)
		sum.Outside += b2i(r.Outside)
		sum.Errors += b2i(r.Error != "")
	}
	out := bufio.NewWriter(stdout)
	if err := printScanResult(out, opts.json, sc.records, &sum); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if sum.Unreadable > 0 {
		return &partialError{failed: sum.Unreadable}
	}
	return nil
}

func printScanResult(w io.Writer, asJSON bool, records []scanRecord, sum *scanSummary) error {
	if !asJSON {
		return printScan(w, records, sum)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range records {
		if err := enc.Encode(&records[i]); err != nil {
			return err
		}
	}
	return enc.Encode(sum)
}

// scanned is a walk and its links described as scan reports them.
type scanned struct {
	result      *scan.Result
	records     []scanRecord // one per result.Links
	resolutions []scan.Resolution
}

// scanTree walks paths with progress on a terminal, reports each path that
// could not be read on stderr, and describes every link found.
func scanTree(ctx context.Context, cmd string, paths []string, mapper *translate.Mapper, stderr io.Writer) (*scanned, error) {
	opts := scan.Options{Classify: fs.Options{Explain: true}}
	prog := newProgress(stderr, "scanning")
	if prog != nil {
		opts.Progress = prog.dir
	}
	res, err := scan.Scan(ctx, paths, opts)
	prog.stop()
	if err != nil {
		return nil, err
	}
	for _, e := range res.Errors {
		fmt.Fprintf(stderr, "linkfs %s: %v\n", cmd, e)
	}
	sc := &scanned{result: res, records: make([]scanRecord, len(res.Links))}
	targets := make([]string, len(res.Links))
	for i := range res.Links {
		l := &res.Links[i]
		sc.records[i].inspectRecord = describe(l.Path, &l.Entry, mapper)
		if l.Entry.IsLink() {
			targets[i] = sc.records[i].Target
		}
	}
	sc.resolutions = res.ResolveAll(targets)
	for i, r := range sc.resolutions {
		sc.records[i].Dangling = r.State == scan.Dangling
		sc.records[i].Loop = r.State == scan.Loop
		sc.records[i].Outside = r.State == scan.Outside
	}
	return sc, nil
}

func printScan(w io.Writer, records []scanRecord, sum *scanSummary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tFORMAT\tTARGET\tWINDOWS TARGET\tSTATUS")
	for _, r := range records {
		target, win := dash(r.Target), dash(r.WindowsTarget)
		status := "ok"
		switch {
		case r.Error != "":
			target, win, status = "error: "+r.Error, "", "error"
		case r.Dangling:
			status = "dangling"
		case r.Loop:
			status = "loop"
		case r.Outside:
			status = "outside"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Path, r.Format, target, win, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d links in %d entries: %s\n%d dangling, %d loops, %d outside the scanned paths, %d errors, %d unreadable\n",
		len(records), sum.Entries, formatCounts(sum.Summary), sum.Dangling, sum.Loops, sum.Outside, sum.Errors, sum.Unreadable)
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// progress shows a running count on stderr while a command works, when
// stderr is a terminal; otherwise it shows nothing. A nil *progress is
// valid and silent.
type progress struct {
	p     *mpb.Progress
	bar   *mpb.Bar
	links atomic.Int64
}

// newProgress starts a counter of entries (and links among them) per
// second, or returns nil when stderr is not a terminal.
func newProgress(stderr io.Writer, what string) *progress {
	if !isTerminal(stderr) {
		return nil
	}
	pr := &progress{p: mpb.New(mpb.WithOutput(stderr), mpb.WithWidth(1))}
	pr.bar = pr.p.New(0, mpb.NopStyle(),
		mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(
			decor.Name(what+": "),
			decor.CurrentNoUnit("%d entries"),
			decor.Any(func(decor.Statistics) string { return fmt.Sprintf(", %d links", pr.links.Load()) }),
			decor.AverageSpeed(0, ", %.0f entries/s"),
		),
	)
	return pr
}

// dir counts one directory read; it is safe for concurrent use.
func (pr *progress) dir(entries, links int) {
	if pr == nil {
		return
	}
	pr.links.Add(int64(links))
	pr.bar.IncrBy(entries)
}

func (pr *progress) stop() {
	if pr == nil {
		return
	}
	pr.bar.SetTotal(-1, true)
	pr.p.Wait()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// formatCounts lists per-format counts ("2 cygwin-cookie, 10 native") in
// the order of the format names, or "-" for none.
func formatCounts(counts map[string]int) string {
	formats := make([]string, 0, len(counts))
	for f := range counts {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	for i, f := range formats {
		formats[i] = fmt.Sprintf("%d %s", counts[f], f)
	}
	return dash(strings.Join(formats, ", "))
}
