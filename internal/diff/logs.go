package diff

import "sort"

// LogFigures are the search-engine log figures of one crawl that a
// comparison follows (`crawlaudit logs` joined with the crawl; README
// "Search-engine access logs" defines them). "Crawler hits" are the hits of
// search-engine crawlers that were not fake.
type LogFigures struct {
	BotLines    int64 // crawler lines read
	CrawlerHits int64 // search-engine crawler hits, fakes excluded
	// Bots are the hits per crawler and verdict ("Googlebot verified").
	Bots map[string]int64
	// Wasted are the crawler hits by waste category ID (redirect,
	// unauthorized, forbidden, not_found, …); categories without hits are
	// left out.
	Wasted       map[string]int64
	Unauthorized int64 // crawler hits answered 401
	Forbidden    int64 // crawler hits answered 403
	// GooglebotHits and Efficiency: verified Googlebot hits, and the share
	// of them on indexable pages answering 200 (four decimals; 0 without
	// hits).
	GooglebotHits int64
	Efficiency    float64
}

// LogsDiff compares the log figures of two crawls. A side is nil when its
// crawl has no log data.
type LogsDiff struct {
	Old, New *LogFigures
}

// LogRow is one figure of a LogsDiff, both sides (Old/New false when that
// crawl has no log data).
type LogRow struct {
	Figure   string // "crawler hits", "hits: Googlebot verified", "wasted: redirect", "401 hits", "403 hits", "Googlebot efficiency"
	Old, New float64
	HasOld   bool
	HasNew   bool
	Ratio    bool // a share (0–1), not a count
}

// Rows returns the figures of both sides in a fixed order: totals, then
// per crawler and per waste category (by name), every name either side
// has.
func (l *LogsDiff) Rows() []LogRow {
	if l == nil || l.Old == nil && l.New == nil {
		return nil
	}
	row := func(name string, ratio bool, f func(*LogFigures) float64) LogRow {
		r := LogRow{Figure: name, Ratio: ratio}
		if l.Old != nil {
			r.Old, r.HasOld = f(l.Old), true
		}
		if l.New != nil {
			r.New, r.HasNew = f(l.New), true
		}
		return r
	}
	rows := []LogRow{
		row("crawler lines", false, func(x *LogFigures) float64 { return float64(x.BotLines) }),
		row("crawler hits", false, func(x *LogFigures) float64 { return float64(x.CrawlerHits) }),
		row("401 hits", false, func(x *LogFigures) float64 { return float64(x.Unauthorized) }),
		row("403 hits", false, func(x *LogFigures) float64 { return float64(x.Forbidden) }),
		row("verified Googlebot hits", false, func(x *LogFigures) float64 { return float64(x.GooglebotHits) }),
		row("Googlebot efficiency", true, func(x *LogFigures) float64 { return x.Efficiency }),
	}
	for _, set := range []struct {
		prefix string
		get    func(*LogFigures) map[string]int64
	}{
		{"wasted: ", func(x *LogFigures) map[string]int64 { return x.Wasted }},
		{"hits: ", func(x *LogFigures) map[string]int64 { return x.Bots }},
	} {
		names := map[string]bool{}
		for _, x := range []*LogFigures{l.Old, l.New} {
			if x != nil {
				for k := range set.get(x) {
					names[k] = true
				}
			}
		}
		sorted := make([]string, 0, len(names))
		for k := range names {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			rows = append(rows, row(set.prefix+k, false, func(x *LogFigures) float64 { return float64(set.get(x)[k]) }))
		}
	}
	return rows
}
