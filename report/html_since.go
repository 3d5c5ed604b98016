package report

import (
	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// maxSinceRows bounds each list of the "Since last crawl" section (status
// changes, new findings, resolved findings); diff.csv has every row.
const maxSinceRows = 500

// sinceView is report.html's "Since last crawl" section: the comparison
// with the baseline crawl, URLs masked.
type sinceView struct {
	OldStartURL  string
	OldStartedAt string
	OldPartial   bool
	Counts       DiffCounts
	Other        int // status changes neither regressions nor improvements

	Regressions     []changeView
	MoreRegressions int
	Changes         []changeView // improvements, then other changes
	MoreChanges     int
	NewFindings     sinceList
	Resolved        sinceList
	// Logs are the search-engine log figures of both crawls; none when
	// neither has log data.
	Logs []sinceLogRow
}

// sinceLogRow is one log figure before and now.
type sinceLogRow struct {
	Figure, Old, New, Change string
}

// sinceList is the new or the resolved findings.
type sinceList struct {
	ID   string // the table's id
	None string // the text when there are none
	Rows []sinceFinding
	More int // rows beyond maxSinceRows, left to diff.csv
}

type changeView struct {
	URL    string
	Kind   string
	Old    string // status label before: code, "blocked" or "no answer"
	New    string
	Class  string
	Reason string
}

type sinceFinding struct {
	Severity store.Severity
	Rule     string
	URL      string
	Message  string
}

// newSinceView maps d to the section; nil without a diff.
func newSinceView(d *diff.Diff, r *Crawl) *sinceView {
	if d == nil {
		return nil
	}
	c := CountDiff(*d)
	v := &sinceView{
		OldStartURL:  r.maskURL(d.Old.StartURL),
		OldStartedAt: fmtTime(d.Old.StartedAt),
		OldPartial:   d.Old.Partial,
		Counts:       c,
		Other:        c.Changes - c.Regressions - c.Improvements,
	}
	for _, ch := range d.Changes {
		cv := changeView{URL: r.maskURL(ch.URL), Kind: string(ch.Kind), Old: statusText(ch.OldStatus, ch.OldBlocked), New: statusText(ch.NewStatus, ch.NewBlocked), Class: ch.Class, Reason: ch.Reason}
		list, more := &v.Changes, &v.MoreChanges
		if ch.Class == diff.ClassRegression {
			list, more = &v.Regressions, &v.MoreRegressions
		}
		if len(*list) >= maxSinceRows {
			*more++
			continue
		}
		*list = append(*list, cv)
	}
	for _, lr := range d.Logs.Rows() {
		v.Logs = append(v.Logs, sinceLogRow{Figure: lr.Figure, Old: logRowText(lr.Old, lr.HasOld, lr.Ratio), New: logRowText(lr.New, lr.HasNew, lr.Ratio), Change: logRowChange(lr)})
	}
	v.NewFindings = sinceList{ID: "since-new-table", None: "No new findings."}
	v.NewFindings.Rows, v.NewFindings.More = sinceFindings(d.NewFindings, r)
	v.Resolved = sinceList{ID: "since-resolved-table", None: "No finding was resolved."}
	v.Resolved.Rows, v.Resolved.More = sinceFindings(d.ResolvedFindings, r)
	return v
}

func sinceFindings(fs []store.Finding, r *Crawl) (out []sinceFinding, more int) {
	for i, f := range fs {
		if i == maxSinceRows {
			return out, len(fs) - maxSinceRows
		}
		out = append(out, sinceFinding{Severity: f.Severity, Rule: f.Rule, URL: r.maskURL(f.URL), Message: r.maskText(f.Text())})
	}
	return out, 0
}
