package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit"
)

// rangesDir is where --update-ranges keeps the published IP ranges: the
// user's cache folder. Only cmd reads the environment.
func rangesDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "crawlaudit", "ranges")
}

// logsGCPercent is the GOGC of `crawlaudit logs` once its heap passed
// three quarters of logsHeapFree.
const logsGCPercent = 20

// logsHeapFree is the heap `crawlaudit logs` grows to before its first
// collection.
const logsHeapFree = 160 << 20

// tuneLogsGC sets the collector of `crawlaudit logs`. The heap is mostly
// the hits of the distinct URLs crawlers requested, and it only grows.
// Below logsHeapFree nothing is collected: a small site's run needs no
// collection at all, and a large one's is spared the many collections of
// a small heap. Once a collection finds three quarters of that live, the collector
// runs at every fifth of growth, which keeps the peak near the live heap
// however large it grows (a fixed limit would make the collector run
// without pause once a large site's hits pass it).
func tuneLogsGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(logsHeapFree)
	afterGC(func() bool {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() < logsHeapFree/4*3 {
			return true
		}
		debug.SetGCPercent(logsGCPercent)
		debug.SetMemoryLimit(math.MaxInt64)
		return false
	})
}

// afterGC calls f after each garbage collection until f returns false.
func afterGC(f func() bool) {
	type sentinel struct{ _ [16]byte } // not a tiny allocation: finalizers run
	var again func(*sentinel)
	again = func(s *sentinel) {
		if f() {
			runtime.SetFinalizer(s, again)
		}
	}
	runtime.SetFinalizer(&sentinel{}, again)
}

func newLogsCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	o := crawlaudit.LogsOptions{}
	var quiet, update, noCache, progress bool
	var jsonFields []string
	var sc screen
	cmd := &cobra.Command{
		Use:   "logs FILE... [--crawl DIR] [--out DIR]",
		Short: "Search-engine hits from server access logs, joined with a crawl",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 && !update {
				return usagef("logs takes one or more access log files (- for standard input), or --update-ranges")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sc.check(); err != nil {
				return err
			}
			dir := rangesDir()
			if update {
				if dir == "" {
					return usagef("logs: --update-ranges: no user cache folder")
				}
				files, err := crawlaudit.UpdateRanges(ctx, dir, nil)
				for _, f := range files {
					fmt.Fprintln(stderr, "crawlaudit: ranges written:", f)
				}
				if err != nil {
					fmt.Fprintln(stderr, "crawlaudit: warning:", err)
				}
				if len(args) == 0 {
					if len(files) == 0 {
						return err
					}
					return nil
				}
			}
			if !noCache {
				o.RangesDir = dir
			}
			o.Files = args
			o.Stdin = cmd.InOrStdin()
			o.Terminal = sc.terminal(stdout)
			o.Version = version
			if len(jsonFields) > 0 {
				o.JSONFields = map[string]string{}
				for _, kv := range jsonFields {
					k, v, ok := strings.Cut(kv, "=")
					if !ok {
						return usagef("logs: --json-field %q: want KEY=PATH", kv)
					}
					o.JSONFields[k] = v
				}
			}
			if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
				tuneLogsGC()
			}
			var bytesRead, lines atomic.Int64
			started := time.Now()
			o.Progress = func(b, l int64) { bytesRead.Store(b); lines.Store(l) }
			stop := showLine(stderr, progress, nil, func() string {
				l := lines.Load()
				rate := float64(l) / max(time.Since(started).Seconds(), 0.001)
				return fmt.Sprintf("reading logs: %d lines, %.1f MB, %.0f lines/s", l, float64(bytesRead.Load())/1e6, rate)
			})
			res, err := crawlaudit.Logs(ctx, o)
			stop()
			if err != nil {
				return usagef("%v", err)
			}
			if !quiet {
				fmt.Fprint(stdout, res.Summary())
				reportLine(stdout, res.Out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Crawl, "crawl", "", "a finished crawl's output folder to join the logs with (its crawl.db and outputs are updated)")
	f.StringVar(&o.Out, "out", "", "folder to write the outputs to (default: the crawl's folder; required without --crawl)")
	f.StringVar(&o.Format, "format", "", "log format: common, combined, vhost_combined, nginx_main, json, w3c, apache:'<LogFormat>' or nginx:'<log_format>' (default: detected from the first lines)")
	f.StringArrayVar(&jsonFields, "json-field", nil, "JSON field mapping KEY=PATH (keys: ip, host, time, method, uri, request, status, size, referer, user_agent, duration; repeatable)")
	f.StringVar(&o.Site, "site", "", "origin the logged paths belong to, e.g. https://example.com (default: the crawl's)")
	f.StringArrayVar(&o.Ranges, "ranges", nil, "IP ranges file (googlebot.json, special-crawlers.json, bingbot.json, …, or OPERATOR=FILE; repeatable)")
	f.BoolVar(&update, "update-ranges", false, "fetch the published IP ranges into the user cache folder first (the only network access of this command)")
	f.BoolVar(&noCache, "no-cached-ranges", false, "do not load the ranges --update-ranges fetched earlier")
	f.BoolVar(&o.VerifyDNS, "verify-dns", false, "verify crawlers by reverse-then-forward DNS (cached per address, rate-limited)")
	f.Float64Var(&o.DNSRate, "dns-rate", 10, "DNS verifications per second at most, with --verify-dns")
	f.BoolVar(&progress, "progress", true, "show progress on stderr (a live line on a terminal)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print no summary")
	sc.bind(f)
	return cmd
}
