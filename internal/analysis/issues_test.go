package analysis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestTemplate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"https://x.test/img/staff/team.jpg", "https://x.test/img/staff/…"},
		{"https://x.test/img/logo.png?v=3", "https://x.test/img/…"},
		{"https://x.test/", "https://x.test/…"},
		{"https://x.test", "https://x.test/…"},
		{"https://x.test/p/17/photo.jpg", "https://x.test/p/*/…"},
		{"https://x.test/u/3f2a9c1d7e/edit", "https://x.test/u/*/…"},
		{"https://x.test/blog/2024-05/post", "https://x.test/blog/*/…"},
		{"https://x.test/a%20b/c", "https://x.test/a%20b/…"},
		{"not a url", "not a url"},
	} {
		if got := Template(c.in); got != c.want {
			t.Errorf("Template(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// issueLines renders issues as "priority severity rule pattern reach=N
// urls=N refs=a:n,b:n" for comparison.
func issueLines(is []Issue) []string {
	var out []string
	for _, i := range is {
		var refs []string
		for _, r := range i.Referrers {
			refs = append(refs, fmt.Sprintf("%s:%d", strings.TrimPrefix(r.URL, "https://x.test"), r.URLs))
		}
		out = append(out, fmt.Sprintf("%d %s %s %s reach=%d urls=%d refs=%s", i.Priority, i.Severity, i.Rule, strings.TrimPrefix(i.Pattern, "https://x.test"), i.Reach, len(i.Findings), strings.Join(refs, ",")))
	}
	return out
}

func TestIssuesRankBySeverityTimesReach(t *testing.T) {
	t.Parallel()
	kinds := map[string]store.Kind{"https://x.test/sitemap.xml": store.KindSitemap, "https://x.test/robots.txt": store.KindRobots}
	kind := func(u string) store.Kind {
		if k, ok := kinds[u]; ok {
			return k
		}
		return store.KindPage
	}
	pages := func(n int) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("https://x.test/p%02d", i))
		}
		return out
	}
	f := func(rule string, sev store.Severity, url string, refs ...string) store.Finding {
		return store.Finding{Rule: rule, Severity: sev, URL: "https://x.test" + url, Referrers: refs}
	}
	fs := []store.Finding{
		// A page linked once: error, reach 1.
		f("broken-link", store.SeverityError, "/old/gone.html", "https://x.test/p00"),
		// The stylesheet every one of 12 pages uses: error, reach 12.
		f("forbidden-asset", store.SeverityError, "/css/site.css", pages(12)...),
		// Two staff images of one folder: one issue, its pages counted once.
		f("forbidden-asset", store.SeverityError, "/img/staff/b.jpg", "https://x.test/about", "https://x.test/team"),
		f("forbidden-asset", store.SeverityError, "/img/staff/a.jpg", "https://x.test/about"),
		// A sitemap entry: the sitemap is not a page it reaches, the URL is.
		f("unauthorized-sitemap-url", store.SeverityError, "/members/", "https://x.test/sitemap.xml"),
		// Warnings on 9 pages rank under an error on 1... on 11 above it.
		f("redirect-chain", store.SeverityWarning, "/r/a", pages(9)...),
		f("soft-404", store.SeverityWarning, "/s/1"), f("soft-404", store.SeverityWarning, "/s/2"), f("soft-404", store.SeverityWarning, "/s/3"),
		f("soft-404", store.SeverityWarning, "/s/4"), f("soft-404", store.SeverityWarning, "/s/5"), f("soft-404", store.SeverityWarning, "/s/6"),
		f("soft-404", store.SeverityWarning, "/s/7"), f("soft-404", store.SeverityWarning, "/s/8"), f("soft-404", store.SeverityWarning, "/s/9"),
		f("soft-404", store.SeverityWarning, "/s/10"), f("soft-404", store.SeverityWarning, "/s/11"),
		// A notice an external URL's rule demoted: a group of its own.
		f("broken-link", store.SeverityNotice, "/old/ext", "https://x.test/p01"),
		// A URL that points at itself does not reach itself.
		f("redirect-loop", store.SeverityError, "/loop", "https://x.test/loop"),
	}
	got := issueLines(Issues(fs, kind))
	want := []string{
		"1200 error forbidden-asset /css/site.css reach=12 urls=1 refs=/p00:1,/p01:1,/p02:1,/p03:1,/p04:1,/p05:1,/p06:1,/p07:1,/p08:1,/p09:1,/p10:1,/p11:1",
		"200 error forbidden-asset /img/staff/… reach=2 urls=2 refs=/about:2,/team:1",
		"110 warning soft-404 /s/… reach=11 urls=11 refs=",
		"100 error broken-link /old/gone.html reach=1 urls=1 refs=/p00:1",
		"100 error redirect-loop /loop reach=1 urls=1 refs=",
		"100 error unauthorized-sitemap-url /members/ reach=1 urls=1 refs=",
		"90 warning redirect-chain /r/a reach=9 urls=1 refs=/p00:1,/p01:1,/p02:1,/p03:1,/p04:1,/p05:1,/p06:1,/p07:1,/p08:1",
		"1 notice broken-link /old/ext reach=1 urls=1 refs=/p01:1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestIssuesOfNothing(t *testing.T) {
	t.Parallel()
	if is := Issues(nil, func(string) store.Kind { return store.KindPage }); len(is) != 0 {
		t.Errorf("issues of no findings: %v", is)
	}
}
