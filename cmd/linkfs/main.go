// Command linkfs presents a directory tree with every Windows, WSL, Cygwin,
// SMB and ntfs-3g link translated into one the reader can follow, and
// inspects, scans and converts such links offline.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes, one per class of failure.
const (
	exitOK      = 0
	exitPartial = 1 // some paths could not be read, or the command failed
	exitUsage   = 2 // the command line is wrong
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// partialError reports that the command ran but some inputs failed; each
// failure was already reported.
type partialError struct{ failed int }

func (e *partialError) Error() string {
	return fmt.Sprintf("%d path(s) could not be read", e.failed)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	cmds := []command{
		{"inspect", "decode the links at the given paths", runInspectArgs},
	}
	cmds = append(cmds, platformCommands()...)
	m := make(map[string]command, len(cmds))
	for _, c := range cmds {
		m[c.name] = c
	}
	return m
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok && isMountHelperCall(args) {
		// mount(8) through mount.fuse3: linkfs SOURCE MOUNTPOINT -o opts
		c, ok = cmds["mount"]
		args = append([]string{"mount", "--daemon"}, args...)
	}
	if !ok {
		fmt.Fprintf(stderr, "linkfs: unknown command %q\n", args[0])
		printUsage(stderr, cmds)
		return exitUsage
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	var ue *usageError
	var pe *partialError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "linkfs %s: %v\n", c.name, err)
		return exitUsage
	case errors.As(err, &pe):
		return exitPartial
	default:
		fmt.Fprintf(stderr, "linkfs %s: %v\n", c.name, err)
		return exitPartial
	}
}

// isMountHelperCall recognises the mount.fuse3 convention: two existing
// paths (source and mount point) before any options.
func isMountHelperCall(args []string) bool {
	if len(args) < 2 {
		return false
	}
	for _, a := range args[:2] {
		if strings.HasPrefix(a, "-") {
			return false
		}
		if _, err := os.Stat(a); err != nil {
			return false
		}
	}
	return true
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: linkfs COMMAND [flags] ARGS...")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'linkfs COMMAND -h' for the flags of a command.")
}

// parseInterspersed parses flags that may stand before, between or after
// the positional arguments, as users of GNU tools expect; "--" ends flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// newFlagSet returns a flag set whose errors are returned, not printed
// twice, with usage text written to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: linkfs %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
