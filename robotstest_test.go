package crawlaudit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
)

// TestRobotsTestReplaysACrawl crawls the URL-space fixture once, then
// replays it against proposed robots.txt files: a safe one (the session
// IDs, the ineffective sort parameter, the repeating paths) and two that
// lose important pages (a page only the sitemap lists; the products,
// linked from the listing the file leaves allowed).
func TestRobotsTestReplaysACrawl(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, _, _ := spacesSite(t, 3000, cancel)
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.FailOn, o.NoExternal = srv.URL+"/", t.TempDir(), crawlaudit.LevelNever, true
	if _, err := crawlaudit.Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	// The URL-space findings say the what-if's verdict: the calendar's
	// rule is proposed; blocking the listings would cut off the products
	// and the stories only they link to, and blocking color would hide
	// pages with content of their own: those rules are never proposed.
	c, err := crawlaudit.Open(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fs, err := c.Findings()
	if err != nil {
		t.Fatal(err)
	}
	says := map[string][]string{
		"crawler-trap /cal/{year}/{month}": {"robots.txt what-if: Disallow: /cal/ would block", "and no important page: add it to robots.txt"},
		"crawler-trap /list?page": {"Disallow: /list?*page= is dangerous, do not add it: it would cut off 9 indexable pages that only the pages it blocks link to (e.g. " + srv.URL + "/products/p1.html",
			"no robots.txt rule stops it safely"},
		"crawler-trap /news?page":      {"Disallow: /news?*page= is dangerous, do not add it: it would cut off 6 indexable pages"},
		"crawler-trap /a/{repeat}/":    {"Disallow: /a/a/a/ would block 2 URLs (1 requested) and no important page"},
		"session-id-in-url jsessionid": {"Disallow: /*;jsessionid= would block 2 URLs (2 requested) and no important page"},
		"faceted-navigation /shoes": {"Disallow: /*?*sort= would block 94 URLs (94 requested) and no important page", "Disallow: /*?*view= would block 94 URLs",
			"Disallow: /*?*color= is dangerous, do not add it: it would block 3 important pages"},
	}
	for _, f := range fs {
		key := f.Rule + " " + spaceOf(f.Message, srv.URL)
		for _, s := range says[key] {
			if !strings.Contains(f.Message, s) {
				t.Errorf("%s: message lacks %q:\n%s", key, s, f.Message)
			}
		}
		delete(says, key)
	}
	for key := range says {
		t.Errorf("no finding %s", key)
	}
	// crawl.json's "spaces" holds the same what-if.
	data, err := os.ReadFile(filepath.Join(o.Out, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cj struct {
		Spaces struct {
			Patterns []struct {
				Pattern string `json:"pattern"`
				Wasted  int    `json:"wasted"`
			} `json:"patterns"`
			RobotsWhatIf []struct {
				Rule        string `json:"rule"`
				Verdict     string `json:"verdict"`
				CutOffTotal int    `json:"cut_off_total"`
			} `json:"robots_what_if"`
		} `json:"spaces"`
	}
	if err := json.Unmarshal(data, &cj); err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{}
	for _, r := range cj.Spaces.RobotsWhatIf {
		verdicts[r.Rule] = fmt.Sprint(r.Verdict, " ", r.CutOffTotal)
	}
	for rule, want := range map[string]string{"Disallow: /cal/": "proposed 0", "Disallow: /list?*page=": "dangerous 9", "Disallow: /*?*color=": "dangerous 0", "Disallow: /*;jsessionid=": "proposed 0"} {
		if verdicts[rule] != want {
			t.Errorf("crawl.json what-if %s: %q, want %q (all: %v)", rule, verdicts[rule], want, verdicts)
		}
	}
	if len(cj.Spaces.Patterns) == 0 || cj.Spaces.Patterns[0].Wasted < 100 {
		t.Errorf("crawl.json spaces.patterns: %+v", cj.Spaces.Patterns)
	}

	for _, tc := range []struct {
		name   string
		robots string
		want   [6]int // blocked, requested, indexable, listed, linked, lost
		lost   []string
		says   []string
	}{
		{"session IDs, sort and the repeating paths: safe",
			"User-agent: *\nDisallow: /*;jsessionid=\nDisallow: /*?*sort=\nDisallow: /a/a/a/\nDisallow: /x/y/x/y/x/y/\n",
			// 72+12+8+2 sort URLs of the (finite) facets, the cart and
			// wishlist with their session IDs, and /a/a/a/, /x/y/x/y/x/y/
			// with the URL each links to and the crawl did not follow.
			[6]int{100, 98, 0, 0, 40, 0}, nil, []string{"Safe: it loses no important page.", "| /shoes?color&sort&view |   72 |", "/cart;jsessionid=REDACTED"}},
		{"a page only the sitemap lists: dangerous",
			"User-agent: *\nDisallow: /orphan.html\n",
			[6]int{1, 1, 1, 1, 0, 1}, []string{"/orphan.html"}, []string{"DANGEROUS: it would lose 1 important page."}},
		{"the products the listing links to: dangerous",
			"User-agent: Googlebot\nDisallow: /products/\n\nUser-agent: *\nDisallow:\n",
			[6]int{9, 9, 9, 0, 9, 9}, []string{"/products/p1.html", "/products/p2.html", "/products/p3.html", "/products/p4.html", "/products/p5.html",
				"/products/p6.html", "/products/p7.html", "/products/p8.html", "/products/p9.html"},
			[]string{"DANGEROUS: it would lose 9 important pages.", "| /products/p9.html | blocked |"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "robots.txt")
			if err := os.WriteFile(file, []byte(tc.robots), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := crawlaudit.RobotsTest(ctx, crawlaudit.RobotsTestOptions{Dir: o.Out, Robots: file})
			if err != nil {
				t.Fatal(err)
			}
			got := [6]int{res.Blocked, res.Requests, res.Indexable, res.Listed, res.Linked, res.LostTotal}
			if got != tc.want {
				t.Errorf("blocked, requested, indexable, listed, linked, lost = %v, want %v", got, tc.want)
			}
			var lost []string
			for _, p := range res.Lost {
				lost = append(lost, strings.TrimPrefix(p.URL, srv.URL))
			}
			if !slices.Equal(lost, tc.lost) {
				t.Errorf("lost %v, want %v", lost, tc.lost)
			}
			if res.Dangerous() != (len(tc.lost) > 0) {
				t.Errorf("Dangerous() = %v", res.Dangerous())
			}
			sum := res.Summary()
			for _, s := range tc.says {
				if !strings.Contains(sum, s) {
					t.Errorf("summary lacks %q:\n%s", s, sum)
				}
			}
			for _, l := range strings.Split(sum, "\n") {
				if n := len([]rune(l)); n > 80 {
					t.Errorf("line of %d columns: %q", n, l)
				}
			}
		})
	}
}
