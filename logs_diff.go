package crawlaudit

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// logFigures are the log figures of d joined with the crawl r reads; nil
// when d is nil (the crawl has no log data).
func logFigures(d *store.LogData, r store.Reader) (*diff.LogFigures, error) {
	if d == nil {
		return nil, nil
	}
	meta, err := r.Meta()
	if err != nil {
		return nil, err
	}
	crawl := r
	if meta.Settings["source"] == logsOnly {
		crawl = nil
	}
	l, err := analysis.JoinLogsForFindings(*d, crawl)
	if err != nil {
		return nil, err
	}
	f := &diff.LogFigures{BotLines: l.Run.BotLines, Bots: map[string]int64{}, Wasted: map[string]int64{},
		GooglebotHits: l.Googlebot.Hits, Efficiency: l.Googlebot.Efficiency}
	for _, b := range l.Bots {
		f.Bots[b.Bot+" "+b.Verdict] += b.Hits
	}
	for _, c := range l.Categories {
		f.CrawlerHits += c.Hits
		if c.Waste {
			f.Wasted[c.ID] = c.Hits
		}
		switch c.ID {
		case analysis.CatUnauthorized:
			f.Unauthorized = c.Hits
		case analysis.CatForbidden:
			f.Forbidden = c.Hits
		}
	}
	return f, nil
}

// addLogsDiff sets d.Logs from the log data of both crawls (none when
// neither has any).
func addLogsDiff(d *diff.Diff, old, cur store.Reader) error {
	od, err := storedLogs(old)
	if err != nil {
		return err
	}
	o, err := logFigures(od, old)
	if err != nil {
		return err
	}
	nd, err := storedLogs(cur)
	if err != nil {
		return err
	}
	n, err := logFigures(nd, cur)
	if err != nil {
		return err
	}
	d.Logs = nil
	if o != nil || n != nil {
		d.Logs = &diff.LogsDiff{Old: o, New: n}
	}
	return nil
}

// refreshLogsDiff sets the new side of d's log figures to the crawl's
// current log data (d read back from diff.json was computed before
// `crawlaudit logs` joined them); the baseline's side stays as diff.json
// kept it.
func refreshLogsDiff(d *diff.Diff, logs *store.LogData, r store.Reader) error {
	n, err := logFigures(logs, r)
	if err != nil {
		return err
	}
	if d.Logs == nil {
		if n == nil {
			return nil
		}
		d.Logs = &diff.LogsDiff{}
	}
	d.Logs.New = n
	return nil
}
