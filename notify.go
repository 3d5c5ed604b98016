package crawlaudit

import (
	"fmt"
	"time"

	"github.com/crawlaudit/crawlaudit/report"
)

// notifyPayload is the JSON document POSTed to Options.NotifyURL. URLs are
// masked; no credential, header or cookie is ever part of it. Fields are
// only ever added: receivers parse older and newer payloads alike.
type notifyPayload struct {
	SchemaVersion int    `json:"schema_version"`
	Event         string `json:"event"` // "crawl.finished"
	Site          string `json:"site,omitempty"`
	StartURL      string `json:"start_url"`
	StartedAt     string `json:"started_at"`
	FinishedAt    string `json:"finished_at"`
	Partial       bool   `json:"partial"`
	Result        string `json:"result"` // "passed" or "failed"
	// Accepted says the run accepted its findings as the baseline
	// (--accept-current); Result is then "passed".
	Accepted   bool           `json:"accepted"`
	FailLevel  string         `json:"fail_level"`
	OnlyNew    bool           `json:"fail_on_new"`
	ReportPath string         `json:"report_path"`
	Summary    report.Summary `json:"summary"`
	// Baseline is the comparison with the baseline; null without one.
	Baseline *notifyBaseline `json:"baseline"`
	// NoBaseline says why a run that read a history has no baseline
	// (every finding is new); left out otherwise.
	NoBaseline string `json:"no_baseline,omitempty"`
	Ignored    int    `json:"ignored_findings"`
	Expired    int    `json:"expired_ignore_entries"`
}

type notifyBaseline struct {
	StartedAt   string            `json:"started_at"`
	Counts      report.DiffCounts `json:"counts"`
	Regressions any               `json:"regressions"`
	NewFindings any               `json:"new_findings"`
	// From says how the history's baseline was chosen: "last-passing" or
	// "last"; "baseline" when it was named (--baseline).
	From string `json:"from"`
	// FailingSince counts the history's failing crawls newer than the
	// baseline (passed over by last-passing).
	FailingSince int `json:"failing_since"`
	// Findings are this crawl's findings new, resolved and persisting
	// against the baseline, and Comparison the same in one line.
	Findings   report.BaselineCounts `json:"findings"`
	Comparison string                `json:"comparison"`
}

func newNotifyPayload(rc *report.Crawl, out string, failed bool) (notifyPayload, error) {
	sum, err := report.Summarize(rc)
	if err != nil {
		return notifyPayload{}, err
	}
	m, err := rc.Meta()
	if err != nil {
		return notifyPayload{}, fmt.Errorf("notify: meta: %w", err)
	}
	opt := rc.Options()
	job := opt.Job
	p := notifyPayload{
		SchemaVersion: 1, Event: "crawl.finished", Site: job.Site,
		StartURL: opt.Mask.Mask(m.StartURL), StartedAt: m.StartedAt.UTC().Format(time.RFC3339), FinishedAt: m.FinishedAt.UTC().Format(time.RFC3339),
		Partial: m.Partial, Result: "passed", Accepted: job.Accepted, FailLevel: string(job.FailLevel), OnlyNew: job.OnlyNew, ReportPath: out,
		Summary: sum, NoBaseline: job.NoBaseline(), Ignored: len(job.Ignored), Expired: len(job.Expired),
	}
	if p.FailLevel == "" {
		p.FailLevel = LevelNever
	}
	if failed {
		p.Result = "failed"
	}
	if job.Diff != nil {
		d := *job.Diff
		regs := d
		regs.Changes = d.Regressions()
		dj := report.NewDiffJSON(regs, opt.Mask)
		counts, _, err := report.CountBaseline(rc)
		if err != nil {
			return notifyPayload{}, fmt.Errorf("notify: %w", err)
		}
		from := job.BaselineFrom
		if from == "" {
			from = "baseline"
		}
		p.Baseline = &notifyBaseline{
			StartedAt: dj.Old.StartedAt, Counts: report.CountDiff(d), Regressions: dj.Changes, NewFindings: dj.NewFindings,
			From: from, FailingSince: job.FailingSince, Findings: counts, Comparison: counts.String(),
		}
	}
	return p, nil
}
