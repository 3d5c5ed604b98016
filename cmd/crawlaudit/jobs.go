package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/config"
	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// jobOptions are the crawl flags for scheduled runs: configuration file,
// baseline and history, the fail-on-new threshold, the findings-ignore file,
// the webhook and the log format.
type jobOptions struct {
	config        string
	parallelSites int
	baseline      string
	history       string
	historyKeep   int
	failOnNew     string
	ignoreFile    string
	notifyURL     string
	logFormat     string

	// derived by validate, or set from the configuration file
	site       string         // site name (multi-site runs and metrics); "" for the host
	policy     audit.Policy   // rule policy from the configuration
	ignores    []audit.Ignore // entries of the ignore file
	failNewLvl store.Severity // level of --fail-on-new; "" for never
	onlyNew    bool           // --fail-on-new was given

	// injected by tests
	notifyBackoff time.Duration // first pause between webhook attempts; 0 means 1s
}

// defaultHistoryKeep is how many crawls --history keeps by default.
const defaultHistoryKeep = 10

func (j *jobOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	j.parallelSites = 1
	f.StringVar(&j.baseline, "baseline", "", "earlier crawl (output folder or crawl.json) to compare with: writes diff.json and diff.csv")
	f.StringVar(&j.history, "history", "", "folder keeping the last crawls of the site; its newest crawl is the baseline")
	f.IntVar(&j.historyKeep, "history-keep", defaultHistoryKeep, "crawls --history keeps")
	f.StringVar(&j.failOnNew, "fail-on-new", "", "exit 1 only when a finding new against the baseline reaches this severity: error, warning, notice or never")
	f.StringVar(&j.ignoreFile, "ignore-file", "", "YAML file of findings to ignore (rule, url pattern, reason, optional expires date)")
	f.StringVar(&j.notifyURL, "notify-url", "", "after the crawl, POST the JSON summary to this webhook URL")
	f.StringVar(&j.logFormat, "log-format", "text", "log format on stderr: text or json")
}

// registerConfig adds the flags that only `crawl` has: the configuration
// file and how many of its sites crawl at once.
func (j *jobOptions) registerConfig(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&j.config, "config", "", "crawlaudit.yaml to read sites and settings from (default: ./crawlaudit.yaml when it exists)")
	f.IntVar(&j.parallelSites, "parallel-sites", 1, "sites of the configuration file crawled at once")
}

// validate checks the job flags and loads the ignore file.
func (j *jobOptions) validate() error {
	switch j.logFormat {
	case "text", "json":
	default:
		return usagef("--log-format must be text or json, got %q", j.logFormat)
	}
	if j.parallelSites < 1 || j.parallelSites > 64 {
		return usagef("--parallel-sites must be between 1 and 64, got %d", j.parallelSites)
	}
	if j.historyKeep < 1 || j.historyKeep > 1000 {
		return usagef("--history-keep must be between 1 and 1000, got %d", j.historyKeep)
	}
	j.onlyNew = j.failOnNew != ""
	switch j.failOnNew {
	case "", "never":
		j.failNewLvl = ""
	case "error", "warning", "notice":
		j.failNewLvl = store.Severity(j.failOnNew)
	default:
		return usagef("--fail-on-new must be error, warning, notice or never, got %q", j.failOnNew)
	}
	if j.baseline != "" && !crawlExists(j.baseline) {
		return usagef("--baseline %s: no crawl.json there", j.baseline)
	}
	if j.notifyURL != "" {
		if err := checkNotifyURL(j.notifyURL); err != nil {
			return err
		}
	}
	j.ignores = nil
	if j.ignoreFile != "" {
		f, err := os.Open(j.ignoreFile)
		if err != nil {
			return usagef("--ignore-file %s: %v", j.ignoreFile, unwrapPath(err))
		}
		defer f.Close()
		entries, err := config.ParseIgnore(f, j.ignoreFile)
		if err != nil {
			return usagef("--ignore-file: %v", err)
		}
		for _, e := range entries {
			j.ignores = append(j.ignores, audit.Ignore{Rule: e.Rule, URL: e.Pattern, Reason: e.Reason, Until: e.Until, Source: e.Source, Expires: e.Expires})
		}
	}
	return nil
}

// newLogger returns the slog logger for stderr in the chosen format.
func (j *jobOptions) newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if j.logFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	l := slog.New(h)
	if j.site != "" {
		l = l.With("site", j.site)
	}
	return l
}

// applyPolicy applies the configured rule policy and the ignore file to
// audit.Run's findings.
func (j *jobOptions) applyPolicy(findings []store.Finding, now time.Time, logger *slog.Logger) audit.Outcome {
	p := j.policy
	p.Ignore = append(append([]audit.Ignore(nil), p.Ignore...), j.ignores...)
	out := audit.Apply(findings, p, now)
	for _, e := range out.Expired {
		logger.Warn("ignore entry expired: it no longer ignores anything", "entry", e.Source, "rule", e.Rule, "expires", e.Expires)
	}
	return out
}

// jobResult is what the post-crawl step produced.
type jobResult struct {
	job  report.Job
	diff *diff.Diff
}

// compareBaseline compares the crawl in st with its baseline (--baseline,
// else the newest crawl in --history); nil when there is none. It runs
// before the crawl's outputs are written, so report.html shows the diff.
func (o *crawlOptions) compareBaseline(st store.Reader, logger *slog.Logger) (*diff.Diff, error) {
	j := &o.job
	base := j.baseline
	if base == "" && j.history != "" {
		base = newestHistory(j.history)
		if base == "" {
			logger.Info("history is empty: no baseline for this crawl", "history", j.history)
		}
	}
	if base == "" {
		return nil, nil
	}
	old, closeOld, err := openCrawl(base)
	if err != nil {
		return nil, err
	}
	d, err := diff.Compute(old, st, diff.Config{URLKey: urlx.Mask})
	closeOld()
	if err != nil {
		return nil, err
	}
	if m, _ := st.Meta(); d.Old.StartURL != m.StartURL {
		logger.Warn("baseline crawl started at another URL", "baseline", base)
	}
	return &d, nil
}

