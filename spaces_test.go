package crawlaudit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/analysis"
)

// spacesJSON is the part of crawl.json the URL-space tests read.
type spacesJSON struct {
	Partial bool `json:"partial"`
	URLs    []struct {
		URL          string `json:"url"`
		Status       int    `json:"status"`
		Kind         string `json:"kind"`
		InSitemap    bool   `json:"in_sitemap"`
		NotRequested string `json:"not_requested"`
		TextHash     string `json:"text_hash"`
		SimHash      string `json:"simhash"`
		Cluster      string `json:"cluster"`
		ClusterKind  string `json:"cluster_kind"`
		Canonical    string `json:"canonical"`
	} `json:"urls"`
	Findings []struct {
		Rule      string   `json:"rule"`
		Severity  string   `json:"severity"`
		URL       string   `json:"url"`
		Message   string   `json:"message"`
		Referrers []string `json:"referrers"`
	} `json:"findings"`
	Budget struct {
		Requests   int     `json:"requests"`
		Indexable  int     `json:"indexable"`
		Efficiency float64 `json:"efficiency"`
		Categories []struct {
			ID    string `json:"id"`
			Count int    `json:"count"`
		} `json:"categories"`
		Sections []struct {
			Section  string `json:"section"`
			Requests int    `json:"requests"`
		} `json:"sections"`
	} `json:"budget"`
}

