package crawlaudit

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/redisq"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/internal/webhook"
	"github.com/crawlaudit/crawlaudit/report"
)

// Options are the settings of one audit run: what to crawl and how, where
// the credentials come from, what fails the run, and what a scheduled run
// adds (baseline, history, webhook). The command-line flags, a
// crawlaudit.yaml site and a resumed crawl's stored settings all fill this
// one struct, and Validate checks it once for all of them.
//
// Start from DefaultOptions: the zero value of a field is a value, not "the
// default" (a zero Concurrency is invalid). The yaml tags are the keys of
// crawlaudit.yaml; durations are Go durations ("500ms", "15s") and sizes
// take KiB, MiB or GiB there.
type Options struct {
	// Name names the site in a multi-site run: its folder under a parent
	// output folder, its label in logs and metrics. Empty means the start
	// URL's host[:port].
	Name string `yaml:"name"`
	// Start is the absolute http(s) URL the crawl starts from. Required.
	// It must not hold credentials (userinfo): those come from the
	// credential sources below.
	Start string `yaml:"url"`
	// Out is the output folder: crawl.db and every report file. Created if
	// missing; checked for writing before the first request. Default
	// "crawlaudit-report".
	Out string `yaml:"out"`
	// CSVBOM starts every CSV file of Out with a UTF-8 byte order mark, so
	// that spreadsheet programs (Excel above all) read "–" and "→" as
	// UTF-8 instead of the system's legacy code page. Default false: plain
	// UTF-8, as RFC 4180 tools expect. It is not stored in crawl.db: a
	// resumed crawl wants it given again.
	CSVBOM bool `yaml:"csv_bom"`

	// Concurrency is the number of requests in flight per host, 1–256.
	// Default 8. External hosts share one such limit.
	Concurrency int `yaml:"concurrency"`
	// Delay is the pause after each request to the same host. Default 0; a
	// robots.txt Crawl-delay (capped at 10s) raises it.
	Delay time.Duration `yaml:"delay"`
	// Timeout bounds each request, headers and body; positive. Default 15s.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBody is the most bytes of a body read; larger bodies are cut and
	// the URL is marked truncated. Default 10 MiB.
	MaxBody ByteSize `yaml:"max_body"`
	// UserAgent is the User-Agent header of every request. Empty means
	// "crawlaudit/<Version> (+https://github.com/crawlaudit/crawlaudit)".
	UserAgent string `yaml:"user_agent"`
	// RobotsAgent is the product token whose robots.txt group and robots
	// meta tags apply (e.g. "Googlebot"); not empty. Default "crawlaudit".
	RobotsAgent string `yaml:"robots_agent"`
	// IgnoreRobots crawls URLs that robots.txt disallows (they are still
	// marked as disallowed).
	IgnoreRobots bool `yaml:"ignore_robots"`
	// Include, when not empty, limits crawled same-site URLs to those
	// matching one of these regular expressions (the start URL is always
	// crawled).
	Include []string `yaml:"include"`
	// Exclude skips same-site URLs matching any of these regular
	// expressions.
	Exclude []string `yaml:"exclude"`
	// MaskParams are query parameter names whose values every output, log
	// and message hides, besides the names that always are (token, key,
	// password, signature, session and the like).
	MaskParams []string `yaml:"mask_params"`
	// AllowSubdomains treats subdomains of the start host (without "www.")
	// as part of the site.
	AllowSubdomains bool `yaml:"allow_subdomains"`
	// MaxDepth is the most clicks from the start URL a crawled page may be;
	// 0 means unlimited.
	MaxDepth int `yaml:"max_depth"`
	// MaxURLs caps the URLs queued; 0 means unlimited.
	MaxURLs int `yaml:"max_urls"`
	// MaxTime stops requesting after this long, like an interrupt: the
	// reports are written, marked partial, and a resumed run continues.
	// 0 means unlimited.
	MaxTime time.Duration `yaml:"max_time"`
	// TrapLimit is how many pages of one URL pattern in a row may bring
	// nothing new (the same text as a page seen before, or only a next or
	// previous link and the same words) before the pattern counts as a
	// crawler trap and its URLs are no longer requested; they are recorded,
	// not requested ("trap"). Default DefaultTrapLimit (100); 0 turns the
	// check off. URLs longer than 2,048 bytes or repeating a path segment
	// more than 3 times in a row are never followed, whatever its value.
	TrapLimit int `yaml:"trap_limit"`
	// NoExternal skips checking links to other origins (the links are
	// still recorded).
	NoExternal bool `yaml:"no_external"`

	// Render renders the site's 200 HTML pages in headless Chromium after
	// their raw fetch, as Google's renderer does: "all" every one, "auto"
	// those whose raw HTML looks like a JavaScript shell, "off" (or "")
	// none. Default "off". Needs Chromium (Chrome, or on PATH).
	Render string `yaml:"render"`
	// Chrome is the Chromium (or Chrome) executable Render runs; empty
	// looks for chromium, chromium-browser and google-chrome on PATH. It
	// is not stored in crawl.db: a crawl database never names a program
	// to run.
	Chrome string `yaml:"chrome"`
	// RenderConcurrency is how many pages are rendered at once, one
	// browser tab each, 1–32. Default 2.
	RenderConcurrency int `yaml:"render_concurrency"`

	// Sitemaps are sitemap URLs to read besides those robots.txt names.
	Sitemaps []string `yaml:"sitemaps"`
	// NoSitemaps turns sitemap discovery and reading off.
	NoSitemaps bool `yaml:"no_sitemaps"`
	// SitemapMaxSize is the most uncompressed bytes read of one sitemap.
	// Default 50 MiB (the protocol's limit).
	SitemapMaxSize ByteSize `yaml:"sitemap_max_size"`

	// Credentials are read from where these name: environment variables
	// (names, never values) and files. They are sent to the start origin
	// and AuthOrigins only, and never reach an output, log or message.

	// BasicAuthEnv names the environment variable holding user:password
	// for Basic authentication. Default CRAWLAUDIT_BASIC_AUTH.
	BasicAuthEnv string `yaml:"basic_auth_env"`
	// BearerTokenEnv names the environment variable holding a Bearer
	// token. Default CRAWLAUDIT_BEARER_TOKEN.
	BearerTokenEnv string `yaml:"bearer_token_env"`
	// HeaderFile is a file of `Name: value` header lines sent with every
	// request to the site's origin; empty for none.
	HeaderFile string `yaml:"header_file"`
	// CookieFile is a Netscape cookies.txt file whose cookies are sent to
	// the site's origin; empty for none.
	CookieFile string `yaml:"cookie_file"`
	// AuthOrigins are other origins (scheme://host[:port]) that get the
	// credentials.
	AuthOrigins []string `yaml:"auth_origins"`
	// CompareAnonymous requests every same-site URL with and without
	// credentials and classifies it (public, protected, …). Needs
	// credentials.
	CompareAnonymous bool `yaml:"compare_anonymous"`

	// Redis, when set, spreads the crawl over worker processes
	// (`crawlaudit worker`, Work) through this Redis server (6.2 or later):
	// "redis://[user:password@]host:port/db". This run stays the
	// coordinator: it keeps the crawl's order and decisions and writes
	// crawl.db and every output. It is never stored (it may hold a
	// password): a resumed crawl wants it again. Not with Render.
	Redis string `yaml:"redis"`
	// RedisPrefix is the first part of every Redis key of the crawl.
	// Default "crawlaudit".
	RedisPrefix string `yaml:"redis_prefix"`
	// WorkersOnly leaves every request to the workers: this run requests
	// only robots.txt and sitemaps. Without it the run works on its own
	// crawl too, with Concurrency requests at once. Needs Redis.
	WorkersOnly bool `yaml:"workers_only"`
	// LeaseTimeout is how long a worker may hold a URL without a sign of
	// life before another worker gets it (a worker extends its leases while
	// it works). Default 1m.
	LeaseTimeout time.Duration `yaml:"lease_timeout"`

	// FailOn is the least severity that fails the run (Result.Failed):
	// "error", "warning", "notice" or "never". Default "error".
	FailOn string `yaml:"fail_on"`
	// FailOnNew, when set, fails the run only on findings new against the
	// baseline that reach this severity ("never" fails on none); it
	// replaces FailOn.
	FailOnNew string `yaml:"fail_on_new"`
	// Rules changes rules' verdicts, by rule ID: severity, disabled, URLs
	// ignored.
	Rules map[string]RuleOptions `yaml:"rules"`
	// IgnoreFile is a YAML file of findings to ignore (rule, url pattern,
	// reason, optional expiry); empty for none.
	IgnoreFile string `yaml:"ignore_file"`

	// Baseline is an earlier crawl (output folder or crawl.json) to compare
	// with: diff.json and diff.csv are written, and report.html says what
	// changed. Empty for none.
	Baseline string `yaml:"baseline"`
	// History is a folder keeping the last crawls of the site, each with
	// the verdict of the run that filed it; when Baseline is empty, one of
	// them (BaselineFrom) is the baseline. Empty for none.
	History string `yaml:"history"`
	// BaselineFrom chooses History's crawl that is the baseline:
	// "last-passing", the newest crawl whose run passed (a crawl filed
	// before verdicts were kept counts as passed), or "last", the newest
	// crawl whatever its verdict. Default "last-passing": a failing crawl
	// never becomes the baseline, so a regression keeps failing the runs
	// until it is fixed (or accepted). Unused without History, or with
	// Baseline.
	BaselineFrom string `yaml:"baseline_from"`
	// AcceptCurrent accepts this crawl's findings: the run passes whatever
	// it finds, and the crawl is filed in History marked accepted, so later
	// runs compare with it (with FailOnNew, only what is new against it
	// fails them). For a first scheduled run on a site with known problems.
	// Needs History. A decision for one run: never read from a file, never
	// stored. A partial crawl is not filed, so it is not accepted either.
	AcceptCurrent bool `yaml:"-"`
	// HistoryKeep is how many crawls History keeps, 1–1000. Default 10.
	HistoryKeep int `yaml:"history_keep"`
	// NotifyURL, when set, gets the run's JSON summary POSTed after the
	// crawl.
	NotifyURL string `yaml:"notify_url"`

	// Resume continues the interrupted crawl whose crawl.db is in Out
	// instead of starting a new one (see ResumeOptions).
	Resume bool `yaml:"-"`

	// What follows is the run's environment, not settings: never read
	// from a file, never stored.

	// Version is the tool version recorded in the outputs and the default
	// user agent. Empty means "dev".
	Version string `yaml:"-"`
	// Logger receives the run's log lines; nil discards them.
	Logger *slog.Logger `yaml:"-"`
	// Warn receives the one-line warnings a user should read before or
	// after the crawl (a token about to expire); nil drops them.
	Warn func(msg string) `yaml:"-"`
	// Progress, when set, is updated as the run goes.
	Progress *Progress `yaml:"-"`
	// Getenv reads the credential environment variables; nil reads none
	// (an anonymous crawl).
	Getenv func(string) string `yaml:"-"`
	// Now is the clock; nil uses time.Now.
	Now func() time.Time `yaml:"-"`
	// NotifyBackoff is the first pause between webhook attempts, doubled
	// after each; 0 means 1s.
	NotifyBackoff time.Duration `yaml:"-"`
	// Terminal shapes Result.Summary for the screen it is printed on.
	Terminal TerminalOptions `yaml:"-"`
}