// finishJob runs after the crawl's own outputs are written: with since,
// the comparison with the baseline (compareBaseline), it writes diff.json,
// diff.csv, junit.xml, summary.md and metrics.prom, files the crawl into
// --history and notifies the webhook. Only a failure to write the outputs
// is an error; a failed notification is logged.
func (o *crawlOptions) finishJob(ctx context.Context, st store.Reader, since *diff.Diff, outcome audit.Outcome, logger *slog.Logger) (jobResult, error) {
	j := &o.job
	job := report.Job{Site: j.site, FailLevel: o.failLevel, OnlyNew: j.onlyNew, ReportPath: o.out}
	if j.onlyNew {
		job.FailLevel = j.failNewLvl
	}
	for _, r := range audit.Catalogue() {
		if !j.policy.Disabled[r.ID] {
			job.Rules = append(job.Rules, r.ID)
		}
	}
	for _, ig := range outcome.Ignored {
		job.Ignored = append(job.Ignored, report.IgnoredFinding{Finding: ig.Finding, Reason: ig.By.Reason, Source: ig.By.Source})
	}
	for _, e := range outcome.Expired {
		job.Expired = append(job.Expired, report.ExpiredIgnore{Rule: e.Rule, URL: e.URL.String(), Reason: e.Reason, Expires: e.Expires, Source: e.Source})
	}

	var res jobResult
	res.diff, job.Diff = since, since
	res.job = job

	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"junit.xml", func(w io.Writer) error { return report.WriteJUnit(w, st, job) }},
		{"summary.md", func(w io.Writer) error { return report.WriteMarkdown(w, st, job) }},
		{"metrics.prom", func(w io.Writer) error { return report.WriteMetrics(w, st, job) }},
	}
	if res.diff != nil {
		d := *res.diff
		files = append(files,
			struct {
				name  string
				write func(io.Writer) error
			}{"diff.json", func(w io.Writer) error { return report.WriteDiffJSON(w, d) }},
			struct {
				name  string
				write func(io.Writer) error
			}{"diff.csv", func(w io.Writer) error { return report.WriteDiffCSV(w, d) }})
	} else {
		// No baseline this time: a diff left by an earlier run would lie.
		for _, name := range []string{"diff.json", "diff.csv"} {
			if err := os.Remove(filepath.Join(o.out, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return res, fmt.Errorf("remove stale %s: %w", name, unwrapPath(err))
			}
		}
	}
	for _, f := range files {
		if err := writeAtomic(filepath.Join(o.out, f.name), f.write); err != nil {
			return res, err
		}
	}

	if j.history != "" {
		// An interrupted crawl lacks what it did not reach: as the next
		// baseline it would make all of that look new. It is not filed.
		m, _ := st.Meta()
		if m.Partial {
			logger.Warn("partial crawl not filed in history", "history", j.history)
		} else {
			entry, err := saveHistory(j.history, o.out, m.StartedAt, j.historyKeep)
			if err != nil {
				return res, err
			}
			logger.Info("crawl filed in history", "entry", entry)
		}
	}
	if j.notifyURL != "" {
		failed, err := o.failed(st, job)
		if err != nil {
			return res, err
		}
		payload, err := newNotifyPayload(st, job, o.out, failed)
		if err != nil {
			return res, err
		}
		backoff := j.notifyBackoff
		if backoff == 0 {
			backoff = time.Second
		}
		if err := notify(ctx, j.notifyURL, payload, notifyAttempts, backoff, notifyTimeout); err != nil {
			logger.Error("notification failed; the report is written", "error", err)
		} else {
			logger.Info("notification sent", "to", redactNotifyURL(j.notifyURL))
		}
	}
	return res, nil
}

// failed says whether the run fails under job.
func (o *crawlOptions) failed(st store.Reader, job report.Job) (bool, error) {
	fs, err := st.Findings()
	if err != nil {
		return false, fmt.Errorf("read findings: %w", err)
	}
	fails := job.Failer()
	for _, f := range fs {
		if fails(f) {
			return true, nil
		}
	}
	return false, nil
}

// verdict returns errFailLevel when the run fails: under --fail-on-new only
// new findings count; otherwise any finding at the --fail-on level.
func (o *crawlOptions) verdict(st store.Reader, res jobResult) error {
	failed, err := o.failed(st, res.job)
	if err != nil {
		return err
	}
	if failed {
		return errFailLevel
	}
	return nil
}

// printJob prints the diff and the policy's effect after the summary.
func printJob(w io.Writer, res jobResult, outcome audit.Outcome) error {
	if res.diff != nil {
		fmt.Fprintln(w)
		if err := report.WriteDiffTable(w, *res.diff, 0); err != nil {
			return err
		}
	}
	if n := len(outcome.Ignored); n > 0 {
		fmt.Fprintf(w, "\n%d findings ignored (see summary.md).\n", n)
	}
	if n := len(outcome.Expired); n > 0 {
		srcs := make([]string, 0, n)
		for _, e := range outcome.Expired {
			srcs = append(srcs, e.Source)
		}
		sort.Strings(srcs)
		fmt.Fprintf(w, "%d ignore entries have expired and ignore nothing any more: %v\n", n, srcs)
	}
	return nil
}
