package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// DiffSchemaVersion is the version of diff.json's schema.
const DiffSchemaVersion = 1

type jsonSide struct {
	StartURL   string `json:"start_url"`
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`
	Partial    bool   `json:"partial"`
}

type jsonChange struct {
	URL       string `json:"url"`
	Kind      string `json:"kind"`
	OldStatus int    `json:"old_status"`
	NewStatus int    `json:"new_status"`
	Class     string `json:"class"`
	Reason    string `json:"reason"`
	// OldBlocked and NewBlocked: disallowed by robots.txt (not requested).
	OldBlocked bool `json:"old_blocked,omitempty"`
	NewBlocked bool `json:"new_blocked,omitempty"`
}

type jsonDiffFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	URL      string `json:"url"`
	Message  string `json:"message"`
}

// DiffCounts are a diff in numbers; diff.json's "counts", and part of the
// notification payload.
type DiffCounts struct {
	NewFindings      int `json:"new_findings"`
	ResolvedFindings int `json:"resolved_findings"`
	// PersistingFindings: this crawl's findings the baseline had too.
	PersistingFindings int `json:"persisting_findings"`
	Regressions        int `json:"regressions"`
	Improvements       int `json:"improvements"`
	Changes            int `json:"changes"` // every status change, regressions included
	AddedURLs          int `json:"added_urls"`
	RemovedURLs        int `json:"removed_urls"`
}

// DiffJSON is diff.json's document (also embedded in the notification).
type DiffJSON struct {
	SchemaVersion    int               `json:"schema_version"`
	Old              jsonSide          `json:"old"`
	New              jsonSide          `json:"new"`
	Counts           DiffCounts        `json:"counts"`
	Changes          []jsonChange      `json:"changes"`
	NewFindings      []jsonDiffFinding `json:"new_findings"`
	ResolvedFindings []jsonDiffFinding `json:"resolved_findings"`
	// Logs compares the search-engine log figures; absent when neither
	// crawl has log data.
	Logs *jsonLogsDiff `json:"logs,omitempty"`
}

// jsonLogsDiff is diff.json's "logs": each side's figures, null for a
// crawl without log data.
type jsonLogsDiff struct {
	Old *jsonLogFigures `json:"old"`
	New *jsonLogFigures `json:"new"`
}

type jsonLogFigures struct {
	CrawlerLines        int64            `json:"crawler_lines"`
	CrawlerHits         int64            `json:"crawler_hits"`
	Bots                map[string]int64 `json:"bots"`
	Wasted              map[string]int64 `json:"wasted"`
	UnauthorizedHits    int64            `json:"unauthorized_hits"`
	ForbiddenHits       int64            `json:"forbidden_hits"`
	GooglebotHits       int64            `json:"googlebot_verified_hits"`
	GooglebotEfficiency float64          `json:"googlebot_efficiency"`
}

func newJSONLogFigures(f *diff.LogFigures) *jsonLogFigures {
	if f == nil {
		return nil
	}
	j := &jsonLogFigures{CrawlerLines: f.BotLines, CrawlerHits: f.CrawlerHits, Bots: f.Bots, Wasted: f.Wasted,
		UnauthorizedHits: f.Unauthorized, ForbiddenHits: f.Forbidden, GooglebotHits: f.GooglebotHits, GooglebotEfficiency: f.Efficiency}
	if j.Bots == nil {
		j.Bots = map[string]int64{}
	}
	if j.Wasted == nil {
		j.Wasted = map[string]int64{}
	}
	return j
}

func readLogFigures(j *jsonLogFigures) *diff.LogFigures {
	if j == nil {
		return nil
	}
	return &diff.LogFigures{BotLines: j.CrawlerLines, CrawlerHits: j.CrawlerHits, Bots: j.Bots, Wasted: j.Wasted,
		Unauthorized: j.UnauthorizedHits, Forbidden: j.ForbiddenHits, GooglebotHits: j.GooglebotHits, Efficiency: j.GooglebotEfficiency}
}

func newJSONLogsDiff(l *diff.LogsDiff) *jsonLogsDiff {
	if l == nil {
		return nil
	}
	return &jsonLogsDiff{Old: newJSONLogFigures(l.Old), New: newJSONLogFigures(l.New)}
}

// logRowText is a LogRow's value on one side: a count, a percentage for
// a share, "—" when that crawl has no log data.
func logRowText(v float64, has, ratio bool) string {
	switch {
	case !has:
		return "—"
	case ratio:
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	}
	return strconv.FormatInt(int64(v), 10)
}

// logRowChange is a LogRow's change: "+12", "-3", "0", "+1.5 pts" for a
// share, "" when a side has no log data.
func logRowChange(r diff.LogRow) string {
	if !r.HasOld || !r.HasNew {
		return ""
	}
	if r.Ratio {
		d := (r.New - r.Old) * 100
		s := strconv.FormatFloat(d, 'f', 1, 64)
		if d > 0 {
			s = "+" + s
		}
		return s + " pts"
	}
	d := int64(r.New) - int64(r.Old)
	if d > 0 {
		return "+" + strconv.FormatInt(d, 10)
	}
	return strconv.FormatInt(d, 10)
}

// CountDiff returns d's counts.
func CountDiff(d diff.Diff) DiffCounts {
	c := DiffCounts{NewFindings: len(d.NewFindings), ResolvedFindings: len(d.ResolvedFindings), PersistingFindings: d.PersistingFindings, Changes: len(d.Changes), AddedURLs: d.AddedURLs, RemovedURLs: d.RemovedURLs}
	for _, ch := range d.Changes {
		switch ch.Class {
		case diff.ClassRegression:
			c.Regressions++
		case diff.ClassImprovement:
			c.Improvements++
		}
	}
	return c
}

func newJSONSide(s diff.Side, m *urlx.Masker) jsonSide {
	return jsonSide{StartURL: m.Mask(s.StartURL), StartedAt: fmtTime(s.StartedAt), FinishedAt: fmtTime(s.FinishedAt), Partial: s.Partial}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func newJSONChanges(cs []diff.Change, m *urlx.Masker) []jsonChange {
	out := []jsonChange{}
	for _, c := range cs {
		out = append(out, jsonChange{URL: m.Mask(c.URL), Kind: string(c.Kind), OldStatus: c.OldStatus, NewStatus: c.NewStatus, Class: c.Class, Reason: c.Reason, OldBlocked: c.OldBlocked, NewBlocked: c.NewBlocked})
	}
	return out
}

func newJSONDiffFindings(fs []store.Finding, m *urlx.Masker) []jsonDiffFinding {
	out := []jsonDiffFinding{}
	for _, f := range fs {
		out = append(out, jsonDiffFinding{Rule: f.Rule, Severity: string(f.Severity), URL: m.Mask(f.URL), Message: m.MaskText(f.Text())})
	}
	return out
}

// NewDiffJSON maps d to diff.json's document, URLs masked with m.
func NewDiffJSON(d diff.Diff, m *urlx.Masker) DiffJSON {
	return DiffJSON{
		SchemaVersion:    DiffSchemaVersion,
		Old:              newJSONSide(d.Old, m),
		New:              newJSONSide(d.New, m),
		Counts:           CountDiff(d),
		Changes:          newJSONChanges(d.Changes, m),
		NewFindings:      newJSONDiffFindings(d.NewFindings, m),
		ResolvedFindings: newJSONDiffFindings(d.ResolvedFindings, m),
		Logs:             newJSONLogsDiff(d.Logs),
	}
}

// WriteDiffJSON writes diff.json from the comparison with the baseline
// (Options.Job.Diff; an empty comparison without one): both crawls'
// identity, counts, status changes (regressions first), new and resolved
// findings.
func WriteDiffJSON(w io.Writer, r *Crawl) error {
	var d diff.Diff
	if r.opt.Job.Diff != nil {
		d = *r.opt.Job.Diff
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewDiffJSON(d, r.opt.Mask)); err != nil {
		return fmt.Errorf("report: diff.json: %w", err)
	}
	return nil
}

// WriteDiffCSV writes diff.csv: one row per status change (change column
// "regression", "improvement" or "change") then per new and resolved
// finding ("new-finding", "resolved-finding"), from Options.Job.Diff.
func WriteDiffCSV(w io.Writer, r *Crawl) error {
	var d diff.Diff
	if r.opt.Job.Diff != nil {
		d = *r.opt.Job.Diff
	}
	cw := newCSV(w)
	rows := [][]string{{"change", "url", "kind", "old_status", "new_status", "reason", "rule", "severity", "message"}}
	for _, c := range d.Changes {
		rows = append(rows, []string{c.Class, cell(r.maskURL(c.URL)), string(c.Kind), itoa(c.OldStatus), itoa(c.NewStatus), c.Reason, "", "", ""})
	}
	for _, set := range []struct {
		name string
		fs   []store.Finding
	}{{"new-finding", d.NewFindings}, {"resolved-finding", d.ResolvedFindings}} {
		for _, f := range set.fs {
			rows = append(rows, []string{set.name, cell(r.maskURL(f.URL)), "", "", "", "", f.Rule, string(f.Severity), cell(r.maskText(f.Text()))})
		}
	}
	for _, r := range rows {
		if err := cw.Write(r); err != nil {
			return fmt.Errorf("report: diff.csv: write: %w", err)
		}
	}
	return flushCSV(cw, "diff.csv")
}

// WriteDiffTable writes the terminal view of d: a one-line count, then
// status changes (regressions first) and new and resolved findings, at most
// top rows each (0: 20), URLs masked with m. width > 0 fits every line to
// that many columns (0: URLs cut at 80 characters).
func WriteDiffTable(w io.Writer, d diff.Diff, top, width int, m *urlx.Masker) error {
	if top <= 0 {
		top = 20
	}
	c := CountDiff(d)
	var head bytes.Buffer
	textLine(&head, fmt.Sprintf("Since the baseline: %d regressions, %d improvements, %d other status changes; %d new findings, %d resolved; %d URLs added, %d gone.",
		c.Regressions, c.Improvements, c.Changes-c.Regressions-c.Improvements, c.NewFindings, c.ResolvedFindings, c.AddedURLs, c.RemovedURLs), width)
	if _, err := w.Write(head.Bytes()); err != nil {
		return fmt.Errorf("report: diff table: write: %w", err)
	}
	if len(d.Changes) > 0 {
		var rows [][]string
		for i, ch := range d.Changes {
			if i == top {
				rows = append(rows, []string{"", fmt.Sprintf("… %d more in diff.csv", len(d.Changes)-top), "", "", "", ""})
				break
			}
			rows = append(rows, []string{ch.Class, urlCell(m.Mask(ch.URL), width), string(ch.Kind), statusText(ch.OldStatus, ch.OldBlocked), statusText(ch.NewStatus, ch.NewBlocked), ch.Reason})
		}
		spec := tableSpec{name: "status changes", header: []string{"Change", "URL", "Kind", "Before", "Now", "Reason"}, urls: []int{1}, texts: []int{5}}
		if err := spec.render(w, rows, width); err != nil {
			return err
		}
	}
	for _, set := range []struct {
		name string
		fs   []store.Finding
	}{{"New finding", d.NewFindings}, {"Resolved finding", d.ResolvedFindings}} {
		if len(set.fs) == 0 {
			continue
		}
		var rows [][]string
		for i, f := range set.fs {
			if i == top {
				rows = append(rows, []string{"", "", fmt.Sprintf("… %d more in diff.csv", len(set.fs)-top)})
				break
			}
			rows = append(rows, []string{string(f.Severity), f.Rule, urlCell(m.Mask(f.URL), width)})
		}
		spec := tableSpec{name: set.name, header: []string{"Severity", set.name, "URL"}, urls: []int{2}, texts: []int{1}}
		if err := spec.render(w, rows, width); err != nil {
			return err
		}
	}
	return nil
}

func statusText(status int, blocked bool) string {
	switch {
	case blocked:
		return "blocked"
	case status == 0:
		return "no answer"
	}
	return itoa(status)
}
