package crawlaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/config"
	"github.com/crawlaudit/crawlaudit/internal/credentials"
	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/history"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/internal/webhook"
	"github.com/crawlaudit/crawlaudit/report"
)

// ErrStartUnreachable is returned by Run when the crawl could not start:
// the start URL, or its origin's robots.txt, got no HTTP answer at all
// (DNS, refused, TLS, timeout).
var ErrStartUnreachable = crawler.ErrStartUnreachable

// Result is what a run found and did.
type Result struct {
	// Name is the site's name: Options.Name, or the start URL's host.
	Name string
	// Out is the output folder the files were written to.
	Out string
	// StartURL is the crawl's start URL, masked.
	StartURL string
	// Partial says the crawl stopped before its frontier emptied
	// (interrupted, or MaxTime): the outputs say so too.
	Partial bool
	// TimeUp says MaxTime stopped the crawl; a resumed run continues it.
	TimeUp bool
	// LimitReached says MaxURLs stopped the discovery of new URLs.
	LimitReached bool
	// URLs and Requests count the URL records written and the HTTP
	// requests sent by this run.
	URLs     int
	Requests int64
	// Findings are the findings after the rule policy, most severe first,
	// URLs masked.
	Findings []Finding
	// Ignored counts the findings the policy's ignore entries left out.
	Ignored int
	// ExpiredIgnores are the sources ("ignore.yaml:4") of ignore entries
	// past their date, which ignore nothing any more.
	ExpiredIgnores []string
	// Failed says a finding reached the fail level (Options.FailOn, or
	// Options.FailOnNew against the baseline). An Accepted run never fails.
	Failed bool
	// Accepted says the run accepted its findings as the baseline
	// (Options.AcceptCurrent): it passed whatever it found and was filed
	// in the history marked accepted.
	Accepted bool
	// Warnings are crawl-level problems (robots.txt unreachable, …).
	Warnings []string

	summary []byte // the terminal summary, rendered while the crawl was open
}

// Summary returns the terminal summary of the run: the crawl in numbers,
// the crawl budget, the findings by rule, the top problem URLs, the
// authentication picture, and, after a scheduled run, the comparison with
// the baseline and the effect of the ignore entries.
// Crawled text in it is made safe for a terminal (TerminalSafe).
func (r *Result) Summary() string { return TerminalSafe(string(r.summary)) }

// Run crawls o.Start (or continues the interrupted crawl in o.Out when
// o.Resume is set), audits it, applies the rule policy, writes every output
// file into o.Out, compares the crawl with its baseline, files it into the
// history and calls the webhook.
//
// When ctx is cancelled (or MaxTime passes) the crawl stops requesting,
// keeps everything already fetched, and the run goes on to write the
// outputs, marked partial (Result.Partial): that is not an error. The error
// is non-nil when the run could not start (an *OptionError, unreadable
// credentials, an unwritable output folder, ErrStartUnreachable) or an
// output could not be written. A finding at the fail level is not an error
// either: Result.Failed says so.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := o.checkBrowser(); err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Name != "" {
		o.Logger = o.Logger.With("site", o.Name)
	}
	p, err := prepare(o)
	if err != nil {
		return nil, err
	}
	created := missingDirs(o.Out) // removed again if the crawl cannot start
	if err := checkWritable(o.Out); err != nil {
		return nil, err
	}
	if o.Warn != nil {
		for _, w := range p.auth.Warnings {
			o.Warn(w)
		}
	}
	var previous *previousDB
	if !o.Resume {
		// The previous crawl's database stays until this crawl has started.
		if previous, err = setAsidePrevious(o.Out); err != nil {
			return nil, err
		}
	}
	st, started, err := openDB(o)
	if err != nil {
		previous.restore()
		return nil, err
	}
	defer st.Close()
	if o.Resume && p.auth.Credentials == nil && o.Warn != nil {
		if w := p.credentialsNotRestored(st); w != "" {
			o.Warn(w)
		}
	}
	res, err := p.run(ctx, st, started)
	if err != nil && !o.Resume && errors.Is(err, ErrStartUnreachable) {
		// Nothing was crawled: leave no crawl.db (nor a folder made for it)
		// that looks like a crawl to report or resume.
		st.Close()
		discardCrawl(o.Out, created)
		previous.restore()
		return res, err
	}
	previous.drop()
	return res, err
}

