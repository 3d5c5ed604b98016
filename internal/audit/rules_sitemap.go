package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
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

// sitemapRules are the sitemap and robots.txt rules, in README order.
var sitemapRules = []Rule{
	{
		ID: UnauthorizedSitemapURL, Severity: store.SeverityError,
		Title:   "Sitemaps list URLs that answer 401 Unauthorized",
		Why:     "a sitemap asks search engines to crawl each URL it lists; a 401 there wastes the request and says the sitemap is wrong",
		Explain: "a URL listed in a sitemap answers 401",
		Fix:     "search engines crawl without credentials: list only public pages, or make the page public",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return listed(u) && !u.BlockedByRobots && u.Status == 401
		},
		Check: func(c *Check) error {
			c.Report("401 Unauthorized (not logged in) on a URL the sitemap lists: search engines crawl without credentials, so every visit is wasted and the URL cannot be indexed", c.ReferrersOfType(store.EdgeSitemap))
			return nil
		},
	},
	{
		ID: ForbiddenSitemapURL, Severity: store.SeverityError,
		Title:   "Sitemaps list URLs that answer 403 Forbidden",
		Why:     "a sitemap asks search engines to crawl each URL it lists; a 403 there wastes the request and says the sitemap is wrong",
		Explain: "a URL listed in a sitemap answers 403",
		Fix:     "remove it from the sitemap, or check the server or CDN rules that refuse anonymous visitors",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return listed(u) && !u.BlockedByRobots && u.Status == 403
		},
		Check: func(c *Check) error {
			c.Report("403 Forbidden (not allowed in) on a URL the sitemap lists: search engines are refused, so every visit is wasted and the URL cannot be indexed", c.ReferrersOfType(store.EdgeSitemap))
			return nil
		},
	},
	{
		ID: SitemapUnavailable, Severity: store.SeverityError,
		Title:   "Sitemaps that cannot be fetched",
		Why:     "a sitemap search engines cannot fetch tells them nothing: new and changed pages are found late or not at all",
		Explain: "a sitemap file answers something other than 200 (401, 403, 404, 5xx, or no answer)",
		Fix:     "serve the sitemap publicly with 200 at the URL robots.txt names, or fix the Sitemap: line",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.Kind == store.KindSitemap && u.Status != 200 && !(redirect(u) && u.Error == "")
		},
		Check: checkSitemapStatus,
	},
	{
		ID: SitemapInvalid, Severity: store.SeverityError,
		Title:   "Sitemaps that do not parse or break the protocol's limits",
		Why:     "search engines reject an invalid sitemap, wholly or in part",
		Explain: "a sitemap file is unparsable, over a protocol limit (50,000 URLs, 50 MiB uncompressed), bomb-like, loops, nests indexes too deep, or lists entries that are not absolute URLs",
		Fix:     "generate the sitemap with a sitemap library, split it into files under the limits, list each sitemap once in one index",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.Kind == store.KindSitemap && u.Status == 200 && (len(u.SitemapProblems) > 0 || u.Error != "")
		},
		Check: func(c *Check) error {
			u := c.URL
			var invalid []string
			for _, p := range u.SitemapProblems {
				switch p.Kind {
				case "off-host", "bad-lastmod", "future-lastmod": // their own rules
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
				c.Report(fmt.Sprintf("sitemap with %s (%s read): %s", count(len(invalid), "problem"), entries(u.SitemapURLs), strings.Join(invalid, "; ")), store.Referrers(u.URL, c.In))
			}
			return nil
		},
	},
	{
		ID: SitemapURLNotIndexable, Severity: store.SeverityWarning,
		Title:   "Sitemaps list URLs that are not indexable",
		Why:     "sitemaps should list only canonical 200 pages; others waste requests and weaken trust in the sitemap",
		Explain: "a URL listed in a sitemap redirects, is broken (4xx, 5xx, no answer, soft 404), is noindex, or canonicalises elsewhere",
		Fix:     "list only the canonical, indexable URL that answers 200; update the sitemap when pages move or go",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return listed(u) && !u.BlockedByRobots && u.Status != 401 && u.Status != 403 && analysis.NotIndexable(u) != ""
		},
		Check: func(c *Check) error {
			c.Report("listed in a sitemap but "+analysis.NotIndexable(c.URL)+": sitemaps should list only canonical, indexable 200 URLs", c.ReferrersOfType(store.EdgeSitemap))
			return nil
		},
	},
	{
		ID: SitemapURLDisallowed, Severity: store.SeverityWarning,
		Title:   "Sitemaps list URLs robots.txt blocks",
		Why:     "the sitemap and robots.txt contradict each other: search engines cannot crawl what the sitemap asks for",
		Explain: "a URL listed in a sitemap is blocked by robots.txt",
		Fix:     "either allow the URL in robots.txt or remove it from the sitemap: the two contradict each other",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool { return listed(u) && u.RobotsDisallowed },
		Check: func(c *Check) error {
			what := "it was not requested"
			if !c.URL.BlockedByRobots {
				what = "it was requested only because of --ignore-robots"
			}
			c.Report("listed in a sitemap but disallowed by robots.txt ("+what+"): the sitemap asks search engines to crawl a URL robots.txt forbids", c.ReferrersOfType(store.EdgeSitemap))
			return nil
		},
	},
	{
		ID: SitemapURLOffHost, Severity: store.SeverityWarning,
		Title:   "Sitemaps list URLs outside their scope",
		Why:     "search engines ignore sitemap entries outside the sitemap's host and folder",
		Explain: "a URL listed in a sitemap is outside the sitemap's scope: another host or scheme, or above the sitemap's folder, without cross-submission in robots.txt",
		Fix:     "list each host's URLs in a sitemap on that host (or name the sitemap in that host's robots.txt); put sitemaps at the root to cover the whole site",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.Kind == store.KindSitemap && u.Status == 200 && hasProblem(u, "off-host")
		},
		Check: func(c *Check) error {
			// The finding is about the listed URL (never crawled, so it
			// has no record of its own), once per URL, with the sitemap
			// as its referrer.
			offHost := map[string][]string{}
			var order []string
			for _, p := range c.URL.SitemapProblems {
				if p.Kind != "off-host" {
					continue
				}
				if _, ok := offHost[p.URL]; !ok {
					order = append(order, p.URL)
				}
				offHost[p.URL] = append(offHost[p.URL], p.Message)
			}
			sort.Strings(order)
			for _, o := range order {
				c.ReportAt(o, "", fmt.Sprintf("listed in %s, %s; not crawled", c.URL.URL, offHost[o][0]), []string{c.URL.URL})
			}
			return nil
		},
	},
	{
		ID: SitemapInvalidLastmod, Severity: store.SeverityNotice,
		Title:   "Sitemap entries with invalid lastmod dates",
		Why:     "search engines use lastmod only when it is valid and accurate; a bad one is ignored",
		Explain: "a sitemap entry's lastmod is not a W3C datetime, or is in the future",
		Fix:     "write lastmod as 2026-11-24 or 2026-11-24T10:00:00+00:00, from the page's real last change; Google ignores lastmod it cannot trust",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.Kind == store.KindSitemap && u.Status == 200 && (hasProblem(u, "bad-lastmod") || hasProblem(u, "future-lastmod"))
		},
		Check: func(c *Check) error {
			var lastmod []string
			for _, p := range c.URL.SitemapProblems {
				if p.Kind == "bad-lastmod" || p.Kind == "future-lastmod" {
					lastmod = append(lastmod, p.URL+" ("+p.Message+")")
				}
			}
			c.Report(fmt.Sprintf("%s with a bad or future lastmod: %s", entries(len(lastmod)), strings.Join(lastmod, "; ")), store.Referrers(c.URL.URL, c.In))
			return nil
		},
	},
	{
		ID: OrphanSitemapURL, Severity: store.SeverityNotice,
		Title:   "Listed pages no page links to",
		Why:     "pages without internal links rank lower, even when a sitemap lists them",
		Explain: "an indexable URL listed in a sitemap that no crawled page links to (a listed URL that is broken, redirects or is blocked has its own sitemap rule instead)",
		Fix:     "link to it from a relevant page (search engines value internal links), or remove it from the sitemap if it is gone",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			// in.Links counts the pages other than the URL itself that
			// link to it.
			return listed(u) && u.Kind != store.KindExternal && !u.Start && in.Links == 0 && analysis.Indexable(u)
		},
		Check: func(c *Check) error {
			for _, e := range c.In {
				if e.Role() == store.EdgeLink && e.From != c.URL.URL {
					return nil
				}
			}
			c.Report("listed in a sitemap, but no crawled page links to it: search engines rank pages without internal links lower", c.ReferrersOfType(store.EdgeSitemap))
			return nil
		},
	},
	{
		ID: PageMissingFromSitemap, Severity: store.SeverityNotice,
		Title:   "Linked pages missing from the sitemaps",
		Why:     "sitemaps help search engines find and refresh pages; a missing page is found later",
		Explain: "an indexable 200 page linked on the site that no sitemap lists (only when the site has sitemaps)",
		Fix:     "add it to the sitemap, or make it noindex/canonicalised if it should not be indexed",
		Applies: func(f *Facts, u store.URL, in store.Inbound) bool {
			return f.HasSitemaps && !u.InSitemap && analysis.Indexable(u) && in.Links > 0
		},
		Check: func(c *Check) error {
			refs, err := c.PublicReferrers(store.EdgeLink)
			if err != nil {
				return err
			}
			if len(refs) > 0 {
				c.Report(fmt.Sprintf("indexable page linked from %s that no sitemap lists: search engines find it later, or not at all", count(len(refs), "page")), refs)
			}
			return nil
		},
	},
	{
		ID: RobotsUnavailable, Severity: store.SeverityWarning,
		Title:   "robots.txt cannot be fetched",
		Why:     "a 5xx or no answer makes search engines stop crawling the site; a 401/403 makes them crawl everything",
		Explain: "robots.txt answers 401/403 (warning: crawlers then crawl everything) or 5xx / no answer (error: crawlers then crawl nothing)",
		Fix:     "serve robots.txt publicly: 200 with the rules, or 404 when there are none; never behind authentication or failing",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.Kind == store.KindRobots && (u.Status == 401 || u.Status == 403 || u.Status >= 500 || u.Status == 0 && u.Error != "")
		},
		Check: checkRobotsFile,
	},
	{
		ID: AssetDisallowed, Severity: store.SeverityWarning,
		Title:   "robots.txt blocks assets public pages use",
		Why:     "Google cannot fetch blocked stylesheets and scripts, so it cannot render the pages as visitors see them",
		Explain: "robots.txt blocks a stylesheet, script, image or other asset that public pages use",
		Fix:     "allow it in robots.txt: search engines that cannot fetch it cannot render the page as visitors see it",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return u.Kind == store.KindAsset && u.RobotsDisallowed && hasEdgeType(in, store.EdgeAsset)
		},
		Check: func(c *Check) error {
			refs, err := c.PublicReferrers(store.EdgeAsset)
			if err != nil {
				return err
			}
			if n := len(refs); n > 0 {
				c.Report(fmt.Sprintf("robots.txt disallows this asset, which %s %s: search engines cannot fetch it, so they cannot render %s as visitors see %s", count(n, "public page"), verb(n, "uses", "use"), them(n), them(n)), refs)
			}
			return nil
		},
	},
}

