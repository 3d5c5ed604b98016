package audit

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"fmt"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Sitemap and robots.txt rules. Sitemap files and robots.txt files are
// judged only by these rules (not broken-link, server-error, …): what their
// status means differs from a page's.

// Rule IDs of sitemaps and robots.txt.
const (
	UnauthorizedSitemapURL = "unauthorized-sitemap-url"
	ForbiddenSitemapURL    = "forbidden-sitemap-url"
	SitemapUnavailable     = "sitemap-unavailable"
	SitemapInvalid         = "sitemap-invalid"
	SitemapURLNotIndexable = "sitemap-url-not-indexable"
	SitemapURLDisallowed   = "sitemap-url-disallowed"
	SitemapURLOffHost      = "sitemap-url-off-host"
	SitemapInvalidLastmod  = "sitemap-invalid-lastmod"
	OrphanSitemapURL       = "orphan-sitemap-url"
	PageMissingFromSitemap = "page-missing-from-sitemap"
	RobotsUnavailable      = "robots-unavailable"
	AssetDisallowed        = "asset-disallowed"
)

// sitemapCatalogue lists the sitemap and robots.txt rules in README order;
// rules.go appends it to the catalogue.
var sitemapCatalogue = []Rule{
	{UnauthorizedSitemapURL, store.SeverityError,
		"a URL listed in a sitemap answers 401",
		"search engines crawl without credentials: list only public pages, or make the page public"},
	{ForbiddenSitemapURL, store.SeverityError,
		"a URL listed in a sitemap answers 403",
		"remove it from the sitemap, or check the server or CDN rules that refuse anonymous visitors"},
	{SitemapUnavailable, store.SeverityError,
		"a sitemap file answers something other than 200 (401, 403, 404, 5xx, or no answer)",
		"serve the sitemap publicly with 200 at the URL robots.txt names, or fix the Sitemap: line"},
	{SitemapInvalid, store.SeverityError,
		"a sitemap file is unparsable, over a protocol limit (50,000 URLs, 50 MiB uncompressed), bomb-like, loops, nests indexes too deep, or lists entries that are not absolute URLs",
		"generate the sitemap with a sitemap library, split it into files under the limits, list each sitemap once in one index"},
	{SitemapURLNotIndexable, store.SeverityWarning,
		"a URL listed in a sitemap redirects, is broken (4xx, 5xx, no answer, soft 404), is noindex, or canonicalises elsewhere",
		"list only the canonical, indexable URL that answers 200; update the sitemap when pages move or go"},
	{SitemapURLDisallowed, store.SeverityWarning,
		"a URL listed in a sitemap is blocked by robots.txt",
		"either allow the URL in robots.txt or remove it from the sitemap: the two contradict each other"},
	{SitemapURLOffHost, store.SeverityWarning,
		"a URL listed in a sitemap is outside the sitemap's scope: another host or scheme, or above the sitemap's folder, without cross-submission in robots.txt",
		"list each host's URLs in a sitemap on that host (or name the sitemap in that host's robots.txt); put sitemaps at the root to cover the whole site"},
	{SitemapInvalidLastmod, store.SeverityNotice,
		"a sitemap entry's lastmod is not a W3C datetime, or is in the future",
		"write lastmod as 2026-11-24 or 2026-11-24T10:00:00+00:00, from the page's real last change; Google ignores lastmod it cannot trust"},
	{OrphanSitemapURL, store.SeverityNotice,
		"a URL listed in a sitemap that no crawled page links to",
		"link to it from a relevant page (search engines value internal links), or remove it from the sitemap if it is gone"},
	{PageMissingFromSitemap, store.SeverityNotice,
		"an indexable 200 page linked on the site that no sitemap lists (only when the site has sitemaps)",
		"add it to the sitemap, or make it noindex/canonicalised if it should not be indexed"},
	{RobotsUnavailable, store.SeverityWarning,
		"robots.txt answers 401/403 (warning: crawlers then crawl everything) or 5xx / no answer (error: crawlers then crawl nothing)",
		"serve robots.txt publicly: 200 with the rules, or 404 when there are none; never behind authentication or failing"},
	{AssetDisallowed, store.SeverityWarning,
		"robots.txt blocks a stylesheet, script, image or other asset that public pages use",
		"allow it in robots.txt: search engines that cannot fetch it cannot render the page as visitors see it"},
}

// sitemapState is what the sitemap rules learn once per audit.
type sitemapState struct {
	hasSitemaps bool // some sitemap answered 200 and listed URLs
}

