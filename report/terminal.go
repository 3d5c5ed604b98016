package report

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TerminalOptions configures WriteTerminal.
type TerminalOptions struct {
	// Width is the terminal's width in columns; no line is longer. Zero
	// means 80 (what a pipe or a file gets); less than 40 counts as 40.
	Width int
	// Color colours the severities with ANSI escapes (the caller decides:
	// a terminal, NO_COLOR unset, --color).
	Color bool
	// Issues is how many issues the list shows; zero means 7 (details:
	// 25). The rest are counted on one line.
	Issues int
	// Details adds the full tables after the issue list: URLs by kind
	// and status, the crawl budget, findings by rule, the top problem
	// URLs and authentication, each fitted to Width (the kind table needs
	// 61 columns; below that it is drawn whole).
	Details bool
	// ReportPath, when set, is named on the last line: the file to open
	// next (report.html's full path).
	ReportPath string
}

const (
	defaultWidth         = 80
	minWidth             = 40
	defaultIssues        = 7
	defaultDetailsIssues = 25
)

// WriteTerminal writes the terminal summary: one header line, "What to fix
// first" (the highest-priority issues, three lines each: severity and
// title; pattern, URL count, reach and the page to change; the fix), the key
// numbers in three lines, and the report's path. With Details, the full
// tables follow the issue list. No line is longer than opt.Width; URLs are
// cut in the middle (host and last segment kept), text at its end, with
// "…". Everything is rendered into memory and written in one call.
func WriteTerminal(w io.Writer, r *Crawl, opt TerminalOptions) error {
	width := opt.Width
	if width <= 0 {
		width = defaultWidth
	}
	if width < minWidth {
		width = minWidth
	}
	top := opt.Issues
	if top <= 0 {
		top = defaultIssues
		if opt.Details {
			top = defaultDetailsIssues
		}
	}
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: terminal: read meta: %w", err)
	}
	sum, err := Summarize(r)
	if err != nil {
		return err
	}
	issues, err := r.Issues()
	if err != nil {
		return err
	}
	start := r.maskURL(meta.StartURL)
	p := &termPrinter{width: width, color: opt.Color, origin: originOf(start)}

	head := fmt.Sprintf("crawlaudit: %s — %d URLs, %s in %s", start, sum.URLs, plural(sum.Findings, "finding"), plural(len(issues), "issue"))
	if meta.Partial {
		head += " (partial crawl)"
	}
	p.line(cutEnd(head, width))

	if len(issues) == 0 {
		p.line("")
		p.line("No issues: nothing to fix.")
	} else {
		p.line("")
		p.line(p.bold("What to fix first") + dim(p, cutEnd(" (most severe × most pages reached first)", width-len("What to fix first"))))
		shown := min(top, len(issues))
		num := len(fmt.Sprint(shown))
		for i, is := range issues[:shown] {
			p.issue(i+1, num, is)
		}
		if rest := len(issues) - shown; rest > 0 {
			more := "report.html lists them all"
			if !opt.Details {
				more += "; --details prints the tables"
			}
			noun := "issues"
			if rest == 1 {
				noun = "issue"
			}
			p.line(cutEnd(fmt.Sprintf("… and %d more %s: %s.", rest, noun, more), width))
		}
	}

	bud, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	auth, err := summarizeAuth(r, meta, mustFindings(r))
	if err != nil {
		return err
	}
	logs, err := r.logs()
	if err != nil {
		return err
	}
	rend, err := SummarizeRender(r)
	if err != nil {
		return err
	}
	p.line("")
	for _, l := range append([]string{
		crawlLine(sum),
		fmt.Sprintf("Crawl budget: %.1f%% efficiency (%d of %d requests were indexable 200 pages; %d wasted)", bud.Efficiency*100, bud.Indexable, bud.Requests, bud.Wasted),
		authLine(auth),
		renderLine(rend),
		renderAPILine(rend),
	}, logLines(logs)...) {
		if l == "" {
			continue
		}
		for _, w := range wrap(l, width, "  ", 3) {
			p.line(w)
		}
	}

	if opt.Details {
		p.line("")
		p.line(p.bold("Details"))
		if err := writeTables(&p.buf, r, meta, sum, TableOptions{Width: width}); err != nil {
			return err
		}
	}
	if opt.ReportPath != "" {
		p.line("")
		p.line("Full report: " + opt.ReportPath) // a path is never cut: it must be usable
	}
	if _, err := w.Write(p.buf.Bytes()); err != nil {
		return fmt.Errorf("report: terminal: write: %w", err)
	}
	return nil
}