// run is one prepared run of o over the crawl database st.
type run struct {
	o       Options
	mask    *urlx.Masker
	start   string // normalised start URL
	auth    credentials.Loaded
	policy  audit.Policy
	failOn  store.Severity // "" for never
	onlyNew bool

	// Set by compareBaseline: how the history's baseline was chosen
	// ("" for none or a named Baseline), the failing crawls passed over,
	// and the history entry compared with.
	baseFrom  string
	failing   int
	baseEntry string
}

// prepare reads what the run needs before the crawl: credentials, the
// ignore file, the fail level.
func prepare(o Options) (*run, error) {
	start, err := urlx.Parse(o.Start)
	if err != nil {
		return nil, &OptionError{Key: "url", Msg: fmt.Sprintf("start URL %q: %v", urlx.Mask(o.Start), err)}
	}
	p := &run{o: o, mask: urlx.NewMasker(o.MaskParams...), start: start.String()}
	p.auth, err = credentials.Load(credentials.Sources{
		BasicAuthEnv: o.BasicAuthEnv, BearerTokenEnv: o.BearerTokenEnv, HeaderFile: o.HeaderFile, CookieFile: o.CookieFile,
		Origins: o.AuthOrigins, CompareAnonymous: o.CompareAnonymous,
		// A resumed crawl's start URL comes from its crawl.db: only the
		// sources the user names again may send credentials there.
		NamedOnly: o.Resume,
	}, o.Start, o.Now(), o.Getenv)
	if err != nil {
		return nil, err
	}
	level := o.FailOn
	if o.FailOnNew != "" {
		level, p.onlyNew = o.FailOnNew, true
	}
	sev, _ := ParseLevel(level) // Validate checked it
	p.failOn = store.Severity(sev)
	if p.policy, err = policyOf(o); err != nil {
		return nil, err
	}
	if o.Baseline != "" && !crawlExists(o.Baseline) {
		return nil, &OptionError{Key: "baseline", Flag: "baseline", Msg: fmt.Sprintf("%s: no crawl.json there", o.Baseline)}
	}
	return p, nil
}

// policyOf builds the audit policy of o's rules and ignore file.
func policyOf(o Options) (audit.Policy, error) {
	p := audit.Policy{Severity: map[string]store.Severity{}, Disabled: map[string]bool{}}
	for _, id := range sortedKeys(o.Rules) {
		r := o.Rules[id]
		if r.Severity != "" {
			p.Severity[id] = store.Severity(r.Severity)
		}
		if r.Disabled {
			p.Disabled[id] = true
		}
		for _, pat := range r.IgnoreURLs {
			re, err := regexp.Compile(pat)
			if err != nil {
				continue // Validate checked it
			}
			p.Ignore = append(p.Ignore, audit.Ignore{Rule: id, URL: re, Reason: "ignore_urls of rule " + id + " in the configuration", Source: "rules." + id + ".ignore_urls"})
		}
	}
	if o.IgnoreFile != "" {
		f, err := os.Open(o.IgnoreFile)
		if err != nil {
			return p, fmt.Errorf("--ignore-file %s: %v", o.IgnoreFile, unwrapPath(err))
		}
		defer f.Close()
		entries, err := config.ParseIgnore(f, o.IgnoreFile)
		if err != nil {
			return p, fmt.Errorf("--ignore-file: %v", err)
		}
		for _, e := range entries {
			p.Ignore = append(p.Ignore, audit.Ignore{Rule: e.Rule, URL: e.Pattern, Reason: e.Reason, Until: e.Until, Source: e.Source, Expires: e.Expires})
		}
	}
	return p, nil
}

