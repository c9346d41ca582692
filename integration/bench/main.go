//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// config is what the flags ask for.
type config struct {
	spec        treeSpec
	rounds      int
	dir         string
	keep        bool
	targetNames []string
	rows        []string // substrings of row names; empty for every row
	linkfsFlags []string // extra flags of both linkfs mounts
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	flags.SetOutput(stderr)
	scale := flags.Int("scale", 1, "multiply the tree's directories and files (5 gives the 100k tree)")
	quick := flags.Bool("quick", false, "smoke run: 2k files, a 32 MiB file, 500 small files, 3 rounds")
	rounds := flags.Int("rounds", 0, "rounds per workload and target; the table shows the median (default 5, 3 with --quick)")
	dir := flags.String("dir", "/var/tmp", "directory in which the tree, the mount points and the binaries are made")
	keep := flags.Bool("keep", false, "leave the tree and the binaries in place")
	targets := flags.String("targets", strings.Join(allTargets, ","), "comma-separated targets to measure")
	rowList := flags.String("rows", "", "comma-separated parts of workload names to run (default every workload)")
	linkfsFlags := flags.String("linkfs-flags", "", "extra flags for both linkfs mounts, space-separated (to try a setting)")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./integration/bench [flags]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return config{}, err
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return config{}, fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *scale < 1 {
		return config{}, fmt.Errorf("--scale %d: want 1 or more", *scale)
	}
	c := config{
		spec:   treeSpec{Dirs: 200 * *scale, PerDir: 100, BigSize: 256 << 20, WriteSize: 64 << 20, SmallFiles: 5000},
		rounds: 5, dir: *dir, keep: *keep, linkfsFlags: strings.Fields(*linkfsFlags),
	}
	if *quick {
		c.spec = treeSpec{Dirs: 20 * *scale, PerDir: 100, BigSize: 32 << 20, WriteSize: 16 << 20, SmallFiles: 500}
		c.rounds = 3
	}
	if *rounds != 0 {
		c.rounds = *rounds
	}
	if c.rounds < 1 {
		return config{}, fmt.Errorf("--rounds %d: want 1 or more", c.rounds)
	}
	for _, t := range strings.Split(*targets, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !slices.Contains(allTargets, t) {
			return config{}, fmt.Errorf("--targets: unknown target %q (want some of %s)", t, strings.Join(allTargets, ","))
		}
		c.targetNames = append(c.targetNames, t)
	}
	if !slices.Contains(c.targetNames, linkfs) {
		return config{}, fmt.Errorf("--targets %s: linkfs is what the table compares", *targets)
	}
	for _, r := range strings.Split(*rowList, ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.rows = append(c.rows, r)
		}
	}
	return c, nil
}

// bench is one run: the tree, the targets and the samples.
type bench struct {
	config
	work    string // the run's directory under --dir
	src     string // the tree
	bin     string // built binaries
	canDrop bool   // the cold rows may drop the page cache
	machine machine
	// load is /proc/loadavg before and after the measurements: other
	// work on the machine shows in the spread of the rounds.
	load    [2]string
	devNull *os.File
	targets []*target
	rows    []row
	// nativeLinks are the native symlinks of the tree, relative to its
	// root: the links every target presents under the same names.
	nativeLinks []string
	samples     map[string]map[string][]time.Duration // row, target -> seconds per round
	rss         map[string]int64                      // target -> peak RSS of its daemon
	notes       []string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	b := &bench{config: cfg, samples: map[string]map[string][]time.Duration{}, rss: map[string]int64{}}
	for _, r := range rowsFor(cfg.spec) {
		if len(cfg.rows) == 0 || slices.ContainsFunc(cfg.rows, func(s string) bool { return strings.Contains(r.name, s) }) {
			b.rows = append(b.rows, r)
		}
	}
	if len(b.rows) == 0 {
		return fmt.Errorf("--rows %s matches no workload", strings.Join(cfg.rows, ","))
	}
	if b.devNull, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
		return err
	}
	defer b.devNull.Close()
	if b.work, err = os.MkdirTemp(cfg.dir, "linkfs-bench-"); err != nil {
		return err
	}
	if b.work, err = filepath.EvalSymlinks(b.work); err != nil {
		return err
	}
	defer func() {
		if cerr := b.teardown(); err == nil {
			err = cerr
		}
	}()
	b.src, b.bin = filepath.Join(b.work, "src"), filepath.Join(b.work, "bin")
	if err := b.setup(ctx, stderr); err != nil {
		return err
	}
	b.load[0] = loadAverage()
	if err := b.measure(ctx, stderr); err != nil {
		return err
	}
	b.load[1] = loadAverage()
	for _, t := range b.targets {
		if t.daemon != nil {
			rss, err := t.daemon.peakRSS()
			if err != nil {
				return err
			}
			b.rss[t.name] = rss
		}
	}
	b.report(stdout)
	return nil
}