// mustFindings returns the masked findings; Issues read them already, so
// they are memoised and cannot fail here.
func mustFindings(r *Crawl) []store.Finding {
	fs, _ := r.maskedFindings()
	return fs
}

// termPrinter collects the summary's lines.
type termPrinter struct {
	buf    bytes.Buffer
	width  int
	color  bool
	origin string // the start URL's origin: URLs on it are shown as paths
}

func (p *termPrinter) line(s string) {
	p.buf.WriteString(s)
	p.buf.WriteByte('\n')
}

// ANSI escapes: bold, dim, and one colour per severity.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColor = map[store.Severity]string{
	store.SeverityError:   "\x1b[1;31m", // bold red
	store.SeverityWarning: "\x1b[33m",   // yellow
	store.SeverityNotice:  "\x1b[36m",   // cyan
}

func (p *termPrinter) bold(s string) string {
	if !p.color {
		return s
	}
	return ansiBold + s + ansiReset
}

func dim(p *termPrinter, s string) string {
	if !p.color || s == "" {
		return s
	}
	return ansiDim + s + ansiReset
}

// issue prints one issue in three lines, each at most p.width columns:
//
//	1 ERROR   Assets public pages use answer 403 Forbidden
//	          /css/seasonal.css · 1 URL · 1 page · change /
//	          Fix: check the server or CDN rules that put the asset…
func (p *termPrinter) issue(n, numWidth int, is Issue) {
	sev := strings.ToUpper(string(is.Severity))
	indent := numWidth + 1 + 8 // "12 " + "WARNING "
	lead := fmt.Sprintf("%*d %-7s ", numWidth, n, sev)
	title := cutEnd(is.Title, p.width-indent)
	if p.color {
		lead = fmt.Sprintf("%*d %s%-7s%s ", numWidth, n, severityColor[is.Severity], sev, ansiReset)
	}
	p.line(lead + p.bold(title))

	pad := strings.Repeat(" ", indent)
	room := p.width - indent
	facts := " · " + plural(is.URLCount(), "URL") + " · " + plural(is.Reach, "page")
	if len(is.Referrers) > 0 {
		ref := "change " + p.short(is.Referrers[0].URL, room/3)
		if k := len(is.Referrers) - 1; k > 0 {
			ref += fmt.Sprintf(" (+%d more)", k)
		}
		facts += " · " + ref
	}
	pattern := p.short(is.Pattern, max(12, room-utf8.RuneCountInString(facts)))
	p.line(pad + cutEnd(pattern+facts, room))
	if is.Fix != "" {
		for _, l := range wrap("Fix: "+is.Fix, room, "     ", 2) {
			p.line(pad + dim(p, l))
		}
	}
}

// short shows a URL in at most n columns: as a path when it is on the
// start URL's origin, cut in the middle (shortURL).
func (p *termPrinter) short(u string, n int) string {
	if p.origin != "" && strings.HasPrefix(u, p.origin+"/") {
		u = strings.TrimPrefix(u, p.origin)
	}
	return shortURL(u, n)
}