// crawlSpaces crawls the URL-space fixture with o's settings and returns
// crawl.json and the requests the site answered. A crawl that would not end
// by itself is stopped after stopAfter requests (and the test fails): the
// server counts them, no clock is involved.
func crawlSpaces(t *testing.T, edit func(*crawlaudit.Options), stopAfter int64) (spacesJSON, int64, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, _, served := spacesSite(t, stopAfter, cancel)
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.FailOn, o.NoExternal = srv.URL+"/", t.TempDir(), crawlaudit.LevelNever, true
	if edit != nil {
		edit(&o)
	}
	res, err := crawlaudit.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Partial {
		t.Fatalf("the crawl did not end by itself within %d requests", stopAfter)
	}
	data, err := os.ReadFile(filepath.Join(o.Out, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c spacesJSON
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c, served.Load(), srv.URL
}

// TestSpacesTrapSiteEndsByItself crawls a site of crawler traps with no
// limit flag: the crawl ends by itself after a bounded number of requests,
// records what it did not request and why, reports each space once, and its
// budget shows the waste.
func TestSpacesTrapSiteEndsByItself(t *testing.T) {
	t.Parallel()
	c, served, origin := crawlSpaces(t, nil, 3000)
	// Each trap costs about --trap-limit (100) requests, plus the warm-up of
	// the calendar (a year of months before its words repeat).
	const maxRequests = 800
	if served > maxRequests {
		t.Errorf("the site answered %d requests, want at most %d", served, maxRequests)
	}
	short := func(u string) string { return strings.TrimPrefix(u, origin) }
	t.Logf("%d requests answered; budget: %d requests, efficiency %v", served, c.Budget.Requests, c.Budget.Efficiency)

	// URLs not requested, by reason and pattern.
	notRequested := map[string]int{}
	requested := map[string]int{}
	for _, u := range c.URLs {
		p := analysis.Pattern(u.URL)
		if u.NotRequested != "" {
			notRequested[u.NotRequested+" "+p]++
		} else if u.Kind == "page" {
			requested[p]++
		}
	}
	var reasons []string
	for k := range notRequested {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	want := []string{
		"trap /cal/{year}/{month}", "trap /list?page", "trap /news?page", "trap /search?q",
		"url-too-long /a/{repeat}/", "url-too-long /x/y/{repeat}/",
	}
	if !slices.Equal(reasons, want) {
		t.Errorf("not requested (reason pattern):\n%v\nwant\n%v", reasons, want)
	}
	for _, k := range []string{"url-too-long /a/{repeat}/", "url-too-long /x/y/{repeat}/"} {
		if notRequested[k] != 1 {
			t.Errorf("%s: %d URLs, want 1 (/a/a/a/a/, /x/y/x/y/x/y/x/y/)", k, notRequested[k])
		}
	}
	// A URL that differs from a known one only by its session ID is the
	// same URL: each page with a session ID was requested once, or (for a
	// parameter known only by the shape of its values) until the crawl
	// learnt it.
	for p, most := range map[string]int{"/cart;jsessionid": 1, "/wishlist;jsessionid": 1, "/shop?sid": 1, "/shop/item?sid": 1, "/deals/today?k": 3, "/deals/week?k": 3} {
		if n := requested[p]; n < 1 || n > most {
			t.Errorf("%s: %d URLs requested, want 1 to %d", p, n, most)
		}
	}
	// Each trap took about --trap-limit requests before it stopped.
	for _, p := range []string{"/cal/{year}/{month}", "/list?page", "/news?page", "/search?q"} {
		if n := requested[p]; n < 100 || n > 140 {
			t.Errorf("%s: %d URLs requested, want 100 to 140", p, n)
		}
	}
	// The real pages and the page only the sitemap lists are all there.
	for _, path := range []string{"/", "/about.html", "/contact.html", "/orphan.html", "/products/p9.html", "/news/6.html", "/a/a/a/", "/x/y/x/y/x/y/"} {
		found := false
		for _, u := range c.URLs {
			if short(u.URL) == path {
				found = u.Status == 200 && u.TextHash != "" && u.SimHash != ""
			}
		}
		if !found {
			t.Errorf("%s: not a 200 page with its fingerprints", path)
		}
	}

	// One finding per space.
	var findings []string
	for _, f := range c.Findings {
		switch f.Rule {
		case "crawler-trap", "session-id-in-url", "faceted-navigation", "ineffective-parameter":
			findings = append(findings, f.Rule+" "+f.Severity+" "+spaceOf(f.Message, origin))
		}
	}
	sort.Strings(findings)
	wantFindings := []string{
		"crawler-trap warning /a/{repeat}/",
		"crawler-trap warning /cal/{year}/{month}",
		"crawler-trap warning /list?page",
		"crawler-trap warning /news?page",
		"crawler-trap warning /search?q",
		"crawler-trap warning /x/y/{repeat}/",
		"faceted-navigation notice /shoes",
		"ineffective-parameter notice /shoes sort",
		"ineffective-parameter notice /shoes view",
		"session-id-in-url warning jsessionid",
		"session-id-in-url warning k",
		"session-id-in-url warning sid",
	}
	if !slices.Equal(findings, wantFindings) {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(findings, "\n"), strings.Join(wantFindings, "\n"))
	}
	for _, f := range c.Findings {
		if f.Rule == "crawler-trap" && strings.Contains(f.Message, "a calendar") {
			for _, s := range []string{"Disallow: /cal/", "linked from " + origin + "/cal/{year}/{month} (", "its own pages"} {
				if !strings.Contains(f.Message, s) {
					t.Errorf("calendar finding %q lacks %q", f.Message, s)
				}
			}
		}
	}

	// The budget: trap pages are waste, and so is the whole site's
	// efficiency; the calendar is one section.
	cats := map[string]int{}
	for _, cat := range c.Budget.Categories {
		cats[cat.ID] = cat.Count
	}
	// Indexable: the real pages (26, one page of each family of variants
	// included) and, since the duplicate and encoding pages came, one
	// page of each duplicate cluster (3), /charset.html and /straße: 31.
	if cats["trap"] < 400 || cats["parameter_variant"] < 10 || cats["indexable"] > 35 {
		t.Errorf("budget categories %v: want trap ≥ 400, parameter_variant ≥ 10, indexable ≤ 35", cats)
	}
	if c.Budget.Efficiency > 0.1 {
		t.Errorf("efficiency %v: a trap site must not look efficient", c.Budget.Efficiency)
	}
	var sections []string
	for _, s := range c.Budget.Sections {
		sections = append(sections, s.Section)
	}
	for _, s := range []string{"/cal/{year}/{month}", "/list?page", "/news?page", "/search?q"} {
		if !slices.Contains(sections, s) {
			t.Errorf("budget sections %v lack %s", sections, s)
		}
	}
	for _, s := range sections {
		if strings.HasPrefix(s, "/cal/20") {
			t.Errorf("budget section %s: the calendar is one pattern, not a section per year", s)
		}
	}
}

// spaceOf names the space a finding's message is about: the pattern after
// " at ", and the parameter of a session ID or an ineffective parameter.
func spaceOf(msg, origin string) string {
	if i := strings.Index(msg, `session ID "`); i >= 0 {
		name, _, _ := strings.Cut(msg[i+len(`session ID "`):], `"`)
		return name
	}
	pattern := ""
	if _, rest, ok := strings.Cut(msg, " at "+origin); ok {
		pattern, _, _ = strings.Cut(rest, ":")
	}
	if i := strings.Index(msg, `parameter "`); i >= 0 {
		name, _, _ := strings.Cut(msg[i+len(`parameter "`):], `"`)
		return pattern + " " + name
	}
	return pattern
}

// TestSpacesMaxURLsKeepsRoomForTheSitemap: with a URL cap, a trap cannot
// crowd out the page only the sitemap lists: it is requested; and a listed
// URL that the cap does stop is recorded, not requested.
func TestSpacesMaxURLsKeepsRoomForTheSitemap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		maxURLs int
		want    string // the orphan's status, or its not_requested reason
	}{
		{"a cap of 300 requests the sitemap-only page", 300, "200"},
		{"a cap of 3 records it, not requested", 3, "max-urls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _, origin := crawlSpaces(t, func(o *crawlaudit.Options) { o.MaxURLs = tc.maxURLs }, 3000)
			got, listed, capped := "", 0, 0
			for _, u := range c.URLs {
				if u.URL == origin+"/orphan.html" {
					got = fmt.Sprint(u.Status)
					if u.NotRequested != "" {
						got = u.NotRequested
					}
					if !u.InSitemap {
						t.Error("/orphan.html: not in_sitemap")
					}
				}
				if u.InSitemap {
					listed++
				}
				if u.NotRequested == "max-urls" {
					capped++
				}
			}
			if got != tc.want {
				t.Errorf("/orphan.html: %q, want %q", got, tc.want)
			}
			if listed != 5 || capped == 0 {
				t.Errorf("%d listed URLs recorded (want all 5), %d recorded max-urls (want some)", listed, capped)
			}
		})
	}
}