// openDB creates the crawl database of a new crawl in o.Out, or opens the
// one of the crawl o.Resume continues (which must have started at o.Start);
// it returns when the crawl started.
func openDB(o Options) (*store.SQLite, time.Time, error) {
	path := filepath.Join(o.Out, DBName)
	if !o.Resume {
		st, err := store.CreateSQLite(path)
		return st, o.Now().UTC(), err
	}
	st, err := store.OpenSQLite(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("--resume %s: %v", o.Out, firstLine(err))
	}
	meta, err := st.Meta()
	if err != nil || meta.StartURL == "" {
		st.Close()
		return nil, time.Time{}, fmt.Errorf("--resume %s: %s holds no crawl to resume", o.Out, DBName)
	}
	if start, _ := urlx.Parse(o.Start); start == nil || start.String() != meta.StartURL {
		st.Close()
		return nil, time.Time{}, fmt.Errorf("--resume %s: that crawl started at %s, not %s", o.Out, urlx.Mask(meta.StartURL), urlx.Mask(o.Start))
	}
	return st, meta.StartedAt, nil
}

// credentialsNotRestored is the one line a resumed crawl without
// credentials says when the crawl it continues had some, or when the
// default credential variables are set but, on a resume, not read.
func (p *run) credentialsNotRestored(st *store.SQLite) string {
	meta, _ := st.Meta()
	had := meta.Settings["credentials"]
	if r := []rune(had); len(r) > 120 { // a doctored database's text, shown on a terminal
		had = string(r[:120]) + "…"
	}
	var set []string
	if p.o.Getenv != nil {
		for _, name := range []string{credentials.EnvBasicAuth, credentials.EnvBearerToken} {
			if p.o.Getenv(name) != "" {
				set = append(set, name)
			}
		}
	}
	switch {
	case had != "" && len(set) > 0:
		return fmt.Sprintf("the interrupted crawl used credentials (%s); a resumed crawl never takes them from crawl.db nor reads %s unnamed: give them again (--basic-auth-env NAME, --bearer-token-env NAME, --header-file, --cookie-file), or this part of the crawl is anonymous", had, strings.Join(set, " or "))
	case had != "":
		return fmt.Sprintf("the interrupted crawl used credentials (%s); a resumed crawl never takes them from crawl.db: give them again (--basic-auth-env NAME, --bearer-token-env NAME, --header-file, --cookie-file), or this part of the crawl is anonymous", had)
	case len(set) > 0:
		return fmt.Sprintf("%s is set but not read: a resumed crawl's start URL comes from crawl.db, so it sends only credentials named again (e.g. --bearer-token-env %s)", strings.Join(set, " and "), set[len(set)-1])
	}
	return ""
}

