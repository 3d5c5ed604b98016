package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit"
)

// bindFlags registers the settings flags of crawl and demo on f, each
// bound to its field of o, with o's values as the defaults. The flag names
// are the documented ones; the settings themselves, their defaults and
// checks are crawlaudit.Options'.
func bindFlags(f *pflag.FlagSet, o *crawlaudit.Options) {
	f.StringVar(&o.Out, "out", o.Out, "output folder for report.html, crawl.json and the CSV files")
	f.BoolVar(&o.CSVBOM, "csv-bom", o.CSVBOM, "start every CSV file with a UTF-8 byte order mark, so spreadsheet programs (Excel) read it as UTF-8")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "requests in flight per host")
	f.DurationVar(&o.Delay, "delay", o.Delay, "pause after each request to the same host (e.g. 500ms)")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "time limit per request")
	f.Var((*byteSize)(&o.MaxBody), "max-body", "most bytes of a body read (larger bodies are cut and noted); accepts KiB, MiB, GiB")
	f.StringVar(&o.UserAgent, "user-agent", o.UserAgent, "User-Agent header sent with every request")
	f.StringVar(&o.RobotsAgent, "robots-agent", o.RobotsAgent, "product token whose robots.txt group and robots meta tags apply")
	f.BoolVar(&o.IgnoreRobots, "ignore-robots", o.IgnoreRobots, "crawl URLs that robots.txt disallows")
	f.StringArrayVar(&o.Include, "include", o.Include, "crawl only same-site URLs matching this regular expression (repeatable)")
	f.StringArrayVar(&o.Exclude, "exclude", o.Exclude, "skip same-site URLs matching this regular expression (repeatable)")
	f.StringArrayVar(&o.MaskParams, "mask-param", o.MaskParams, "also hide the value of this query parameter in every output, log and message (repeatable; token, key, password, signature, session and the like are always hidden)")
	f.BoolVar(&o.AllowSubdomains, "allow-subdomains", o.AllowSubdomains, "treat subdomains of the start host as part of the site")
	f.IntVar(&o.MaxDepth, "max-depth", o.MaxDepth, "most clicks from the start URL to crawl (0 unlimited)")
	f.IntVar(&o.MaxURLs, "max-urls", o.MaxURLs, "most URLs to request (0 unlimited)")
	f.DurationVar(&o.MaxTime, "max-time", o.MaxTime, "stop requesting after this long (e.g. 30m), write the reports marked partial; --resume continues (0 unlimited)")
	f.IntVar(&o.TrapLimit, "trap-limit", o.TrapLimit, "stop requesting a URL pattern after this many of its pages in a row brought nothing new: a crawler trap (0 off)")
	f.BoolVar(&o.NoExternal, "no-external", o.NoExternal, "do not check links to other origins")
	f.StringVar(&o.Render, "render", o.Render, "render pages in headless Chromium as Google does: --render (every page), --render=auto (pages that look like JavaScript shells) or off")
	f.Lookup("render").NoOptDefVal = crawlaudit.RenderAll
	f.StringVar(&o.Chrome, "chrome", o.Chrome, "Chromium or Chrome executable for --render (default: chromium, chromium-browser or google-chrome on PATH)")
	f.IntVar(&o.RenderConcurrency, "render-concurrency", o.RenderConcurrency, "pages rendered at once, one browser tab each")
	f.StringVar(&o.FailOn, "fail-on", o.FailOn, "exit 1 when a finding reaches this severity: error, warning, notice or never")

	f.StringArrayVar(&o.Sitemaps, "sitemap", o.Sitemaps, "also read this sitemap URL, besides those robots.txt names (repeatable)")
	f.BoolVar(&o.NoSitemaps, "no-sitemaps", o.NoSitemaps, "do not discover or read sitemaps")
	f.Var((*byteSize)(&o.SitemapMaxSize), "sitemap-max-size", "most uncompressed bytes read of one sitemap (the protocol limit is 50MiB); accepts KiB, MiB, GiB")

	f.StringVar(&o.HeaderFile, "header-file", o.HeaderFile, "file of `Name: value` header lines sent with every request to the site's origin (e.g. Authorization, X-Api-Key)")
	f.StringVar(&o.CookieFile, "cookie-file", o.CookieFile, "Netscape cookies.txt file (as browsers and curl export) whose cookies are sent to the site's origin")
	f.StringArrayVar(&o.AuthOrigins, "auth-origin", o.AuthOrigins, "another origin (scheme://host[:port]) that gets the credentials (repeatable)")
	f.StringVar(&o.BasicAuthEnv, "basic-auth-env", o.BasicAuthEnv, "name of the environment variable holding user:pass for Basic auth (a name, never the value)")
	f.StringVar(&o.BearerTokenEnv, "bearer-token-env", o.BearerTokenEnv, "name of the environment variable holding a Bearer token (a name, never the value)")
	f.BoolVar(&o.CompareAnonymous, "compare-anonymous", o.CompareAnonymous, "request every same-site URL with and without credentials and classify it (public, protected, …)")

	f.StringVar(&o.Redis, "redis", o.Redis, "spread the crawl over `crawlaudit worker` processes through this Redis (redis://[user:password@]host:port/db, Redis 6.2+); this command stays the coordinator and writes every output")
	f.StringVar(&o.RedisPrefix, "redis-prefix", o.RedisPrefix, "first part of every Redis key of the crawl (default crawlaudit)")
	f.BoolVar(&o.WorkersOnly, "workers-only", o.WorkersOnly, "with --redis: leave every page request to the workers (this command then requests only robots.txt and sitemaps)")
	f.DurationVar(&o.LeaseTimeout, "lease-timeout", o.LeaseTimeout, "with --redis: how long a silent worker keeps a URL before another worker gets it")

	f.StringVar(&o.Baseline, "baseline", o.Baseline, "earlier crawl (output folder or crawl.json) to compare with: writes diff.json and diff.csv")
	f.StringVar(&o.History, "history", o.History, "folder keeping the last crawls of the site and their verdicts; one of them is the baseline (--baseline-from)")
	f.IntVar(&o.HistoryKeep, "history-keep", o.HistoryKeep, "crawls --history keeps")
	f.StringVar(&o.BaselineFrom, "baseline-from", o.BaselineFrom, "which crawl of --history is the baseline: last-passing (the newest whose run passed) or last (the newest)")
	f.StringVar(&o.FailOnNew, "fail-on-new", o.FailOnNew, "exit 1 only when a finding new against the baseline reaches this severity: error, warning, notice or never")
	f.StringVar(&o.IgnoreFile, "ignore-file", o.IgnoreFile, "YAML file of findings to ignore (rule, url pattern, reason, optional expires date)")
	f.StringVar(&o.NotifyURL, "notify-url", o.NotifyURL, "after the crawl, POST the JSON summary to this webhook URL")
}