// sitemapFacts scans the sitemap records once.
func (a *auditor) sitemapFacts() (*sitemapState, error) {
	if a.sm != nil {
		return a.sm, nil
	}
	st := &sitemapState{}
	err := a.r.EachURL(func(u store.URL) error {
		if u.Kind == store.KindSitemap && u.Status == 200 && u.SitemapURLs > 0 {
			st.hasSitemaps = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.sm = st
	return st, nil
}

// checkSitemaps applies the sitemap and robots.txt rules to one record.
func (a *auditor) checkSitemaps(u store.URL, in []store.Edge) ([]store.Finding, error) {
	var out []store.Finding
	add := func(rule string, sev store.Severity, url, msg string, refs []string) {
		if sev == "" {
			sev = severity(rule)
		}
		out = append(out, store.Finding{Rule: rule, Severity: sev, URL: url, Message: msg + ". Fix: " + fix(rule), Referrers: refs})
	}
	switch u.Kind {
	case store.KindSitemap:
		a.checkSitemapFile(u, in, add)
		return out, nil
	case store.KindRobots:
		checkRobotsFile(u, in, add)
		return out, nil
	}
	listedBy := referrersOfType(u.URL, in, store.EdgeSitemap)
	if u.InSitemap {
		if err := a.checkListed(u, in, listedBy, add); err != nil {
			return nil, err
		}
	}
	if u.Kind == store.KindAsset && u.RobotsDisallowed {
		refs, err := a.publicReferrers(u.URL, in, store.EdgeAsset)
		if err != nil {
			return nil, err
		}
		if len(refs) > 0 {
			add(AssetDisallowed, "", u.URL, fmt.Sprintf("robots.txt disallows this asset, which %s use: search engines cannot fetch it, so they cannot render %s as visitors see %s", count(len(refs), "public page"), them(len(refs)), them(len(refs))), refs)
		}
	}
	if u.Kind == store.KindPage && !u.InSitemap && indexable(u) {
		st, err := a.sitemapFacts()
		if err != nil {
			return nil, err
		}
		linkRefs, err := a.publicReferrers(u.URL, in, store.EdgeLink)
		if err != nil {
			return nil, err
		}
		if st.hasSitemaps && len(linkRefs) > 0 {
			add(PageMissingFromSitemap, "", u.URL, fmt.Sprintf("indexable page linked from %s that no sitemap lists: search engines find it later, or not at all", count(len(linkRefs), "page")), linkRefs)
		}
	}
	return out, nil
}

// checkListed applies the rules for a URL that a sitemap lists.
func (a *auditor) checkListed(u store.URL, in []store.Edge, listedBy []string, add func(string, store.Severity, string, string, []string)) error {
	if u.RobotsDisallowed {
		what := "it was not requested"
		if !u.BlockedByRobots {
			what = "it was requested only because of --ignore-robots"
		}
		add(SitemapURLDisallowed, "", u.URL, "listed in a sitemap but disallowed by robots.txt ("+what+"): the sitemap asks search engines to crawl a URL robots.txt forbids", listedBy)
	}
	if !u.BlockedByRobots {
		switch s := u.Status; {
		case s == 401:
			add(UnauthorizedSitemapURL, "", u.URL, "401 Unauthorized (not logged in) on a URL the sitemap lists: search engines crawl without credentials, so every visit is wasted and the URL cannot be indexed", listedBy)
		case s == 403:
			add(ForbiddenSitemapURL, "", u.URL, "403 Forbidden (not allowed in) on a URL the sitemap lists: search engines are refused, so every visit is wasted and the URL cannot be indexed", listedBy)
		default:
			if why := notIndexable(u); why != "" {
				add(SitemapURLNotIndexable, "", u.URL, "listed in a sitemap but "+why+": sitemaps should list only canonical, indexable 200 URLs", listedBy)
			}
		}
	}
	if u.Kind != store.KindExternal && !u.Start {
		linked := false
		for _, e := range in {
			if e.Type == store.EdgeLink && e.From != u.URL {
				linked = true
				break
			}
		}
		if !linked {
			add(OrphanSitemapURL, "", u.URL, "listed in a sitemap, but no crawled page links to it: search engines rank pages without internal links lower", listedBy)
		}
	}
	return nil
}

// notIndexable says why a requested URL cannot be indexed, or "".
func notIndexable(u store.URL) string {
	switch s := u.Status; {
	case s == 0:
		return "gets no answer (" + u.Error + ")"
	case s >= 300 && s < 400:
		if u.Redirect != "" {
			return fmt.Sprintf("redirects (%d) to %s", s, u.Redirect)
		}
		return fmt.Sprintf("redirects (%d)", s)
	case s >= 400:
		return fmt.Sprintf("answers %d %s", s, statusName(s))
	case u.NoIndex:
		return "is noindex"
	case u.LoginForm:
		return "is a login form, not content"
	case analysis.SoftNotFound(u):
		return "is a soft 404 (answers 200, but its title says not found)"
	case u.Canonical != "" && u.Canonical != u.URL:
		return "canonicalises to " + u.Canonical
	}
	return ""
}

// indexable reports whether u is a 200 HTML page search engines may index.
func indexable(u store.URL) bool {
	return u.Status == 200 && !u.NoIndex && !u.LoginForm && !analysis.SoftNotFound(u) && (u.Canonical == "" || u.Canonical == u.URL) &&
		strings.Contains(strings.ToLower(u.ContentType), "html")
}

// checkSitemapFile applies the rules of a sitemap file: its status and what
// the parser and crawler found wrong in it.
func (a *auditor) checkSitemapFile(u store.URL, in []store.Edge, add func(string, store.Severity, string, string, []string)) {
	refs := store.Referrers(u.URL, in)
	s := u.Status
	switch {
	case s >= 300 && s < 400 && u.Error == "":
		return // a hop: the target is the sitemap
	case s == 0:
		add(SitemapUnavailable, "", u.URL, "sitemap got no answer ("+u.Error+"): search engines retry later and meanwhile use the last copy they read, if any", refs)
		return
	case s == 401:
		add(SitemapUnavailable, "", u.URL, "sitemap answers 401 Unauthorized: search engines have no credentials, so they never read it and find its URLs only through links", refs)
		return
	case s == 403:
		add(SitemapUnavailable, "", u.URL, "sitemap answers 403 Forbidden: search engines are refused, so they never read it and find its URLs only through links", refs)
		return
	case s == 404 || s == 410:
		add(SitemapUnavailable, "", u.URL, fmt.Sprintf("sitemap answers %d %s: search engines report it as not found and stop using it", s, statusName(s)), refs)
		return
	case s >= 500:
		add(SitemapUnavailable, "", u.URL, fmt.Sprintf("sitemap answers %d %s: search engines retry later; while it fails they use the last copy they read, if any", s, statusName(s)), refs)
		return
	case s != 200:
		add(SitemapUnavailable, "", u.URL, fmt.Sprintf("sitemap answers %d, not 200 (or a redirect chain that does not end in one): search engines cannot read it", s), refs)
		return
	}
	var invalid, lastmod []string
	offHost := map[string][]string{}
	var offOrder []string
	for _, p := range u.SitemapProblems {
		switch p.Kind {
		case "off-host":
			if _, ok := offHost[p.URL]; !ok {
				offOrder = append(offOrder, p.URL)
			}
			offHost[p.URL] = append(offHost[p.URL], p.Message)
		case "bad-lastmod", "future-lastmod":
			lastmod = append(lastmod, p.URL+" ("+p.Message+")")
		case store.SitemapMore:
			invalid = append(invalid, p.Message)
		default: // unparsable, too-large, too-many-urls, bad-url, loop, too-deep
			m := p.Message
			if p.URL != "" {
				m = p.URL + ": " + m
			}
			invalid = append(invalid, m)
		}
	}
	if u.Error != "" {
		invalid = append(invalid, u.Error)
	}
	if len(invalid) > 0 {
		add(SitemapInvalid, "", u.URL, fmt.Sprintf("sitemap with %s (%s read): %s", count(len(invalid), "problem"), entries(u.SitemapURLs), strings.Join(invalid, "; ")), refs)
	}
	if len(lastmod) > 0 {
		add(SitemapInvalidLastmod, "", u.URL, fmt.Sprintf("%s with a bad or future lastmod: %s", entries(len(lastmod)), strings.Join(lastmod, "; ")), refs)
	}
	sort.Strings(offOrder)
	for _, o := range offOrder {
		add(SitemapURLOffHost, "", o, fmt.Sprintf("listed in %s, %s; not crawled", u.URL, offHost[o][0]), []string{u.URL})
	}
}

// checkRobotsFile applies robots-unavailable to a robots.txt record. Status
// semantics (RFC 9309 section 2.3.1, Google's documentation): 4xx means "no
// robots.txt", so 401/403 silently open the whole site to crawlers; 5xx or
// no answer means "disallow everything", so crawlers stop.
func checkRobotsFile(u store.URL, in []store.Edge, add func(string, store.Severity, string, string, []string)) {
	refs := store.Referrers(u.URL, in)
	switch s := u.Status; {
	case s == 401 || s == 403:
		what := "401 Unauthorized"
		if s == 403 {
			what = "403 Forbidden"
		}
		add(RobotsUnavailable, store.SeverityWarning, u.URL, what+" on robots.txt: crawlers treat any 4xx as \"no robots.txt\" and crawl everything, ignoring the rules you meant to set", refs)
	case s >= 500:
		add(RobotsUnavailable, store.SeverityError, u.URL, fmt.Sprintf("%d %s on robots.txt: search engines then crawl nothing on this host (Google for up to 12 hours, then its last copy)", s, statusName(s)), refs)
	case s == 0 && u.Error != "":
		add(RobotsUnavailable, store.SeverityError, u.URL, "no answer for robots.txt ("+u.Error+"): search engines then crawl nothing on this host", refs)
	}
}

// referrersOfType returns the distinct From URLs of the edges of type t.
func referrersOfType(url string, in []store.Edge, t store.EdgeType) []string {
	var keep []store.Edge
	for _, e := range in {
		if e.Type == t {
			keep = append(keep, e)
		}
	}
	return store.Referrers(url, keep)
}

func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
