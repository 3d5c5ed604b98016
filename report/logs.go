package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// The access-log outputs (`crawlaudit logs`): the "logs" object of
// crawl.json, bot_hits.csv, report.html's "Search-engine logs" section and
// the terminal's log lines. All render analysis.Logs, computed once per
// Crawl from Options.LogData and the crawl's records.

// hasLogs says whether the run has access-log data.
func hasLogs(c *Crawl) bool { return c.opt.LogData != nil }

// logs returns the joined log analysis, nil without log data.
func (c *Crawl) logs() (*analysis.Logs, error) {
	if c.opt.LogData == nil {
		return nil, nil
	}
	c.logMu.Lock()
	defer c.logMu.Unlock()
	if c.logsDone {
		return c.logsMemo, nil
	}
	var crawl store.Reader = c
	if !c.opt.LogsCrawl {
		crawl = nil
	}
	l, err := analysis.JoinLogs(*c.opt.LogData, crawl, c.maskURL)
	if err != nil {
		return nil, fmt.Errorf("report: logs: %w", err)
	}
	c.logsMemo, c.logsDone = l, true
	return l, nil
}

// jsonLogs is crawl.json's "logs" object (additive: schema_version stays).
type jsonLogs struct {
	Files                     []string           `json:"files"`
	Formats                   []string           `json:"formats"`
	Site                      string             `json:"site,omitempty"`
	First                     string             `json:"first,omitempty"`
	Last                      string             `json:"last,omitempty"`
	Lines                     int64              `json:"lines"`
	Requests                  int64              `json:"requests"`
	BotLines                  int64              `json:"bot_lines"`
	HumanLines                int64              `json:"human_lines"`
	BadLines                  int64              `json:"bad_lines"`
	BadSamples                []jsonBadLine      `json:"bad_samples"`
	Ranges                    []string           `json:"ranges"`
	DNS                       bool               `json:"verify_dns"`
	Overflow                  int64              `json:"overflow,omitempty"`
	Bots                      []jsonLogBot       `json:"bots"`
	Days                      []jsonLogDay       `json:"days"`
	Categories                []jsonLogCategory  `json:"categories"`
	PatternRows               []jsonLogPattern   `json:"patterns"`
	Protected                 []jsonLogProtected `json:"protected"`
	NotInCrawl                []jsonLogURL       `json:"not_in_crawl"`
	NotInCrawlURLs            int                `json:"not_in_crawl_urls"`
	NeverRequested            []string           `json:"never_requested"`
	NeverRequestedURLs        int                `json:"never_requested_urls"`
	SitemapNeverRequested     []string           `json:"sitemap_never_requested"`
	SitemapNeverRequestedURLs int                `json:"sitemap_never_requested_urls"`
	Sections                  []jsonLogSection   `json:"sections"`
	Googlebot                 jsonLogEfficiency  `json:"googlebot"`
	Fakes                     []jsonLogFake      `json:"fakes"`
	Crawl                     bool               `json:"joined_with_crawl"`
}

type jsonBadLine struct {
	File   string `json:"file"`
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
}

type jsonLogBot struct {
	Bot     string           `json:"bot"`
	Kind    string           `json:"kind"`
	Verdict string           `json:"verdict"`
	Hits    int64            `json:"hits"`
	URLs    int              `json:"urls"`
	Classes map[string]int64 `json:"classes"`
}

type jsonLogDay struct {
	Day     string `json:"day"`
	Bot     string `json:"bot"`
	Verdict string `json:"verdict"`
	Class   string `json:"class"`
	Hits    int64  `json:"hits"`
}

type jsonLogCategory struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	Waste bool    `json:"waste"`
	Hits  int64   `json:"hits"`
	Share float64 `json:"share"`
}

type jsonLogPattern struct {
	Pattern string `json:"pattern"`
	Hits    int64  `json:"hits"`
	Wasted  int64  `json:"wasted"`
	URLs    int    `json:"urls"`
}

