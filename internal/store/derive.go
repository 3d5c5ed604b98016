package store

import "sort"

// Sources returns how u was found: "start" for the start URL, then the
// distinct edge types of the edges pointing at it, sorted.
func Sources(u URL, in []Edge) []string {
	seen := map[string]bool{}
	var out []string
	if u.Start {
		seen[SourceStart] = true
		out = append(out, SourceStart)
	}
	for _, e := range in {
		s := string(e.Type)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Referrers returns the distinct From URLs of in, sorted, leaving out the
// URL itself (a page linking to itself is not a referrer).
func Referrers(url string, in []Edge) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range in {
		if e.From == url || seen[e.From] {
			continue
		}
		seen[e.From] = true
		out = append(out, e.From)
	}
	sort.Strings(out)
	return out
}

// Inlinks counts the distinct pages that link to or use url (link, asset
// and render edges only: redirects, sitemaps and robots.txt are not pages).
func Inlinks(url string, in []Edge) int {
	seen := map[string]bool{}
	for _, e := range in {
		if (e.Type == EdgeLink || e.Type == EdgeAsset || e.Type == EdgeRender) && e.From != url {
			seen[e.From] = true
		}
	}
	return len(seen)
}
