package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Duplicate-content rules: pages whose text repeats another page's at
// another URL, without saying which URL is the one to index (Google Search
// Central, "How to specify a canonical URL with rel=canonical and other
// methods",
// https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls).
// Duplicates are no penalty, but every URL of them is crawled, search
// engines pick the canonical themselves (maybe not the one the site wants),
// and links' signals are split between the URLs. The clusters are the
// crawl's (analysis.Clusters, stored in store.URL.Cluster); each cluster
// that is waste (a member other than the one to keep does not point its
// rel=canonical elsewhere: analysis.Category CatDuplicate) is one finding,
// reported on its first such member.
//
// Severities follow the other URL-space rules: a warning where the waste
// is certain and the fix is not a matter of taste (crawler traps, session
// IDs; here exact duplicates: the same text at two URLs is never meant), a
// notice where a person must judge (faceted navigation, ineffective
// parameters; here near-duplicates: pages that share most of their words,
// such as variants of one product, may be meant to be found apart).

// Duplicate-content rule IDs.
const (
	DuplicateContent     = "duplicate-content"
	NearDuplicateContent = "near-duplicate-content"
)

// googleDuplicates is Google's guidance on duplicate URLs.
const googleDuplicates = "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls"

// duplicateRules are the duplicate-content rules, in README order.
var duplicateRules = []Rule{
	{
		ID: DuplicateContent, Severity: store.SeverityWarning,
		Title:   "Duplicate pages without a canonical",
		Why:     "the same text at several URLs makes crawlers request every copy, and search engines choose which URL to index themselves, splitting the links' signals between the copies",
		Explain: "pages with exactly the same text (the same text_hash), at least one of which does not point its rel=canonical at the page to keep",
		Fix:     "point each copy's rel=canonical at the page to keep named in the finding, or redirect (301) the copies to it, or stop linking the copies; see " + googleDuplicates,
		Applies: spaceApplies(DuplicateContent),
		Check:   spaceCheck(DuplicateContent),
	},
	{
		ID: NearDuplicateContent, Severity: store.SeverityNotice,
		Title:   "Near-duplicate pages without a canonical",
		Why:     "pages that differ in a few words are, to a search engine, copies of one page: crawlers request each of them, and only one is likely to be shown",
		Explain: "pages whose texts' SimHashes are at most 3 bits (of 64) from the page to keep's, at least one of which does not point its rel=canonical at it",
		Fix:     "if the pages are one page, point each variant's rel=canonical at the page to keep named in the finding, or redirect (301) them to it, or stop linking them; if they are meant to be found apart, give each its own content; see " + googleDuplicates,
		Applies: spaceApplies(NearDuplicateContent),
		Check:   spaceCheck(NearDuplicateContent),
	},
}

// duplicateRule reports whether rule is one of the duplicate-content rules.
func duplicateRule(rule string) bool { return rule == DuplicateContent || rule == NearDuplicateContent }

// dupStats is what the audit learns of one duplicate cluster.
type dupStats struct {
	kind      store.ClusterKind
	size      int
	waste     int      // members that do not point elsewhere (CatDuplicate)
	canon     int      // members whose rel=canonical names the head
	wasted    []string // the first of them, in URL order (at most maxExamples)
	patterns  []string // the members' patterns, sorted (at most maxDupPatterns)
	more      bool     // more patterns than those
	inSitemap bool     // the head is listed in a sitemap
}

// maxDupPatterns bounds the patterns a duplicate finding names.
const maxDupPatterns = 5

// addCluster counts a record that is a member of a duplicate cluster.
func (s *Spaces) addCluster(u store.URL) {
	if u.Cluster == "" {
		return
	}
	d := s.dups[u.Cluster]
	if d == nil {
		if len(s.dups) >= maxSpaceURLs {
			return
		}
		d = &dupStats{kind: u.ClusterKind}
		s.dups[u.Cluster] = d
	}
	d.size++
	if u.Kind == store.KindPage && u.Canonical == u.Cluster && u.URL != u.Cluster {
		d.canon++
	}
	if u.URL == u.Cluster {
		d.inSitemap = u.InSitemap
	}
	if analysis.Category(u) == analysis.CatDuplicate {
		d.waste++
		if len(d.wasted) < maxExamples {
			d.wasted = append(d.wasted, u.URL)
		}
	}
	p := analysis.Pattern(u.URL)
	if i, found := slices.BinarySearch(d.patterns, p); !found {
		if len(d.patterns) < maxDupPatterns {
			d.patterns = slices.Insert(d.patterns, i, p)
		} else {
			d.more = true
		}
	}
}

// finishClusters turns the clusters that are waste into findings.
func (s *Spaces) finishClusters(at func(string, SpaceFinding)) {
	for head, d := range s.dups {
		if d.waste == 0 {
			continue
		}
		rule := DuplicateContent
		if d.kind == store.ClusterNear {
			rule = NearDuplicateContent
		}
		origin := analysis.OriginOf(head)
		names := d.patterns
		if d.more {
			names = append(slices.Clip(names), "more patterns")
		}
		at(d.wasted[0], SpaceFinding{Rule: rule, Pattern: origin + d.patterns[0], Param: head, URLs: d.size, Other: d.waste, More: d.canon,
			Names: names, Example: d.wasted, Kind: keepListed(d.inSitemap)})
	}
	s.dups = nil
}

// keepListed is a duplicate finding's Kind: "sitemap" when the page to keep is
// listed in one.
func keepListed(inSitemap bool) string {
	if inSitemap {
		return "sitemap"
	}
	return ""
}

// duplicateMessage says what a duplicate finding found; keep says why its
// head is the page to keep.
func duplicateMessage(s SpaceFinding, keep string) string {
	what, how := "exact duplicates", "with the same text"
	if s.Rule == NearDuplicateContent {
		what, how = "near-duplicates", fmt.Sprintf("whose texts differ in a few words (SimHashes within %d bits of the page to keep's)", analysis.NearDistance)
	}
	do := "does not point its"
	if s.Other != 1 {
		do = "do not point their"
	}
	return fmt.Sprintf("%s: %s %s, at %s; %d of them %s rel=canonical at %s, the page to keep (%s); e.g. %s",
		what, count(s.URLs, "page"), how, strings.Join(s.Names, ", "), s.Other, do, s.Param, keep, examples(s.Example))
}

// keepReason says why the cluster's head is the page to keep: the order
// analysis.Clusters chooses it by.
func (c *Check) keepReason(s SpaceFinding) (string, error) {
	switch {
	case s.More == 1:
		return "1 member points there already", nil
	case s.More > 1:
		return fmt.Sprintf("%d members point there already", s.More), nil
	case s.Kind == "sitemap":
		return "the one listed in a sitemap", nil
	}
	in, err := c.look.r.LookupEdgesTo(s.Param)
	if err != nil {
		return "", err
	}
	if n := store.InboundOf(s.Param, in).Inlinks; n > 0 {
		return "linked from " + count(n, "page"), nil
	}
	return "the shortest URL", nil
}
