//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Targets of issue 7.
const (
	maxPeerRatio     = 1.0  // every row at or below the best FUSE peer
	maxMetadataRatio = 3.0  // metadata rows within 3x of native
	maxDataRatio     = 1.1  // data rows within 1.1x of native
	maxTranslation   = 1.05 // translation costs at most 5%
)

// machine describes where the run happened, for the README.
type machine struct {
	cpus              int
	cpuModel, memory  string
	kernel, goVersion string
	goFuse, bindfs    string
	sourceFS          string
	// commit is the linkfs source measured: the module's commit, with
	// "-dirty" when its tracked files had local changes.
	commit string
}

func describeMachine(ctx context.Context, moduleDir, src string) machine {
	m := machine{cpus: runtime.NumCPU(), goVersion: runtime.Version(), sourceFS: fsTypeOf(src)}
	m.cpuModel = procField("/proc/cpuinfo", "model name")
	m.memory = procField("/proc/meminfo", "MemTotal")
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.kernel = unix.ByteSliceToString(u.Release[:])
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", "github.com/hanwen/go-fuse/v2")
	cmd.Dir = moduleDir
	if out, err := cmd.Output(); err == nil {
		m.goFuse = strings.TrimSpace(string(out))
	}
	git := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty")
	git.Dir = moduleDir
	if out, err := git.Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "bindfs", "--version").Output(); err == nil {
		m.bindfs = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	return m
}

// procField returns the value of the first "name : value" line of a /proc
// file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2].Seconds()
	}
	return (s[n/2-1] + s[n/2]).Seconds() / 2
}

// rowResult is one line of the table.
type rowResult struct {
	row      row
	secs     map[string]float64 // target -> median seconds
	bestPeer string             // the fastest FUSE peer measured, "" for none
}

// ratio is a's median over b's, rounded to the two decimals the report
// prints, so that a target is judged on the figure the reader sees.
func (r rowResult) ratio(a, b string) (float64, bool) {
	x, okx := r.secs[a]
	y, oky := r.secs[b]
	if !okx || !oky || y == 0 {
		return 0, false
	}
	return math.Round(x/y*100) / 100, true
}

func (b *bench) results() []rowResult {
	var out []rowResult
	for _, r := range b.rows {
		res := rowResult{row: r, secs: map[string]float64{}}
		for name, ds := range b.samples[r.name] {
			res.secs[name] = median(ds)
		}
		for _, p := range peers {
			if s, ok := res.secs[p]; ok && (res.bestPeer == "" || s < res.secs[res.bestPeer]) {
				res.bestPeer = p
			}
		}
		out = append(out, res)
	}
	return out
}