func (p *run) run(ctx context.Context, st *store.SQLite, started time.Time) (*Result, error) {
	o := p.o
	settings := o.settings()
	for k, v := range p.auth.Settings {
		settings[k] = v
	}
	meta := store.Meta{ToolVersion: o.version(), StartURL: p.start, StartedAt: started, Partial: true, Settings: settings}
	// Stored before the first request, so an interrupted crawl can be
	// resumed and reported; replaced when the crawl ends.
	if err := st.SetMeta(meta); err != nil {
		return nil, err
	}
	cfg := p.crawlerConfig()
	if o.Resume {
		cfg.Resume = st
	}
	o.Progress.enter(PhaseCrawl)
	crawlCtx := ctx
	if o.MaxTime > 0 {
		// Like Ctrl-C, but the run goes on to the reports and its usual
		// verdict: requests in flight finish, the frontier is kept.
		var cancel context.CancelFunc
		crawlCtx, cancel = context.WithTimeout(ctx, o.MaxTime)
		defer cancel()
	}
	var coord *coordinator
	if o.Redis != "" {
		var err error
		if coord, err = newCoordinator(ctx, o, st, p.start, started, p.ownWorkerCredentials()); err != nil {
			return nil, err
		}
		cfg.Remote = coord
	}
	res, err := crawler.Run(crawlCtx, cfg, st)
	var remoteWarnings []string
	if coord != nil {
		remoteWarnings = coord.finish(res.Partial || err != nil)
	}
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, remoteWarnings...)
	o.Progress.crawled()
	out := &Result{
		Name: o.siteName(), Out: o.Out, StartURL: p.mask.Mask(p.start), Partial: res.Partial, LimitReached: res.LimitReached,
		TimeUp: res.Partial && ctx.Err() == nil && errors.Is(crawlCtx.Err(), context.DeadlineExceeded),
		URLs:   res.URLs, Requests: res.Requests, Warnings: res.Warnings,
	}
	if out.TimeUp {
		if err := recordTimeUp(st); err != nil {
			return nil, err
		}
	}
	if err := markRedirectLoops(st); err != nil {
		return nil, err
	}
	// Duplicate clusters are the crawl's, not one page's: found once every
	// page is in (a resumed crawl's too), stored in the records the audit,
	// the budget and every output read (so `crawlaudit report` shows them
	// as they were).
	if err := assignClusters(st); err != nil {
		return nil, err
	}
	meta.FinishedAt, meta.Partial = o.Now().UTC(), res.Partial
	if len(res.RejectionProof) > 0 {
		// Not a setting, but crawl-level evidence the audit reads: why
		// the credentials stopped working.
		meta.Settings["credentials_rejection_proof"] = repeated(res.RejectionProof)
	}
	if err := st.SetMeta(meta); err != nil {
		return nil, err
	}

	o.Progress.enter(PhaseAudit)
	findings, err := audit.Run(st)
	if err != nil {
		return nil, err
	}
	outcome := audit.Apply(findings, p.policy, o.Now())
	for _, e := range outcome.Expired {
		o.Logger.Warn("ignore entry expired: it no longer ignores anything", "entry", e.Source, "rule", e.Rule, "expires", e.Expires)
		out.ExpiredIgnores = append(out.ExpiredIgnores, e.Source)
	}
	sort.Strings(out.ExpiredIgnores)
	out.Ignored = len(outcome.Ignored)
	if err := st.PutFindings(outcome.Findings); err != nil {
		return nil, err
	}

	// From here on the crawl does not change: the outputs share one
	// report.Crawl. A baseline that cannot be read fails the run, but only
	// after the crawl's own outputs are written.
	since, mask, baseErr := p.compareBaseline(st)
	job := p.job(outcome, since, res.Partial)
	out.Accepted = job.Accepted
	// How the verdict was reached, so that Report writes the same outputs.
	for k, v := range verdictSettings(job) {
		meta.Settings[k] = v
	}
	if err := st.SetMeta(meta); err != nil {
		return nil, err
	}
	spaces, err := audit.FindSpaces(st)
	if err != nil {
		return nil, err
	}
	rc := report.New(st, report.Options{Mask: mask, Rules: ruleInfos(), Job: job, Spaces: spaces})
	o.Progress.enter(PhaseWrite)
	if err := writeOutputs(o.Out, rc, o.Progress, o.CSVBOM); err != nil {
		return nil, err
	}
	if baseErr != nil {
		return nil, baseErr
	}
	fails := job.Failer()
	for _, f := range outcome.Findings {
		out.Failed = out.Failed || fails(f)
	}
	masked, err := maskedFindings(rc, mask)
	if err != nil {
		return nil, err
	}
	out.Findings = masked
	if out.summary, err = summary(rc, since, outcome, o.Terminal); err != nil {
		return nil, err
	}
	if err := p.file(ctx, rc, out); err != nil {
		return nil, err
	}
	o.Progress.enter(PhaseDone)
	return out, nil
}

// ownWorkerCredentials are the run's credentials as its own worker (in a
// crawl with workers) sends them: to the start origin and AuthOrigins.
func (p *run) ownWorkerCredentials() *workerCredentials {
	if p.auth.Credentials == nil {
		return nil
	}
	wc := &workerCredentials{c: p.auth.Credentials, start: p.start, origins: map[string]bool{}}
	for _, a := range append([]string{p.start}, p.o.AuthOrigins...) {
		if origin, err := originOf(a); err == nil {
			wc.origins[origin] = true
		}
	}
	return wc
}

