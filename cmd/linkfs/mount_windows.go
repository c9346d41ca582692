//go:build windows

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/linkfs/linkfs/fs"
	"github.com/linkfs/linkfs/mount"
	"github.com/linkfs/linkfs/translate"
)

// platformCommands: on Windows the mount goes through WinFsp.
func platformCommands() []command {
	return []command{
		{"mount", "present SOURCE on a drive letter with every link a Windows symlink (WinFsp)", runMountArgs},
		{"unmount", "unmount a linkfs mount", runUnmountArgs},
	}
}

type mountOptions struct {
	mapping      mappingFlags
	create       string
	read         string
	readOnly     bool
	noGateway    bool
	debug        bool
	cacheTimeout time.Duration
	logFile      string
	mountOpts    listFlag
	winfsp       []string // -o options passed to WinFsp
}

const mountSynopsis = `mount [flags] SOURCE X:|*|DIR`

func (o *mountOptions) register(flags *flag.FlagSet) {
	o.mapping.register(flags)
	flags.StringVar(&o.create, "create", "auto", "format of links Windows programs create (mklink): "+translate.FlagNames(windowsCreatable())+", or auto (ntfs where this process may create symlinks, with Developer Mode or elevated; lx otherwise; cygwin on volumes without reparse points)")
	flags.StringVar(&o.read, "read", readList(), "comma-separated formats presented as symlinks, among "+translate.FlagNames(translate.FormatsWhere(isPresented))+"; the others show as the files they are stored as")
	flags.BoolVar(&o.readOnly, "ro", false, "mount read-only")
	flags.BoolVar(&o.noGateway, "no-gateway", false, `turn off the `+translate.GatewayDir+` gateway: links that leave SOURCE (other drives, shares, WSL) then fail with "path not found" when followed`)
	flags.BoolVar(&o.debug, "debug", false, "log every file system operation")
	flags.DurationVar(&o.cacheTimeout, "cache-timeout", time.Second, "how long WinFsp caches file information (FileInfoTimeout); changes made directly on SOURCE show after at most this")
	flags.StringVar(&o.logFile, "log-file", "", "append logs to this file (default: standard error)")
	flags.Var(&o.mountOpts, "o", "options, comma-separated: ro, create=FMT, read=FMT+FMT, style=, automount_root=, drive=X:=DIR, distro=, cache_timeout=, debug, and for WinFsp FileInfoTimeout=, DirInfoTimeout=, VolumeInfoTimeout=, KeepFileCache, uid=, gid=, umask=, volname=")
}

// readList is the default --read list: Windows has no native symlinks
// to present.
func readList() string {
	return formatList(translate.FormatsWhere(func(r translate.FormatInfo) bool {
		return r.DefaultRead && r.Storage != translate.StorageSymlink
	}))
}

// windowsCreatable lists the formats a Windows mount can create links in:
// all but the POSIX symlink, which Windows has not.
func windowsCreatable() []translate.Format {
	return translate.FormatsWhere(func(r translate.FormatInfo) bool {
		return r.Creatable() && r.Storage != translate.StorageSymlink
	})
}

// winfspOpts are the -o options passed on to WinFsp's FUSE layer.
var winfspOpts = map[string]bool{
	"FileInfoTimeout": true, "DirInfoTimeout": true, "VolumeInfoTimeout": true, "KeepFileCache": true,
	"uid": true, "gid": true, "umask": true, "volname": true,
}

func (o *mountOptions) applyMountOpts() error {
	for _, list := range o.mountOpts {
		for _, opt := range strings.Split(list, ",") {
			if opt == "" {
				continue
			}
			key, value, hasValue := strings.Cut(opt, "=")
			var err error
			switch key {
			case "ro":
				o.readOnly = true
			case "rw":
				o.readOnly = false
			case "debug":
				o.debug = true
			case "create":
				o.create = value
			case "read":
				o.read = strings.ReplaceAll(value, "+", ",")
			case "style", "automount_root", "automount-root", "drive", "distro":
				o.mapping.applyMountOpt(key, value)
			case "cache_timeout":
				o.cacheTimeout, err = time.ParseDuration(value)
			default:
				if !winfspOpts[key] {
					return usagef("-o %s: unknown option", opt)
				}
				o.winfsp = append(o.winfsp, opt)
				continue
			}
			if err != nil || !hasValue && strings.Contains(" create read style automount_root drive distro cache_timeout ", " "+key+" ") {
				return usagef("-o %s: bad value", opt)
			}
		}
	}
	return nil
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

func runMountArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o mountOptions
	flags := newFlagSet("mount", mountSynopsis, stderr)
	o.register(flags)
	pos, err := parseInterspersed(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		flags.Usage()
		return usagef("want SOURCE and a mount point (X:, * or a new directory), got %d arguments", len(pos))
	}
	if err := o.applyMountOpts(); err != nil {
		return err
	}
	source, mountpoint := pos[0], pos[1]
	var w io.Writer = stderr
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	level := slog.LevelInfo
	if o.debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
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
		Tree: tree, Config: cfg, Mountpoint: mountpoint, Gateway: !o.noGateway,
		CacheTimeout: o.cacheTimeout, WinFspOptions: o.winfsp, Debug: o.debug, Logger: logger,
	})
	if err != nil {
		return err
	}
	logger.Info("mounted", "source", source, "mountpoint", m.Dir(), "create", string(tree.CreateFormat()), "ro", o.readOnly, "gateway", !o.noGateway)
	fmt.Fprintf(stderr, "linkfs: %s is mounted on %s; Ctrl-C or `linkfs unmount %s` unmounts it\n", source, m.Dir(), m.Dir())
	done := make(chan struct{})
	go func() { m.Wait(); close(done) }()
	select {
	case <-done:
		logger.Info("unmounted", "mountpoint", m.Dir())
		return nil
	case <-ctx.Done():
	}
	logger.Info("interrupted, unmounting", "mountpoint", m.Dir())
	if err := m.Unmount(); err != nil {
		return err
	}
	<-done
	return nil
}

// unmountSynopsis names what linkfs unmount takes here.
const unmountSynopsis = "unmount X:|DIR..."