// TerminalOptions shape the terminal summary (Result.Summary).
type TerminalOptions struct {
	// Width is the terminal's width in columns; no line of the summary is
	// longer. Zero means 80 (what a pipe or a file gets).
	Width int
	// Color colours severities with ANSI escapes; the caller decides (a
	// terminal, NO_COLOR unset, --color).
	Color bool
	// Details adds every table (URLs by kind and status, crawl budget,
	// findings by rule, top problem URLs, authentication) after the issue
	// list.
	Details bool
}

// report returns the report package's form of t.
func (t TerminalOptions) report() report.TerminalOptions {
	return report.TerminalOptions{Width: t.Width, Color: t.Color, Details: t.Details}
}

// width is the width the summary fits: Width, or 80.
func (t TerminalOptions) width() int {
	if t.Width <= 0 {
		return 80
	}
	return t.Width
}

// RuleOptions change one rule's verdicts for a site.
type RuleOptions struct {
	// Severity replaces the rule's default severity: error, warning or
	// notice; empty keeps it.
	Severity string `yaml:"severity"`
	// Disabled drops every finding of the rule.
	Disabled bool `yaml:"disabled"`
	// IgnoreURLs are regular expressions: findings of the rule whose URL
	// matches one are left out (and reported as ignored).
	IgnoreURLs []string `yaml:"ignore_urls"`
}

