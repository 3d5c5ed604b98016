package audit

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/challenge"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Facts is what the audit learns about the whole crawl in one pass over its
// records, before the rules judge each URL.
type Facts struct {
	// HasSitemaps: some sitemap answered 200 and listed URLs.
	HasSitemaps bool
	// CredScheme is the scheme of the crawl's credentials ("Basic",
	// "Bearer"; "" for cookies, other headers, or none).
	CredScheme string
	// MidCrawl is the earliest record where the credentials stopped
	// working (store.CredentialsRejectedMidCrawl); nil when they never did.
	MidCrawl *store.URL
	// MidError is the WWW-Authenticate of the earliest such record whose
	// challenge names an error, or else of the re-request that proved the
	// rejection; nil when none says why.
	MidError []string
	// MidCount counts the records answered 401 after the credentials
	// stopped working.
	MidCount int
	// OKBefore counts the 2xx answers with credentials before MidCrawl.
	OKBefore int
	// ClearRealms are the Basic and Digest protection spaces challenged on
	// plain http, by clearRealm key: one problem each, however many URLs
	// answer with it.
	ClearRealms map[string]*RealmURLs
}

// RealmURLs are the URLs of one protection space.
type RealmURLs struct {
	First string // the smallest URL (the one a finding names)
	Count int
}

// maxRealms bounds Facts.ClearRealms: a site that makes up a realm per URL
// gets a finding per URL past it, not unbounded memory.
const maxRealms = 10000

// clearRealm returns the protection space of a Basic or Digest challenge
// u answers with on plain http: origin, scheme and realm; ok is false when
// u has none.
func clearRealm(u store.URL) (key string, ch challenge.Challenge, ok bool) {
	if !byPageRules(u) || len(u.WWWAuthenticate) == 0 || !strings.HasPrefix(u.URL, "http://") {
		return "", challenge.Challenge{}, false
	}
	cs, _ := challenge.Parse(u.WWWAuthenticate)
	for _, c := range cs {
		if c.Is("Basic") || c.Is("Digest") {
			origin := u.URL
			if p, err := url.Parse(u.URL); err == nil {
				origin = p.Scheme + "://" + p.Host
			}
			return origin + " " + c.Canonical() + " " + strconv.Quote(c.Realm()), c, true
		}
	}
	return "", challenge.Challenge{}, false
}

