package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/mount"
	"github.com/linkfs/linkfs/translate"
)

// daemonGCPercent is the mount daemon's GOGC unless the environment sets
// one.
const daemonGCPercent = 50

// readyFdEnv names the descriptor through which a --daemon child reports
// that the mount is ready ("ok") or why it failed.
const readyFdEnv = "LINKFS_READY_FD"

type mountOptions struct {
	mapping      mappingFlags
	create       string
	read         string
	readOnly     bool
	allowOther   bool
	debug        bool
	daemon       bool
	cacheTimeout time.Duration
	watch        bool
	watchTimeout time.Duration
	logFile      string
	mountOpts    listFlag // -o, the mount(8) helper convention
	backend      string
}

const mountSynopsis = "mount [flags] SOURCE MOUNTPOINT"

func (o *mountOptions) register(flags *flag.FlagSet) {
	o.mapping.register(flags)
	flags.StringVar(&o.create, "create", "auto", "format of links created through the mount: "+translate.FlagNames(fs.CreatableFormats())+", or auto (NTFS source: ntfs where the target has a Windows form, lx otherwise; elsewhere native)")
	flags.StringVar(&o.read, "read", defaultReadList(), "comma-separated formats presented as symlinks, among "+translate.FlagNames(translate.FormatsWhere(isPresented))+"; the others show as the files they are stored as")
	flags.BoolVar(&o.readOnly, "ro", false, "mount read-only")
	flags.BoolVar(&o.allowOther, "allow-other", false, "let other users use the mount (the kernel checks permissions)")
	flags.BoolVar(&o.debug, "debug", false, "log every FUSE operation")
	flags.BoolVar(&o.daemon, "daemon", false, "detach once the mount is ready; exit 0 only then")
	flags.DurationVar(&o.cacheTimeout, "cache-timeout", time.Second, "how long the kernel caches entries and attributes no watch covers; changes made directly on SOURCE show after at most this")
	flags.BoolVar(&o.watch, "watch", true, "watch SOURCE (inotify) and drop cached entries as soon as it changes, so the kernel may cache what is unchanged for --watch-timeout (directories on network file systems are not watched)")
	flags.DurationVar(&o.watchTimeout, "watch-timeout", time.Hour, "how long the kernel caches entries, attributes, listings and link targets a watch covers")
	flags.StringVar(&o.logFile, "log-file", "", "append logs to this file (default: standard error; discarded with --daemon)")
	flags.StringVar(&o.backend, "backend", string(mount.BackendGoFUSE), "FUSE library serving the mount: gofuse, or cgofuse (the adapter Windows uses; needs a binary built with -tags cgofuse,fuse3)")
	flags.Var(&o.mountOpts, "o", "mount options, comma-separated, as in fstab: ro, allow_other, create=FMT, read=FMT+FMT, style=, automount_root=, drive=X:=DIR, distro=, cache_timeout=, watch=, watch_timeout=, backend=, debug")
}

func defaultReadList() string {
	return formatList(translate.FormatsWhere(func(r translate.FormatInfo) bool { return r.DefaultRead }))
}

func runMountArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts mountOptions
	flags := newFlagSet("mount", mountSynopsis, stderr)
	opts.register(flags)
	pos, err := parseInterspersed(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		flags.Usage()
		return usagef("want SOURCE and MOUNTPOINT, got %d arguments", len(pos))
	}
	if err := opts.applyMountOpts(); err != nil {
		return err
	}
	if _, err := mount.ParseBackend(opts.backend); err != nil {
		return usagef("--backend: %v", err)
	}
	return runMount(ctx, opts, pos[0], pos[1], args, stderr)
}

// applyMountOpts folds -o options into the flags.
func (o *mountOptions) applyMountOpts() error {
	for _, list := range o.mountOpts {
		for _, opt := range splitMountOpts(list) {
			key, value, hasValue := strings.Cut(opt, "=")
			var err error
			switch key {
			case "ro":
				o.readOnly = true
			case "rw":
				o.readOnly = false
			case "allow_other":
				o.allowOther = true
			case "debug":
				o.debug = true
			case "create":
				o.create = value
			case "read":
				o.read = strings.ReplaceAll(value, "+", ",")
			case "style", "automount_root", "automount-root", "drive", "distro":
				o.mapping.applyMountOpt(key, value)
			case "backend":
				o.backend = value
			case "cache_timeout", "cache-timeout":
				o.cacheTimeout, err = time.ParseDuration(value)
			case "watch":
				o.watch, err = strconv.ParseBool(value)
			case "nowatch":
				o.watch = false
			case "watch_timeout", "watch-timeout":
				o.watchTimeout, err = time.ParseDuration(value)
			case "defaults", "dev", "nodev", "suid", "nosuid", "exec", "noexec", "auto", "noauto",
				"user", "users", "nouser", "nofail", "_netdev", "default_permissions", "atime", "noatime", "relatime":
				// Generic mount(8) options: handled by mount(8) or always on.
			default:
				if strings.HasPrefix(key, "x-") || key == "comment" {
					continue
				}
				return usagef("-o %s: unknown mount option", opt)
			}
			if err != nil || (!hasValue && valuedMountOpts[key]) {
				return usagef("-o %s: bad value", opt)
			}
		}
	}
	return nil
}

// valuedMountOpts are the -o options that need a value.
var valuedMountOpts = map[string]bool{
	"create": true, "read": true, "style": true, "automount_root": true, "automount-root": true,
	"drive": true, "distro": true, "cache_timeout": true, "cache-timeout": true, "backend": true,
	"watch": true, "watch_timeout": true, "watch-timeout": true,
}