// Defaults of Options.
const (
	DefaultOut            = "crawlaudit-report"
	DefaultConcurrency    = 8
	DefaultTimeout        = 15 * time.Second
	DefaultMaxBody        = ByteSize(10 << 20)
	DefaultRobotsAgent    = "crawlaudit"
	DefaultSitemapMaxSize = ByteSize(50 << 20)
	DefaultFailOn         = "error"
	DefaultHistoryKeep    = 10
	DefaultBaselineFrom   = BaselineLastPassing
	DefaultTrapLimit      = crawler.DefaultTrapLimit
	DefaultRender         = RenderOff
	DefaultRenderWorkers  = 2
	DefaultLeaseTimeout   = time.Minute
	// StopGrace is how long requests in flight may finish after Run's
	// context is cancelled (or MaxTime passes) before they are cut.
	StopGrace = crawler.DefaultGrace
)

// Render values: which pages are rendered in headless Chromium.
const (
	RenderOff  = "off"  // none
	RenderAll  = "all"  // every 200 HTML page of the site
	RenderAuto = "auto" // the pages whose raw HTML looks like a JavaScript shell
)

// BaselineFrom values: which crawl of the history is the baseline.
const (
	BaselineLastPassing = "last-passing" // the newest crawl whose run passed
	BaselineLast        = "last"         // the newest crawl
)

