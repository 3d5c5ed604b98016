package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// HTMLOptions sizes report.html's lists (Options.HTML). The zero value is
// valid.
type HTMLOptions struct {
	// Rows is how many URL rows are rendered as HTML, for readers without
	// JavaScript and for print; every row is in the JSON data island the
	// table's script pages through. Zero or negative means 100.
	Rows int
	// FindingsPerRule is how many findings each rule group lists; the rest
	// are counted and are in findings.csv. Zero or negative means 200.
	FindingsPerRule int
}

//go:embed html.tmpl
var htmlTemplateText string

//go:embed html.js
var htmlScript string

// htmlTemplate is parsed once; it is never mutated after.
var htmlTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"pct":    func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" },
	"web":    webURL,
	"label":  categoryLabel,
	"plural": plural,
	"sub":    func(a, b int) int { return a - b },
}).Parse(htmlTemplateText + htmlSpacesTemplateText + htmlLogsTemplateText + htmlRenderTemplateText))

//go:embed html_logs.tmpl
var htmlLogsTemplateText string

// scriptHash is the CSP hash of htmlScript: the only script the page may run.
// Even if crawled text ever slipped through escaping as a <script>, the
// browser would refuse to run it.
var scriptHash = func() string {
	sum := sha256.Sum256([]byte(htmlScript))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

// urlColumns are the columns of the URL table and of each row in the JSON
// data island, in order.
var urlColumns = []string{"url", "status", "kind", "budget", "depth", "inlinks", "response_ms", "title", "www_authenticate"}

// htmlData is what html.tmpl renders.
type htmlData struct {
	CSP          string
	Script       template.JS
	StartURL     string
	StartedAt    string
	FinishedAt   string
	Tool         string
	Partial      bool
	CrawlLine    string // the statuses in one line, as the terminal says them
	Issues       []issueView
	IssueCount   int             // every issue, shown or not
	MoreIssues   int             // issues beyond maxHTMLIssues, left to the per-rule section and findings.csv
	BySeverity   []severityCount // the severity toggles of the issue filter
	Auth         authView
	Render       *renderView // nil when the crawl did not render (html_render.go)
	Since        *sinceView  // nil without a baseline
	Spaces       *spacesView // "URL spaces" (html_spaces.go)
	Logs         *logsView   // nil without access logs (html_logs.go)
	Summary      Summary
	Budget       Budget
	Waste        []BudgetCategory // waste categories that occurred, most first
	Status       chart
	SectionChart chart
	Sections     []sectionView
	Rules        []ruleGroup
	Columns      []string
	Rows         string  // rowsMarker: WriteHTML streams every URL's row in its place
	FirstRows    [][]any // the first Rows rows, rendered as HTML
	TotalRows    int
}

// chart is an inline SVG bar chart laid out here, so the template only
// places rectangles and text.
type chart struct {
	Width, Height int
	Bars          []bar
}

// bar is one row of a horizontal bar chart: a label and stacked segments.
type bar struct {
	Label         string
	Value         string // the number shown at the end of the bar
	TextY, ValueX int
	Segments      []segment
}

type segment struct {
	X, Y, W int
	Class   string
	Title   string
}

// sectionView is one row of the sections table.
type sectionView struct {
	BudgetSection
	MainWaste string // the label of its largest waste category, or ""
}

// ruleGroup is the findings of one rule (under one severity).
type ruleGroup struct {
	ID       string
	Severity store.Severity
	When     string
	Fix      string
	Count    int
	Findings []findingView
	More     int
}

type findingView struct {
	URL           string
	Status        string
	Message       string
	Referrers     []string // the first maxFindingReferrers
	MoreReferrers int      // how many more there are (links.csv has them all)
}

// newFindingView is one finding's row: its URL, status label (status maps
// masked URLs to them), message and first referrers.
func newFindingView(f store.Finding, status map[string]string, message string) findingView {
	v := findingView{URL: f.URL, Status: status[f.URL], Message: message, Referrers: f.Referrers}
	if n := len(v.Referrers); n > maxFindingReferrers {
		v.Referrers, v.MoreReferrers = v.Referrers[:maxFindingReferrers], n-maxFindingReferrers
	}
	return v
}

// maxFindingReferrers bounds the referrers listed under one finding: a
// navigation link to a 401 can have 100,000 of them.
const maxFindingReferrers = 10

// Bounds of the issue list and the Authentication section: the page stays
// small whatever the crawl's size; findings.csv and links.csv have all.
const (
	maxHTMLIssues     = 250  // issues listed; the rest are counted
	maxIssueRows      = 5000 // URL rows in all the issues' details together
	maxIssueReferrers = 3    // pages to change named on an issue's card
	maxToFix          = 200  // rows of "Public referrers to fix"
	maxToFixReferrers = 3    // public referrers named on one of those rows
)

// issueView is one entry of "What to fix first".
type issueView struct {
	Rank     int
	ID       string // the card's element id: "issue-1"
	Rule     string
	Severity store.Severity
	Title    string
	Why      string
	Fix      string
	// Pattern is what the issue's URLs share, shown as a path on the start
	// URL's origin; PatternURL is its link target when it is one http(s)
	// URL (a template such as "/img/…" is no link).
	Pattern    string
	PatternURL string
	URLs       int
	Reach      int
	Priority   int
	// Referrers are the first pages to change, most of the issue's URLs
	// first.
	Referrers     []refView
	MoreReferrers int
	// Findings are the issue's URLs with status, message and referrers:
	// at most HTMLOptions.FindingsPerRule, and fewer once the page has
	// shown maxIssueRows; MoreFindings counts the rest.
	Findings     []findingView
	MoreFindings int
}

// refView is a page to change: its URL, as shown, and how many of the
// issue's URLs it points at.
type refView struct {
	URL  string // the masked URL (the link target when http(s))
	Text string // the URL as shown: a path on the start URL's origin
	URLs int
}

// severityCount is how many issues have one severity.
type severityCount struct {
	Severity store.Severity
	Count    int
}

// authView is the Authentication section: AuthSummary with its rows
// ready to render.
type authView struct {
	AuthSummary
	Access    []accessRow
	Fixes     []authFixView // the first maxToFix rows of ToFix
	MoreFixes int
}

// accessRow is one access class (--compare-anonymous) and what it means.
type accessRow struct {
	Class   string
	Meaning string
	URLs    int
}

// accessMeaning explains each access class in a few words.
var accessMeaning = map[string]string{
	analysis.AccessPublic:     "2xx with and without credentials",
	analysis.AccessProtected:  "401/403 without credentials, 2xx with them",
	analysis.AccessForbidden:  "403 even with credentials",
	analysis.AccessRejected:   "401 with credentials: the server did not accept them",
	analysis.AccessPublicOnly: "2xx without credentials but not with them: the credentials break it",
	analysis.AccessOther:      "any other pair of answers (redirects, errors)",
}

// authFixView is one row of "Public referrers to fix".
type authFixView struct {
	Rule          string
	URL           string
	Referrers     []string // the first maxToFixReferrers
	MoreReferrers int
}

// WriteHTML writes report.html: one self-contained page (inline CSS,
// JavaScript and SVG, and a Content-Security-Policy that allows nothing else,
// so opening it makes no network request). Under a compact header (start
// URL, dates, counts, a partial-crawl warning) and a table of contents, it
// leads with "What to fix first": the crawl's issues (Crawl.Issues),
// highest priority first, each with its severity, title, why it matters,
// URLs and pages reached, fix, the pages to change, and its findings in a
// <details> block, with a text filter and severity toggles. After a
// baseline crawl (Options.Job.Diff) what changed since then follows
// (counts, regressions, other status changes, new and resolved findings);
// then the Authentication section (how the crawl authenticated, 401 and
// 403 counts, realms, access classes, public referrers to fix); then the
// crawl budget, which explains the waste (efficiency figure, status and
// waste-by-section charts, breakdown, fix list, speed, depth, sitemaps);
// then the findings grouped by rule and the table of every URL. The
// table's rows are a JSON data island that a small script sorts, filters
// and pages through, which keeps 100,000 rows usable; without JavaScript
// (and in print) the first opt.Rows rows are shown as HTML, and every
// section is readable. The page fits a 390-pixel-wide screen (tables
// become stacked cards, charts scale) and prints without its controls.
//
// Everything the crawled site controls is escaped by html/template, and
// every URL is masked; only http(s) URLs become links.
func WriteHTML(w io.Writer, r *Crawl) error {
	opt := r.opt.HTML // New set the defaults
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: html: read meta: %w", err)
	}
	sum, err := Summarize(r)
	if err != nil {
		return err
	}
	recs, err := loadBudget(r)
	if err != nil {
		return err
	}
	bud, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	findings, err := r.maskedFindings()
	if err != nil {
		return err
	}
	issues, err := r.Issues()
	if err != nil {
		return err
	}
	auth, err := summarizeAuth(r, meta, findings)
	if err != nil {
		return err
	}
	rv, err := newRenderView(r)
	if err != nil {
		return err
	}
	d := htmlData{
		Render:     rv,
		CSP:        "default-src 'none'; style-src 'unsafe-inline'; script-src '" + scriptHash + "'; img-src data:; base-uri 'none'; form-action 'none'",
		Script:     template.JS(htmlScript),
		StartURL:   r.maskURL(meta.StartURL),
		StartedAt:  meta.StartedAt.Format(time.RFC3339),
		FinishedAt: meta.FinishedAt.Format(time.RFC3339),
		Tool:       meta.ToolVersion,
		Partial:    meta.Partial,
		CrawlLine:  crawlLine(sum),
		IssueCount: len(issues),
		Auth:       newAuthView(auth),
		Summary:    sum,
		Budget:     bud,
		Columns:    urlColumns,
		Since:      newSinceView(r.opt.Job.Diff, r),
	}
	if l, err := r.logs(); err != nil {
		return err
	} else {
		d.Logs = newLogsView(l)
	}
	for _, c := range bud.Categories {
		if c.Waste && c.Count > 0 {
			d.Waste = append(d.Waste, c)
		}
	}
	sort.SliceStable(d.Waste, func(i, j int) bool { return d.Waste[i].Count > d.Waste[j].Count })

	statuses := map[string]int{}
	spaces := newSpacesAcc(r, recs, originOf(d.StartURL))
	statusOf := map[string]string{} // masked URL → status label, for the findings' URLs
	for _, f := range findings {
		statusOf[f.URL] = ""
	}
	err = r.eachURLInbound(func(u store.URL, in store.Inbound) error {
		masked := r.maskURL(u.URL)
		label := statusLabel(u)
		statuses[label]++
		spaces.add(u, masked)
		if _, ok := statusOf[masked]; ok {
			statusOf[masked] = label
		}
		if len(d.FirstRows) < opt.Rows {
			d.FirstRows = append(d.FirstRows, htmlRow(u, masked, in, recs))
		}
		d.TotalRows++
		return nil
	})
	if err != nil {
		return fmt.Errorf("report: html: read urls: %w", err)
	}
	for u, label := range statusOf {
		if label == "" {
			delete(statusOf, u)
		}
	}
	d.Status = statusChart(statuses)
	d.SectionChart = sectionChart(bud.Sections)
	for _, s := range bud.Sections {
		v := sectionView{BudgetSection: s}
		most := 0
		for _, c := range analysis.Categories {
			if n := s.Categories[c.ID]; c.Waste && n > most {
				most, v.MainWaste = n, c.Label
			}
		}
		d.Sections = append(d.Sections, v)
	}
	d.Rules = ruleGroups(findings, statusOf, r.opt.Rules, opt.FindingsPerRule)
	d.Issues, d.MoreIssues = issueViews(issues, statusOf, originOf(d.StartURL), opt.FindingsPerRule)
	d.BySeverity = severityCounts(issues)
	if d.Spaces, err = spaces.view(); err != nil {
		return err
	}

	// The page without the URL rows is small (findings are capped per
	// rule): render it, then stream the rows into the data island, so that
	// memory does not grow with the crawl.
	d.Rows = rowsMarker
	var page bytes.Buffer
	if err := htmlTemplate.Execute(&page, d); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	// The last occurrence: only our script follows the data island, so no
	// crawled text (escaped anyway) can stand in for the marker.
	at := bytes.LastIndex(page.Bytes(), []byte(rowsMarkerJS))
	if at < 0 {
		return fmt.Errorf("report: html: the template lost the URL data island")
	}
	head, tail := page.Bytes()[:at], page.Bytes()[at+len(rowsMarkerJS):]
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(head)
	bw.WriteByte('[')
	first := true
	var enc []byte
	err = r.eachURLInbound(func(u store.URL, in store.Inbound) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		var err error
		// encoding/json escapes <, >, & and U+2028/9: nothing in a row can
		// end the <script> element or be read as markup.
		enc, err = json.Marshal(htmlRow(u, r.maskURL(u.URL), in, recs))
		if err != nil {
			return err
		}
		_, err = bw.Write(enc)
		return err
	})
	if err != nil {
		return fmt.Errorf("report: html: read urls: %w", err)
	}
	bw.WriteByte(']')
	bw.Write(tail)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: html: write: %w", err)
	}
	return nil
}