// pathFlags are the flags naming folders: for a whole sites: list they are
// parent folders (each site uses <folder>/<name>), so sites never share
// one.
var pathFlags = map[string]bool{"out": true, "history": true, "baseline": true}

// applyGiven sets on o every settings flag given on the command line
// (given.Changed), through a flag set bound to o, so that values parse
// exactly as they did on the command line; skip leaves some out.
//
// A flag given on the command line always wins over the file (or the
// stored settings) o came from: it also drops the settings of o that would
// otherwise decide in its place (see dropsFromFile).
func applyGiven(given *pflag.FlagSet, o *crawlaudit.Options, skip func(name string) bool) error {
	fs := pflag.NewFlagSet("settings", pflag.ContinueOnError)
	bindFlags(fs, o)
	var err error
	given.Visit(func(g *pflag.Flag) {
		f := fs.Lookup(g.Name)
		if err != nil || f == nil || (skip != nil && skip(g.Name)) {
			return
		}
		if sv, ok := g.Value.(pflag.SliceValue); ok {
			err = f.Value.(pflag.SliceValue).Replace(sv.GetSlice())
			return
		}
		err = fs.Set(g.Name, g.Value.String())
	})
	if err != nil {
		return err
	}
	for _, d := range dropsFromFile {
		if given.Changed(d.flag) && !given.Changed(d.unless) && d.applies(o) {
			d.drop(o)
		}
	}
	return nil
}

// dropsFromFile are the settings that take precedence over another one
// whatever its value: given on the command line (and the other not), the
// flag drops the file's setting, so the command line decides.
var dropsFromFile = []struct {
	flag, unless string                         // the flag given, and the flag of the setting it drops
	applies      func(*crawlaudit.Options) bool // after the flags are set
	drop         func(*crawlaudit.Options)
}{
	// fail_on_new replaces fail_on: --fail-on on the command line would
	// otherwise lose to the file's fail_on_new.
	{"fail-on", "fail-on-new", func(*crawlaudit.Options) bool { return true }, func(o *crawlaudit.Options) { o.FailOnNew = "" }},
	// A baseline is used before the history's crawls: --history or
	// --baseline-from would otherwise lose to the file's baseline.
	{"history", "baseline", func(*crawlaudit.Options) bool { return true }, func(o *crawlaudit.Options) { o.Baseline = "" }},
	{"baseline-from", "baseline", func(*crawlaudit.Options) bool { return true }, func(o *crawlaudit.Options) { o.Baseline = "" }},
	// --sitemap and the file's no_sitemaps (or --no-sitemaps and the
	// file's sitemaps) contradict each other: the flag's side stays.
	{"sitemap", "no-sitemaps", func(o *crawlaudit.Options) bool { return len(o.Sitemaps) > 0 }, func(o *crawlaudit.Options) { o.NoSitemaps = false }},
	{"no-sitemaps", "sitemap", func(o *crawlaudit.Options) bool { return o.NoSitemaps }, func(o *crawlaudit.Options) { o.Sitemaps = nil }},
}

// byteSize is a crawlaudit.ByteSize as a flag value.
type byteSize crawlaudit.ByteSize

func (b *byteSize) String() string { return crawlaudit.ByteSize(*b).String() }
func (b *byteSize) Type() string   { return "size" }
func (b *byteSize) Set(s string) error {
	v, err := crawlaudit.ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(v)
	return nil
}

// settingsFlag reports whether name is a settings flag of bindFlags.
func settingsFlag(name string) bool {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	o := crawlaudit.DefaultOptions()
	bindFlags(fs, &o)
	return fs.Lookup(name) != nil && !strings.HasPrefix(name, "-")
}