// scanFacts makes the audit's first pass.
func scanFacts(r store.Reader) (*Facts, error) {
	meta, err := r.Meta()
	if err != nil {
		return nil, err
	}
	f := &Facts{CredScheme: meta.Settings["credentials_scheme"], ClearRealms: map[string]*RealmURLs{}}
	var oks []time.Time
	var midErrorAt time.Time
	err = r.EachURL(func(u store.URL) error {
		if u.Kind == store.KindSitemap && u.Status == 200 && u.SitemapURLs > 0 {
			f.HasSitemaps = true
		}
		if key, _, ok := clearRealm(u); ok {
			switch r := f.ClearRealms[key]; {
			case r != nil:
				r.Count++
				if u.URL < r.First {
					r.First = u.URL
				}
			case len(f.ClearRealms) < maxRealms:
				f.ClearRealms[key] = &RealmURLs{First: u.URL, Count: 1}
			}
		}
		switch {
		case u.Credentials == store.CredentialsRejectedMidCrawl:
			f.MidCount++
			if f.MidCrawl == nil || u.FetchedAt.Before(f.MidCrawl.FetchedAt) {
				c := u
				f.MidCrawl = &c
			}
			if cs, _ := challenge.Parse(u.WWWAuthenticate); param(cs, "error") != "" && (f.MidError == nil || u.FetchedAt.Before(midErrorAt)) {
				f.MidError, midErrorAt = u.WWWAuthenticate, u.FetchedAt
			}
		case u.Credentials == store.CredentialsSent && u.Status >= 200 && u.Status < 300:
			oks = append(oks, u.FetchedAt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.MidError == nil && f.MidCrawl != nil {
		// The 401s marked gave no reason (e.g. a URL that answers 401 to
		// everyone set off the check): use the answer of the URL whose
		// re-request proved the rejection, when the crawler kept it.
		var proof []string
		if json.Unmarshal([]byte(meta.Settings["credentials_rejection_proof"]), &proof) == nil {
			if cs, _ := challenge.Parse(proof); param(cs, "error") != "" {
				f.MidError = proof
			}
		}
	}
	if f.MidCrawl != nil {
		for _, t := range oks {
			if !t.After(f.MidCrawl.FetchedAt) {
				f.OKBefore++
			}
		}
	}
	return f, nil
}

// lookup reads other records for the rules, remembering a bounded number.
type lookup struct {
	r       store.Reader
	records map[string]*store.URL // memo of get, nil for missing; at most maxMemo
	public  map[string]bool       // memo of isPublic; at most maxMemo
}

// maxMemo bounds each of the lookup's memos: the referrers of a site's
// broken URLs are often the same few thousand pages, but memory must not
// grow with the site.
const maxMemo = 100000

func (l *lookup) get(url string) (*store.URL, error) {
	if u, ok := l.records[url]; ok {
		return u, nil
	}
	u, ok, err := l.r.Get(url)
	if err != nil {
		return nil, err
	}
	var p *store.URL
	if ok {
		p = &u
	}
	if len(l.records) < maxMemo {
		l.records[url] = p
	}
	return p, nil
}

// isPublic reports whether the referrer from is public (analysis.Public).
func (l *lookup) isPublic(from string) (bool, error) {
	if p, ok := l.public[from]; ok {
		return p, nil
	}
	u, ok, err := l.r.Get(from)
	if err != nil {
		return false, err
	}
	p := ok && analysis.Public(u)
	if len(l.public) < maxMemo {
		l.public[from] = p
	}
	return p, nil
}

// Referrers returns the pages (or sitemaps) that reference the URL; the
// URLs that only redirect to it count when nothing else does.
func (c *Check) Referrers() []string {
	var direct []store.Edge
	for _, e := range c.In {
		if e.Type != store.EdgeRedirect {
			direct = append(direct, e)
		}
	}
	if len(direct) == 0 {
		return store.Referrers(c.URL.URL, c.In)
	}
	return store.Referrers(c.URL.URL, direct)
}

// PublicReferrers returns the distinct public referrers (analysis.Public)
// among the edges of the given types.
func (c *Check) PublicReferrers(types ...store.EdgeType) ([]string, error) {
	return c.referrersWhere(func(e store.Edge) (bool, error) {
		if !hasType(types, e.Type) {
			return false, nil
		}
		return c.look.isPublic(e.From)
	})
}

// PublicOrListed returns the public pages that link to the URL plus the
// sitemaps that list it.
func (c *Check) PublicOrListed() ([]string, error) {
	return c.referrersWhere(func(e store.Edge) (bool, error) {
		switch e.Type {
		case store.EdgeSitemap:
			return true, nil
		case store.EdgeLink:
			return c.look.isPublic(e.From)
		}
		return false, nil
	})
}

// ReferrersOfType returns the distinct From URLs of the edges of type t.
func (c *Check) ReferrersOfType(t store.EdgeType) []string {
	refs, _ := c.referrersWhere(func(e store.Edge) (bool, error) { return e.Type == t, nil })
	return refs
}

// referrersWhere returns the distinct referrers among the edges keep says
// yes to.
func (c *Check) referrersWhere(keep func(store.Edge) (bool, error)) ([]string, error) {
	var kept []store.Edge
	for _, e := range c.In {
		ok, err := keep(e)
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, e)
		}
	}
	return store.Referrers(c.URL.URL, kept), nil
}

func hasType(types []store.EdgeType, t store.EdgeType) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// byPageRules reports whether u is judged by the page rules: a record that was
// requested (not blocked by robots.txt), not a sitemap or robots.txt file
// (their own rules judge those), and not answered by a CDN or WAF bot check
// (bot-protection alone judges those: the status is not the site's answer).
func byPageRules(u store.URL) bool {
	return !u.BlockedByRobots && u.Kind != store.KindSitemap && u.Kind != store.KindRobots && u.BotCheck == ""
}

func redirect(u store.URL) bool { return u.Status >= 300 && u.Status < 400 }

// entry reports whether u starts redirect chains: the start URL or a URL
// something other than a redirect points at (not only a hop of a chain).
func entry(u store.URL, in store.Inbound) bool { return u.Start || in.Entry() }