// rowsMarker stands in for the URL rows when the page is rendered;
// rowsMarkerJS is how html/template writes it into the data island, where
// WriteHTML streams the rows instead.
const (
	rowsMarker   = "crawlaudit-url-rows-4d1c"
	rowsMarkerJS = `"crawlaudit-url-rows-4d1c"`
)

// htmlRow is one row of the URL table, in urlColumns order.
func htmlRow(u store.URL, masked string, in store.Inbound, recs *analysis.Records) []any {
	cat := "external"
	if c, ok := recs.Category(masked); ok {
		cat = c
		if cat == "" {
			cat = "blocked"
		}
	}
	return []any{masked, u.Status, string(u.Kind), cat, u.Depth, in.Inlinks, u.ResponseMS, u.Title, strings.Join(u.WWWAuthenticate, ", ")}
}

// statusLabel is the status chart's label for u: the code, "blocked" or
// "no answer".
func statusLabel(u store.URL) string {
	switch {
	case u.BlockedByRobots:
		return "blocked"
	case u.Status == 0:
		return "no answer"
	}
	return strconv.Itoa(u.Status)
}

// statusClassName maps a status label to a CSS class (its colour).
func statusClassName(label string) string {
	if n, err := strconv.Atoi(label); err == nil {
		switch {
		case n >= 200 && n < 300:
			return "s2"
		case n >= 300 && n < 400:
			return "s3"
		case n >= 400 && n < 500:
			return "s4"
		case n >= 500 && n < 600:
			return "s5"
		}
		return "sx"
	}
	return "sx"
}

