// Package diff compares two finished crawls of a site: which findings are
// new, which were resolved, and which URLs changed status, regressions
// first. It reads both crawls through store.Reader and does nothing else:
// no I/O, no clock, no rendering (report renders a Diff).
package diff

import (
	"fmt"
	"hash/maphash"
	"sort"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Change classes.
const (
	ClassRegression  = "regression"  // it worked before and no longer does
	ClassImprovement = "improvement" // it failed before and works now
	ClassChange      = "change"      // any other status change
)

// Reasons of a regression.
const (
	ReasonAssetBehindAuth      = "asset-behind-auth"   // a public asset now answers 401/403
	ReasonPageBehindAuth       = "page-behind-auth"    // a public page now answers 401/403
	ReasonBehindAuth           = "behind-auth"         // another URL (external) now answers 401/403
	ReasonSitemapUnavailable   = "sitemap-unavailable" // a sitemap no longer answers 2xx
	ReasonRobotsUnavailable    = "robots-unavailable"  // robots.txt no longer answers 2xx/4xx
	ReasonNotFound             = "not-found"           // now 404 or 410
	ReasonServerError          = "server-error"        // now 5xx
	ReasonNoAnswer             = "no-answer"           // now no HTTP answer at all
	ReasonOtherClientError     = "client-error"        // now another 4xx
	ReasonBlockedByRobots      = "blocked-by-robots"   // now disallowed by robots.txt
	ReasonFixed                = "fixed"               // improvement
	ReasonStatusChanged        = "status-changed"      // plain change
	ReasonRedirectNowDifferent = "redirect-changed"    // 3xx to another 3xx or to 2xx
)

// Diff is what changed from Old to New.
type Diff struct {
	Old, New Side
	// NewFindings are findings of New whose rule and URL have no finding
	// in Old, sorted by severity (most severe first), rule, URL.
	NewFindings []store.Finding
	// ResolvedFindings are findings of Old whose rule and URL have no
	// finding in New, in the same order.
	ResolvedFindings []store.Finding
	// PersistingFindings counts the findings of New that Old had too.
	PersistingFindings int
	// Changes are the URLs recorded in both crawls whose status (or
	// blocked state) differs: regressions first, then improvements, then
	// other changes; by URL within each class.
	Changes []Change
	// AddedURLs and RemovedURLs count URLs recorded in only one crawl.
	AddedURLs, RemovedURLs int
	// Logs compares the search-engine log figures; nil when neither crawl
	// has log data (Compute leaves it to its caller, which joins the logs).
	Logs *LogsDiff
}

// Side identifies one crawl of a Diff.
type Side struct {
	StartURL   string
	StartedAt  time.Time
	FinishedAt time.Time
	Partial    bool
}

// Change is one URL whose answer changed.
type Change struct {
	URL                    string
	Kind                   store.Kind // in New
	OldStatus              int        // 0: no answer
	NewStatus              int
	OldBlocked, NewBlocked bool
	Class                  string // ClassRegression, ClassImprovement or ClassChange
	Reason                 string // one of the Reason constants
}

// Regressions returns the changes of class regression.
func (d Diff) Regressions() []Change {
	var out []Change
	for _, c := range d.Changes {
		if c.Class == ClassRegression {
			out = append(out, c)
		}
	}
	return out
}

// Config tunes Compute. The zero Config compares URLs as they are.
type Config struct {
	// URLKey maps a URL to the key it is matched on; nil means the URL
	// itself. A crawl read back from crawl.json holds masked URLs, so
	// comparing it with a live crawl needs the same masking on both sides.
	URLKey func(string) string
}

// Compute compares old with new. Findings match on rule and URL key (a
// changed severity is not a new finding); statuses match on URL key. The
// Diff holds the URLs of new for what new has, of old for what only old has.
func Compute(old, new store.Reader, cfg Config) (Diff, error) {
	key := cfg.URLKey
	if key == nil {
		key = func(s string) string { return s }
	}
	var d Diff
	var err error
	if d.Old, err = side(old); err != nil {
		return Diff{}, fmt.Errorf("diff: old crawl: %w", err)
	}
	if d.New, err = side(new); err != nil {
		return Diff{}, fmt.Errorf("diff: new crawl: %w", err)
	}
	oldF, err := old.Findings()
	if err != nil {
		return Diff{}, fmt.Errorf("diff: old crawl: findings: %w", err)
	}
	newF, err := new.Findings()
	if err != nil {
		return Diff{}, fmt.Errorf("diff: new crawl: findings: %w", err)
	}
	d.NewFindings = minus(newF, oldF, key)
	d.ResolvedFindings = minus(oldF, newF, key)
	d.PersistingFindings = max(len(newF)-len(d.NewFindings), 0)

	// The old crawl's URLs are held as a hash of their key and the three
	// fields a change is judged on: a million records would not fit.
	seed := maphash.MakeSeed()
	oldURLs := map[uint64]oldURL{}
	err = old.EachURL(func(u store.URL) error {
		oldURLs[maphash.String(seed, key(u.URL))] = oldURL{status: u.Status, blocked: u.BlockedByRobots, kind: u.Kind}
		return nil
	})
	if err != nil {
		return Diff{}, fmt.Errorf("diff: old crawl: urls: %w", err)
	}
	seen := 0
	err = new.EachURL(func(u store.URL) error {
		ou, ok := oldURLs[maphash.String(seed, key(u.URL))]
		if !ok {
			d.AddedURLs++
			return nil
		}
		seen++
		o := store.URL{URL: u.URL, Status: ou.status, BlockedByRobots: ou.blocked, Kind: ou.kind}
		if o.Status == u.Status && o.BlockedByRobots == u.BlockedByRobots {
			return nil
		}
		c := Change{URL: u.URL, Kind: u.Kind, OldStatus: o.Status, NewStatus: u.Status, OldBlocked: o.BlockedByRobots, NewBlocked: u.BlockedByRobots}
		c.Class, c.Reason = classify(o, u)
		d.Changes = append(d.Changes, c)
		return nil
	})
	if err != nil {
		return Diff{}, fmt.Errorf("diff: new crawl: urls: %w", err)
	}
	d.RemovedURLs = len(oldURLs) - seen
	rank := map[string]int{ClassRegression: 0, ClassImprovement: 1, ClassChange: 2}
	sort.SliceStable(d.Changes, func(i, j int) bool {
		a, b := d.Changes[i], d.Changes[j]
		if rank[a.Class] != rank[b.Class] {
			return rank[a.Class] < rank[b.Class]
		}
		return a.URL < b.URL
	})
	return d, nil
}

// oldURL is what Compute keeps of a URL of the old crawl (classify reads
// these fields).
type oldURL struct {
	status  int
	blocked bool
	kind    store.Kind
}

func side(r store.Reader) (Side, error) {
	m, err := r.Meta()
	if err != nil {
		return Side{}, err
	}
	return Side{StartURL: m.StartURL, StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, Partial: m.Partial}, nil
}

type findingKey struct{ rule, url string }

// minus returns the findings of a with no finding of the same rule and URL
// key in b, sorted.
func minus(a, b []store.Finding, key func(string) string) []store.Finding {
	in := map[findingKey]bool{}
	for _, f := range b {
		in[findingKey{f.Rule, key(f.URL)}] = true
	}
	out := []store.Finding{}
	for _, f := range a {
		if !in[findingKey{f.Rule, key(f.URL)}] {
			out = append(out, f)
		}
	}
	store.SortFindings(out)
	return out
}

// working says whether an answer counts as "it works": a 2xx, or a
// redirect (whose target is a record of its own). For robots.txt a 4xx
// works too: it means "no restrictions".
func working(u store.URL) bool {
	if u.BlockedByRobots {
		return false
	}
	if u.Kind == store.KindRobots && u.Status >= 400 && u.Status < 500 {
		return true
	}
	return u.Status >= 200 && u.Status < 400
}

// classify names a status change. A regression is a URL that worked and
// now does not; which reason depends on its kind and new status.
func classify(o, n store.URL) (class, reason string) {
	switch {
	case working(o) && !working(n):
		return ClassRegression, regressionReason(n)
	case !working(o) && working(n):
		return ClassImprovement, ReasonFixed
	case o.Status >= 300 && o.Status < 400 || n.Status >= 300 && n.Status < 400:
		return ClassChange, ReasonRedirectNowDifferent
	}
	return ClassChange, ReasonStatusChanged
}

func regressionReason(n store.URL) string {
	switch {
	case n.Kind == store.KindSitemap:
		return ReasonSitemapUnavailable
	case n.Kind == store.KindRobots:
		return ReasonRobotsUnavailable
	case n.BlockedByRobots:
		return ReasonBlockedByRobots
	case (n.Status == 401 || n.Status == 403) && n.Kind == store.KindAsset:
		return ReasonAssetBehindAuth
	case (n.Status == 401 || n.Status == 403) && n.Kind == store.KindPage:
		return ReasonPageBehindAuth
	case n.Status == 401 || n.Status == 403:
		return ReasonBehindAuth
	case n.Status == 404 || n.Status == 410:
		return ReasonNotFound
	case n.Status >= 500 && n.Status < 600:
		return ReasonServerError
	case n.Status == 0:
		return ReasonNoAnswer
	}
	return ReasonOtherClientError
}
