package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// crawlOptions are the flags of `crawlaudit crawl` as given, plus the typed
// values validate derives from them.
type crawlOptions struct {
	start           string
	out             string
	concurrency     int
	delay           time.Duration
	timeout         time.Duration
	maxBody         string
	userAgent       string
	robotsAgent     string
	ignoreRobots    bool
	include         []string
	exclude         []string
	maskParams      []string
	allowSubdomains bool
	maxDepth        int
	maxURLs         int
	maxTime         time.Duration
	noExternal      bool
	failOn          string
	quiet           bool
	verbose         bool
	sitemapOptions              // flags_sitemaps.go
	auth            authOptions // flags_auth.go
	resume          string      // crawl output folder whose crawl.db to continue
	progress        bool

	flags *pflag.FlagSet // for --resume to restore stored settings
	job   jobOptions     // scheduled-run flags (jobs.go)

	// derived by validate
	maxBodyBytes int
	includeRE    []*regexp.Regexp
	excludeRE    []*regexp.Regexp
	failLevel    store.Severity // empty for "never"

	// injected by commands and tests
	now func() time.Time
}

func defaultUserAgent() string {
	return "crawlaudit/" + version + " (+https://github.com/crawlaudit/crawlaudit)"
}

// newCrawlOptions returns options holding every flag's default value.
func newCrawlOptions() *crawlOptions {
	o := &crawlOptions{}
	o.register(&cobra.Command{})
	return o
}

func (o *crawlOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "crawlaudit-report", "output folder for report.html, crawl.json and the CSV files")
	f.IntVar(&o.concurrency, "concurrency", 8, "requests in flight per host")
	f.DurationVar(&o.delay, "delay", 0, "pause after each request to the same host (e.g. 500ms)")
	f.DurationVar(&o.timeout, "timeout", 15*time.Second, "time limit per request")
	f.StringVar(&o.maxBody, "max-body", "10MiB", "most bytes of a body read (larger bodies are cut and noted); accepts KiB, MiB, GiB")
	f.StringVar(&o.userAgent, "user-agent", defaultUserAgent(), "User-Agent header sent with every request")
	f.StringVar(&o.robotsAgent, "robots-agent", "crawlaudit", "product token whose robots.txt group and robots meta tags apply")
	f.BoolVar(&o.ignoreRobots, "ignore-robots", false, "crawl URLs that robots.txt disallows")
	f.StringArrayVar(&o.include, "include", nil, "crawl only same-site URLs matching this regular expression (repeatable)")
	f.StringArrayVar(&o.exclude, "exclude", nil, "skip same-site URLs matching this regular expression (repeatable)")
	f.StringArrayVar(&o.maskParams, "mask-param", nil, "also hide the value of this query parameter in every output, log and message (repeatable; token, key, password, signature, session and the like are always hidden)")
	f.BoolVar(&o.allowSubdomains, "allow-subdomains", false, "treat subdomains of the start host as part of the site")
	f.IntVar(&o.maxDepth, "max-depth", 0, "most clicks from the start URL to crawl (0 unlimited)")
	f.IntVar(&o.maxURLs, "max-urls", 0, "most URLs to request (0 unlimited)")
	f.DurationVar(&o.maxTime, "max-time", 0, "stop requesting after this long (e.g. 30m), write the reports marked partial; --resume continues (0 unlimited)")
	f.BoolVar(&o.noExternal, "no-external", false, "do not check links to other origins")
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding reaches this severity: error, warning, notice or never")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print no summary table")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log progress details on stderr")
	o.sitemapOptions.register(f)
	o.auth.register(f)
	f.BoolVar(&o.progress, "progress", true, "show progress on stderr (a live line on a terminal, else a line every 10s)")
	o.flags = f
	o.job.register(cmd)
}

