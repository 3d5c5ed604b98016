package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Log rules: what access logs show crawlers really spent their requests
// on (`crawlaudit logs`). They judge analysis.Logs, not a crawl's records:
// their Applies is never true in Run, and LogFindings reports them.

// Rule IDs of the access-log rules.
const (
	BotHitsUnauthorized = "bot-hits-unauthorized"
	BotHitsForbidden    = "bot-hits-forbidden"
	BotHitsOrphan       = "bot-hits-orphan"
	FakeSearchBot       = "fake-search-bot"
)

func never(*Facts, store.URL, store.Inbound) bool { return false }
func noCheck(*Check) error                        { return nil }

// logRules are the access-log rules, in README order.
var logRules = []Rule{
	{
		ID: BotHitsUnauthorized, Severity: store.SeverityError,
		Title:   "Search engines spend requests on URLs that answer 401",
		Why:     "the access log shows search-engine crawlers requesting URLs that ask for credentials: every hit is a wasted request, and the links that lead them there are on public pages",
		Explain: "search-engine crawlers got 401 Unauthorized on a URL (access log)",
		Fix:     "remove or nofollow the public links and sitemap entries pointing at it, or disallow its section in robots.txt",
		Applies: never, Check: noCheck,
	},
	{
		ID: BotHitsForbidden, Severity: store.SeverityWarning,
		Title:   "Search engines spend requests on URLs that answer 403",
		Why:     "the access log shows search-engine crawlers refused with 403: wasted requests, and if the page should rank, a server or CDN rule is blocking them",
		Explain: "search-engine crawlers got 403 Forbidden on a URL (access log)",
		Fix:     "if the page is private, stop linking to it and disallow it in robots.txt; if it is public, fix the server or CDN rule refusing crawlers",
		Applies: never, Check: noCheck,
	},
	{
		ID: BotHitsOrphan, Severity: store.SeverityNotice,
		Title:   "Search engines crawl pages the site no longer links to",
		Why:     "crawlers keep requesting a page the crawl never found: an orphan they know from old links or sitemaps, costing requests and showing content the site forgot",
		Explain: "search-engine crawlers requested a URL answering 2xx that the crawl never found (access log)",
		Fix:     "link it from a relevant page and list it in the sitemap if it matters, or redirect it to its replacement or answer 410 if it does not",
		Applies: never, Check: noCheck,
	},
	{
		ID: FakeSearchBot, Severity: store.SeverityNotice,
		Title:   "Clients pretend to be search-engine crawlers",
		Why:     "requests claim a search engine's user agent from addresses that engine does not use: scrapers hiding behind its name, which rules that let the real crawler in also let through",
		Explain: "requests claimed a crawler's user agent and failed IP-range or DNS verification (access log)",
		Fix:     "allow crawlers by verified address (published ranges or reverse-then-forward DNS), never by user agent alone; rate-limit or block the fakes",
		Applies: never, Check: noCheck,
	},
}

// LogFindings returns the findings of the log rules for l, sorted.
func LogFindings(l *analysis.Logs) []store.Finding {
	if l == nil {
		return nil
	}
	rule := func(id string) Rule { r, _ := Lookup(id); return r }
	var out []store.Finding
	for _, p := range l.Protected {
		id := BotHitsUnauthorized
		if p.Status == 403 {
			id = BotHitsForbidden
		}
		r := rule(id)
		msg := fmt.Sprintf("%s to search-engine crawlers %s (%s), %s – %s", statusText(p.Status), times(p.Hits), strings.Join(p.Bots, ", "),
			p.FirstSeen.Format(time.DateOnly), p.LastSeen.Format(time.DateOnly))
		if p.Realm != "" {
			msg += fmt.Sprintf("; realm %q", p.Realm)
		}
		switch n := len(p.Linked); {
		case n == 1:
			msg += "; 1 public page links to it"
		case n > 1:
			msg += fmt.Sprintf("; %d public pages link to it", n)
		}
		if len(p.Sitemaps) > 0 {
			msg += "; listed in a sitemap"
		}
		refs := append(append([]string{}, p.Linked...), p.Sitemaps...)
		out = append(out, store.Finding{Rule: id, Severity: r.Severity, URL: p.URL, Message: msg, Fix: r.Fix, Referrers: refs})
	}
	for _, n := range l.NotInCrawl {
		if n.Kind != "orphan" {
			continue
		}
		r := rule(BotHitsOrphan)
		out = append(out, store.Finding{Rule: BotHitsOrphan, Severity: r.Severity, URL: n.URL,
			Message: fmt.Sprintf("requested by search-engine crawlers %s (answering %d) and never found by the crawl: no link or sitemap leads to it", times(n.Hits), n.Status), Fix: r.Fix})
	}
	site := l.Run.Site
	if site == "" {
		site = "/"
	} else {
		site += "/"
	}
	for _, f := range l.Fakes {
		r := rule(FakeSearchBot)
		out = append(out, store.Finding{Rule: FakeSearchBot, Severity: r.Severity, URL: site,
			Message: fmt.Sprintf("%d requests claiming to be %s on %d URLs came from addresses %s does not use", f.Hits, f.Bot, f.URLs, f.Bot), Fix: r.Fix})
	}
	store.SortFindings(out)
	return out
}

// IsLogRule reports whether id is one of the access-log rules.
func IsLogRule(id string) bool {
	for _, r := range logRules {
		if r.ID == id {
			return true
		}
	}
	return false
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func statusText(s int) string {
	if s == 401 {
		return "401 Unauthorized"
	}
	return "403 Forbidden"
}
