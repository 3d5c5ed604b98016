package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// URL-space rules: families of URLs that make a site's URL space larger than
// its content (Google Search Central, "Crawl budget management": faceted
// navigation and session identifiers, duplicate content, infinite spaces
// such as calendars; "Managing faceted navigation URLs"; "URL structure").
// Each finding is about a family (a URL pattern, a path and its parameters,
// a session parameter), found by the Facts prepass (Spaces), and is reported
// once, on one URL of the family, naming the pattern, example URLs and the
// linking template: the patterns of the pages that link into it.

// URL-space rule IDs.
const (
	CrawlerTrap          = "crawler-trap"
	SessionIDInURL       = "session-id-in-url"
	FacetedNavigation    = "faceted-navigation"
	IneffectiveParameter = "ineffective-parameter"
)

// spaceRules are the URL-space rules, in README order.
var spaceRules = []Rule{
	{
		ID: CrawlerTrap, Severity: store.SeverityWarning,
		Title:   "Crawler traps: URL spaces without end",
		Why:     "a calendar, an endless pagination or a path that grows on every page offers crawlers infinite URLs and no new content: they spend the site's crawl budget there",
		Explain: "the crawl stopped requesting a URL pattern whose pages kept bringing nothing new (--trap-limit pages in a row), or found URLs longer than 2,048 bytes or repeating a path segment more than 3 times in a row",
		Fix:     "stop linking into the space from the pages named, answer 404 where there is no content (a month without events, a page past the last one), and add the robots.txt rule the finding proposes, if it proposes one (a rule its what-if calls dangerous would hide pages that matter)",
		Applies: spaceApplies(CrawlerTrap),
		Check:   spaceCheck(CrawlerTrap),
	},
	{
		ID: SessionIDInURL, Severity: store.SeverityWarning,
		Title:   "Session IDs in URLs",
		Why:     "a session ID in links makes every visit see new URLs for the same pages: crawlers request them again and again, and the index fills with duplicates",
		Explain: "URLs carry a session ID: a parameter named like one (jsessionid, sid, PHPSESSID…) in the path (;jsessionid=) or the query, or a parameter whose long random value changes from page to page for the same path",
		Fix:     "keep sessions in cookies, not URLs: link to the URLs without the session ID and point rel=canonical at them; until then, add the robots.txt rule the finding proposes, if it proposes one",
		Applies: spaceApplies(SessionIDInURL),
		Check:   spaceCheck(SessionIDInURL),
	},
	{
		ID: FacetedNavigation, Severity: store.SeverityNotice,
		Title:   "Faceted navigation multiplies URLs",
		Why:     "every combination of filters is a URL to crawl; combinations grow faster than the content they show, and the same parameters in another order are the same page at two URLs",
		Explain: "one path with many parameter combinations (at least 10 URLs, 3 combinations of 2 or more parameters), or the same parameters in a different order",
		Fix:     "if filtered pages need not be found in search, block the parameters the finding's robots.txt what-if calls safe (never one it calls dangerous) or move the filters into the URL fragment; otherwise separate parameters with &, keep one parameter order, and answer 404 for combinations without results",
		Applies: spaceApplies(FacetedNavigation),
		Check:   spaceCheck(FacetedNavigation),
	},
	{
		ID: IneffectiveParameter, Severity: store.SeverityNotice,
		Title:   "Parameters that change nothing",
		Why:     "URLs that differ only in a parameter that does not change the content (sort, view, tracking) are duplicates that crawlers request one by one",
		Explain: "URLs that differ only in one query parameter have the same text (the same TextHash), and no two such URLs differ",
		Fix:     "leave the parameter out of the links crawlers follow (a form, the URL fragment, or the robots.txt rule the finding proposes, if it proposes one), and point each variant's rel=canonical at the URL without it",
		Applies: spaceApplies(IneffectiveParameter),
		Check:   spaceCheck(IneffectiveParameter),
	},
}

// spaceApplies says the rule fires where the Facts prepass put one of its
// findings.
func spaceApplies(rule string) func(*Facts, store.URL, store.Inbound) bool {
	return func(f *Facts, u store.URL, _ store.Inbound) bool {
		for _, s := range f.Spaces.At[u.URL] {
			if s.Rule == rule {
				return true
			}
		}
		return false
	}
}

// spaceCheck reports the rule's findings on the URL.
func spaceCheck(rule string) func(*Check) error {
	return func(c *Check) error {
		for _, s := range c.Facts.Spaces.At[c.URL.URL] {
			if s.Rule != rule {
				continue
			}
			from, err := c.linkingTemplate(s)
			if err != nil {
				return err
			}
			msg := spaceMessage(s)
			if duplicateRule(s.Rule) {
				keep, err := c.keepReason(s)
				if err != nil {
					return err
				}
				msg = duplicateMessage(s, keep)
			}
			msg += "; linked from " + from
			if w := whatIfSays(c.Facts.WhatIf, s); w != "" {
				msg += "; " + w
			}
			c.Report(msg, c.Referrers())
		}
		return nil
	}
}