// validate parses raw flag strings into typed values and reports bad or
// conflicting values as usage errors.
func (o *crawlOptions) validate() error {
	if err := addMaskParams(o.maskParams); err != nil { // before anything prints a URL
		return err
	}
	if o.start == "" {
		return usagef("missing start URL: crawlaudit crawl https://www.example.com")
	}
	if _, err := urlx.Parse(o.start); err != nil {
		return usagef("start URL %q: %v", urlx.Mask(o.start), err)
	}
	if o.concurrency < 1 || o.concurrency > 256 {
		return usagef("--concurrency must be between 1 and 256, got %d", o.concurrency)
	}
	if o.delay < 0 {
		return usagef("--delay must not be negative")
	}
	if o.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	n, err := parseSize(o.maxBody)
	if err != nil {
		return usagef("--max-body: %v", err)
	}
	o.maxBodyBytes = n
	if o.maxTime < 0 {
		return usagef("--max-time must not be negative (0 means unlimited)")
	}
	if o.maxURLs < 0 {
		return usagef("--max-urls must not be negative")
	}
	if o.maxDepth < 0 {
		return usagef("--max-depth must not be negative (0 means unlimited)")
	}
	if o.includeRE, err = compileAll("--include", o.include); err != nil {
		return err
	}
	if o.excludeRE, err = compileAll("--exclude", o.exclude); err != nil {
		return err
	}
	switch o.failOn {
	case "error", "warning", "notice":
		o.failLevel = store.Severity(o.failOn)
	case "never":
		o.failLevel = ""
	default:
		return usagef("--fail-on must be error, warning, notice or never, got %q", o.failOn)
	}
	if strings.TrimSpace(o.robotsAgent) == "" {
		return usagef("--robots-agent must not be empty")
	}
	if o.out == "" {
		return usagef("--out must not be empty")
	}
	if err := o.sitemapOptions.validate(); err != nil {
		return err
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	if err := o.auth.validate(o.start, now()); err != nil {
		return err
	}

	return o.job.validate()
}

func compileAll(flag string, exprs []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, usagef("%s %q: %v", flag, e, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// parseSize reads a byte count with an optional KiB/MiB/GiB (or KB/MB/GB,
// read as binary units) suffix.
func parseSize(s string) (int, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size (e.g. 10MiB)", s)
	}
	if n > (1<<31-1)/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

func (o *crawlOptions) crawlerConfig(logger *slog.Logger) crawler.Config {
	cfg := crawler.Config{
		Start:           o.start,
		Concurrency:     o.concurrency,
		Delay:           o.delay,
		Timeout:         o.timeout,
		MaxBody:         o.maxBodyBytes,
		UserAgent:       o.userAgent,
		RobotsAgent:     o.robotsAgent,
		IgnoreRobots:    o.ignoreRobots,
		Include:         o.includeRE,
		Exclude:         o.excludeRE,
		AllowSubdomains: o.allowSubdomains,
		MaxDepth:        o.maxDepth,
		MaxURLs:         o.maxURLs,
		NoExternal:      o.noExternal,
		Logger:          logger,
		Now:             o.now,
	}
	o.sitemapOptions.apply(&cfg)
	return cfg
}

// addMaskParams checks the --mask-param names and adds them to what the
// process masks (urlx.AddSecretParams).
func addMaskParams(names []string) error {
	for _, p := range names {
		if strings.TrimSpace(p) == "" || strings.ContainsAny(p, "=&?#") {
			return usagef("--mask-param %q: give a query parameter name, without = & ? or #", p)
		}
	}
	urlx.AddSecretParams(names...)
	return nil
}

// repeated is how a repeatable flag's values are stored in the settings: a
// JSON array of strings (a regular expression may contain spaces), or ""
// for none.
func repeated(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	b, _ := json.Marshal(vals) // []string always marshals
	return string(b)
}

// settings returns the crawl settings recorded in the outputs. Nothing here
// may be a credential.
func (o *crawlOptions) settings() map[string]string {
	m := map[string]string{
		"concurrency":      strconv.Itoa(o.concurrency),
		"delay":            o.delay.String(),
		"timeout":          o.timeout.String(),
		"max_body":         strconv.Itoa(o.maxBodyBytes),
		"user_agent":       o.userAgent,
		"robots_agent":     o.robotsAgent,
		"ignore_robots":    strconv.FormatBool(o.ignoreRobots),
		"include":          repeated(o.include),
		"exclude":          repeated(o.exclude),
		"mask_param":       repeated(o.maskParams),
		"allow_subdomains": strconv.FormatBool(o.allowSubdomains),
		"max_depth":        strconv.Itoa(o.maxDepth),
		"max_urls":         strconv.Itoa(o.maxURLs),
		"max_time":         o.maxTime.String(),
		"no_external":      strconv.FormatBool(o.noExternal),
		"fail_on":          o.failOn,
	}
	o.sitemapOptions.addSettings(m)
	for k, v := range o.auth.settings {
		m[k] = v
	}
	return m
}

func newCrawlCommand(ctx context.Context, stdout, stderr io.Writer, sig *signals) *cobra.Command {
	o := &crawlOptions{}
	cmd := &cobra.Command{
		Use:   "crawl [URL]",
		Short: "Crawl a site from URL (or every site of crawlaudit.yaml) and write the audit report",
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runCrawlCommand(ctx, cmd, o, args, stdout, stderr) // config.go
			return withSignal(err, sig)
		},
	}
	cmd.Args = func(_ *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usagef("crawl takes exactly one start URL, got %d arguments", len(args))
		}
		return nil
	}
	o.register(cmd)
	cmd.Flags().StringVar(&o.resume, "resume", "", "continue the interrupted crawl in this output folder (its crawl.db)")
	o.job.registerConfig(cmd)
	return cmd
}

// withSignal turns a partial crawl into the interrupted error that carries
// the signal's exit code.
func withSignal(err error, sig *signals) error {
	if s := sig.received(); s != nil && (err == nil || errors.Is(err, errFailLevel) || errors.Is(err, context.Canceled)) {
		return interruptedError{sig: s}
	}
	return err
}

// runCrawl crawls o.start, audits it and writes every output. It returns
// errFailLevel when a finding reaches the fail level.
func runCrawl(ctx context.Context, o *crawlOptions, stdout, stderr io.Writer) error {
	var st *store.SQLite
	var resumed *store.Meta
	if o.resume != "" {
		o.out = o.resume
		if err := checkWritable(o.out); err != nil {
			return usageError{err}
		}
		var err error
		if st, resumed, err = openCrawlDB(o); err != nil {
			return err
		}
		defer st.Close()
	}
	if err := o.validate(); err != nil {
		return err
	}
	if o.now == nil {
		o.now = time.Now
	}
	if err := checkWritable(o.out); err != nil {
		return usageError{err}
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	logger := o.job.newLogger(stderr, level)
	for _, w := range o.auth.warnings {
		fmt.Fprintln(stderr, "crawlaudit: warning:", w)
	}

	if st == nil {
		var err error
		if st, _, err = openCrawlDB(o); err != nil {
			return err
		}
		defer st.Close()
	}
	started := o.now().UTC()
	if resumed != nil {
		started = resumed.StartedAt
	}
	start, _ := urlx.Parse(o.start)
	// Stored before the first request, so an interrupted crawl can be
	// resumed and reported; replaced when the crawl ends.
	if err := st.SetMeta(store.Meta{ToolVersion: version, StartURL: start.String(), StartedAt: started, Partial: true, Settings: o.settings()}); err != nil {
		return err
	}
	cfg := o.crawlerConfig(logger)
	cfg.Credentials, cfg.CompareAnonymous = o.auth.creds, o.auth.compareAnonymous // flags_auth.go
	if resumed != nil {
		cfg.Resume = st
	}
	cfg.Progress = &crawler.Progress{}
	stopProgress := showProgress(stderr, cfg.Progress, o.progress && !o.quiet, o.now)
	crawlCtx := ctx
	if o.maxTime > 0 {
		// Like Ctrl-C, but the run goes on to the reports and its usual
		// exit code: requests in flight finish, the frontier is kept.
		var cancel context.CancelFunc
		crawlCtx, cancel = context.WithTimeout(ctx, o.maxTime)
		defer cancel()
	}
	res, err := crawler.Run(crawlCtx, cfg, st)
	timeUp := res.Partial && ctx.Err() == nil && errors.Is(crawlCtx.Err(), context.DeadlineExceeded)
	stopProgress()
	heapProfile("crawl")
	// The audit and the reports take minutes on a million URLs: they show
	// progress too, until the summary is printed.
	op := &outputProgress{files: len(report.FileNames())}
	stopOutputProgress := showOutputProgress(stderr, op, o.progress && !o.quiet && err == nil, o.now)
	defer stopOutputProgress()
	if err != nil {
		if errors.Is(err, crawler.ErrStartUnreachable) {
			return usageError{err}
		}
		return err
	}
	meta := store.Meta{
		ToolVersion: version,
		StartURL:    start.String(),
		StartedAt:   started,
		FinishedAt:  o.now().UTC(),
		Partial:     res.Partial,
		Settings:    o.settings(),
	}
	if len(res.RejectionProof) > 0 {
		// Not a setting, but crawl-level evidence the audit reads
		// (auth.go): why the credentials stopped working.
		meta.Settings["credentials_rejection_proof"] = repeated(res.RejectionProof)
	}
	if err := st.SetMeta(meta); err != nil {
		return err
	}
	findings, err := audit.Run(st)
	if err != nil {
		return err
	}
	op.audited.Store(true)
	outcome := o.job.applyPolicy(findings, o.now(), logger)
	if err := st.PutFindings(outcome.Findings); err != nil {
		return err
	}
	// From here on the crawl does not change: the outputs share one Memo.
	done := report.NewMemo(st)
	// A baseline that cannot be read fails the run, but only after the
	// crawl's own outputs are written.
	since, baseErr := o.compareBaseline(done, logger)
	if err := writeOutputsCounted(o.out, done, since, &op.written); err != nil {
		return err
	}
	if baseErr != nil {
		return baseErr
	}
	jr, err := o.finishJob(ctx, done, since, outcome, logger)
	if err != nil {
		return err
	}
	stopOutputProgress()
	if !o.quiet {
		if err := writeSummary(stdout, done); err != nil {
			return err
		}
		if err := printJob(stdout, jr, outcome); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nReport written to %s\n", o.out)
		if res.LimitReached {
			fmt.Fprintf(stdout, "Stopped discovering new URLs at --max-urls %d.\n", o.maxURLs)
		}
		if timeUp {
			fmt.Fprintf(stdout, "Stopped at --max-time %s: the reports are partial. Continue with: crawlaudit crawl --resume %s\n", o.maxTime, o.out)
		}
	}
	return o.verdict(done, jr)
}