type jsonLogProtected struct {
	URL       string   `json:"url"`
	Status    int      `json:"status"`
	Hits      int64    `json:"hits"`
	Bots      []string `json:"bots"`
	FirstSeen string   `json:"first_seen"`
	LastSeen  string   `json:"last_seen"`
	Realm     string   `json:"realm,omitempty"`
	Linked    []string `json:"linked_from"`
	Sitemaps  []string `json:"sitemaps"`
	InCrawl   bool     `json:"in_crawl"`
}

type jsonLogURL struct {
	URL    string `json:"url"`
	Hits   int64  `json:"hits"`
	Status int    `json:"status"`
	Kind   string `json:"kind"`
}

type jsonLogSection struct {
	Section        string       `json:"section"`
	Hits           int64        `json:"hits"`
	HitShare       float64      `json:"hit_share"`
	Indexable      int          `json:"indexable"`
	IndexableShare float64      `json:"indexable_share"`
	Times          *jsonLogTime `json:"response_ms,omitempty"`
}

type jsonLogTime struct {
	N   int   `json:"n"`
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
}

type jsonLogEfficiency struct {
	Hits          int64   `json:"verified_hits"`
	IndexableHits int64   `json:"indexable_200_hits"`
	Efficiency    float64 `json:"efficiency"`
	CrawlEstimate float64 `json:"crawl_estimate"`
}

type jsonLogFake struct {
	Bot  string `json:"bot"`
	Hits int64  `json:"hits"`
	URLs int    `json:"urls"`
}

func logTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// newJSONLogs maps l to crawl.json's "logs" object.
func newJSONLogs(l *analysis.Logs) jsonLogs {
	j := jsonLogs{
		Files: l.Run.Files, Formats: l.Run.Formats, Site: l.Run.Site, First: logTime(l.Run.First), Last: logTime(l.Run.Last),
		Lines: l.Run.Lines, Requests: l.Run.Requests, BotLines: l.Run.BotLines, HumanLines: l.Run.HumanLines, BadLines: l.Run.BadLines,
		BadSamples: []jsonBadLine{}, Ranges: l.Run.Ranges, DNS: l.Run.DNS, Overflow: l.Run.Overflow,
		Bots: []jsonLogBot{}, Days: []jsonLogDay{}, Categories: []jsonLogCategory{}, PatternRows: []jsonLogPattern{},
		Protected: []jsonLogProtected{}, NotInCrawl: []jsonLogURL{}, NotInCrawlURLs: l.NotInCrawlURLs,
		NeverRequested: append([]string{}, l.NeverRequested...), NeverRequestedURLs: l.NeverRequestedURLs,
		SitemapNeverRequested: append([]string{}, l.SitemapNeverRequested...), SitemapNeverRequestedURLs: l.SitemapNeverRequestedURLs,
		Sections: []jsonLogSection{}, Fakes: []jsonLogFake{}, Crawl: l.Crawl,
		Googlebot: jsonLogEfficiency{Hits: l.Googlebot.Hits, IndexableHits: l.Googlebot.IndexableHits, Efficiency: l.Googlebot.Efficiency, CrawlEstimate: l.Googlebot.CrawlEstimate},
	}
	if j.Ranges == nil {
		j.Ranges = []string{}
	}
	for _, b := range l.Run.Bad {
		j.BadSamples = append(j.BadSamples, jsonBadLine{b.File, b.Line, b.Reason})
	}
	for _, b := range l.Bots {
		j.Bots = append(j.Bots, jsonLogBot{b.Bot, b.Kind, b.Verdict, b.Hits, b.URLs, b.Classes})
	}
	for _, d := range l.Days {
		j.Days = append(j.Days, jsonLogDay{d.Day, d.Bot, d.Verdict, d.Class, d.Hits})
	}
	for _, c := range l.Categories {
		j.Categories = append(j.Categories, jsonLogCategory{c.ID, c.Label, c.Waste, c.Hits, c.Share})
	}
	for _, p := range l.Patterns {
		j.PatternRows = append(j.PatternRows, jsonLogPattern{p.Pattern, p.Hits, p.Wasted, p.URLs})
	}
	for _, p := range l.Protected {
		j.Protected = append(j.Protected, jsonLogProtected{URL: p.URL, Status: p.Status, Hits: p.Hits, Bots: p.Bots,
			FirstSeen: logTime(p.FirstSeen), LastSeen: logTime(p.LastSeen), Realm: p.Realm,
			Linked: append([]string{}, p.Linked...), Sitemaps: append([]string{}, p.Sitemaps...), InCrawl: p.InCrawl})
	}
	for _, n := range l.NotInCrawl {
		j.NotInCrawl = append(j.NotInCrawl, jsonLogURL{n.URL, n.Hits, n.Status, n.Kind})
	}
	for _, s := range l.Sections {
		js := jsonLogSection{Section: s.Section, Hits: s.Hits, HitShare: s.HitShare, Indexable: s.Indexable, IndexableShare: s.IndexableShare}
		if s.Times != nil {
			js.Times = &jsonLogTime{s.Times.N, s.Times.P50, s.Times.P90, s.Times.P99}
		}
		j.Sections = append(j.Sections, js)
	}
	for _, f := range l.Fakes {
		j.Fakes = append(j.Fakes, jsonLogFake{f.Bot, f.Hits, f.URLs})
	}
	return j
}