// setup builds the binaries and the tree, and mounts every target.
func (b *bench) setup(ctx context.Context, stderr io.Writer) error {
	b.canDrop = os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0) == nil
	if !b.canDrop {
		b.note("cannot drop the page cache (not root?): the cold rows remount each FUSE target instead, and the native cold rows are warm")
	}
	if err := os.MkdirAll(b.bin, 0o755); err != nil {
		return err
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "building the daemons into %s\n", b.bin)
	if err := goBuild(ctx, root, filepath.Join(b.bin, "linkfs"), "./cmd/linkfs"); err != nil {
		return err
	}
	if slices.Contains(b.targetNames, loopback) {
		if err := goBuild(ctx, root, filepath.Join(b.bin, "loopback"), "github.com/hanwen/go-fuse/v2/example/loopback"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "building the tree in %s: %d entries in %d directories, %d links, %s file\n",
		b.src, b.spec.entries(), b.spec.Dirs, b.spec.links(), mib(b.spec.BigSize))
	start := time.Now()
	if err := buildTree(b.src, b.spec, b.targetNames); err != nil {
		return fmt.Errorf("build the tree: %w", err)
	}
	fmt.Fprintf(stderr, "tree built in %.1fs\n", time.Since(start).Seconds())
	b.machine = describeMachine(ctx, root, b.src)
	for _, name := range b.targetNames {
		t := &target{name: name, root: b.src}
		if name != native {
			t.root = filepath.Join(b.work, "mnt", name)
			if err := os.MkdirAll(t.root, 0o755); err != nil {
				return err
			}
			t.daemon = &daemon{mnt: t.root, argv: b.daemonArgs(name, t.root), logPath: filepath.Join(b.work, name+".log")}
		}
		if name == bindfs {
			if _, err := exec.LookPath("bindfs"); err != nil {
				b.note("bindfs is not installed (apt-get install bindfs): its column is left out")
				continue
			}
		}
		b.targets = append(b.targets, t)
		if t.daemon != nil {
			if err := t.daemon.start(); err != nil {
				return err
			}
		}
	}
	for _, t := range b.targets {
		if err := t.walk(); err != nil {
			return fmt.Errorf("walk %s: %w", t.name, err)
		}
		if t.name == native {
			for _, p := range t.links {
				rel, _ := filepath.Rel(t.root, p)
				b.nativeLinks = append(b.nativeLinks, rel)
			}
		}
	}
	return b.checkCounts()
}

// daemonArgs is the command line that serves target name on mnt. Every
// daemon runs with its defaults, which the report spells out.
func (b *bench) daemonArgs(name, mnt string) []string {
	switch name {
	case linkfs:
		return slices.Concat([]string{filepath.Join(b.bin, "linkfs"), "mount"}, b.linkfsFlags, []string{b.src, mnt})
	case linkfsRaw:
		return slices.Concat([]string{filepath.Join(b.bin, "linkfs"), "mount", "--read", ""}, b.linkfsFlags, []string{b.src, mnt})
	case loopback:
		return []string{filepath.Join(b.bin, "loopback"), "-q", mnt, b.src}
	case bindfs:
		return []string{"bindfs", "-f", b.src, mnt}
	}
	panic("no daemon for target " + name)
}

// checkCounts makes sure every target shows the whole tree, and linkfs
// every link: a mount that hides entries would look fast.
func (b *bench) checkCounts() error {
	var native0 *target
	for _, t := range b.targets {
		if t.name == native {
			native0 = t
		}
	}
	wantNative := b.spec.links() / len(linkFormats)
	for _, t := range b.targets {
		want := wantNative
		if t.name == linkfs {
			want = b.spec.links()
		}
		if native0 != nil && len(t.entries) != len(native0.entries) {
			return fmt.Errorf("%s shows %d entries, the tree has %d", t.name, len(t.entries), len(native0.entries))
		}
		if len(t.links) != want {
			return fmt.Errorf("%s shows %d symlinks, want %d", t.name, len(t.links), want)
		}
	}
	return nil
}

// measure runs every row on every target, round after round. Within a
// round the targets take turns, starting one further each round, so a
// drift of the machine (page cache, CPU frequency, a neighbour) spreads
// over all of them.
func (b *bench) measure(ctx context.Context, stderr io.Writer) error {
	start := time.Now()
	for round := range b.rounds {
		order := slices.Concat(b.targets[round%len(b.targets):], b.targets[:round%len(b.targets)])
		for _, r := range b.rows {
			line := fmt.Sprintf("%4.0fs round %d/%d  %-32s", time.Since(start).Seconds(), round+1, b.rounds, r.name)
			for _, t := range order {
				if err := ctx.Err(); err != nil {
					return err
				}
				d, err := b.once(ctx, r, t)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", r.name, t.name, err)
				}
				if b.samples[r.name] == nil {
					b.samples[r.name] = map[string][]time.Duration{}
				}
				b.samples[r.name][t.name] = append(b.samples[r.name][t.name], d)
				line += fmt.Sprintf("  %s %.3f", t.name, d.Seconds())
			}
			fmt.Fprintln(stderr, line)
		}
	}
	return nil
}

func (b *bench) once(ctx context.Context, r row, t *target) (time.Duration, error) {
	if r.prepare != nil {
		if err := r.prepare(ctx, b, t); err != nil {
			return 0, fmt.Errorf("prepare: %w", err)
		}
	}
	start := time.Now()
	err := r.run(ctx, b, t)
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if r.cleanup != nil {
		if err := r.cleanup(ctx, b, t); err != nil {
			return 0, fmt.Errorf("clean up: %w", err)
		}
	}
	return d, nil
}

// teardown unmounts every target and removes the run's directory unless
// --keep, or unless something is still mounted below it.
func (b *bench) teardown() error {
	var errs []error
	for _, t := range b.targets {
		if t.daemon != nil {
			errs = append(errs, t.daemon.stop())
		}
	}
	if left := mountsBelow(b.work); len(left) > 0 {
		return errors.Join(append(errs, fmt.Errorf("still mounted, %s left in place: %s", b.work, strings.Join(left, " ")))...)
	}
	if b.keep {
		fmt.Fprintf(os.Stderr, "kept %s\n", b.work)
	} else {
		errs = append(errs, os.RemoveAll(b.work))
	}
	return errors.Join(errs...)
}

func (b *bench) note(s string) { b.notes = append(b.notes, s) }

// moduleRoot returns the directory of the linkfs module, whose binaries
// the run builds.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the benchmark inside the linkfs module: go run ./integration/bench")
	}
	return filepath.Dir(mod), nil
}

func goBuild(ctx context.Context, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}