// DefaultOptions returns Options holding every setting's default.
func DefaultOptions() Options {
	return Options{
		Out:            DefaultOut,
		Concurrency:    DefaultConcurrency,
		Timeout:        DefaultTimeout,
		MaxBody:        DefaultMaxBody,
		RobotsAgent:    DefaultRobotsAgent,
		SitemapMaxSize: DefaultSitemapMaxSize,
		FailOn:         DefaultFailOn,
		HistoryKeep:    DefaultHistoryKeep,
		BaselineFrom:   DefaultBaselineFrom,
		TrapLimit:      DefaultTrapLimit,

		Render:            DefaultRender,
		RenderConcurrency: DefaultRenderWorkers,
		LeaseTimeout:      DefaultLeaseTimeout,
	}
}

// userAgent returns the User-Agent a run of o sends: o.UserAgent, or the
// default built from o.Version.
func (o Options) userAgent() string {
	if o.UserAgent != "" {
		return o.UserAgent
	}
	return DefaultUserAgent(o.Version)
}

// Scope says in one line what a run of o crawls: the start URL (masked)
// and every setting that widens or narrows the crawl. A resumed crawl
// prints it before its first request, since both come from a crawl.db.
func (o Options) Scope() string {
	m := o.mask()
	start := m.Mask(o.Start)
	parts := []string{"same-site URLs of " + start}
	if o.AllowSubdomains {
		parts[0] += " and its subdomains"
	}
	if len(o.Include) > 0 {
		parts = append(parts, "only matching "+strings.Join(o.Include, " | "))
	}
	if len(o.Exclude) > 0 {
		parts = append(parts, "not matching "+strings.Join(o.Exclude, " | "))
	}
	if o.MaxDepth > 0 {
		parts = append(parts, fmt.Sprintf("at most %d clicks deep", o.MaxDepth))
	}
	if o.MaxURLs > 0 {
		parts = append(parts, fmt.Sprintf("at most %d URLs", o.MaxURLs))
	}
	if o.IgnoreRobots {
		parts = append(parts, "ignoring robots.txt")
	}
	if o.NoExternal {
		parts = append(parts, "external links not checked")
	}
	if o.NoSitemaps {
		parts = append(parts, "no sitemaps")
	}
	switch o.Render {
	case RenderAll:
		parts = append(parts, "pages rendered in Chromium")
	case RenderAuto:
		parts = append(parts, "JavaScript shells rendered in Chromium")
	}
	return strings.Join(parts, "; ")
}

