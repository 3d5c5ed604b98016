package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/demo"
)

// cliOptions are the flags of crawl and demo that are about the terminal,
// not the audit: what to print and how to log.
type cliOptions struct {
	quiet         bool
	verbose       bool
	progress      bool
	logFormat     string
	resume        string // crawl: output folder whose crawl.db to continue
	config        string // crawl, run: crawlaudit.yaml to read
	parallelSites int    // crawl, run: sites of the file crawled at once
	accept        bool   // crawl, run: --accept-current
	screen

	now  func() time.Time // injected by tests; nil is time.Now
	tick ticker           // injected by tests; nil is realTicker
}

func (c *cliOptions) bind(f *pflag.FlagSet) {
	f.BoolVarP(&c.quiet, "quiet", "q", false, "print no summary table")
	f.BoolVarP(&c.verbose, "verbose", "v", false, "log progress details on stderr")
	f.BoolVar(&c.progress, "progress", true, "show progress on stderr (a live line on a terminal, else a line every 10s)")
	f.StringVar(&c.logFormat, "log-format", "text", "log format on stderr: text or json")
	c.screen.bind(f)
}

// newOptions returns the defaults of crawl and demo for this build.
func newOptions() crawlaudit.Options {
	o := crawlaudit.DefaultOptions()
	o.UserAgent = crawlaudit.DefaultUserAgent(version)
	return o
}

func newCrawlCommand(ctx context.Context, stdout, stderr io.Writer, sig *signals) *cobra.Command {
	o := newOptions()
	c := &cliOptions{}
	cmd := &cobra.Command{
		Use:   "crawl [URL]",
		Short: "Crawl a site from URL (or the sites of --config FILE) and write the audit report",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("crawl takes exactly one start URL, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSignal(runCrawlCommand(ctx, cmd.Flags(), o, c, args, stdout, stderr), sig)
		},
	}
	f := cmd.Flags()
	bindFlags(f, &o)
	c.bind(f)
	f.StringVar(&c.resume, "resume", "", "continue the interrupted crawl in this output folder (its crawl.db)")
	f.StringVar(&c.config, "config", "", "crawlaudit.yaml to read sites and settings from (crawl reads none unless given; crawlaudit run reads ./crawlaudit.yaml)")
	c.bindJob(f)
	return cmd
}

// bindJob registers the flags crawl and run share beyond the settings:
// how many sites of a file crawl at once, and --accept-current, a decision
// for one run that no file can make.
func (c *cliOptions) bindJob(f *pflag.FlagSet) {
	f.IntVar(&c.parallelSites, "parallel-sites", 1, "sites of the configuration file crawled at once")
	f.BoolVar(&c.accept, "accept-current", false, "accept this crawl's findings as the baseline: the run passes and is filed in --history marked accepted (for a first scheduled run on a site with known problems)")
}

// runCrawlCommand runs `crawlaudit crawl`: one URL from the command line,
// the crawl in --resume's folder, or the sites of the configuration file
// --config names. crawl reads no configuration file it was not given: a
// crawlaudit.yaml in the working folder is for `crawlaudit run`. Flags given
// on the command line win over the file and over a resumed crawl's stored
// settings.
func runCrawlCommand(ctx context.Context, given *pflag.FlagSet, o crawlaudit.Options, c *cliOptions, args []string, stdout, stderr io.Writer) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := crawlaudit.CheckParallelSites(c.parallelSites); err != nil {
		return usageError{err}
	}
	if c.resume != "" {
		if c.config != "" {
			return usagef("--resume continues one crawl with its stored settings: --config does not apply")
		}
		base, err := crawlaudit.ResumeOptions(c.resume)
		if err != nil {
			return usageError{err}
		}
		if len(args) == 1 && strings.TrimRight(args[0], "/") != strings.TrimRight(base.Start, "/") {
			return usagef("--resume %s: that crawl started at %s, not %s", c.resume, base.Start, args[0])
		}
		if err := applyGiven(given, &base, func(name string) bool { return name == "out" }); err != nil {
			return usageError{err}
		}
		base.AcceptCurrent = c.accept
		// The start URL and scope come from a file: say them before the
		// first request.
		fmt.Fprintf(stderr, "Resuming the crawl in %s: %s\n", c.resume, crawlaudit.TerminalSafe(base.Scope()))
		return runOne(ctx, base, c, stdout, stderr)
	}
	if c.config == "" {
		if len(args) != 1 {
			return usagef("crawl takes exactly one start URL (or --config FILE), got %d arguments; `crawlaudit run` crawls the sites of ./crawlaudit.yaml", len(args))
		}
		if _, err := os.Stat(crawlaudit.DefaultConfigFile); err == nil {
			// It used to be read: say that it no longer is, once, so that
			// nobody relies on settings that do not apply.
			fmt.Fprintf(stderr, "crawlaudit: note: ./%s is not read by crawl: give --config %s to use it, or run the scheduled job with `crawlaudit run`\n", crawlaudit.DefaultConfigFile, crawlaudit.DefaultConfigFile)
		}
		o.Start = args[0]
		o.AcceptCurrent = c.accept
		return runOne(ctx, o, c, stdout, stderr)
	}
	return runConfig(ctx, given, c.config, args, c, stdout, stderr)
}