// listed reports whether u is a URL a sitemap lists (not a sitemap or
// robots.txt file: an index lists sitemaps, judged by the file rules).
func listed(u store.URL) bool {
	return u.InSitemap && u.Kind != store.KindSitemap && u.Kind != store.KindRobots
}

func hasProblem(u store.URL, kind string) bool {
	for _, p := range u.SitemapProblems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// checkSitemapStatus reports a sitemap file that answered anything but 200
// (a redirect hop without an error is not judged: its target is the
// sitemap).
func checkSitemapStatus(c *Check) error {
	u := c.URL
	refs := store.Referrers(u.URL, c.In)
	switch s := u.Status; {
	case s == 0:
		c.Report("sitemap got no answer ("+u.Error+"): search engines retry later and meanwhile use the last copy they read, if any", refs)
	case s == 401:
		c.Report("sitemap answers 401 Unauthorized: search engines have no credentials, so they never read it and find its URLs only through links", refs)
	case s == 403:
		c.Report("sitemap answers 403 Forbidden: search engines are refused, so they never read it and find its URLs only through links", refs)
	case s == 404 || s == 410:
		c.Report(fmt.Sprintf("sitemap answers %d %s: search engines report it as not found and stop using it", s, analysis.StatusName(s)), refs)
	case s >= 500:
		c.Report(fmt.Sprintf("sitemap answers %d %s: search engines retry later; while it fails they use the last copy they read, if any", s, analysis.StatusName(s)), refs)
	default:
		c.Report(fmt.Sprintf("sitemap answers %d, not 200 (or a redirect chain that does not end in one): search engines cannot read it", s), refs)
	}
	return nil
}

// checkRobotsFile applies robots-unavailable to a robots.txt record. Status
// semantics (RFC 9309 section 2.3.1, Google's documentation): 4xx means "no
// robots.txt", so 401/403 silently open the whole site to crawlers; 5xx or
// no answer means "disallow everything", so crawlers stop.
func checkRobotsFile(c *Check) error {
	u := c.URL
	refs := store.Referrers(u.URL, c.In)
	switch s := u.Status; {
	case s == 401 || s == 403:
		what := "401 Unauthorized"
		if s == 403 {
			what = "403 Forbidden"
		}
		c.ReportAt(u.URL, store.SeverityWarning, what+" on robots.txt: crawlers treat any 4xx as \"no robots.txt\" and crawl everything, ignoring the rules you meant to set", refs)
	case s >= 500:
		c.ReportAt(u.URL, store.SeverityError, fmt.Sprintf("%d %s on robots.txt: search engines then crawl nothing on this host (Google for up to 12 hours, then its last copy)", s, analysis.StatusName(s)), refs)
	case s == 0 && u.Error != "":
		c.ReportAt(u.URL, store.SeverityError, "no answer for robots.txt ("+u.Error+"): search engines then crawl nothing on this host", refs)
	}
	return nil
}

func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
