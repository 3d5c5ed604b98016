package report

import (
	"errors"
	"reflect"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestStatusClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		u    store.URL
		want string
	}{
		{"200 is 2xx", store.URL{Status: 200}, class2xx},
		{"299 is 2xx", store.URL{Status: 299}, class2xx},
		{"301 is 3xx", store.URL{Status: 301}, class3xx},
		{"401 is 4xx", store.URL{Status: 401}, class4xx},
		{"503 is 5xx", store.URL{Status: 503}, class5xx},
		{"status 0 without answer is none", store.URL{Error: "timeout"}, classNone},
		{"blocked wins over status 0", store.URL{BlockedByRobots: true}, classBlocked},
		{"blocked wins over any status", store.URL{Status: 200, BlockedByRobots: true}, classBlocked},
		{"1xx is other", store.URL{Status: 101}, classOther},
		{"999 is other", store.URL{Status: 999}, classOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := statusClass(tt.u); got != tt.want {
				t.Errorf("statusClass(%+v) = %q, want %q", tt.u, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	t.Run("fixture counts every kind, class, status, edge and finding", func(t *testing.T) {
		t.Parallel()
		s, err := Summarize(newCrawl(newFixture(t), Options{}))
		if err != nil {
			t.Fatal(err)
		}
		want := Summary{
			URLs: 11,
			ByKind: map[store.Kind]int{
				store.KindPage: 7, store.KindAsset: 1, store.KindSitemap: 1, store.KindRobots: 1, store.KindExternal: 1,
			},
			ByKindStatus: map[store.Kind]StatusClasses{
				store.KindPage:     {S2xx: 3, S3xx: 1, S4xx: 2, Blocked: 1, Total: 7},
				store.KindAsset:    {S4xx: 1, Total: 1},
				store.KindSitemap:  {S2xx: 1, Total: 1},
				store.KindRobots:   {S2xx: 1, Total: 1},
				store.KindExternal: {None: 1, Total: 1},
			},
			ByStatus: map[int]int{0: 2, 200: 5, 301: 1, 401: 1, 403: 1, 404: 1},
			// 15 edges: the repeated Admin link and the link to a URL
			// without a record are not counted.
			Edges:              13,
			Findings:           7,
			FindingsBySeverity: map[store.Severity]int{store.SeverityError: 3, store.SeverityWarning: 2, store.SeverityNotice: 2},
			FindingsByRule: []RuleCount{
				{Rule: "broken-link", Severity: store.SeverityError, Count: 1},
				{Rule: "forbidden-asset", Severity: store.SeverityError, Count: 1},
				{Rule: "unauthorized-linked-page", Severity: store.SeverityError, Count: 1},
				{Rule: "basic-auth-over-http", Severity: store.SeverityWarning, Count: 1},
				{Rule: "fetch-error", Severity: store.SeverityWarning, Count: 1},
				{Rule: "redirect-chain", Severity: store.SeverityNotice, Count: 1},
				{Rule: "sitemap-url-disallowed", Severity: store.SeverityNotice, Count: 1},
			},
			MaxSeverity: store.SeverityError,
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("Summarize:\n got %+v\nwant %+v", s, want)
		}
	})

	t.Run("empty store has zero counts, no nil maps and no max severity", func(t *testing.T) {
		t.Parallel()
		s, err := Summarize(newCrawl(store.NewMemory(), Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if s.ByKind == nil || s.ByKindStatus == nil || s.ByStatus == nil || s.FindingsByRule == nil {
			t.Errorf("nil map or slice in %+v: JSON would say null", s)
		}
		if s.MaxSeverity != "" || s.URLs != 0 || s.Findings != 0 {
			t.Errorf("empty store: %+v", s)
		}
		if len(s.FindingsBySeverity) != 3 {
			t.Errorf("FindingsBySeverity = %v, want error, warning and notice present", s.FindingsBySeverity)
		}
	})

	t.Run("max severity ignores unknown severities", func(t *testing.T) {
		t.Parallel()
		m := store.NewMemory()
		if err := m.PutFindings([]store.Finding{{Rule: "x", Severity: "fatal"}, {Rule: "y", Severity: store.SeverityNotice}}); err != nil {
			t.Fatal(err)
		}
		s, err := Summarize(newCrawl(m, Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if s.MaxSeverity != store.SeverityNotice {
			t.Errorf("MaxSeverity = %q, want notice", s.MaxSeverity)
		}
	})

	t.Run("a rule reported under two severities counts twice", func(t *testing.T) {
		t.Parallel()
		m := store.NewMemory()
		if err := m.PutFindings([]store.Finding{
			{Rule: "r", Severity: store.SeverityNotice}, {Rule: "r", Severity: store.SeverityError}, {Rule: "r", Severity: store.SeverityError},
		}); err != nil {
			t.Fatal(err)
		}
		s, err := Summarize(newCrawl(m, Options{}))
		if err != nil {
			t.Fatal(err)
		}
		want := []RuleCount{{"r", store.SeverityError, 2}, {"r", store.SeverityNotice, 1}}
		if !reflect.DeepEqual(s.FindingsByRule, want) {
			t.Errorf("FindingsByRule = %v, want %v", s.FindingsByRule, want)
		}
	})

	for _, fail := range []string{"urls", "edgesTo", "findings"} {
		t.Run("store error on "+fail+" is returned", func(t *testing.T) {
			t.Parallel()
			_, err := Summarize(newCrawl(failingReader{Reader: newFixture(t), fail: fail}, Options{}))
			if !errors.Is(err, errRead) {
				t.Errorf("err = %v, want %v", err, errRead)
			}
		})
	}
}
