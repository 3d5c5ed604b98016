package analysis

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Duplicate content (Google Search Central, "What is URL canonicalization"
// and "How to specify a canonical URL with rel=canonical and other methods",
// https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls):
// duplicate pages are no penalty, but search engines crawl every URL of
// them, pick one as the canonical themselves unless the site says which,
// and split the links' signals between them.
//
// Clusters groups the crawl's pages after the crawl, from the fingerprints
// the crawler took while each body was in memory (store.URL.TextHash and
// SimHash; crawler/fingerprint.go):
//
//   - an exact cluster is pages whose text is the same (equal TextHash);
//   - a near cluster is pages whose SimHashes are at most NearDistance bits
//     from the SimHash of its member to point to (see below), at least two
//     texts among them. An exact group that is near another page joins its near
//     cluster whole, and the cluster is near.
//
// Who takes part: pages of the site (kind page) that answered 200 with
// HTML words (a TextHash other than EmptyTextHash: an application shell
// with no text is unknown until rendered) and that search engines could
// index or that name another canonical: Category judged without clusters
// is CatIndexable or CatCanonicalised (a page canonicalised elsewhere is a
// duplicate that is already handled, and it shows the cluster's intended
// member). Not taking part: noindex pages, login walls and soft 404s (their
// own budget categories; a noindex page is out of the index whatever it
// repeats), pages of a URL pattern the crawl found to be a crawler trap
// and the first steps into a trap of growing paths (/a/a/ before
// /a/{repeat}/: leadsIntoTrap; the crawler-trap rule reports them), and parameter variants as the
// budget defines them (a URL carrying a session ID or a tracking parameter,
// and every URL of a path but one, the bare path or else the first
// variant: the session-id-in-url and ineffective-parameter rules report
// those, and the budget counts them as parameter_variant).
//
// The member the others should point to (store.URL.Cluster; the cluster's
// ID) is, in this order: the one most other candidates canonicalise to
// (their rel=canonical names it), then one listed in a sitemap, then the
// one with most inlinks, then the shortest URL, then the first URL. A
// cluster is waste when a member other than that one does not
// canonicalise elsewhere (Category CatDuplicate once Cluster is set): a
// cluster whose other members all point their rel=canonical at it (or
// elsewhere) costs requests the budget counts as canonicalised, and the
// duplicate rules do not report it.
//
// Near-duplicates: two pages are near-duplicates when their 64-bit SimHashes
// differ in at most NearDistance (3) bits, the threshold Manku, Jain and Das
// Sarma found right for 64-bit SimHashes of web pages ("Detecting
// near-duplicates for web crawling", WWW 2007): at 3 bits pages differ by a
// few words of a long text; random texts are about 32 bits apart, and the
// chance that two unrelated pages fall within 3 bits is about 2×10⁻¹⁵.
// Pages are taken in the order above (most preferred first); each joins
// the earliest cluster leader within NearDistance bits, or becomes a
// leader: every member is within NearDistance bits of the member the
// others should point to, and similarity never chains (A near B near C
// does not put A and C together when they are further apart).
//
// Leaders are found by the pigeonhole principle, not by comparing every
// pair: split 64 bits into 4 blocks of 16; two SimHashes at most 3 bits
// apart have at least one block equal. Four tables (one per block) map a
// block's value to the leaders holding it, and a page compares itself with
// the leaders of its 4 buckets only. Random SimHashes put about n/65,536
// leaders in a bucket (1.5 for 100,000 pages, 15 for a million), so the
// work grows about linearly with the pages; a
// bucket larger than maxProbe leaders (a site whose every page shares most
// of its text, concentrating the SimHashes) is scanned in its first
// maxProbe leaders only: the work stays bounded at 4×maxProbe comparisons
// a page, at the cost of missing a near-duplicate there. Memory is one
// record of about 70 bytes per taking part page plus its URL (and its
// canonical URL when that names another), and 4 table entries of 16 bytes
// per leader.
// BenchmarkClusters measures it.

// NearDistance is the most bits two SimHashes differ in for their pages to
// be near-duplicates.
const NearDistance = 3

// EmptyTextHash is the TextHash of a page without words: FNV-1a 64 of the
// empty string. Such pages do not take part in clusters.
const EmptyTextHash = "cbf29ce484222325"

// maxProbe bounds the leaders compared in one bucket of the near-duplicate
// tables.
const maxProbe = 1024

// Cluster is one duplicate cluster.
type Cluster struct {
	Kind store.ClusterKind // ClusterExact (one text) or ClusterNear
	// Head is the member the others should point to: the cluster's ID.
	Head string
	// Members are every member, Head included, in URL order.
	Members []string
}

// dupPage is what the clustering keeps of one taking part page.
type dupPage struct {
	url       string
	canonical string // rel=canonical when it names another URL
	text, sim uint64
	inlinks   int32
	canon     int32 // candidates whose rel=canonical names this page
	sitemap   bool
}

// before reports whether a is preferred to b as the member to point to.
func (a *dupPage) before(b *dupPage) bool {
	switch {
	case a.canon != b.canon:
		return a.canon > b.canon
	case a.sitemap != b.sitemap:
		return a.sitemap
	case a.inlinks != b.inlinks:
		return a.inlinks > b.inlinks
	case len(a.url) != len(b.url):
		return len(a.url) < len(b.url)
	}
	return a.url < b.url
}

// leadsIntoTrap reports whether raw's path already repeats a segment, or a
// group of two or three, twice or more in a row (/a/a/, /x/y/x/y/) and the
// same path repeating it further is a crawler trap's pattern
// (/a/{repeat}/): the first steps into a path that grows on every page.
// They repeat each other's text, but the crawler-trap rule reports the
// space once; a duplicate cluster of them would report it again.
func leadsIntoTrap(raw string, traps map[string]bool) bool {
	path, query := splitURL(raw)
	if strings.Count(path, "/") < 3 {
		return false
	}
	origin := OriginOf(raw)
	segs := strings.Split(path, "/")
	for i := range segs {
		if segs[i] == "" {
			continue
		}
		for g := 1; g <= 3; g++ {
			k := repeats(segs, i, g)
			if k < 2 || k > MaxSegmentRepeats {
				continue
			}
			grown := slices.Clone(segs[:i])
			for range MaxSegmentRepeats + 1 {
				grown = append(grown, segs[i:i+g]...)
			}
			grown = append(grown, segs[i+k*g:]...)
			u := origin + strings.Join(grown, "/")
			if query != "" {
				u += "?" + query
			}
			if traps[trapKey(u)] {
				return true
			}
		}
	}
	return false
}

// Clusters finds the duplicate clusters of a crawl (see the comment above
// NearDistance for who takes part, the distance and the member chosen). It
// ignores the Cluster fields r holds, so that it gives the same answer when
// run again. Clusters are in Head order.
func Clusters(r store.Reader) ([]Cluster, error) {
	var pages []dupPage
	var grouped []int // indexable pages (the rest are canonicalised), for variants
	traps := map[string]bool{}
	err := r.EachURLInbound(func(u store.URL, in store.Inbound) error {
		if u.Kind != store.KindPage {
			return nil
		}
		if u.NotRequested != "" {
			if trapRecord(u) {
				traps[trapKey(u.URL)] = true
			}
			return nil
		}
		if u.TextHash == "" || u.TextHash == EmptyTextHash {
			return nil
		}
		cat := category(u, u.URL, u.Canonical, "")
		if cat != CatIndexable && cat != CatCanonicalised {
			return nil
		}
		text, err1 := strconv.ParseUint(u.TextHash, 16, 64)
		sim, err2 := strconv.ParseUint(u.SimHash, 16, 64)
		if err1 != nil || err2 != nil {
			return nil // not a fingerprint this crawlaudit wrote
		}
		p := dupPage{url: u.URL, text: text, sim: sim, inlinks: int32(min(in.Inlinks, 1<<31-1)), sitemap: u.InSitemap}
		if cat == CatCanonicalised {
			p.canonical = u.Canonical
		}
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: clusters: read urls: %w", err)
	}
	// Drop the pages of traps, then parameter variants (as the budget's
	// classify does: traps first, then variants among indexable pages).
	if len(traps) > 0 {
		pages = slices.DeleteFunc(pages, func(p dupPage) bool { return traps[trapKey(p.url)] || leadsIntoTrap(p.url, traps) })
	}
	for i := range pages {
		if pages[i].canonical == "" {
			grouped = append(grouped, i)
		}
	}
	variant := make([]bool, len(pages))
	eachVariant(len(grouped), func(i int) string { return pages[grouped[i]].url }, func(i int) { variant[grouped[i]] = true })
	keep := pages[:0]
	for i, p := range pages {
		if !variant[i] {
			keep = append(keep, p)
		}
	}
	pages = slices.Clip(keep)
	return clusterPages(pages), nil
}

// clusterPages clusters pages, which are in URL order.
func clusterPages(pages []dupPage) []Cluster {
	// How many candidates canonicalise to each page.
	for i := range pages {
		c := pages[i].canonical
		if c == "" {
			continue
		}
		j := sort.Search(len(pages), func(j int) bool { return pages[j].url >= c })
		if j < len(pages) && pages[j].url == c {
			pages[j].canon++
		}
	}
	// Every page's rank in order of preference, computed once: the sorts
	// below compare integers.
	order := make([]int32, len(pages))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if pages[a].before(&pages[b]) {
			return -1
		}
		return 1 // URLs differ: no two pages tie
	})
	rank := make([]int32, len(pages))
	for r, i := range order {
		rank[i] = int32(r)
	}
	// Exact groups: runs of one text, most preferred first. A unit is one
	// group (or a page alone), order[lo:hi].
	slices.SortFunc(order, func(a, b int32) int {
		if ta, tb := pages[a].text, pages[b].text; ta != tb {
			if ta < tb {
				return -1
			}
			return 1
		}
		return int(rank[a] - rank[b])
	})
	type unit struct {
		lo, hi int32
		sim    uint64
	}
	var units []unit
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && pages[order[hi]].text == pages[order[lo]].text {
			hi++
		}
		units = append(units, unit{int32(lo), int32(hi), pages[order[lo]].sim})
		lo = hi
	}
	head := func(u unit) *dupPage { return &pages[order[u.lo]] }
	// Near: units in order of preference; each joins the earliest leader
	// within NearDistance bits, found through the block tables. A table
	// entry holds the leader's SimHash: comparing reads no page record.
	slices.SortFunc(units, func(a, b unit) int { return int(rank[order[a.lo]] - rank[order[b.lo]]) })
	type entry struct {
		sim  uint64
		unit int32
	}
	var tables [4]map[uint16][]entry // block value → leaders, in order
	for b := range tables {
		tables[b] = map[uint16][]entry{}
	}
	leader := make([]int32, len(units)) // each unit's leader (itself for a leader)
	followers := make([]int32, len(units))
	for i, u := range units {
		best := int32(-1)
		for b := range tables {
			bucket := tables[b][uint16(u.sim>>(16*b))]
			for k, l := range bucket {
				if k == maxProbe || (best >= 0 && l.unit >= best) {
					break // leaders are in order: the rest come later
				}
				if bits.OnesCount64(u.sim^l.sim) <= NearDistance {
					best = l.unit
					break
				}
			}
		}
		if best >= 0 {
			leader[i] = best
			followers[best]++
			continue
		}
		leader[i] = int32(i)
		for b := range tables {
			key := uint16(u.sim >> (16 * b))
			tables[b][key] = append(tables[b][key], entry{u.sim, int32(i)})
		}
	}
	tables = [4]map[uint16][]entry{}
	// Clusters: a leader with followers (near), or a group of two or more
	// pages alone (exact).
	at := map[int32]int{} // leader → index in out
	var out []Cluster
	for i, u := range units {
		l := leader[i]
		if followers[l] == 0 && u.hi-u.lo < 2 {
			continue
		}
		k, ok := at[l]
		if !ok {
			kind := store.ClusterExact
			if followers[l] > 0 {
				kind = store.ClusterNear
			}
			k = len(out)
			at[l] = k
			out = append(out, Cluster{Kind: kind, Head: head(units[l]).url})
		}
		for _, p := range order[u.lo:u.hi] {
			out[k].Members = append(out[k].Members, pages[p].url)
		}
	}
	for i := range out {
		slices.Sort(out[i].Members)
	}
	slices.SortFunc(out, func(a, b Cluster) int { return strings.Compare(a.Head, b.Head) })
	return out
}

// Memberships lists what Clusters found as store.URL fields: every member
// of every cluster with its cluster's Head and Kind, in URL order.
func Memberships(cs []Cluster) []store.ClusterMember {
	var out []store.ClusterMember
	for _, c := range cs {
		for _, m := range c.Members {
			out = append(out, store.ClusterMember{URL: m, Cluster: c.Head, Kind: c.Kind})
		}
	}
	slices.SortFunc(out, func(a, b store.ClusterMember) int { return strings.Compare(a.URL, b.URL) })
	return out
}
