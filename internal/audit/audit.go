package audit

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"fmt"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Run applies every rule to the crawl in r and returns the findings, sorted
// by severity, rule and URL. Findings on external URLs are downgraded to
// notice: many sites block unknown bots, so their answers are hints.
func Run(r store.Reader) ([]store.Finding, error) { return runAudit(r, false) }

// runAudit is Run; allEdges reads every URL's edges, even where the Inbound
// counts show that no rule can fire (tests compare both ways).
func runAudit(r store.Reader, allEdges bool) ([]store.Finding, error) {
	a := &auditor{r: r, records: map[string]*store.URL{}, publicMemo: map[string]bool{}}
	if err := a.scanAuth(); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []store.Finding
	err := r.EachURLInbound(func(u store.URL, counts store.Inbound) error {
		var in []store.Edge
		need, err := a.needsEdges(u, counts)
		if err != nil {
			return err
		}
		if !need && !allEdges {
			return nil // no rule can fire on u
		}
		if in, err = r.LookupEdgesTo(u.URL); err != nil {
			return err
		}
		fs, err := a.check(u, in)
		if err != nil {
			return err
		}
		out = append(out, fs...)
		if fs, err = a.checkSitemaps(u, in); err != nil { // sitemaps.go
			return err
		}
		out = append(out, fs...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	store.SortFindings(out)
	return out, nil
}

// needsEdges reports whether a rule could fire on u, so that its incoming
// edges must be read: most URLs of a crawl are plain 2xx answers on which
// no rule fires, and their edges are not read at all. It must stay in step
// with check and checkSitemaps: a false here skips them with no edges.
func (a *auditor) needsEdges(u store.URL, in store.Inbound) (bool, error) {
	if u.Status < 200 || u.Status > 299 || u.Error != "" || u.BlockedByRobots || u.RobotsDisallowed ||
		u.Kind == store.KindSitemap || u.Kind == store.KindRobots ||
		u.BotCheck != "" || len(u.WWWAuthenticate) > 0 || u.Credentials != "" || u.AnonymousStatus != 0 || u.LoginForm ||
		analysis.SoftNotFound(u) {
		return true, nil
	}
	if u.InSitemap { // checkListed
		return notIndexable(u) != "" || in.Links == 0 && u.Kind != store.KindExternal && !u.Start, nil
	}
	if u.Kind == store.KindPage && indexable(u) && in.Links > 0 { // page-missing-from-sitemap
		st, err := a.sitemapFacts()
		if err != nil {
			return false, err
		}
		return st.hasSitemaps, nil
	}
	return false, nil
}

type auditor struct {
	r          store.Reader
	records    map[string]*store.URL // memo of Get, nil for missing; at most maxMemo
	publicMemo map[string]bool       // memo of public; at most maxMemo
	sm         *sitemapState         // sitemaps.go, computed on first use
	auth       *authScan             // crawl-wide facts for the auth rules (auth.go)
}

func (a *auditor) get(url string) (*store.URL, error) {
	if u, ok := a.records[url]; ok {
		return u, nil
	}
	u, ok, err := a.r.Get(url)
	if err != nil {
		return nil, err
	}
	var p *store.URL
	if ok {
		p = &u
	}
	if len(a.records) < maxMemo {
		a.records[url] = p
	}
	return p, nil
}

// public reports whether a referrer is publicly reachable content: a 2xx
// page of the site, or a 2xx stylesheet (for url() references), that also
// answered 2xx without credentials when --compare-anonymous checked it.
func (a *auditor) public(from string) (bool, error) {
	if p, ok := a.publicMemo[from]; ok {
		return p, nil
	}
	u, ok, err := a.r.Get(from)
	if err != nil {
		return false, err
	}
	p := ok && u.Status >= 200 && u.Status < 300 && (u.Kind == store.KindPage || u.Kind == store.KindAsset) &&
		// answered 2xx only with credentials (--compare-anonymous): not public
		!(u.Credentials != "" && u.AnonymousStatus != 0 && (u.AnonymousStatus < 200 || u.AnonymousStatus > 299))
	if len(a.publicMemo) < maxMemo {
		a.publicMemo[from] = p
	}
	return p, nil
}

// maxMemo bounds each of the auditor's memos: the referrers of a site's
// broken URLs are often the same few thousand pages, but memory must not
// grow with the site.
const maxMemo = 100000

// publicReferrers returns the distinct public referrers among the edges of
// the given types.
func (a *auditor) publicReferrers(url string, in []store.Edge, types ...store.EdgeType) ([]string, error) {
	return referrersWhere(url, in, func(e store.Edge) (bool, error) {
		if !hasType(types, e.Type) {
			return false, nil
		}
		return a.public(e.From)
	})
}

// referrersWhere returns the distinct referrers among the edges keep says
// yes to.
func referrersWhere(url string, in []store.Edge, keep func(store.Edge) (bool, error)) ([]string, error) {
	var kept []store.Edge
	for _, e := range in {
		ok, err := keep(e)
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, e)
		}
	}
	return store.Referrers(url, kept), nil
}

func hasType(types []store.EdgeType, t store.EdgeType) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

func (a *auditor) check(u store.URL, in []store.Edge) ([]store.Finding, error) {
	var out []store.Finding
	all := referrers(u.URL, in)
	add := func(rule, msg string, refs []string) {
		sev := severity(rule)
		if u.Kind == store.KindExternal {
			sev = store.SeverityNotice
			msg += " (external URL: many sites block unknown bots, so this may not affect visitors)"
		}
		out = append(out, store.Finding{Rule: rule, Severity: sev, URL: u.URL, Message: msg + ". Fix: " + fix(rule), Referrers: refs})
	}
	if u.BlockedByRobots || u.Kind == store.KindSitemap || u.Kind == store.KindRobots {
		return nil, nil // sitemaps and robots.txt have their own rules: sitemaps.go
	}
	if skip, err := a.checkAuth(u, in, add, all); err != nil || skip {
		return out, err
	}
	switch s := u.Status; {
	case s == 401 || s == 403:
		what := "401 Unauthorized (not logged in)"
		linkRule, assetRule := UnauthorizedLinkedPage, UnauthorizedAsset
		if s == 403 {
			what = "403 Forbidden (not allowed in)"
			linkRule, assetRule = ForbiddenLinkedPage, ForbiddenAsset
		}
		assetRefs, err := a.publicReferrers(u.URL, in, store.EdgeAsset)
		if err != nil {
			return nil, err
		}
		if len(assetRefs) > 0 {
			add(assetRule, fmt.Sprintf("%s on an asset that %s use: visitors without credentials and search engines cannot render %s fully", what, count(len(assetRefs), "public page"), them(len(assetRefs))), assetRefs)
		}
		linkRefs, err := a.publicReferrers(u.URL, in, store.EdgeLink)
		if err != nil {
			return nil, err
		}
		if len(linkRefs) > 0 {
			add(linkRule, fmt.Sprintf("%s on a URL that %s link to: search engines crawl without credentials, so each visit is a wasted request and the URL cannot be indexed", what, count(len(linkRefs), "public page")), linkRefs)
		}
		if s == 401 && len(u.WWWAuthenticate) == 0 {
			add(MissingWWWAuthenticate, "401 without a WWW-Authenticate header: clients cannot tell how to authenticate (RFC 9110 requires at least one challenge)", all)
		}
	case s == 404 || s == 410:
		if len(all) > 0 {
			add(BrokenLink, fmt.Sprintf("%d %s, linked or used by %s", s, statusName(s), count(len(all), "URL")), all)
		}
	case s >= 500 && s < 600:
		add(ServerError, fmt.Sprintf("%d %s: the server failed", s, statusName(s)), all)
	case s >= 300 && s < 400:
		if err := a.checkChain(u, in, add, all); err != nil {
			return nil, err
		}
	case s == 0 && u.Error != "":
		add(FetchError, "no HTTP answer: "+u.Error, all)
	case analysis.SoftNotFound(u):
		add(SoftNotFound, fmt.Sprintf("answers 200, but its title %q says the page was not found: search engines treat it as a soft 404, keep requesting it and do not index it", u.Title), all)
	}
	return out, nil
}

// checkChain follows the redirect chain starting at u when u is an entry
// point (linked, used, listed or the start URL, not only a hop of another
// chain) and reports chains of 2+ hops and loops.
func (a *auditor) checkChain(u store.URL, in []store.Edge, add func(rule, msg string, refs []string), all []string) error {
	entry := u.Start
	for _, e := range in {
		if e.Type != store.EdgeRedirect {
			entry = true
		}
	}
	if !entry {
		return nil
	}
	chain := []string{u.URL}
	seen := map[string]bool{u.URL: true}
	cur := &u
	for cur != nil && cur.Status >= 300 && cur.Status < 400 && cur.Redirect != "" {
		next := cur.Redirect
		if seen[next] {
			chain = append(chain, next)
			add(RedirectLoop, "redirect loop: "+strings.Join(chain, " → "), all)
			return nil
		}
		seen[next] = true
		chain = append(chain, next)
		var err error
		if cur, err = a.get(next); err != nil {
			return err
		}
	}
	hops := len(chain) - 1
	final := "no answer recorded"
	if cur != nil {
		final = fmt.Sprintf("final answer %d", cur.Status)
		if cur.Status >= 300 && cur.Status < 400 {
			final = "chain not followed further (" + cur.Error + ")"
		}
	}
	if hops >= 2 {
		add(RedirectChain, fmt.Sprintf("%d redirect hops before the final answer: %s (%s)", hops, strings.Join(chain, " → "), final), all)
	}
	return nil
}

// referrers returns the pages (or sitemaps) that reference url; the URLs
// that only redirect to it count when nothing else does.
func referrers(url string, in []store.Edge) []string {
	var direct []store.Edge
	for _, e := range in {
		if e.Type != store.EdgeRedirect {
			direct = append(direct, e)
		}
	}
	if len(direct) == 0 {
		return store.Referrers(url, in)
	}
	return store.Referrers(url, direct)
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func statusName(s int) string {
	switch s {
	case 404:
		return "Not Found"
	case 410:
		return "Gone"
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	}
	if s >= 500 {
		return "server error"
	}
	return "(client error)"
}