// DefaultUserAgent is the User-Agent of a crawl that sets none.
func DefaultUserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "crawlaudit/" + version + " (+https://github.com/crawlaudit/crawlaudit)"
}

// OptionError is a setting of Options with an invalid value. Validate
// returns it, so that each front end names the setting its own way: the
// command line by its flag, crawlaudit.yaml by its key and line.
type OptionError struct {
	// Key is the setting's yaml key ("concurrency").
	Key string
	// Path locates the value below the key: a list index, or a rule ID
	// and its key ("broken-link", "severity"); empty for the key itself.
	Path []any
	// Flag is the setting's command-line flag, without dashes.
	Flag string
	// Msg says what is wrong ("must be between 1 and 256, got 0").
	Msg string
}

// Error names the setting by its flag: "--concurrency must be …" (the
// start URL, an argument, by its name in Msg).
func (e *OptionError) Error() string {
	if e.Flag == "" {
		return e.Msg
	}
	return "--" + e.Flag + " " + e.Msg
}

func optErr(key, flag, format string, a ...any) *OptionError {
	return &OptionError{Key: key, Flag: flag, Msg: fmt.Sprintf(format, a...)}
}

// Validate checks every setting and returns the first invalid one as an
// *OptionError. It reads no file and no environment: credentials are read
// when the run starts.
func (o Options) Validate() error {
	if o.Start == "" {
		return &OptionError{Key: "url", Msg: "missing start URL: crawlaudit crawl https://www.example.com"}
	}
	if err := checkStart(o.Start); err != nil {
		return err
	}
	if o.Name != "" && !validName.MatchString(o.Name) {
		return optErr("name", "name", "must be letters, digits, dots, dashes or underscores, got %q", o.Name)
	}
	if o.Out == "" {
		return optErr("out", "out", "must not be empty")
	}
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return optErr("concurrency", "concurrency", "must be between 1 and 256, got %d", o.Concurrency)
	}
	if o.Delay < 0 {
		return optErr("delay", "delay", "must not be negative")
	}
	if o.Timeout <= 0 {
		return optErr("timeout", "timeout", "must be positive")
	}
	if o.MaxBody <= 0 {
		return optErr("max_body", "max-body", "must be positive")
	}
	if strings.TrimSpace(o.RobotsAgent) == "" {
		return optErr("robots_agent", "robots-agent", "must not be empty")
	}
	for _, l := range []struct {
		key, flag string
		exprs     []string
	}{{"include", "include", o.Include}, {"exclude", "exclude", o.Exclude}} {
		for i, e := range l.exprs {
			if _, err := regexp.Compile(e); err != nil {
				return &OptionError{Key: l.key, Path: []any{i}, Flag: l.flag, Msg: fmt.Sprintf("bad regular expression %q: %v", e, err)}
			}
		}
	}
	for _, p := range o.MaskParams {
		if err := checkMaskParam(p); err != nil {
			return err
		}
	}
	if o.MaxDepth < 0 {
		return optErr("max_depth", "max-depth", "must not be negative (0 means unlimited)")
	}
	if o.MaxURLs < 0 {
		return optErr("max_urls", "max-urls", "must not be negative (0 means unlimited)")
	}
	if o.MaxTime < 0 {
		return optErr("max_time", "max-time", "must not be negative (0 means unlimited)")
	}
	if o.TrapLimit < 0 {
		return optErr("trap_limit", "trap-limit", "must not be negative (0 turns crawler-trap detection off)")
	}
	switch o.Render {
	case "", RenderOff, RenderAll, RenderAuto:
	default:
		return optErr("render", "render", "must be all, auto or off, got %q", o.Render)
	}
	if o.RenderConcurrency < 1 || o.RenderConcurrency > 32 {
		return optErr("render_concurrency", "render-concurrency", "must be between 1 and 32, got %d", o.RenderConcurrency)
	}
	for i, s := range o.Sitemaps {
		if _, err := urlx.Parse(s); err != nil {
			return &OptionError{Key: "sitemaps", Path: []any{i}, Flag: "sitemap", Msg: fmt.Sprintf("%q: %v", urlx.Mask(s), err)}
		}
	}
	if o.NoSitemaps && len(o.Sitemaps) > 0 {
		return optErr("no_sitemaps", "no-sitemaps", "contradicts --sitemap: give one or the other")
	}
	if o.SitemapMaxSize <= 0 {
		return optErr("sitemap_max_size", "sitemap-max-size", "must be positive")
	}
	for i, raw := range o.AuthOrigins {
		u, err := urlx.Parse(raw)
		if err != nil || (u.Path != "/" && u.Path != "") || u.RawQuery != "" {
			return &OptionError{Key: "auth_origins", Path: []any{i}, Flag: "auth-origin", Msg: fmt.Sprintf("%q: want scheme://host[:port], nothing more", urlx.Mask(raw))}
		}
	}
	if _, err := ParseLevel(o.FailOn); err != nil {
		return optErr("fail_on", "fail-on", "%v", err)
	}
	if o.FailOnNew != "" {
		if _, err := ParseLevel(o.FailOnNew); err != nil {
			return optErr("fail_on_new", "fail-on-new", "%v", err)
		}
	}
	for _, id := range sortedKeys(o.Rules) {
		r := o.Rules[id]
		if _, ok := audit.Lookup(id); !ok {
			return &OptionError{Key: "rules", Path: []any{id}, Flag: "rules", Msg: fmt.Sprintf("unknown rule %q (rules: %s)", id, strings.Join(ruleIDs(), ", "))}
		}
		if r.Severity != "" {
			if l, err := ParseLevel(r.Severity); err != nil || l == "" {
				return &OptionError{Key: "rules", Path: []any{id, "severity"}, Flag: "rules", Msg: fmt.Sprintf("severity must be error, warning or notice, got %q", r.Severity)}
			}
		}
		for i, e := range r.IgnoreURLs {
			if _, err := regexp.Compile(e); err != nil {
				return &OptionError{Key: "rules", Path: []any{id, "ignore_urls", i}, Flag: "rules", Msg: fmt.Sprintf("bad regular expression %q: %v", e, err)}
			}
		}
	}
	if o.HistoryKeep < 1 || o.HistoryKeep > 1000 {
		return optErr("history_keep", "history-keep", "must be between 1 and 1000, got %d", o.HistoryKeep)
	}
	if o.BaselineFrom != BaselineLastPassing && o.BaselineFrom != BaselineLast {
		return optErr("baseline_from", "baseline-from", "must be %s or %s, got %q", BaselineLastPassing, BaselineLast, o.BaselineFrom)
	}
	if o.AcceptCurrent && o.History == "" {
		return optErr("history", "accept-current", "needs --history: it files this crawl there as the accepted baseline")
	}
	if o.NotifyURL != "" {
		if err := webhook.Check(o.NotifyURL); err != nil {
			return optErr("notify_url", "notify-url", "%v", err)
		}
	}
	return o.validateRedis()
}