// crawlerConfig is the crawler's part of the run's options.
func (p *run) crawlerConfig() crawler.Config {
	o := p.o
	cfg := crawler.Config{
		Start:           o.Start,
		Concurrency:     o.Concurrency,
		Delay:           o.Delay,
		Timeout:         o.Timeout,
		MaxBody:         int(o.MaxBody),
		UserAgent:       o.userAgent(),
		RobotsAgent:     o.RobotsAgent,
		IgnoreRobots:    o.IgnoreRobots,
		Include:         compileAll(o.Include),
		Exclude:         compileAll(o.Exclude),
		AllowSubdomains: o.AllowSubdomains,
		MaxDepth:        o.MaxDepth,
		MaxURLs:         o.MaxURLs,
		TrapLimit:       crawlerTrapLimit(o.TrapLimit),
		NoExternal:      o.NoExternal,
		Logger:          o.Logger,
		Mask:            p.mask,
		Now:             o.Now,
		Sitemaps:        o.Sitemaps,
		NoSitemaps:      o.NoSitemaps,
		MaxSitemapBytes: int64(o.SitemapMaxSize),
		Credentials:     p.auth.Credentials,

		Render:            o.renderMode(),
		Chrome:            o.Chrome,
		RenderConcurrency: o.RenderConcurrency,
	}
	cfg.CompareAnonymous = o.CompareAnonymous && p.auth.Credentials != nil
	if o.Progress != nil {
		cfg.Progress = &o.Progress.crawl
	}
	return cfg
}

// crawlerTrapLimit is TrapLimit as crawler.Config takes it: there 0 is the
// default and a negative value is off.
func crawlerTrapLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// compileAll compiles expressions Validate has checked.
func compileAll(exprs []string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, e := range exprs {
		out = append(out, regexp.MustCompile(e))
	}
	return out
}

// compareBaseline compares the crawl in st with its baseline (Baseline,
// else History's crawl that BaselineFrom names); nil when there is none. It
// returns the Masker the outputs use: the run's, plus the names the
// baseline masked (its URLs appear in the comparison).
//
// With BaselineFrom "last-passing" a crawl whose run failed is never the
// baseline: were it one, the run after a regression would find nothing
// new and pass with the site still broken.
func (p *run) compareBaseline(st store.Reader) (*diff.Diff, *urlx.Masker, error) {
	o := p.o
	base := o.Baseline
	if base == "" && o.History != "" {
		p.baseFrom = o.BaselineFrom
		if o.BaselineFrom == BaselineLast {
			base = history.Newest(o.History, crawlExists)
		} else {
			base, p.failing = history.NewestPassing(o.History, crawlExists)
		}
		switch {
		case base == "" && p.failing > 0:
			o.Logger.Warn("no passing crawl in history: no baseline for this crawl, every finding is new", "history", o.History, "failing", p.failing)
		case base == "":
			o.Logger.Info("history is empty: no baseline for this crawl", "history", o.History)
		case p.failing > 0:
			o.Logger.Info("baseline is the last passing crawl", "baseline", base, "failing_since", p.failing)
		}
		if base != "" {
			p.baseEntry = filepath.Base(base)
		}
	}
	if base == "" {
		return nil, p.mask, nil
	}
	old, err := Open(base, o.MaskParams...)
	if err != nil {
		return nil, p.mask, err
	}
	defer old.Close()
	mask := p.mask.With(old.mask.Extra()...)
	d, err := diff.Compute(old.r, st, diff.Config{URLKey: mask.Mask})
	if err != nil {
		return nil, p.mask, err
	}
	if err := addLogsDiff(&d, old.r, st); err != nil {
		return nil, p.mask, err
	}
	if d.Old.StartURL != p.start {
		o.Logger.Warn("baseline crawl started at another URL", "baseline", base)
	}
	return &d, mask, nil
}

// job is what the outputs for scheduled runs need beyond the records. A
// partial crawl is not filed in the history, so it is not accepted either.
func (p *run) job(outcome audit.Outcome, since *diff.Diff, partial bool) report.Job {
	j := report.Job{
		Site: p.o.Name, FailLevel: p.failOn, OnlyNew: p.onlyNew, ReportPath: p.o.Out, Diff: since,
		BaselineFrom: p.baseFrom, FailingSince: p.failing, Accepted: p.o.AcceptCurrent && !partial,
	}
	for _, r := range audit.Catalogue() {
		if !p.policy.Disabled[r.ID] {
			j.Rules = append(j.Rules, r.ID)
		}
	}
	for _, ig := range outcome.Ignored {
		j.Ignored = append(j.Ignored, report.IgnoredFinding{Finding: ig.Finding, Reason: ig.By.Reason, Source: ig.By.Source})
	}
	for _, e := range outcome.Expired {
		j.Expired = append(j.Expired, report.ExpiredIgnore{Rule: e.Rule, URL: e.URL.String(), Reason: e.Reason, Expires: e.Expires, Source: e.Source})
	}
	return j
}