// report prints the run as Markdown, ready for the README.
func (b *bench) report(w io.Writer) {
	m := b.machine
	fmt.Fprintf(w, "\nlinkfs %s. Machine: %d CPUs (%s), %s RAM, kernel %s, %s, go-fuse %s, %s; source on %s.\n",
		orNone(m.commit, "(commit unknown)"), m.cpus, m.cpuModel, m.memory, m.kernel, m.goVersion, m.goFuse, orNone(m.bindfs, "no bindfs"), m.sourceFS)
	fmt.Fprintf(w, "Load average (1, 5, 15 min) before the measurements %s, after %s.\n", b.load[0], b.load[1])
	fmt.Fprintf(w, "Tree: %d entries in %d directories (%d links: native symlinks, Cygwin cookies, MFSymlinks, Interix files, Cygwin shortcuts), a %s file. Median of %d rounds, seconds.\n\n",
		len(b.targets[0].entries), b.spec.Dirs+b.spec.Dirs/10, b.spec.links(), mib(b.spec.BigSize), b.rounds)
	names := make([]string, len(b.targets))
	for i, t := range b.targets {
		names[i] = t.name
	}
	has := func(n string) bool { return slices.Contains(names, n) }
	header := append([]string{"workload"}, names...)
	header = append(header, "linkfs / best peer", "linkfs / native", "linkfs / linkfs-raw")
	table := [][]string{header}
	results := b.results()
	for _, r := range results {
		line := []string{r.row.name}
		for _, n := range names {
			line = append(line, fmt.Sprintf("%.3f", r.secs[n]))
		}
		peer := "-"
		if x, ok := r.ratio(linkfs, r.bestPeer); ok {
			peer = fmt.Sprintf("%.2f (%s)", x, r.bestPeer)
		}
		line = append(line, peer, ratioCell(r, native), ratioCell(r, linkfsRaw))
		table = append(table, line)
	}
	writeTable(w, table)

	var seen, rss []string
	for _, t := range b.targets {
		seen = append(seen, fmt.Sprintf("%s %d", t.name, len(t.links)))
		if r, ok := b.rss[t.name]; ok {
			rss = append(rss, fmt.Sprintf("%s %.1f MiB", t.name, float64(r)/(1<<20)))
		}
	}
	fmt.Fprintf(w, "\nSymlinks seen: %s, of %d entries (readlink every link reads that many; the native-symlink row reads %d everywhere).\n",
		strings.Join(seen, ", "), len(b.targets[0].entries), len(b.nativeLinks))
	if len(rss) > 0 {
		fmt.Fprintf(w, "\nPeak RSS of each daemon (VmHWM at the end of the run): %s.\n", strings.Join(rss, ", "))
	}

	fmt.Fprintf(w, "\nDaemons: linkfs `linkfs mount%s` (linkfs-raw adds `--read \"\"`: every entry as stored);"+
		" loopback is go-fuse's example/loopback with its defaults (`-q`: entry and attribute TTL 1s, no negative-entry TTL, readdirplus, xattrs on);"+
		" bindfs with its defaults (`-f`).\n", orNone(" "+strings.Join(b.linkfsFlags, " "), ""))

	fmt.Fprintf(w, "\nTargets of issue 7:\n")
	var peerMiss, nativeMiss, transMiss []string
	for _, r := range results {
		if x, ok := r.ratio(linkfs, r.bestPeer); ok && x > maxPeerRatio {
			peerMiss = append(peerMiss, fmt.Sprintf("%s %.2f", r.row.name, x))
		}
		limit := maxMetadataRatio
		if r.row.kind == dataRow {
			limit = maxDataRatio
		}
		if x, ok := r.ratio(linkfs, native); ok && x > limit {
			nativeMiss = append(nativeMiss, fmt.Sprintf("%s %.2f > %.1f", r.row.name, x, limit))
		}
		if x, ok := r.ratio(linkfs, linkfsRaw); ok && x > maxTranslation {
			transMiss = append(transMiss, fmt.Sprintf("%s %.2f", r.row.name, x))
		}
	}
	if has(loopback) || has(bindfs) {
		fmt.Fprintf(w, "- at or below the best FUSE peer: %s\n", verdict(peerMiss))
	}
	if has(native) {
		fmt.Fprintf(w, "- within 3x of native (metadata), 1.1x (data): %s\n", verdict(nativeMiss))
	}
	if has(linkfsRaw) {
		fmt.Fprintf(w, "- translation overhead <= 5%% (linkfs / linkfs-raw): %s\n", verdict(transMiss))
	}
	if rl, ok := b.rss[linkfs]; ok {
		if rp, ok := b.rss[loopback]; ok {
			v := "met"
			if rl > rp {
				v = "missed"
			}
			scope := ""
			if len(b.targets[0].entries) < 100_000 {
				scope = " (the target is set on the 100k tree: --scale 5)"
			}
			fmt.Fprintf(w, "- peak RSS no higher than loopback's: %s, %.1f MiB vs %.1f MiB%s\n", v, float64(rl)/(1<<20), float64(rp)/(1<<20), scope)
		}
	}
	for _, n := range b.notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

func ratioCell(r rowResult, other string) string {
	if x, ok := r.ratio(linkfs, other); ok {
		return fmt.Sprintf("%.2f", x)
	}
	return "-"
}

func verdict(misses []string) string {
	if len(misses) == 0 {
		return "met on every row"
	}
	return "missed on " + strings.Join(misses, "; ")
}

func orNone(s, none string) string {
	if strings.TrimSpace(s) == "" {
		return none
	}
	return s
}

// writeTable prints rows as a Markdown table with padded columns, the
// first left-aligned and the others right-aligned.
func writeTable(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c), 3)
		}
	}
	line := func(cells []string) {
		var sb strings.Builder
		sb.WriteString("|")
		for i, c := range cells {
			if i == 0 {
				fmt.Fprintf(&sb, " %-*s |", widths[i], c)
			} else {
				fmt.Fprintf(&sb, " %*s |", widths[i], c)
			}
		}
		fmt.Fprintln(w, sb.String())
	}
	line(rows[0])
	sep := make([]string, len(widths))
	for i, n := range widths {
		if i == 0 {
			sep[i] = strings.Repeat("-", n)
		} else {
			sep[i] = strings.Repeat("-", n-1) + ":"
		}
	}
	line(sep)
	for _, r := range rows[1:] {
		line(r)
	}
}