// Chart geometry, in SVG user units.
const (
	chartWidth = 520 // scaled to the figure's width: 100% of the column, down to a phone's
	chartLabel = 170 // room for labels on the left
	chartValue = 60  // room for the value on the right
	barHeight  = 18
	barGap     = 6
	maxBars    = 15
)

func scale(n, max int) int {
	if max == 0 {
		return 0
	}
	w := n * (chartWidth - chartLabel - chartValue) / max
	if n > 0 && w < 1 {
		w = 1
	}
	return w
}

func rowY(i int) (y, textY int) {
	y = i * (barHeight + barGap)
	return y, y + barHeight - 5
}

// statusChart is one bar per status label: codes in order, then "blocked"
// and "no answer".
func statusChart(counts map[string]int) chart {
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	sort.Slice(labels, func(i, j int) bool {
		a, errA := strconv.Atoi(labels[i])
		b, errB := strconv.Atoi(labels[j])
		if (errA == nil) != (errB == nil) {
			return errA == nil
		}
		if errA == nil {
			return a < b
		}
		return labels[i] < labels[j]
	})
	max := 0
	for _, n := range counts {
		max = maxInt(max, n)
	}
	c := chart{Width: chartWidth}
	for i, l := range labels {
		y, ty := rowY(i)
		n := counts[l]
		w := scale(n, max)
		c.Bars = append(c.Bars, bar{Label: l, Value: itoa(n), TextY: ty, ValueX: chartLabel + w + 6, Segments: []segment{
			{X: chartLabel, Y: y, W: w, Class: statusClassName(l), Title: l + ": " + itoa(n) + " URLs"},
		}})
	}
	c.Height = len(c.Bars) * (barHeight + barGap)
	return c
}

