package store

import "sort"

// MaxEdgesTo bounds the edges EdgesTo returns for one URL. A page every
// page links to (the home page of a million-page site) has as many
// incoming edges as the site has pages; holding them all at once would make
// memory grow with the site. The counts of Inbound are always complete.
const MaxEdgesTo = 10000

// Inbound counts what points at one URL: the distinct edge types (its
// sources), the distinct pages that link to or use it, and the distinct
// (From, Type, Tag) references. It is what the outputs that do not list
// referrers need from the edges.
type Inbound struct {
	Types   []EdgeType // distinct types of the edges pointing at the URL, sorted
	Inlinks int        // distinct From URLs of link, asset and render edges, other than the URL itself (see Inlinks)
	Links   int        // distinct From URLs of link edges (and render edges that are links), other than the URL itself
	Refs    int        // distinct (From, Type, Tag) of every edge pointing at the URL
}

// Sources returns u's sources: the distinct types of the edges pointing at
// it, and "start" for the start URL, sorted (as Sources does from edges).
func (in Inbound) Sources(u URL) []string {
	var out []string
	if u.Start {
		out = append(out, SourceStart)
	}
	for _, t := range in.Types {
		out = append(out, string(t))
	}
	sort.Strings(out)
	return out
}

// Entry reports whether something other than a redirect points at the URL.
func (in Inbound) Entry() bool {
	for _, t := range in.Types {
		if t != EdgeRedirect {
			return true
		}
	}
	return false
}

// InboundOf computes the Inbound of url from its incoming edges.
func InboundOf(url string, in []Edge) Inbound {
	var b Inbound
	type ref struct {
		from string
		typ  EdgeType
		tag  string
	}
	types := map[EdgeType]bool{}
	refs := map[ref]bool{}
	links := map[string]bool{}
	for _, e := range in {
		if e.Role() == EdgeLink && e.From != url {
			links[e.From] = true
		}
		if !types[e.Type] {
			types[e.Type] = true
			b.Types = append(b.Types, e.Type)
		}
		refs[ref{e.From, e.Type, e.Tag}] = true
	}
	sort.Slice(b.Types, func(i, j int) bool { return b.Types[i] < b.Types[j] })
	b.Inlinks = Inlinks(url, in)
	b.Refs = len(refs)
	b.Links = len(links)
	return b
}