// summary renders the terminal summary: the table, then the comparison
// with the baseline and the policy's effect.
func summary(rc *report.Crawl, since *diff.Diff, outcome audit.Outcome, t TerminalOptions) ([]byte, error) {
	var b bytes.Buffer
	if err := report.WriteTerminal(&b, rc, t.report()); err != nil {
		return nil, err
	}
	if since != nil {
		b.WriteString("\n")
		if err := report.WriteDiffTable(&b, *since, 0, t.width(), rc.Options().Mask); err != nil {
			return nil, err
		}
	}
	if n := len(outcome.Ignored); n > 0 {
		fmt.Fprintf(&b, "\n%d findings ignored (see summary.md).\n", n)
	}
	if n := len(outcome.Expired); n > 0 {
		srcs := make([]string, 0, n)
		for _, e := range outcome.Expired {
			srcs = append(srcs, e.Source)
		}
		sort.Strings(srcs)
		fmt.Fprintf(&b, "%d ignore entries have expired and ignore nothing any more: %v\n", n, srcs)
	}
	return b.Bytes(), nil
}

// maskedFindings returns the crawl's findings as the outputs show them.
func maskedFindings(rc *report.Crawl, mask *urlx.Masker) ([]Finding, error) {
	fs, err := rc.Findings()
	if err != nil {
		return nil, err
	}
	out := make([]Finding, len(fs))
	for i, f := range fs {
		g := newFinding(f)
		g.URL = mask.Mask(f.URL)
		g.Message = mask.MaskText(f.Message)
		g.Referrers = make([]string, len(f.Referrers))
		for j, r := range f.Referrers {
			g.Referrers[j] = mask.Mask(r)
		}
		out[i] = g
	}
	return out, nil
}

// file files the crawl into the history, with the run's verdict, and calls
// the webhook. A failed notification is logged, not returned: the report is
// written.
func (p *run) file(ctx context.Context, rc *report.Crawl, res *Result) error {
	o := p.o
	if o.History != "" {
		// An interrupted crawl lacks what it did not reach: as the next
		// baseline it would make all of that look new. It is not filed.
		if res.Partial {
			o.Logger.Warn("partial crawl not filed in history", "history", o.History)
			if o.AcceptCurrent && o.Warn != nil {
				o.Warn("--accept-current: the crawl is partial, so it is not filed in the history nor accepted as the baseline")
			}
		} else {
			m, err := rc.Meta()
			if err != nil {
				return err
			}
			v, err := p.verdict(rc, res)
			if err != nil {
				return err
			}
			entry, err := history.Save(o.History, o.Out, m.StartedAt, o.HistoryKeep, v)
			if err != nil {
				return fmt.Errorf("--history: %w", err)
			}
			if res.Accepted {
				o.Logger.Info("crawl filed in history, accepted as the baseline", "entry", entry)
			} else {
				o.Logger.Info("crawl filed in history", "entry", entry, "passed", !res.Failed)
			}
		}
	}
	if o.NotifyURL == "" {
		return nil
	}
	payload, err := newNotifyPayload(rc, o.Out, res.Failed)
	if err != nil {
		return err
	}
	err = webhook.Post(ctx, o.NotifyURL, payload, webhook.Config{Backoff: o.NotifyBackoff, UserAgent: "crawlaudit/" + o.version()})
	if err != nil {
		o.Logger.Error("notification failed; the report is written", "error", err)
	} else {
		o.Logger.Info("notification sent", "to", webhook.Redact(o.NotifyURL))
	}
	return nil
}

