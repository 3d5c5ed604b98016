package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// ReadDiffJSON reads diff.json back into a Diff, so that regenerating
// report.html keeps its "Since last crawl" section. Its URLs are the masked
// ones diff.json holds. A file of another schema version, or that is not
// diff.json, is an error.
func ReadDiffJSON(r io.Reader) (diff.Diff, error) {
	var dj DiffJSON
	if err := json.NewDecoder(r).Decode(&dj); err != nil {
		return diff.Diff{}, fmt.Errorf("report: diff.json: %w", err)
	}
	if dj.SchemaVersion != DiffSchemaVersion {
		return diff.Diff{}, fmt.Errorf("report: diff.json: schema_version %d, want %d", dj.SchemaVersion, DiffSchemaVersion)
	}
	var d diff.Diff
	var err error
	if d.Old, err = readSide(dj.Old); err != nil {
		return diff.Diff{}, fmt.Errorf("report: diff.json: old: %w", err)
	}
	if d.New, err = readSide(dj.New); err != nil {
		return diff.Diff{}, fmt.Errorf("report: diff.json: new: %w", err)
	}
	for _, c := range dj.Changes {
		d.Changes = append(d.Changes, diff.Change{URL: c.URL, Kind: store.Kind(c.Kind), OldStatus: c.OldStatus, NewStatus: c.NewStatus, OldBlocked: c.OldBlocked, NewBlocked: c.NewBlocked, Class: c.Class, Reason: c.Reason})
	}
	d.NewFindings = readDiffFindings(dj.NewFindings)
	d.ResolvedFindings = readDiffFindings(dj.ResolvedFindings)
	d.AddedURLs, d.RemovedURLs = dj.Counts.AddedURLs, dj.Counts.RemovedURLs
	d.PersistingFindings = dj.Counts.PersistingFindings
	if dj.Logs != nil && (dj.Logs.Old != nil || dj.Logs.New != nil) {
		d.Logs = &diff.LogsDiff{Old: readLogFigures(dj.Logs.Old), New: readLogFigures(dj.Logs.New)}
	}
	return d, nil
}

func readSide(s jsonSide) (diff.Side, error) {
	out := diff.Side{StartURL: s.StartURL, Partial: s.Partial}
	for _, t := range []struct {
		text string
		to   *time.Time
	}{{s.StartedAt, &out.StartedAt}, {s.FinishedAt, &out.FinishedAt}} {
		if t.text == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.text)
		if err != nil {
			return diff.Side{}, fmt.Errorf("bad time %q", t.text)
		}
		*t.to = v
	}
	return out, nil
}

func readDiffFindings(fs []jsonDiffFinding) []store.Finding {
	var out []store.Finding
	for _, f := range fs {
		out = append(out, store.Finding{Rule: f.Rule, Severity: store.Severity(f.Severity), URL: f.URL, Message: f.Message})
	}
	return out
}