// validateRedis checks the settings of a crawl with workers.
func (o Options) validateRedis() error {
	if o.Redis == "" {
		if o.WorkersOnly {
			return optErr("workers_only", "workers-only", "needs --redis: the workers take their URLs from there")
		}
		return nil
	}
	if _, err := redisq.Dial(o.Redis); err != nil {
		return optErr("redis", "redis", "%v", err)
	}
	if o.rendering() {
		return optErr("redis", "redis", "not with --render: workers do not render pages (crawl with --render in one process)")
	}
	if o.LeaseTimeout < time.Second || o.LeaseTimeout > 24*time.Hour {
		return optErr("lease_timeout", "lease-timeout", "must be between 1s and 24h, got %s", o.LeaseTimeout)
	}
	if strings.ContainsAny(o.RedisPrefix, "{}*?[] \t\r\n") {
		return optErr("redis_prefix", "redis-prefix", "%q: no braces, glob characters or spaces", o.RedisPrefix)
	}
	return nil
}

// rendering reports whether o renders pages.
func (o Options) rendering() bool { return o.Render == RenderAll || o.Render == RenderAuto }

// renderMode is Render as crawler.Config takes it.
func (o Options) renderMode() crawler.RenderMode {
	switch o.Render {
	case RenderAll:
		return crawler.RenderAll
	case RenderAuto:
		return crawler.RenderAuto
	}
	return crawler.RenderOff
}

