//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/scan"
	"github.com/linkfs/linkfs/translate"
)

// convertRecord is one line of `convert --json`: a link converted (or,
// with --dry-run, to be converted), or one that could not be.
type convertRecord struct {
	Path    string `json:"path"`
	NewPath string `json:"new_path"` // "" when not converted
	From    string `json:"from"`
	To      string `json:"to"`
	Target  string `json:"target"`
	DryRun  bool   `json:"dry_run"`
	Error   string `json:"error"` // why the link was left as it was
}

// convertSummary is the last line of `convert --json`.
type convertSummary struct {
	Summary    map[string]int `json:"summary"`   // links converted, per original format
	Converted  int            `json:"converted"` // with --dry-run: would be
	Failed     int            `json:"failed"`    // left untouched: impossible, or failed
	Skipped    int            `json:"skipped"`   // malformed, so not links to convert
	Removed    int            `json:"removed"`   // temporaries of killed conversions removed
	Unreadable int            `json:"unreadable"`
	DryRun     bool           `json:"dry_run"`
}

type convertOptions struct {
	to      string
	from    string
	dryRun  bool
	json    bool
	mapping mappingFlags
}

const convertSynopsis = "convert --to FORMAT [--dry-run] [--json] [--from LIST] [--style wsl|cygwin|msys] [--automount-root DIR] [--drive X:=DIR] [--distro NAME] PATH..."

func runConvertArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts convertOptions
	flags := newFlagSet("convert", convertSynopsis, stderr)
	flags.StringVar(&opts.to, "to", "", "format to rewrite links into: "+translate.FlagNames(fs.CreatableFormats()))
	flags.StringVar(&opts.from, "from", defaultConvertFrom(), "comma-separated formats of the links to convert, among "+translate.FlagNames(translate.Formats))
	flags.BoolVar(&opts.dryRun, "dry-run", false, "print what would change and change nothing")
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
	return runConvert(ctx, opts, paths, stdout, stderr)
}

// defaultConvertFrom lists the formats converted by default: those the
// mount presents as links (Explorer shortcuts stay the files they are),
// and the symlinks of git checkouts.
func defaultConvertFrom() string {
	return formatList(translate.FormatsWhere(func(r translate.FormatInfo) bool {
		return r.DefaultRead || r.Format == translate.GitSymlink
	}))
}

func runConvert(ctx context.Context, opts convertOptions, paths []string, stdout, stderr io.Writer) error {
	if opts.to == "" {
		return usagef("--to is required")
	}
	if opts.to == string(fs.CreateAuto) {
		return usagef("--to: auto picks a format per link; name one of %s", translate.FlagNames(fs.CreatableFormats()))
	}
	toFormat, err := translate.ParseFormatAmong(opts.to, translate.FormatInfo.Creatable)
	if err != nil {
		return usagef("--to: %v", err)
	}
	to := fs.CreateAs(toFormat)
	from, err := parseFormatList(opts.from, func(translate.FormatInfo) bool { return true })
	if err != nil {
		return usagef("--from: %v", err)
	}
	mapper, err := opts.mapping.mapper()
	if err != nil {
		return err
	}
	sc, err := scanTree(ctx, "convert", paths, mapper, stderr)
	if err != nil {
		return err
	}
	conv, err := scan.NewConverter(scan.ConvertOptions{To: to, Mapper: mapper, Classify: fs.Options{Explain: true}, DryRun: opts.dryRun})
	if err != nil {
		return err
	}
	defer conv.Close()
	sum := convertSummary{Summary: map[string]int{}, Unreadable: len(sc.result.Errors), DryRun: opts.dryRun}
	for i := range sc.result.Temporaries {
		tmp := &sc.result.Temporaries[i]
		removed, err := conv.RemoveStale(tmp)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "linkfs convert: leftover temporary %s: %v\n", tmp.Path, err)
		case removed:
			sum.Removed++
			verb := "removed"
			if opts.dryRun {
				verb = "would remove"
			}
			fmt.Fprintf(stderr, "linkfs convert: %s %s, left by a conversion that was killed\n", verb, tmp.Path)
		}
	}
	out := newConvertOutput(stdout, opts.json)
	for i := range sc.result.Links {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l, rec := &sc.result.Links[i], &sc.records[i]
		if l.Entry.Format == to.Format() || !from[l.Entry.Format] {
			continue
		}
		r := convertRecord{Path: l.Path, From: string(l.Entry.Format), To: string(to.Format()), Target: rec.Target, DryRun: opts.dryRun}
		switch {
		case !l.Entry.IsLink():
			sum.Skipped++
			r.Error = "malformed, not converted: " + rec.Error
		case rec.Error != "" || rec.Target == "":
			sum.Failed++
			r.Error = "target cannot be presented: " + rec.Error
		default:
			newPath, err := conv.Convert(l, rec.Target, sc.resolutions[i].Dir)
			if err != nil {
				sum.Failed++
				r.Error = err.Error()
				break
			}
			r.NewPath = newPath
			sum.Converted++
			sum.Summary[r.From]++
		}
		if err := out.record(&r); err != nil {
			return err
		}
	}
	if err := out.summary(&sum); err != nil {
		return err
	}
	if sum.Failed+sum.Unreadable > 0 {
		return &partialError{failed: sum.Failed + sum.Unreadable}
	}
	return nil
}

// convertOutput prints convert's records as lines or JSON.
type convertOutput struct {
	w   io.Writer
	enc *json.Encoder
}

func newConvertOutput(w io.Writer, asJSON bool) *convertOutput {
	o := &convertOutput{w: w}
	if asJSON {
		o.enc = json.NewEncoder(w)
		o.enc.SetEscapeHTML(false)
	}
	return o
}

func (o *convertOutput) record(r *convertRecord) error {
	if o.enc != nil {
		return o.enc.Encode(r)
	}
	if r.Error != "" {
		_, err := fmt.Fprintf(o.w, "left %s (%s): %s\n", r.Path, r.From, r.Error)
		return err
	}
	verb, renamed := "converted", ""
	if r.DryRun {
		verb = "would convert"
	}
	if r.NewPath != r.Path {
		renamed = ", as " + r.NewPath
	}
	_, err := fmt.Fprintf(o.w, "%s %s: %s -> %s%s, target %s\n", verb, r.Path, r.From, r.To, renamed, r.Target)
	return err
}

func (o *convertOutput) summary(s *convertSummary) error {
	if o.enc != nil {
		return o.enc.Encode(s)
	}
	verb := "converted"
	if s.DryRun {
		verb = "would convert"
	}
	_, err := fmt.Fprintf(o.w, "\n%s %d links (%s); %d left untouched, %d malformed skipped, %d unreadable paths\n",
		verb, s.Converted, formatCounts(s.Summary), s.Failed, s.Skipped, s.Unreadable)
	return err
}