// originOf returns scheme://host of an absolute URL, or "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// shortURL cuts a URL (or path) to at most n runes in the middle, keeping
// its beginning (scheme and host) and its last path segment:
// "https://example.com/…/wedding-cake.jpg". When even that is too long, the
// end goes too: "https://example.com/…".
func shortURL(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 2 {
		return cutEnd(s, n)
	}
	// The head: through the host ("https://h/"), or the first "/" of a path.
	head := s
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.IndexByte(s[i+3:], '/'); j >= 0 {
			head = s[:i+3+j+1]
		}
	} else if strings.HasPrefix(s, "/") {
		head = "/"
	}
	tail := s[len(head):]
	if i := strings.LastIndexByte(strings.TrimSuffix(tail, "/"), '/'); i >= 0 {
		tail = tail[i:] // "/last"
	}
	hr, tr := utf8.RuneCountInString(head), utf8.RuneCountInString(tail)
	switch {
	case hr+1+tr <= n:
		return head + "…" + tail
	case hr+1 < n:
		t := []rune(tail)
		return head + "…" + string(t[len(t)-(n-hr-1):])
	}
	return cutEnd(s, n)
}

// cutEnd cuts s to at most n runes, the last being "…".
func cutEnd(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// crawlLine is the crawl in one line: URLs, then how many answered what.
func crawlLine(s Summary) string {
	var c StatusClasses
	for _, k := range s.ByKindStatus {
		c.S2xx += k.S2xx
		c.S3xx += k.S3xx
		c.S4xx += k.S4xx
		c.S5xx += k.S5xx
		c.Blocked += k.Blocked
		c.None += k.None
	}
	parts := []string{fmt.Sprintf("%d 2xx", c.S2xx)}
	for _, x := range []struct {
		n    int
		name string
	}{{c.S3xx, "3xx"}, {s.ByStatus[401], "401"}, {s.ByStatus[403], "403"}, {c.S4xx - s.ByStatus[401] - s.ByStatus[403], "other 4xx"}, {c.S5xx, "5xx"}, {c.None, "no answer"}, {c.Blocked, "blocked by robots.txt"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.name))
		}
	}
	return fmt.Sprintf("Crawled %d URLs: %s", s.URLs, strings.Join(parts, ", "))
}

// authLine is the authentication section in one line: how the crawl
// authenticated (and a token that had expired), the 401s and 403s, the
// realms (three at most), the classes with and without credentials, and
// the protected URLs public pages point at.
func authLine(a AuthSummary) string {
	how := "without credentials (as search engines do)"
	if a.Credentials != "" {
		how = "with " + a.Credentials
	}
	if a.Token != nil && a.Token.ExpiredBeforeCrawl {
		how += ", a token EXPIRED before the crawl started"
	}
	line := fmt.Sprintf("Authentication: crawled %s; %d × 401, %d × 403", how, a.Unauthorized, a.Forbidden)
	if n := len(a.Realms); n > 0 {
		var rs []string
		for _, g := range a.Realms[:min(n, 3)] {
			rs = append(rs, fmt.Sprintf("%s %q", g.Scheme, g.Realm))
		}
		if n > 3 {
			rs = append(rs, fmt.Sprintf("%d more", n-3))
		}
		line += "; realms " + strings.Join(rs, ", ")
	}
	if len(a.ByAccess) > 0 {
		var cs []string
		for _, c := range accessOrder {
			if n, ok := a.ByAccess[c]; ok {
				cs = append(cs, fmt.Sprintf("%d %s", n, c))
			}
		}
		line += "; with and without credentials: " + strings.Join(cs, ", ")
	}
	if len(a.ToFix) > 0 {
		line += fmt.Sprintf("; %d protected URLs public pages point at", len(a.ToFix))
	}
	return line
}

// wrap breaks s at spaces into lines of at most width runes, continuation
// lines starting with indent; past maxLines the last line is cut with "…".
func wrap(s string, width int, indent string, maxLines int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			out = append(out, line)
			line = indent + word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	for i, l := range out {
		out[i] = cutEnd(l, width)
	}
	if len(out) > maxLines {
		last := out[maxLines-1]
		out = out[:maxLines]
		if utf8.RuneCountInString(last) < width {
			out[maxLines-1] = last + "…"
		} else {
			out[maxLines-1] = cutEnd(last, width-1) + "…"
		}
	}
	return out
}
