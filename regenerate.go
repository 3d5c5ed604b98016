package crawlaudit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// ReportOptions are the settings of Report.
type ReportOptions struct {
	// Source is the finished crawl: an output folder, a crawl.db or a
	// crawl.json.
	Source string
	// Out is the folder the outputs are written to; "" means the crawl's
	// own folder.
	Out string
	// MaskParams are query parameters to hide on top of those the crawl
	// was made with.
	MaskParams []string
	// Warn receives one-line warnings (a stale diff.json); nil drops them.
	Warn func(string)
	// Terminal shapes Result.Summary for the screen it is printed on.
	Terminal TerminalOptions
}

// Report rewrites every output file of a finished crawl without crawling
// again: the files a crawl writes, from its crawl.db (or crawl.json). The
// comparison with the baseline comes back from the diff.json beside the
// crawl, when it belongs to this crawl. The fail level is the one the crawl
// was made with; ignored findings are not stored, so summary.md and
// junit.xml list none.
func Report(ctx context.Context, o ReportOptions) (*Result, error) {
	return reportWith(ctx, o, nil, nil)
}

// reportWith is Report with the crawl's log data given (nil: read it from
// the crawl).
func reportWith(_ context.Context, o ReportOptions, logs *store.LogData, commit func() error) (*Result, error) {
	for _, p := range o.MaskParams {
		if err := checkMaskParam(p); err != nil {
			return nil, err
		}
	}
	c, err := openCrawl(o.Source, logs, o.MaskParams...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out := o.Out
	if out == "" {
		out = o.Source
		if fi, err := os.Stat(o.Source); err == nil && !fi.IsDir() {
			out = filepath.Dir(o.Source)
		}
	}
	if err := checkWritable(out); err != nil {
		return nil, err
	}
	if c.logsLost && o.Warn != nil {
		o.Warn(fmt.Sprintf("%s: its search-engine log figures come only from crawl.db (the crawler hits are not in crawl.json): this report has none; regenerate from crawl.db or run crawlaudit logs again", o.Source))
	}
	job := jobFromSettings(c.meta.Settings)
	job.ReportPath, job.Diff = out, crawlDiff(o.Source, c.meta, o.Warn)
	if job.Diff != nil {
		if err := refreshLogsDiff(job.Diff, c.logs, c.r); err != nil {
			return nil, err
		}
	}
	rc, err := c.report(job)
	if err != nil {
		return nil, err
	}
	if err := writeOutputsThen(out, rc, nil, csvBOMIn(out), commit); err != nil {
		return nil, err
	}
	res := &Result{Out: out, StartURL: c.mask.Mask(c.meta.StartURL), Partial: c.meta.Partial}
	fs, err := c.r.Findings()
	if err != nil {
		return nil, err
	}
	fails := job.Failer()
	for _, f := range fs {
		res.Failed = res.Failed || fails(f)
	}
	if res.Findings, err = maskedFindings(rc, c.mask); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := report.WriteTerminal(&b, rc, o.Terminal.report()); err != nil {
		return nil, err
	}
	res.summary = b.Bytes()
	return res, nil
}

// verdictSettings are the parts of job that decided the run's verdict,
// stored in crawl.db's settings when the run ends (never read back by a
// resume: they are not crawl settings) so that Report decides alike.
func verdictSettings(job report.Job) map[string]string {
	return map[string]string{
		"verdict_fail_level":    string(job.FailLevel),
		"verdict_only_new":      strconv.FormatBool(job.OnlyNew),
		"verdict_accepted":      strconv.FormatBool(job.Accepted),
		"verdict_baseline_from": job.BaselineFrom,
		"verdict_failing_since": strconv.Itoa(job.FailingSince),
		"site_name":             job.Site,
		"verdict_rules":         repeated(job.Rules),
	}
}

// jobFromSettings is the report.Job a finished run's settings describe:
// verdictSettings, or for a crawl written before those existed (or one
// interrupted before its verdict) the fail level it was made with.
func jobFromSettings(s map[string]string) report.Job {
	if level, ok := s["verdict_fail_level"]; ok {
		j := report.Job{Site: s["site_name"], BaselineFrom: s["verdict_baseline_from"]}
		if sev := store.Severity(level); sev.Rank() > 0 || level == "" {
			j.FailLevel = sev
		}
		j.OnlyNew, _ = strconv.ParseBool(s["verdict_only_new"])
		j.Accepted, _ = strconv.ParseBool(s["verdict_accepted"])
		if n, err := strconv.Atoi(s["verdict_failing_since"]); err == nil && n > 0 {
			j.FailingSince = n
		}
		known := map[string]bool{}
		for _, r := range ruleInfos() {
			known[r.ID] = true
		}
		for _, id := range settingList(s["verdict_rules"]) {
			if known[id] { // a crawl.db is data: only rules this build has
				j.Rules = append(j.Rules, id)
			}
		}
		return j
	}
	level, _ := ParseLevel(s["fail_on"])
	j := report.Job{FailLevel: store.Severity(level)}
	for _, r := range ruleInfos() {
		j.Rules = append(j.Rules, r.ID)
	}
	return j
}

// crawlDiff reads back the diff.json that a crawl with a baseline (or
// Compare) left next to the crawl at source, so that report.html keeps its
// "Since last crawl" section. It returns nil when there is none, and, with
// a warning, when the file cannot be read or belongs to another crawl of
// the folder (its "new" side started at another time): a stale comparison
// would mislead.
func crawlDiff(source string, meta store.Meta, warn func(string)) *diff.Diff {
	if warn == nil {
		warn = func(string) {}
	}
	dir := source
	if fi, err := os.Stat(source); err == nil && !fi.IsDir() {
		dir = filepath.Dir(source)
	}
	path := filepath.Join(dir, "diff.json")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		warn(fmt.Sprintf("%s: %v; report.html has no \"Since last crawl\" section", path, unwrapPath(err)))
		return nil
	}
	defer f.Close()
	d, err := report.ReadDiffJSON(bufio.NewReader(f))
	if err != nil {
		warn(fmt.Sprintf("%s: %s; report.html has no \"Since last crawl\" section", path, firstLine(err)))
		return nil
	}
	if !d.New.StartedAt.Equal(meta.StartedAt.UTC().Truncate(time.Second)) {
		warn(fmt.Sprintf("%s compares another crawl than this one; report.html has no \"Since last crawl\" section", path))
		return nil
	}
	return &d
}