// checkBrowser fails a rendering run without Chromium, before its first
// request, in one line that says how to install one.
func (o Options) checkBrowser() error {
	if !o.rendering() {
		return nil
	}
	if _, err := crawler.FindBrowser(o.Chrome); err != nil {
		if o.Chrome != "" {
			return optErr("chrome", "chrome", "%q is not an executable file: give the path of Chromium or Chrome", o.Chrome)
		}
		return optErr("render", "render", "needs Chromium and none was found on PATH: install it (apt-get install chromium) or give --chrome PATH")
	}
	return nil
}

// checkMaskParam checks one name of MaskParams.
func checkMaskParam(p string) error {
	if strings.TrimSpace(p) == "" || strings.ContainsAny(p, "=&?#") {
		return optErr("mask_params", "mask-param", "%q: give a query parameter name, without = & ? or #", p)
	}
	return nil
}

// checkStart checks the start URL.
func checkStart(raw string) error {
	if _, err := urlx.Parse(raw); err != nil {
		return &OptionError{Key: "url", Msg: fmt.Sprintf("start URL %q: %v", urlx.Mask(raw), err)}
	}
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.User != nil {
		// A crawl never sends userinfo (it is dropped from every URL), and
		// a password on a command line lands in shell history.
		return &OptionError{Key: "url", Msg: fmt.Sprintf("start URL %q holds a user name or password: give credentials in CRAWLAUDIT_BASIC_AUTH (user:password) or CRAWLAUDIT_BEARER_TOKEN, or with --header-file", urlx.Mask(raw))}
	}
	return nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Level values: the severities of findings, from most to least severe.
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelNotice  = "notice"
	LevelNever   = "never"
)

// ParseLevel reads a fail level: error, warning or notice, or never (which
// it returns as ""). It is the one reader of severities and levels in
// flags, crawlaudit.yaml and stored settings.
func ParseLevel(s string) (Severity, error) {
	switch s {
	case LevelError, LevelWarning, LevelNotice:
		return Severity(s), nil
	case LevelNever:
		return "", nil
	}
	return "", fmt.Errorf("must be error, warning, notice or never, got %q", s)
}

// ruleIDs lists every rule ID, in catalogue order.
func ruleIDs() []string {
	var ids []string
	for _, r := range audit.Catalogue() {
		ids = append(ids, r.ID)
	}
	return ids
}

// ByteSize is a number of bytes, written with an optional KiB, MiB or GiB
// suffix (KB, MB, GB and K, M, G read as the same binary units).
type ByteSize int64

// String writes s with the largest unit that divides it ("10MiB").
func (s ByteSize) String() string {
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// ParseByteSize reads a positive size such as "10MiB".
func ParseByteSize(text string) (ByteSize, error) {
	t := strings.TrimSpace(strings.ToUpper(text))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 10MiB", text)
	}
	if n > (1<<31-1)/mult {
		return 0, fmt.Errorf("%q is too large", text)
	}
	return ByteSize(n * mult), nil
}

// UnmarshalText reads a size as ParseByteSize does.
func (s *ByteSize) UnmarshalText(b []byte) error {
	v, err := ParseByteSize(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText writes a size as String does.
func (s ByteSize) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
