package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TestMetricsParseWithThePrometheusParser parses metrics.prom of the
// fixture, of a crawl without findings and of a partial crawl with a hostile
// site name with the official text-format parser.
func TestMetricsParseWithThePrometheusParser(t *testing.T) {
	r, j := fixtureJob(t)
	empty := store.NewMemory()
	start := time.Unix(fxStartSec, 0).UTC()
	if err := empty.SetMeta(store.Meta{StartURL: fxHome, StartedAt: start, FinishedAt: start.Add(time.Second), Partial: true}); err != nil {
		t.Fatal(err)
	}
	if err := empty.PutURL(store.URL{URL: fxHome, Status: 200, Kind: store.KindPage}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		r         store.Reader
		j         Job
		families  int
		partial   float64
		efficient float64
	}{
		{"fixture with baseline", r, j, 8, 0, 0.2222}, // the budget's efficiency, as the table says: 22.2%
		// crawlaudit_findings has HELP and TYPE but no sample: the parser
		// drops such a family.
		{"no findings, partial, odd site name", empty, Job{Site: "a \"quoted\"\\site\nname"}, 4, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMetrics(&buf, newCrawl(tc.r, Options{Job: tc.j})); err != nil {
				t.Fatal(err)
			}
			p := expfmt.NewTextParser(model.LegacyValidation)
			fams, err := p.TextToMetricFamilies(strings.NewReader(buf.String()))
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, buf.String())
			}
			if len(fams) != tc.families {
				var names []string
				for n := range fams {
					names = append(names, n)
				}
				t.Errorf("%d families %v, want %d", len(fams), names, tc.families)
			}
			site := tc.j.Site
			if site == "" {
				site = "example.test"
			}
			for name, f := range fams {
				for _, m := range f.GetMetric() {
					found := false
					for _, l := range m.GetLabel() {
						found = found || (l.GetName() == "site" && l.GetValue() == site)
					}
					if !found {
						t.Errorf("%s sample without site label %q", name, site)
					}
				}
			}
			if v := fams["crawlaudit_crawl_partial"].GetMetric()[0].GetGauge().GetValue(); v != tc.partial {
				t.Errorf("partial %v", v)
			}
			if v := fams["crawlaudit_crawl_efficiency"].GetMetric()[0].GetGauge().GetValue(); v != tc.efficient {
				t.Errorf("efficiency %v", v)
			}
			if _, ok := fams["crawlaudit_last_success_timestamp_seconds"]; ok == (tc.partial == 1) {
				t.Errorf("last success written for partial=%v: %v", tc.partial, ok)
			}
		})
	}
}