// runConfig crawls the sites of the configuration file at path, or with
// one URL in args that URL with its site's settings: `crawl --config` and
// `run`. Flags given on the command line win over the file (see
// applyGiven).
func runConfig(ctx context.Context, given *pflag.FlagSet, path string, args []string, c *cliOptions, stdout, stderr io.Writer) error {
	var vouched []string
	for key, flag := range map[string]string{"basic_auth_env": "basic-auth-env", "bearer_token_env": "bearer-token-env", "header_file": "header-file", "cookie_file": "cookie-file"} {
		if given.Changed(flag) {
			vouched = append(vouched, key)
		}
	}
	cfg, err := readConfig(path, vouched...)
	if err != nil {
		return err
	}
	if cfg.LogFormat != "" && !given.Changed("log-format") {
		c.logFormat = cfg.LogFormat
	}
	if len(args) == 1 {
		site, _, err := cfg.Site(args[0])
		if err != nil {
			return usageError{err}
		}
		if err := applyGiven(given, &site, nil); err != nil {
			return usageError{err}
		}
		site.AcceptCurrent = c.accept
		return runOne(ctx, site, c, stdout, stderr)
	}
	sites := make([]crawlaudit.Options, 0, len(cfg.Sites))
	for _, s := range cfg.Sites {
		// The whole list: folder flags are parent folders, as the file's
		// defaults are.
		whole := cfg.Listed()
		if err := applyGiven(given, &s, func(name string) bool { return whole && pathFlags[name] }); err != nil {
			return usagef("config %s: site %s: %v", cfg.Name, s.Name, err)
		}
		if whole {
			for name, v := range map[string]*string{"out": &s.Out, "history": &s.History, "baseline": &s.Baseline} {
				if given.Changed(name) {
					*v = filepath.Join(given.Lookup(name).Value.String(), s.Name)
				}
			}
		}
		s.AcceptCurrent = c.accept
		if err := s.Validate(); err != nil {
			return usagef("config %s: site %s: %v", cfg.Name, s.Name, firstLine(err))
		}
		sites = append(sites, s)
	}
	if len(sites) == 1 {
		return runOne(ctx, sites[0], c, stdout, stderr)
	}
	parallel := cfg.ParallelSites
	if given.Changed("parallel-sites") {
		parallel = c.parallelSites
	}
	return runSites(ctx, sites, parallel, c, stdout, stderr)
}

// check checks the flags that are not settings.
func (c *cliOptions) check() error {
	if err := crawlaudit.CheckLogFormat(c.logFormat); err != nil {
		return usageError{err}
	}
	return c.screen.check()
}