// sectionChart stacks each section's wasted, indexable and other requests,
// for the sections with the most waste.
func sectionChart(sections []BudgetSection) chart {
	if len(sections) > maxBars {
		sections = sections[:maxBars]
	}
	max := 0
	for _, s := range sections {
		max = maxInt(max, s.Requests)
	}
	c := chart{Width: chartWidth}
	for i, s := range sections {
		y, ty := rowY(i)
		other := s.Requests - s.Wasted - s.Indexable
		x := chartLabel
		var segs []segment
		for _, part := range []struct {
			n           int
			class, what string
		}{{s.Wasted, "waste", "wasted"}, {s.Indexable, "ok", "indexable"}, {other, "res", "other useful"}} {
			w := scale(part.n, max)
			if part.n > 0 {
				segs = append(segs, segment{X: x, Y: y, W: w, Class: part.class, Title: fmt.Sprintf("%s: %d %s of %d requests", s.Section, part.n, part.what, s.Requests)})
			}
			x += w
		}
		c.Bars = append(c.Bars, bar{Label: cutLabel(s.Section), Value: itoa(s.Wasted) + "/" + itoa(s.Requests), TextY: ty, ValueX: x + 6, Segments: segs})
	}
	c.Height = len(c.Bars) * (barHeight + barGap)
	return c
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// cutLabel keeps chart labels within their room.
func cutLabel(s string) string {
	r := []rune(s)
	if len(r) <= 26 {
		return s
	}
	return string(r[:25]) + "…"
}

// ruleGroups groups the (masked, sorted) findings by rule and severity, most
// severe first, with the rule texts from rules and each URL's status label
// (status maps masked URLs to them), at most perRule findings a group.
func ruleGroups(fs []store.Finding, status map[string]string, rules []RuleInfo, perRule int) []ruleGroup {
	info := map[string]RuleInfo{}
	for _, ri := range rules {
		info[ri.ID] = ri
	}
	var groups []ruleGroup
	idx := map[string]int{}
	for _, f := range fs {
		key := f.Rule + "\x00" + string(f.Severity)
		i, ok := idx[key]
		if !ok {
			i = len(groups)
			idx[key] = i
			ri := info[f.Rule]
			groups = append(groups, ruleGroup{ID: f.Rule, Severity: f.Severity, When: ri.When, Fix: ri.Fix})
		}
		g := &groups[i]
		g.Count++
		if len(g.Findings) >= perRule {
			g.More++
			continue
		}
		g.Findings = append(g.Findings, newFindingView(f, status, f.Text()))
	}
	// fs is in store.SortFindings order (severity, rule, URL), so groups
	// already are too.
	return groups
}

// webURL returns u for use as a link target when it is an http(s) URL, and
// "" otherwise (html/template would neutralise other schemes anyway).
func webURL(u string) string {
	l := strings.ToLower(u)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		return u
	}
	return ""
}