// verdict is the verdict.json of a run filed in the history: whether it
// passed (an accepted run did), and the findings that reached the fail
// level, which an accepted run counts as it would have without accepting.
func (p *run) verdict(rc *report.Crawl, res *Result) (history.Verdict, error) {
	j := rc.Options().Job
	level := string(j.FailLevel)
	if level == "" {
		level = LevelNever
	}
	v := history.Verdict{
		Passed: !res.Failed && !res.Partial, Accepted: res.Accepted, FailOn: level, OnlyNew: j.OnlyNew,
		Findings: len(res.Findings), Baseline: p.baseEntry,
	}
	fs, err := rc.Findings()
	if err != nil {
		return v, err
	}
	j.Accepted = false
	fails := j.Failer()
	for _, f := range fs {
		if fails(f) {
			v.Failing++
		}
	}
	return v, nil
}

// version is the tool version the run records.
func (o Options) version() string {
	if o.Version == "" {
		return "dev"
	}
	return o.Version
}

// siteName is the site's name: Name, or the start URL's host[:port].
func (o Options) siteName() string {
	if o.Name != "" {
		return o.Name
	}
	if u, err := urlx.Parse(o.Start); err == nil {
		return strings.NewReplacer(":", "_", "[", "", "]", "").Replace(u.Host)
	}
	return "site"
}

// Masked returns url with the secrets a run of o hides (userinfo, secret
// query values, MaskParams): the form every output and message shows.
func (o Options) Masked(url string) string { return o.mask().Mask(url) }

// mask returns the run's Masker.
func (o Options) mask() *urlx.Masker { return urlx.NewMasker(o.MaskParams...) }

// markRedirectLoops gives every URL of a redirect loop an error saying so
// (the redirect-loop finding reports the loop once, on the URL that leads
// into it): a record must tell why its chain never ends.
func markRedirectLoops(st *store.SQLite) error {
	next := map[string]string{} // redirect records: URL → target
	// EachURLInbound, not EachURL: the first full scan after the crawl
	// keeps the records in memory for every later one (store.SQLite).
	err := st.EachURLInbound(func(u store.URL, _ store.Inbound) error {
		if u.Status >= 300 && u.Status < 400 && u.Redirect != "" && u.Error == "" {
			next[u.URL] = u.Redirect
		}
		return nil
	})
	if err != nil {
		return err
	}
	marked := map[string]bool{}
	for _, from := range sortedKeys(next) {
		if marked[from] {
			continue
		}
		ch, _ := analysis.WalkChain(from, func(u string) string { return u }, func(u string) string { return next[u] },
			func(u string) (string, bool, error) { _, ok := next[u]; return u, ok, nil })
		if !ch.Loop || ch.Next != from {
			continue // from leads into a loop (or no loop): the loop's own URLs are marked from themselves
		}
		for i, u := range ch.Hops {
			// The loop as seen from u: u first and last.
			loop := strings.Join(append(append(append([]string(nil), ch.Hops[i:]...), ch.Hops[:i]...), u), " → ")
			rec, ok, err := st.Get(u)
			if err != nil || !ok {
				return err
			}
			rec.Error, rec.ErrorKind = "redirect loop: "+loop, store.ErrorRedirectLoop
			if err := st.PutURL(rec); err != nil {
				return err
			}
			marked[u] = true
		}
	}
	return nil
}

// assignClusters finds the crawl's duplicate clusters (analysis.Clusters)
// and stores every member's Cluster and ClusterKind, replacing any earlier
// ones.
func assignClusters(st store.Store) error {
	cs, err := analysis.Clusters(st)
	if err != nil {
		return err
	}
	return st.PutClusters(analysis.Memberships(cs))
}

// recordTimeUp records every URL still queued when --max-time passed as
// known and not requested (store.NotRequestedMaxTime), so that the
// outputs list it with its referrers; its frontier row stays, and a
// resumed crawl requests it (and replaces the record).
func recordTimeUp(st *store.SQLite) error {
	// Streamed: the frontier may hold millions of URLs. The query reads a
	// snapshot; the records go through the writer's own connection.
	if err := st.EachQueued(func(q store.Queued) error {
		return st.PutURL(store.URL{URL: q.URL, Kind: q.Kind, Start: q.Start && q.Hops == 0, Depth: q.Depth, Bytes: -1, NotRequested: store.NotRequestedMaxTime})
	}); err != nil {
		return err
	}
	return st.Flush()
}