// spaceMessage says what a finding found.
func spaceMessage(s SpaceFinding) string {
	ex := examples(s.Example)
	switch s.Rule {
	case CrawlerTrap:
		msg := fmt.Sprintf("crawler trap, %s, at %s: %s known, %d not requested", s.Kind, s.Pattern, count(s.URLs, "URL"), s.Other)
		if s.Other > s.More {
			msg += fmt.Sprintf(" (%d once its pages had brought nothing new %s in a row)", s.Other-s.More, "--trap-limit times")
		}
		if s.More > 0 {
			msg += fmt.Sprintf(" (%d longer than 2,048 bytes or repeating a path segment more than 3 times)", s.More)
		}
		return msg + "; e.g. " + ex
	case SessionIDInURL:
		where := "query parameter"
		if s.Kind == "path" {
			where = "path parameter (;" + s.Param + "=)"
		}
		return fmt.Sprintf("session ID %q in a %s on %s of %s, %s: %s; the crawl requested each page once and folded the URLs that differ only by the session ID into it; e.g. %s",
			s.Param, where, count(s.URLs, "URL"), s.Pattern, count(s.More, "URL pattern"), strings.Join(s.Names, ", "), ex)
	case FacetedNavigation:
		msg := fmt.Sprintf("faceted navigation at %s: %s with parameters in %s of %s; combining the values seen makes %s",
			s.Pattern, count(s.URLs, "URL"), count(s.Other, "combination"), strings.Join(s.Names, ", "), reach(s.Reach))
		if s.More > 0 {
			n := len(s.Example)
			has := "URLs have"
			if s.More == 1 {
				has = "URL has"
			}
			msg += fmt.Sprintf("; %d %s the same parameters as another in a different order (%s and %s: one page at two URLs)",
				s.More, has, s.Example[n-2], s.Example[n-1])
		}
		return msg + "; e.g. " + ex
	case IneffectiveParameter:
		return fmt.Sprintf("parameter %q changes nothing at %s: in %s, URLs that differ only in %s have the same text; e.g. %s",
			s.Param, s.Pattern, count(s.Other, "group"), s.Param, ex)
	}
	return s.Rule + " at " + s.Pattern
}

// examples lists up to three URLs.
func examples(urls []string) string {
	urls = slices.Compact(slices.Clone(urls))
	if len(urls) > maxExamples {
		urls = urls[:maxExamples]
	}
	return strings.Join(urls, ", ")
}

// reach says how many URLs combining the values makes.
func reach(n float64) string {
	if n >= 1e6 {
		return "more than 1,000,000 URLs"
	}
	return count(int(n), "URL")
}

// linkingTemplate says which pages link into a finding's family: the
// patterns of the pages linking to its example URLs, most pages first (at
// most three), the family's own pattern named as such.
func (c *Check) linkingTemplate(s SpaceFinding) (string, error) {
	pages := map[string]map[string]bool{} // referrer pattern → pages
	for i, u := range s.Example {
		if i == maxExamples+2 {
			break
		}
		in := c.In
		if u != c.URL.URL {
			var err error
			if in, err = c.look.r.LookupEdgesTo(u); err != nil {
				return "", err
			}
		}
		for _, e := range in {
			if e.Type != store.EdgeLink || e.From == u {
				continue
			}
			p := analysis.OriginOf(e.From) + analysis.Pattern(e.From)
			if s.Rule == FacetedNavigation || s.Rule == IneffectiveParameter {
				p = analysis.OriginOf(e.From) + analysis.PathPattern(e.From)
			}
			if pages[p] == nil {
				pages[p] = map[string]bool{}
			}
			pages[p][e.From] = true
		}
	}
	if len(pages) == 0 {
		return "no page the crawl saw (a sitemap or a redirect leads there)", nil
	}
	ps := make([]string, 0, len(pages))
	for p := range pages {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b string) int {
		if d := len(pages[b]) - len(pages[a]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var out []string
	for i, p := range ps {
		if i == 3 {
			out = append(out, fmt.Sprintf("%d more patterns", len(ps)-3))
			break
		}
		own := ""
		if p == s.Pattern || strings.HasPrefix(s.Pattern, p+"?") || (duplicateRule(s.Rule) && slices.Contains(s.Names, strings.TrimPrefix(p, analysis.OriginOf(p)))) {
			own = ", its own pages"
		}
		out = append(out, fmt.Sprintf("%s (%s%s)", p, count(len(pages[p]), "page"), own))
	}
	return strings.Join(out, ", "), nil
}
