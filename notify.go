package crawlaudit

import (
	"fmt"
	"time"

	"github.com/crawlaudit/crawlaudit/report"
)

// notifyPayload is the JSON document POSTed to Options.NotifyURL. URLs are
// masked; no credential, header or cookie is ever part of it.
type notifyPayload struct {
	SchemaVersion int            `json:"schema_version"`
	Event         string         `json:"event"` // "crawl.finished"
	Site          string         `json:"site,omitempty"`
	StartURL      string         `json:"start_url"`
	StartedAt     string         `json:"started_at"`
	FinishedAt    string         `json:"finished_at"`
	Partial       bool           `json:"partial"`
	Result        string         `json:"result"` // "passed" or "failed"
	FailLevel     string         `json:"fail_level"`
	OnlyNew       bool           `json:"fail_on_new"`
	ReportPath    string         `json:"report_path"`
	Summary       report.Summary `json:"summary"`
	// Baseline is the comparison with the baseline; null without one.
	Baseline *notifyBaseline `json:"baseline"`
	Ignored  int             `json:"ignored_findings"`
	Expired  int             `json:"expired_ignore_entries"`
}

type notifyBaseline struct {
	StartedAt   string            `json:"started_at"`
	Counts      report.DiffCounts `json:"counts"`
	Regressions any               `json:"regressions"`
	NewFindings any               `json:"new_findings"`
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
		Partial: m.Partial, Result: "passed", FailLevel: string(job.FailLevel), OnlyNew: job.OnlyNew, ReportPath: out,
		Summary: sum, Ignored: len(job.Ignored), Expired: len(job.Expired),
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
		p.Baseline = &notifyBaseline{StartedAt: dj.Old.StartedAt, Counts: report.CountDiff(d), Regressions: dj.Changes, NewFindings: dj.NewFindings}
	}
	return p, nil
}