// CompareOptions are the settings of Compare.
type CompareOptions struct {
	Old, New string // the two crawls: output folders, crawl.db or crawl.json paths
	// Out is the folder diff.json and diff.csv are written to; "" means
	// New's folder.
	Out string
	// FailOnNew makes the comparison fail when a new finding reaches this
	// level: error, warning, notice or never. Default never.
	FailOnNew string
	// Terminal shapes Comparison.Summary (its width).
	Terminal TerminalOptions
}

// Comparison is what Compare found.
type Comparison struct {
	Out    string // the folder diff.json and diff.csv were written to
	Failed bool   // a new finding reached CompareOptions.FailOnNew
	table  []byte
}

// Summary returns the terminal view of the comparison: counts, status
// changes (regressions first), new and resolved findings.
// Crawled text in it is made safe for a terminal (TerminalSafe).
func (c *Comparison) Summary() string { return TerminalSafe(string(c.table)) }

// Compare compares two finished crawls and writes diff.json and diff.csv:
// new and resolved findings, status changes with regressions first.
func Compare(_ context.Context, o CompareOptions) (*Comparison, error) {
	if o.FailOnNew == "" {
		o.FailOnNew = LevelNever
	}
	level, err := ParseLevel(o.FailOnNew)
	if err != nil {
		return nil, &OptionError{Key: "fail_on_new", Flag: "fail-on-new", Msg: err.Error()}
	}
	old, err := Open(o.Old)
	if err != nil {
		return nil, err
	}
	defer old.Close()
	cur, err := Open(o.New)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	mask := cur.mask.With(old.mask.Extra()...)
	d, err := diff.Compute(old.r, cur.r, diff.Config{URLKey: mask.Mask})
	if err != nil {
		return nil, err
	}
	if err := addLogsDiff(&d, old.r, cur.r); err != nil {
		return nil, err
	}
	out := o.Out
	if out == "" {
		out = o.New
		if fi, err := os.Stat(out); err == nil && !fi.IsDir() {
			out = filepath.Dir(out)
		}
	}
	if err := checkWritable(out); err != nil {
		return nil, err
	}
	rc := report.New(cur.r, report.Options{Mask: mask, Job: report.Job{Diff: &d}})
	for _, name := range []string{"diff.json", "diff.csv"} {
		for _, f := range report.Formats() {
			if f.Name == name {
				if err := writeAtomic(filepath.Join(out, name), func(w io.Writer) error { return f.Write(w, rc) }); err != nil {
					return nil, err
				}
			}
		}
	}
	c := &Comparison{Out: out}
	var b bytes.Buffer
	if err := report.WriteDiffTable(&b, d, 0, o.Terminal.width(), mask); err != nil {
		return nil, err
	}
	c.table = b.Bytes()
	if level != "" {
		for _, f := range d.NewFindings {
			if f.Severity.Rank() >= store.Severity(level).Rank() {
				c.Failed = true
			}
		}
	}
	return c, nil
}