// botHitsColumns are bot_hits.csv's columns.
var botHitsColumns = []string{"url", "bot", "kind", "verified", "hits", "statuses", "first_seen", "last_seen", "crawl_status", "category", "inlinks"}

// WriteBotHitsCSV writes bot_hits.csv: one row per URL, crawler and
// verdict of the access logs, with what the crawl knows of the URL (its
// status, budget category and inlinks; empty when the crawl never found
// it). Rows are in URL, crawler, verdict order (of the URLs as logged).
func WriteBotHitsCSV(w io.Writer, c *Crawl) error {
	d := c.opt.LogData
	if d == nil {
		d = &store.LogData{}
	}
	type known struct {
		status  int
		inlinks int
	}
	var want map[string]known
	var recs *analysis.Records
	if c.opt.LogsCrawl && d.NumHits() > 0 {
		hit := make(map[string]bool, d.NumHits())
		_ = d.EachHit(func(h *store.BotHit) error {
			hit[h.URL] = true
			return nil
		})
		want = map[string]known{}
		err := c.eachURLInbound(func(u store.URL, in store.Inbound) error {
			if hit[u.URL] {
				want[u.URL] = known{u.Status, in.Inlinks}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("report: bot_hits.csv: %w", err)
		}
		if recs, err = c.budget(); err != nil {
			return err
		}
	}
	cw := newCSV(w)
	if err := cw.Write(botHitsColumns); err != nil {
		return err
	}
	rec := make([]string, len(botHitsColumns))
	var st []byte
	// hits come in URL order: the URL's cells are made once per URL
	var lastURL, masked, urlCell, status, cat, inlinks string
	err := d.EachHit(func(h *store.BotHit) error {
		if h.URL != lastURL || lastURL == "" {
			lastURL, masked = h.URL, c.maskURL(h.URL)
			urlCell = cell(masked)
			status, cat, inlinks = "", "", ""
			if k, ok := want[h.URL]; ok {
				status, inlinks = strconv.Itoa(k.status), strconv.Itoa(k.inlinks)
				if x, ok := recs.Category(masked); ok {
					cat = x
				}
			}
		}
		st = st[:0]
		for i, s := range h.Statuses {
			if i > 0 {
				st = append(st, ' ')
			}
			st = strconv.AppendInt(st, int64(s.Status), 10)
			st = append(st, ':')
			st = strconv.AppendInt(st, s.Hits, 10)
		}
		rec = append(rec[:0], urlCell, cell(h.Bot), h.Kind, h.Verdict, strconv.FormatInt(h.Hits, 10), string(st),
			logTime(h.FirstSeen), logTime(h.LastSeen), status, cat, inlinks)
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	return flushCSV(cw, "bot_hits.csv")
}

// logsView is report.html's "Search-engine logs" section.
type logsView struct {
	*analysis.Logs
	Window     string
	DayChart   chart
	Efficiency string // "62.5% (crawl estimate 80.0%)"
}

// maxLogRows bounds each table of the section; crawl.json and
// bot_hits.csv have more.
const maxLogRows = 50

func newLogsView(l *analysis.Logs) *logsView {
	if l == nil {
		return nil
	}
	v := &logsView{Logs: l}
	if !l.Run.First.IsZero() {
		v.Window = l.Run.First.Format(time.RFC3339) + " – " + l.Run.Last.Format(time.RFC3339)
	}
	v.DayChart = dayChart(l.Days)
	return v
}

// dayChart draws crawler hits per day (fake excluded), stacked by status
// class.
func dayChart(days []store.BotDay) chart {
	type counts struct{ ok, redir, client, server int }
	per := map[string]*counts{}
	var order []string
	for _, d := range days {
		if d.Verdict == "fake" {
			continue
		}
		c := per[d.Day]
		if c == nil {
			c = &counts{}
			per[d.Day] = c
			order = append(order, d.Day)
		}
		switch d.Class {
		case "2xx":
			c.ok += int(d.Hits)
		case "3xx":
			c.redir += int(d.Hits)
		case "4xx":
			c.client += int(d.Hits)
		default:
			c.server += int(d.Hits)
		}
	}
	sort.Strings(order)
	if len(order) > maxBars {
		order = order[len(order)-maxBars:] // the latest days
	}
	max := 0
	for _, d := range order {
		c := per[d]
		max = maxInt(max, c.ok+c.redir+c.client+c.server)
	}
	ch := chart{Width: chartWidth}
	for i, d := range order {
		c := per[d]
		y, ty := rowY(i)
		x := chartLabel
		var segs []segment
		for _, part := range []struct {
			n           int
			class, what string
		}{{c.ok, "ok", "2xx"}, {c.redir, "res", "3xx"}, {c.client, "waste", "4xx"}, {c.server, "s5", "5xx"}} {
			w := scale(part.n, max)
			if part.n > 0 {
				segs = append(segs, segment{X: x, Y: y, W: w, Class: part.class, Title: fmt.Sprintf("%s: %d hits answered %s", d, part.n, part.what)})
			}
			x += w
		}
		ch.Bars = append(ch.Bars, bar{Label: d, Value: itoa(c.ok + c.redir + c.client + c.server), TextY: ty, ValueX: x + 6, Segments: segs})
	}
	ch.Height = len(ch.Bars) * (barHeight + barGap)
	return ch
}

// logLines are the terminal's lines about the access logs.
func logLines(l *analysis.Logs) []string {
	if l == nil {
		return nil
	}
	r := l.Run
	out := []string{fmt.Sprintf("Logs: %d lines, %d crawler hits, %d visitors (counted only), %d bad lines", r.Lines, r.BotLines, r.HumanLines, r.BadLines)}
	if l.Googlebot.Hits > 0 {
		s := fmt.Sprintf("Googlebot: %d verified hits, %.1f%% on indexable 200 pages", l.Googlebot.Hits, l.Googlebot.Efficiency*100)
		if l.Crawl {
			s += fmt.Sprintf(" (crawl estimate %.1f%%)", l.Googlebot.CrawlEstimate*100)
		}
		out = append(out, s)
	}
	var unauth, forb int64
	for _, p := range l.Protected {
		if p.Status == 401 {
			unauth += p.Hits
		} else {
			forb += p.Hits
		}
	}
	if unauth+forb > 0 {
		out = append(out, fmt.Sprintf("Crawler hits on 401: %d, on 403: %d (%d URLs)", unauth, forb, len(l.Protected)))
	}
	var fakes int64
	for _, f := range l.Fakes {
		fakes += f.Hits
	}
	if fakes > 0 || l.NotInCrawlURLs > 0 {
		out = append(out, fmt.Sprintf("Fake crawler hits: %d; URLs crawlers requested that the crawl never found: %d", fakes, l.NotInCrawlURLs))
	}
	return out
}