// readConfig reads and checks a configuration file; vouched are the
// credential-source keys given on the command line.
func readConfig(path string, vouched ...string) (*crawlaudit.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("config %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	cfg, err := crawlaudit.ReadConfig(f, path, vouched...)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

// prepare adds the run's environment to o: version, logger, warnings on
// stderr, the process environment for credentials, the clock.
func (c *cliOptions) prepare(o *crawlaudit.Options, stderr io.Writer) {
	o.Version = version
	level := slog.LevelWarn
	if c.verbose {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if c.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	o.Logger = slog.New(h)
	o.Warn = func(msg string) { fmt.Fprintln(stderr, "crawlaudit: warning:", crawlaudit.TerminalSafe(msg)) }
	o.Getenv = os.Getenv
	if c.now != nil {
		o.Now = c.now
	}
}

// runOne runs one site and prints its summary; errFailLevel when a finding
// reached the fail level.
func runOne(ctx context.Context, o crawlaudit.Options, c *cliOptions, stdout, stderr io.Writer) error {
	c.prepare(&o, stderr)
	o.Terminal = c.terminal(stdout)
	pt := newPhaseTimer()
	p := &crawlaudit.Progress{OnPhase: pt.phase, OnCrawled: pt.crawlEnded}
	o.Progress = p
	stop := showProgress(stderr, p.Snapshot, c.progress && !c.quiet, c.clock(), c.tick)
	res, err := crawlaudit.Run(ctx, o)
	stop()
	if err != nil {
		return usageError{err}
	}
	if res.Partial {
		wrotePartial(ctx, res.Out)
	}
	if !c.quiet {
		printResult(stdout, o, res)
	}
	if res.Failed {
		return errFailLevel
	}
	return nil
}

func (c *cliOptions) clock() func() time.Time {
	if c.now != nil {
		return c.now
	}
	return time.Now
}

// printResult prints a run's summary and where its report is.
func printResult(w io.Writer, o crawlaudit.Options, res *crawlaudit.Result) {
	fmt.Fprint(w, res.Summary())
	if res.Accepted || res.LimitReached || res.TimeUp {
		fmt.Fprintln(w)
	}
	if res.Accepted {
		fmt.Fprintf(w, "Accepted as the baseline (--accept-current): the run passes whatever it found, and later runs compare with this crawl (filed in %s).\n", o.History)
	}
	if res.LimitReached {
		fmt.Fprintf(w, "Stopped discovering new URLs at --max-urls %d.\n", o.MaxURLs)
	}
	if res.TimeUp {
		fmt.Fprintf(w, "Stopped at --max-time %s: the reports are partial. Continue with: crawlaudit crawl --resume %s\n", o.MaxTime, res.Out)
	}
	reportLine(w, res.Out)
}

// lockedWriter serialises writes of parallel sites to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runSites crawls several sites, parallel at a time, each into its own
// folder. Each site's terminal output is printed whole when it finishes;
// logs carry a site attribute. It returns errFailLevel when a site failed
// its fail level, an error naming the sites that could not run otherwise.
func runSites(ctx context.Context, sites []crawlaudit.Options, parallel int, c *cliOptions, stdout, stderr io.Writer) error {
	errw := &lockedWriter{w: stderr}
	outw := &lockedWriter{w: stdout}
	for i := range sites {
		c.prepare(&sites[i], errw)
		sites[i].Terminal = c.terminal(stdout)
	}
	results := crawlaudit.RunSites(ctx, sites, parallel, func(r crawlaudit.SiteResult) {
		if r.Err == nil && r.Result.Partial {
			wrotePartial(ctx, r.Result.Out)
		}
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "== %s (%s) ==\n", r.Options.Name, r.Options.Masked(r.Options.Start))
		if r.Err == nil && !c.quiet {
			printResult(&buf, r.Options, r.Result)
		}
		buf.WriteString("\n")
		_, _ = outw.Write(buf.Bytes())
	})
	failed, broken := 0, []string{}
	for _, r := range results {
		state := "passed"
		switch {
		case r.Err != nil:
			state = "error: " + crawlaudit.TerminalSafe(firstLine(r.Err))
			broken = append(broken, r.Options.Name+": "+firstLine(r.Err))
		case r.Result.Failed:
			state = "failed: findings reached the fail level"
			failed++
		case r.Result.Accepted:
			state = "accepted as the baseline (--accept-current)"
		}
		fmt.Fprintf(stdout, "site %s: %s (%s)\n", r.Options.Name, state, r.Options.Out)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(broken) > 0 {
		return fmt.Errorf("%d of %d sites could not be crawled: %s", len(broken), len(sites), strings.Join(broken, "; "))
	}
	if failed > 0 {
		return errFailLevel
	}
	return nil
}

func newDemoCommand(ctx context.Context, stdout, stderr io.Writer, sig *signals) *cobra.Command {
	o := newOptions()
	// The demo site has every problem planted on purpose: by default the
	// demo succeeds when it ran, whatever it found.
	o.FailOn = crawlaudit.LevelNever
	c := &cliOptions{}
	d := &demoOptions{port: demo.DefaultPort}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Serve the bundled demo site on loopback, audit it and write the report (--serve: keep serving it to crawl yourself)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("demo takes no arguments")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := d.check(cmd.Flags()); err != nil {
				return err
			}
			if d.serve {
				return serveDemo(ctx, d, stdout, sig)
			}
			return demoInterrupted(withSignal(runDemo(ctx, o, c, d, stdout, stderr), sig))
		},
	}
	bindFlags(cmd.Flags(), &o)
	c.bind(cmd.Flags())
	d.bind(cmd.Flags())
	return cmd
}

// runDemo serves the bundled demo site and a second "external" site on
// loopback ports (free ones, or --port's), crawls the demo site with o's
// settings and writes the report.
func runDemo(ctx context.Context, o crawlaudit.Options, c *cliOptions, do *demoOptions, stdout, stderr io.Writer) error {
	if err := c.check(); err != nil {
		return err
	}
	d, err := do.start()
	if err != nil {
		return err
	}
	defer d.Close()
	o.Start = d.Site.URL + "/"
	if !c.quiet {
		fmt.Fprintf(stdout, "Demo site: %s (external links: %s)\n\n", d.Site.URL, d.External.URL)
	}
	return runOne(ctx, o, c, stdout, stderr)
}

// withSignal turns a run stopped by a signal into the interrupted error
// that carries the signal's exit code.
func withSignal(err error, sig *signals) error {
	if s := sig.received(); s != nil && (err == nil || errors.Is(err, errFailLevel) || errors.Is(err, context.Canceled)) {
		return interruptedError{sig: s, outs: sig.outs.written()}
	}
	return err
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