// categoryLabel is the label of a budget category ID.
func categoryLabel(id string) string { return analysis.CategoryLabel(id) }

// issueViews maps the issues, highest priority first, to the cards of
// "What to fix first": at most maxHTMLIssues, each with its first
// perIssue findings while the page's maxIssueRows last (status maps
// masked URLs to their status labels). URLs on origin (the start URL's)
// are shown as paths, as the terminal shows them. more counts the issues
// left out.
func issueViews(issues []Issue, status map[string]string, origin string, perIssue int) (out []issueView, more int) {
	if len(issues) > maxHTMLIssues {
		issues, more = issues[:maxHTMLIssues], len(issues)-maxHTMLIssues
	}
	rows := maxIssueRows
	for i, is := range issues {
		v := issueView{
			Rank: i + 1, ID: "issue-" + itoa(i+1), Rule: is.Rule, Severity: is.Severity,
			Title: is.Title, Why: is.Why, Fix: is.Fix,
			Pattern: pathOn(origin, is.Pattern), URLs: is.URLCount(), Reach: is.Reach, Priority: is.Priority,
		}
		if is.URLCount() == 1 {
			v.PatternURL = webURL(is.Pattern)
		}
		refs := is.Referrers
		if len(refs) > maxIssueReferrers {
			refs, v.MoreReferrers = refs[:maxIssueReferrers], len(refs)-maxIssueReferrers
		}
		for _, ref := range refs {
			v.Referrers = append(v.Referrers, refView{URL: ref.URL, Text: pathOn(origin, ref.URL), URLs: ref.URLs})
		}
		fs := is.Findings
		if n := min(perIssue, rows); len(fs) > n {
			fs, v.MoreFindings = fs[:n], len(fs)-n
		}
		rows -= len(fs)
		for _, f := range fs {
			msg := f.Message // the card shows the fix once
			if f.Fix != "" && f.Fix != is.Fix {
				msg = f.Text()
			}
			v.Findings = append(v.Findings, newFindingView(f, status, msg))
		}
		out = append(out, v)
	}
	return out, more
}