// splitMountOpts splits on commas; a drive map's value holds none.
func splitMountOpts(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (o *mountOptions) treeConfig(source string, logger *slog.Logger) (fs.Config, error) {
	m, err := o.mapping.mapper()
	if err != nil {
		return fs.Config{}, err
	}
	create, err := fs.ParseCreateFormat(o.create)
	if err != nil {
		return fs.Config{}, usagef("--create: %v", err)
	}
	read, err := parseReadList(o.read)
	if err != nil {
		return fs.Config{}, err
	}
	return fs.Config{Source: source, Mapper: m, Read: read, Create: create, ReadOnly: o.readOnly, Logger: logger}, nil
}

func (o *mountOptions) logger(stderr io.Writer) (*slog.Logger, io.Closer, error) {
	var w io.Writer = stderr
	var closer io.Closer = io.NopCloser(nil)
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, nil, err
		}
		w, closer = f, f
	} else if os.Getenv(readyFdEnv) != "" {
		w = io.Discard
	}
	level := slog.LevelInfo
	if o.debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), closer, nil
}

func runMount(ctx context.Context, o mountOptions, source, mountpoint string, args []string, stderr io.Writer) error {
	if o.daemon && os.Getenv(readyFdEnv) == "" {
		return daemonize(args, stderr)
	}
	ready := readyReporter()
	err := serve(ctx, o, source, mountpoint, stderr, ready)
	if err != nil {
		ready(err)
	}
	return err
}

// serve mounts and blocks until the mount ends (a signal, or an unmount
// from outside). ready is told once the kernel serves the mount.
func serve(ctx context.Context, o mountOptions, source, mountpoint string, stderr io.Writer, ready func(error)) error {
	if os.Getenv("GOGC") == "" {
		// A daemon serving a large tree holds an inode per entry the
		// kernel knows; collecting at half the live heap instead of the
		// whole keeps its peak resident size near what it uses, for a
		// collection cost that stays under 1% of its time.
		debug.SetGCPercent(daemonGCPercent)
	}
	logger, closer, err := o.logger(stderr)
	if err != nil {
		return err
	}
	defer closer.Close()
	cfg, err := o.treeConfig(source, logger)
	if err != nil {
		return err
	}
	tree, err := fs.NewTree(cfg)
	if err != nil {
		return err
	}
	defer tree.Close()
	m, err := mount.Mount(mount.Options{
		Tree: tree, Mountpoint: mountpoint, AllowOther: o.allowOther,
		CacheTimeout: o.cacheTimeout, Watch: o.watch, WatchTimeout: o.watchTimeout,
		Debug: o.debug, Logger: logger, Backend: mount.Backend(o.backend),
	})
	if err != nil {
		return err
	}
	logger.Info("mounted", "source", source, "mountpoint", mountpoint, "create", string(tree.CreateFormat()), "ro", o.readOnly, "watch", m.Watching())
	ready(nil)
	stopStatus := logStatusOnSIGUSR1(logger)
	defer stopStatus()
	done := make(chan struct{})
	go func() { m.Wait(); close(done) }()
	select {
	case <-done:
		logger.Info("unmounted from outside", "mountpoint", mountpoint)
		return nil
	case <-ctx.Done():
	}
	logger.Info("signal received, unmounting", "mountpoint", mountpoint)
	if err := m.Unmount(); err != nil {
		// Files are still open in the mount: detach it so the mount point
		// is free now; those files fail from here on.
		logger.Warn("mount busy, detaching it", "mountpoint", mountpoint, "err", err)
		return mount.Detach(mountpoint)
	}
	<-done
	return nil
}

// logStatusOnSIGUSR1 logs the daemon's goroutine count and open
// descriptors each time it gets SIGUSR1 (`kill -USR1 PID`), so leaks can
// be watched on a live mount. It returns the function that stops it.
func logStatusOnSIGUSR1(logger *slog.Logger) func() {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-usr1:
				fds, err := os.ReadDir("/proc/self/fd")
				if err != nil {
					logger.Warn("status: cannot count descriptors", "err", err)
				}
				logger.Info("status", "goroutines", runtime.NumGoroutine(), "fds", len(fds))
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(usr1)
		close(quit)
	}
}

// readyReporter returns the function that tells a waiting parent (with
// --daemon) whether the mount came up; in the foreground it does nothing.
func readyReporter() func(error) {
	fd := os.Getenv(readyFdEnv)
	if fd == "" {
		return func(error) {}
	}
	os.Unsetenv(readyFdEnv)
	var n int
	if _, err := fmt.Sscanf(fd, "%d", &n); err != nil {
		return func(error) {}
	}
	pipe := os.NewFile(uintptr(n), "ready")
	reported := false
	return func(err error) {
		if reported {
			return
		}
		reported = true
		if err == nil {
			fmt.Fprintln(pipe, "ok")
		} else {
			fmt.Fprintln(pipe, err.Error())
		}
		pipe.Close()
	}
}

// daemonize starts this command again, detached from the terminal, and
// waits until it reports that the mount is ready or why it failed.
func daemonize(args []string, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	cmd := exec.Command(exe, append([]string{"mount"}, args...)...)
	cmd.Env = append(os.Environ(), readyFdEnv+"=3")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return err
	}
	w.Close()
	line, rerr := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "ok" {
		return cmd.Process.Release()
	}
	werr := cmd.Wait()
	if line == "" {
		return fmt.Errorf("the mount daemon exited before the mount was ready: %w", errors.Join(rerr, werr))
	}
	return errors.New(line)
}

// unmountSynopsis names what linkfs unmount takes here.
const unmountSynopsis = "unmount MOUNTPOINT..."