// severityCounts counts the issues of each severity, most severe first;
// severities without issues are left out.
func severityCounts(issues []Issue) []severityCount {
	n := map[store.Severity]int{}
	for _, is := range issues {
		n[is.Severity]++
	}
	var out []severityCount
	for _, s := range []store.Severity{store.SeverityError, store.SeverityWarning, store.SeverityNotice} {
		if n[s] > 0 {
			out = append(out, severityCount{Severity: s, Count: n[s]})
		}
	}
	return out
}

// pathOn shows u as its path when it is on origin ("https://h" +
// "/a/b" → "/a/b"), and whole otherwise.
func pathOn(origin, u string) string {
	if origin != "" && strings.HasPrefix(u, origin+"/") {
		return strings.TrimPrefix(u, origin)
	}
	return u
}

// newAuthView prepares the Authentication section's rows: the access
// classes in their order, and the first maxToFix public referrers to fix.
func newAuthView(a AuthSummary) authView {
	v := authView{AuthSummary: a}
	for _, c := range accessOrder {
		if n, ok := a.ByAccess[c]; ok {
			v.Access = append(v.Access, accessRow{Class: c, Meaning: accessMeaning[c], URLs: n})
		}
	}
	fixes := a.ToFix
	if len(fixes) > maxToFix {
		fixes, v.MoreFixes = fixes[:maxToFix], len(fixes)-maxToFix
	}
	for _, f := range fixes {
		fv := authFixView{Rule: f.Rule, URL: f.URL, Referrers: f.Referrers}
		if n := len(fv.Referrers); n > maxToFixReferrers {
			fv.Referrers, fv.MoreReferrers = fv.Referrers[:maxToFixReferrers], n-maxToFixReferrers
		}
		v.Fixes = append(v.Fixes, fv)
	}
	return v
}
