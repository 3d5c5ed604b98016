package crawlaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// Scheduled runs: baselines, history, ignore files, the CI outputs
// (junit.xml, summary.md, metrics.prom, diff.json) and the webhook, through
// crawlaudit.Run. cmd/crawlaudit tests what the command line adds: exit
// codes, flags, printing.

// changingSite is a fixture site whose answers change between crawls: in
// phase 0 everything works except /old (404); in phase 1 /members asks for
// credentials, /logo.png is forbidden, /style.css asks for credentials,
// /legacy fails with 500 and /old is back.
type changingSite struct {
	phase atomic.Int32
}

func (s *changingSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	html := func(status int, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!doctype html><html><head><title>t</title>%s</html>", body)
	}
	p1 := s.phase.Load() == 1
	switch r.URL.Path {
	case "/":
		html(200, `<link rel="stylesheet" href="/style.css"></head><body><img src="/logo.png"><a href="/about">a</a><a href="/members">m</a><a href="/old">o</a><a href="/legacy">l</a></body>`)
	case "/about":
		html(200, `</head><body>about</body>`)
	case "/members":
		if p1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="members"`)
			html(401, `</head><body>log in</body>`)
			return
		}
		html(200, `</head><body>members</body>`)
	case "/old":
		if p1 {
			html(200, `</head><body>back</body>`)
			return
		}
		html(404, `</head><body>gone</body>`)
	case "/legacy":
		if p1 {
			html(500, `</head><body>oops</body>`)
			return
		}
		html(200, `</head><body>legacy</body>`)
	case "/logo.png":
		if p1 {
			w.WriteHeader(403)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG"))
	case "/style.css":
		if p1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="assets"`)
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte("body{}"))
	default:
		http.NotFound(w, r)
	}
}

// receiver is a loopback webhook that records bodies and answers with the
// statuses given, then 200.
type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	statuses []int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.bodies = append(rc.bodies, body)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(400)
		return
	}
	if len(rc.statuses) > 0 {
		st := rc.statuses[0]
		rc.statuses = rc.statuses[1:]
		w.WriteHeader(st)
	}
}

func (rc *receiver) got() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...)
}

// runJob runs o with crawlaudit.Run, its log (info and up, one JSON object
// a line, the Options.Warn lines among them) captured and returned. A run
// that cannot start or write its outputs fails the test.
func runJob(ctx context.Context, t *testing.T, o crawlaudit.Options) (*crawlaudit.Result, string) {
	t.Helper()
	log := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	o.Logger, o.Warn = logger, func(msg string) { logger.Warn(msg) }
	res, err := crawlaudit.Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log)
	}
	return res, log.String()
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// siteOptions are the default options of a run of the site at base into
// out.
func siteOptions(base, out string) crawlaudit.Options {
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = base+"/", out
	return o
}

// TestBaselineRegressionsEndToEnd crawls a site twice, changing statuses in
// between, and checks the diff, the verdict with and without FailOnNew, the
// ignore file (one live entry, one expired), junit.xml, summary.md,
// metrics.prom and the webhook payload; then Compare of the crawls.
func TestBaselineRegressionsEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	site := &changingSite{}
	srv := testsite.Start(site, nil)
	t.Cleanup(srv.Close)
	rc := &receiver{}
	hook := testsite.Start(rc, nil)
	t.Cleanup(hook.Close)
	base := srv.URL
	dir := t.TempDir()
	d1, d2, d3 := filepath.Join(dir, "one"), filepath.Join(dir, "two"), filepath.Join(dir, "three")

	// First crawl: /old is broken (an error), so the default fail level
	// (error) fails, and without a baseline every finding is new.
	if res, log := runJob(ctx, t, siteOptions(base, d1)); !res.Failed {
		t.Fatalf("first crawl passed, want failed: %s", log)
	}
	o := siteOptions(base, filepath.Join(dir, "nobase"))
	o.FailOnNew = "error"
	if res, _ := runJob(ctx, t, o); !res.Failed {
		t.Fatalf("FailOnNew without a baseline passed, want failed (every finding is new)")
	}

	site.phase.Store(1)
	ignore := filepath.Join(dir, "ignore.yaml")
	writeFile(t, ignore, `ignore:
  - rule: forbidden-asset
    url: '/logo\.png$'
    reason: logo moves to the CDN next sprint
    expires: 2999-12-31
  - rule: server-error
    url: '/legacy$'
    reason: legacy app is being retired
    expires: 2020-01-31
`)
	o = siteOptions(base, d2)
	o.Baseline, o.FailOnNew, o.IgnoreFile, o.NotifyURL = d1, "error", ignore, hook.URL+"/hook/s3cr3t?token=abc"
	res, log := runJob(ctx, t, o)
	if !res.Failed {
		t.Fatalf("second crawl passed, want failed (new errors): %s", log)
	}
	summary := strings.Join(strings.Fields(res.Summary()), " ") // wrapped at 80 columns
	if !strings.Contains(summary, "Since the baseline: 4 regressions, 1 improvements, 0 other status changes; 3 new findings, 1 resolved") {
		t.Errorf("summary's diff line missing:\n%s", summary)
	}
	if !strings.Contains(summary, "1 findings ignored") || !strings.Contains(summary, "1 ignore entries have expired and ignore nothing any more: ["+ignore+":6]") {
		t.Errorf("summary's ignore lines missing:\n%s", summary)
	}
	if res.Ignored != 1 || !reflect.DeepEqual(res.ExpiredIgnores, []string{ignore + ":6"}) {
		t.Errorf("result: %d ignored, expired entries %q", res.Ignored, res.ExpiredIgnores)
	}
	// The log: the expired entry warned, with its source.
	var sawExpired bool
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["level"] == "WARN" && strings.HasPrefix(rec["msg"].(string), "ignore entry expired") && rec["entry"] == ignore+":6" {
			sawExpired = true
		}
	}
	if !sawExpired || strings.Contains(log, "s3cr3t") || strings.Contains(log, "token") {
		t.Errorf("log: expired warning %v, or webhook secret leaked:\n%s", sawExpired, log)
	}
	// diff.json, exactly.
	var dj struct {
		Counts  map[string]int `json:"counts"`
		Changes []struct {
			URL       string `json:"url"`
			Kind      string `json:"kind"`
			OldStatus int    `json:"old_status"`
			NewStatus int    `json:"new_status"`
			Class     string `json:"class"`
			Reason    string `json:"reason"`
		} `json:"changes"`
		NewFindings []struct {
			Rule, Severity, URL string
		} `json:"new_findings"`
		ResolvedFindings []struct {
			Rule, Severity, URL string
		} `json:"resolved_findings"`
	}
	readJSONFile(t, filepath.Join(d2, "diff.json"), &dj)
	var changes []string
	for _, c := range dj.Changes {
		changes = append(changes, fmt.Sprintf("%s %s %s %d→%d %s", c.Class, strings.TrimPrefix(c.URL, base), c.Kind, c.OldStatus, c.NewStatus, c.Reason))
	}
	wantChanges := []string{
		"regression /legacy page 200→500 server-error",
		"regression /logo.png asset 200→403 asset-behind-auth",
		"regression /members page 200→401 page-behind-auth",
		"regression /style.css asset 200→401 asset-behind-auth",
		"improvement /old page 404→200 fixed",
	}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(wantChanges, "\n"))
	}
	var newF, resolved []string
	for _, f := range dj.NewFindings {
		newF = append(newF, f.Severity+" "+f.Rule+" "+strings.TrimPrefix(f.URL, base))
	}
	for _, f := range dj.ResolvedFindings {
		resolved = append(resolved, f.Severity+" "+f.Rule+" "+strings.TrimPrefix(f.URL, base))
	}
	wantNew := []string{
		"error server-error /legacy", // the expired ignore entry no longer hides it
		"error unauthorized-asset /style.css",
		"warning unauthorized-linked-page /members",
	}
	// forbidden-asset /logo.png is ignored by the live entry: not a finding.
	if !reflect.DeepEqual(newF, wantNew) || !reflect.DeepEqual(resolved, []string{"error broken-link /old"}) {
		t.Errorf("new findings %q\nresolved %q", newF, resolved)
	}
	wantCounts := map[string]int{"new_findings": 3, "resolved_findings": 1, "persisting_findings": 0, "regressions": 4, "improvements": 1, "changes": 5, "added_urls": 0, "removed_urls": 0}
	if !reflect.DeepEqual(dj.Counts, wantCounts) {
		t.Errorf("counts %v", dj.Counts)
	}
	csv := readFile(t, filepath.Join(d2, "diff.csv"))
	if n := strings.Count(csv, "\r\n"); n != 1+5+3+1 {
		t.Errorf("diff.csv has %d lines, want 10:\n%s", n, csv)
	}

	// junit.xml: a suite per rule, a case per finding; failures are the new
	// errors, the ignored finding is skipped.
	checkJUnit(t, readFile(t, filepath.Join(d2, "junit.xml")), base, map[string]string{
		"server-error " + base + "/legacy":              "failure error",
		"unauthorized-asset " + base + "/style.css":     "failure error",
		"unauthorized-linked-page " + base + "/members": "pass",
		"forbidden-asset " + base + "/logo.png":         "skipped",
	})

	// summary.md names the verdict, regressions, new findings, ignored and
	// expired entries.
	md := readFile(t, filepath.Join(d2, "summary.md"))
	for _, want := range []string{
		"**❌ Failed: 2 new finding(s) at or above error** — failing on new findings at error or above",
		"#### Regressions",
		"| `" + base + "/style.css` | asset | 200 | 401 | asset-behind-auth |",
		"| `" + base + "/members` | page | 200 | 401 | page-behind-auth |",
		"### New findings (3)",
		"### Resolved findings (1)",
		"### Ignored findings (1)",
		"| forbidden-asset | `" + base + "/logo.png` | logo moves to the CDN next sprint | " + md2(ignore) + ":2 |",
		"### Expired ignore entries (1)",
		"| server-error | `/legacy$` | legacy app is being retired | 2020-01-31 | " + md2(ignore) + ":6 |",
		"Full report: `" + d2 + "`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}

	// metrics.prom parses with the Prometheus text parser, with the values.
	checkMetrics(t, filepath.Join(d2, "metrics.prom"), map[string]float64{
		`crawlaudit_urls{kind="asset",site="` + hostOf(base) + `",status_class="4xx"}`:                        2,
		`crawlaudit_urls{kind="page",site="` + hostOf(base) + `",status_class="2xx"}`:                         3,
		`crawlaudit_findings{rule="server-error",severity="error",site="` + hostOf(base) + `"}`:               1,
		`crawlaudit_findings{rule="unauthorized-linked-page",severity="warning",site="` + hostOf(base) + `"}`: 1,
		`crawlaudit_new_findings{site="` + hostOf(base) + `"}`:                                                3,
		`crawlaudit_regressions{site="` + hostOf(base) + `"}`:                                                 4,
		`crawlaudit_crawl_partial{site="` + hostOf(base) + `"}`:                                               0,
		`crawlaudit_crawl_efficiency{site="` + hostOf(base) + `"}`:                                            3.0 / 8.0,
	})

	// The webhook got one POST with the summary and the regressions, URLs
	// masked, nothing secret.
	bodies := rc.got()
	if len(bodies) != 1 {
		t.Fatalf("webhook got %d posts, want 1", len(bodies))
	}
	var p struct {
		Event      string `json:"event"`
		Result     string `json:"result"`
		StartURL   string `json:"start_url"`
		ReportPath string `json:"report_path"`
		FailLevel  string `json:"fail_level"`
		OnlyNew    bool   `json:"fail_on_new"`
		Summary    struct {
			URLs               int            `json:"urls"`
			FindingsBySeverity map[string]int `json:"findings_by_severity"`
		}
		Accepted bool `json:"accepted"`
		Baseline struct {
			Counts      map[string]int `json:"counts"`
			Regressions []struct {
				URL    string `json:"url"`
				Reason string `json:"reason"`
			} `json:"regressions"`
			From       string         `json:"from"`
			Findings   map[string]int `json:"findings"`
			Comparison string         `json:"comparison"`
		}
		Ignored int `json:"ignored_findings"`
		Expired int `json:"expired_ignore_entries"`
	}
	if err := json.Unmarshal(bodies[0], &p); err != nil {
		t.Fatalf("webhook body: %v", err)
	}
	// A baseline named with Baseline: from "baseline"; the three findings
	// of the crawl are all new.
	if p.Accepted || p.Baseline.From != "baseline" || !reflect.DeepEqual(p.Baseline.Findings, map[string]int{"new": 3, "resolved": 1, "persisting": 0}) ||
		!strings.HasPrefix(p.Baseline.Comparison, "3 new, 1 resolved, 0 persisting against the baseline of 20") {
		t.Errorf("webhook baseline counts: %s", bodies[0])
	}
	if p.Event != "crawl.finished" || p.Result != "failed" || p.FailLevel != "error" || !p.OnlyNew || p.Summary.URLs != 8 ||
		p.Summary.FindingsBySeverity["error"] != 2 || p.Summary.FindingsBySeverity["warning"] != 1 ||
		p.Baseline.Counts["regressions"] != 4 || len(p.Baseline.Regressions) != 4 || p.Baseline.Regressions[0].Reason != "server-error" ||
		p.Ignored != 1 || p.Expired != 1 || p.StartURL != base+"/" || p.ReportPath != d2 {
		t.Errorf("webhook payload: %s", bodies[0])
	}
	if bytes.Contains(bodies[0], []byte("s3cr3t")) || bytes.Contains(bodies[0], []byte("Authorization")) {
		t.Errorf("webhook payload leaks: %s", bodies[0])
	}

	// Third crawl, nothing changed since the second: no new finding, so
	// FailOnNew passes while FailOn still fails on the known errors.
	o = siteOptions(base, d3)
	o.Baseline, o.FailOnNew, o.IgnoreFile = d2, "error", ignore
	if res, log := runJob(ctx, t, o); res.Failed {
		t.Errorf("no new findings with FailOnNew: failed, want passed: %s", log)
	}
	o.FailOnNew = ""
	if res, _ := runJob(ctx, t, o); !res.Failed {
		t.Errorf("known errors without FailOnNew: passed, want failed")
	}

	// Compare OLD NEW gives the same diff, and its own verdict.
	out := filepath.Join(dir, "diffout")
	cmp, err := crawlaudit.Compare(ctx, crawlaudit.CompareOptions{Old: d1, New: d2, Out: out, FailOnNew: "warning"})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if !cmp.Failed || cmp.Out != out || !strings.Contains(cmp.Summary(), "4 regressions") || readFile(t, filepath.Join(out, "diff.json")) != readFile(t, filepath.Join(d2, "diff.json")) {
		t.Errorf("Compare: failed %v, out %s\n%s", cmp.Failed, cmp.Out, cmp.Summary())
	}
	if cmp, err := crawlaudit.Compare(ctx, crawlaudit.CompareOptions{Old: d2, New: d3, Out: out, FailOnNew: "notice"}); err != nil || cmp.Failed {
		t.Errorf("Compare of identical crawls: %v, failed %v, want passed", err, cmp != nil && cmp.Failed)
	}
	if _, err := crawlaudit.Compare(ctx, crawlaudit.CompareOptions{Old: d1, New: filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Compare with a missing crawl: %v", err)
	}
}

// md2 escapes what report escapes in Markdown text, for the temp paths here.
func md2(s string) string { return strings.NewReplacer("_", `\_`).Replace(s) }

func hostOf(u string) string { return strings.TrimPrefix(u, "http://") }

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(readFile(t, path)), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// checkJUnit validates the structure JUnit consumers require (the
// testsuites/testsuite/testcase elements with their name, classname and
// count attributes; failure with message and type) and that the counts
// agree with the cases, then compares the cases with want: "rule URL" →
// "failure SEVERITY", "skipped" or "pass".
func checkJUnit(t *testing.T, doc, base string, want map[string]string) {
	t.Helper()
	type tcase struct {
		Name      *string `xml:"name,attr"`
		Classname *string `xml:"classname,attr"`
		Failure   *struct {
			Message *string `xml:"message,attr"`
			Type    *string `xml:"type,attr"`
		} `xml:"failure"`
		Skipped *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
	}
	type suite struct {
		Name     *string `xml:"name,attr"`
		Tests    *int    `xml:"tests,attr"`
		Failures *int    `xml:"failures,attr"`
		Errors   *int    `xml:"errors,attr"`
		Skipped  *int    `xml:"skipped,attr"`
		Cases    []tcase `xml:"testcase"`
	}
	var root struct {
		XMLName  xml.Name
		Tests    *int    `xml:"tests,attr"`
		Failures *int    `xml:"failures,attr"`
		Errors   *int    `xml:"errors,attr"`
		Skipped  *int    `xml:"skipped,attr"`
		Suites   []suite `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	if root.XMLName.Local != "testsuites" || root.Tests == nil || root.Failures == nil || root.Errors == nil || root.Skipped == nil || len(root.Suites) == 0 {
		t.Fatalf("junit.xml root lacks required parts:\n%s", doc)
	}
	got := map[string]string{}
	tests, failures, skipped := 0, 0, 0
	for _, s := range root.Suites {
		if s.Name == nil || s.Tests == nil || s.Failures == nil || s.Errors == nil || s.Skipped == nil || len(s.Cases) == 0 {
			t.Fatalf("testsuite lacks required attributes or cases: %+v", s)
		}
		sf, ss := 0, 0
		for _, c := range s.Cases {
			if c.Name == nil || c.Classname == nil || *c.Classname != "crawlaudit."+*s.Name {
				t.Errorf("testcase lacks name/classname: %+v", c)
				continue
			}
			state := "pass"
			switch {
			case c.Failure != nil:
				if c.Failure.Message == nil || c.Failure.Type == nil || *c.Failure.Message == "" {
					t.Errorf("failure lacks message/type: %s", *c.Name)
					continue
				}
				state = "failure " + *c.Failure.Type
				sf++
			case c.Skipped != nil:
				state = "skipped"
				ss++
			}
			if *c.Name != "no findings" {
				got[*s.Name+" "+*c.Name] = state
			}
		}
		if *s.Tests != len(s.Cases) || *s.Failures != sf || *s.Skipped != ss || *s.Errors != 0 {
			t.Errorf("suite %s counts %d/%d/%d disagree with its cases %d/%d/%d", *s.Name, *s.Tests, *s.Failures, *s.Skipped, len(s.Cases), sf, ss)
		}
		tests, failures, skipped = tests+len(s.Cases), failures+sf, skipped+ss
	}
	if *root.Tests != tests || *root.Failures != failures || *root.Skipped != skipped {
		t.Errorf("testsuites counts %d/%d/%d disagree with the suites %d/%d/%d", *root.Tests, *root.Failures, *root.Skipped, tests, failures, skipped)
	}
	if !reflect.DeepEqual(got, want) {
		var keys []string
		for k, v := range got {
			keys = append(keys, k+" = "+v)
		}
		sort.Strings(keys)
		t.Errorf("junit cases:\n%s", strings.Join(keys, "\n"))
	}
}

// checkMetrics parses a metrics.prom with the Prometheus text parser and
// compares the samples named in want; every family must be a gauge with
// help text.
func checkMetrics(t *testing.T, path string, want map[string]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("metrics.prom does not parse: %v", err)
	}
	got := map[string]float64{}
	for name, fam := range fams {
		if fam.GetHelp() == "" || fam.GetType().String() != "GAUGE" {
			t.Errorf("%s: help %q type %s", name, fam.GetHelp(), fam.GetType())
		}
		if !model.LegacyValidation.IsValidMetricName(name) || !strings.HasPrefix(name, "crawlaudit_") {
			t.Errorf("bad metric name %s", name)
		}
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			got[name+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for _, name := range []string{"crawlaudit_crawl_duration_seconds", "crawlaudit_last_success_timestamp_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	for k, v := range got {
		if strings.HasPrefix(k, "crawlaudit_last_success_timestamp_seconds") && (v < float64(time.Now().Add(-time.Hour).Unix()) || v > float64(time.Now().Unix()+1)) {
			t.Errorf("%s = %v, not the crawl's finish time", k, v)
		}
	}
}

// TestHistoryKeepsNewestCrawlsAndBaselineFromLastUsesTheNewest: with
// BaselineFrom "last" the newest crawl is the baseline whatever its
// verdict (the behaviour before verdicts were kept), and every entry holds
// the verdict of its run.
func TestHistoryKeepsNewestCrawlsAndBaselineFromLastUsesTheNewest(t *testing.T) {
	t.Parallel()
	site := &changingSite{}
	srv := testsite.Start(site, nil)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	if err := os.MkdirAll(filepath.Join(hist, "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	crawl := func(phase int32) bool {
		t.Helper()
		site.phase.Store(phase)
		o := siteOptions(srv.URL, filepath.Join(dir, "out"))
		o.History, o.HistoryKeep, o.FailOnNew, o.BaselineFrom = hist, 2, "error", crawlaudit.BaselineLast
		now := clock
		o.Now = func() time.Time { return now }
		clock = clock.Add(time.Hour)
		res, _ := runJob(t.Context(), t, o)
		return res.Failed
	}
	// First: no history, every finding new → fails. Second, same site:
	// the first is the baseline, nothing new → passes. Third, statuses
	// change: new errors → fails.
	if !crawl(0) {
		t.Fatalf("first crawl passed, want failed")
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "diff.json")); !os.IsNotExist(err) {
		t.Errorf("diff.json without a baseline: %v", err)
	}
	if crawl(0) {
		t.Fatalf("second crawl failed, want passed")
	}
	if !crawl(1) {
		t.Fatalf("third crawl passed, want failed")
	}
	var dj struct {
		Counts map[string]int `json:"counts"`
		Old    struct {
			StartedAt string `json:"started_at"`
		} `json:"old"`
	}
	readJSONFile(t, filepath.Join(dir, "out", "diff.json"), &dj)
	if dj.Old.StartedAt != "2026-01-02T04:04:05Z" || dj.Counts["regressions"] != 4 {
		t.Errorf("third crawl's baseline: %+v", dj)
	}
	des, _ := os.ReadDir(hist)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if strings.Join(names, " ") != "20260102T040405Z 20260102T050405Z notes" {
		t.Errorf("history holds %v, want the two newest crawls and the foreign folder", names)
	}
	for _, f := range []string{"crawl.json", "junit.xml", "summary.md", "metrics.prom", "diff.json", "verdict.json"} {
		if _, err := os.Stat(filepath.Join(hist, "20260102T050405Z", f)); err != nil {
			t.Errorf("history entry lacks %s", f)
		}
	}
	// The second crawl passed against the first (a failing crawl, taken
	// as the baseline all the same with "last"); the third failed.
	if v := readVerdict(t, filepath.Join(hist, "20260102T040405Z")); !v.Passed || v.Accepted || v.FailOn != "error" || !v.OnlyNew || v.Baseline != "20260102T030405Z" {
		t.Errorf("second crawl's verdict %+v", v)
	}
	if v := readVerdict(t, filepath.Join(hist, "20260102T050405Z")); v.Passed || v.Failing != 3 || v.Findings != 4 || v.Baseline != "20260102T040405Z" {
		t.Errorf("third crawl's verdict %+v", v)
	}
}

// verdict is a history entry's verdict.json.
type verdict struct {
	Passed   bool   `json:"passed"`
	Accepted bool   `json:"accepted"`
	FailOn   string `json:"fail_on"`
	OnlyNew  bool   `json:"fail_on_new"`
	Findings int    `json:"findings"`
	Failing  int    `json:"failing"`
	Baseline string `json:"baseline"`
}

func readVerdict(t *testing.T, entry string) verdict {
	t.Helper()
	var v verdict
	readJSONFile(t, filepath.Join(entry, "verdict.json"), &v)
	return v
}

func TestNotifyFailureIsLoggedAndKeepsTheReport(t *testing.T) {
	t.Parallel()
	srv := testsite.Start(&changingSite{}, nil)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name     string
		statuses []int
		posts    int
		logged   string
	}{
		{"retried after 503 then delivered", []int{503, 502}, 3, "notification sent"},
		{"gives up after three attempts", []int{500, 500, 500, 500}, 3, "notification failed"},
		{"no retry after 404", []int{404}, 1, "answered 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := &receiver{statuses: tc.statuses}
			hook := testsite.Start(rc, nil)
			t.Cleanup(hook.Close)
			out := t.TempDir()
			o := siteOptions(srv.URL, out)
			o.FailOn = "never"
			o.NotifyURL, o.NotifyBackoff = hook.URL+"/secret-path", time.Millisecond
			// runJob fails the test if Run returns an error: a failed
			// notification must not change the result.
			res, log := runJob(t.Context(), t, o)
			if res.Failed {
				t.Errorf("failed with FailOn never")
			}
			if n := len(rc.got()); n != tc.posts {
				t.Errorf("%d posts, want %d", n, tc.posts)
			}
			if !strings.Contains(log, tc.logged) || strings.Contains(log, "secret-path") {
				t.Errorf("log:\n%s", log)
			}
			if _, err := os.Stat(filepath.Join(out, "crawl.json")); err != nil {
				t.Errorf("report lost: %v", err)
			}
		})
	}
	// A webhook that never answers: the attempt times out and the crawl
	// still returns.
	t.Run("unreachable webhook", func(t *testing.T) {
		t.Parallel()
		o := siteOptions(srv.URL, t.TempDir())
		o.FailOn = "never"
		o.NotifyURL, o.NotifyBackoff = "http://127.0.0.1:1/hook", time.Millisecond
		if _, log := runJob(t.Context(), t, o); !strings.Contains(log, "notification failed") {
			t.Errorf("log %s", log)
		}
	})
}

func TestPartialCrawlIsNotFiledInHistory(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	site := &changingSite{}
	// The crawl is interrupted while the first linked page is requested.
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/about" {
			cancel()
		}
		site.ServeHTTP(w, r)
	}), nil)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	o := siteOptions(srv.URL, filepath.Join(dir, "out"))
	o.FailOn, o.Concurrency = "never", 1
	o.History, o.AcceptCurrent = filepath.Join(dir, "history"), true
	res, log := runJob(ctx, t, o)
	if !res.Partial || res.Accepted {
		t.Errorf("result partial %v, accepted %v: want a partial crawl, not accepted", res.Partial, res.Accepted)
	}
	if !strings.Contains(log, "--accept-current: the crawl is partial, so it is not filed in the history nor accepted as the baseline") {
		t.Errorf("no warning that the partial crawl is not accepted: %s", log)
	}
	metrics := readFile(t, filepath.Join(o.Out, "metrics.prom"))
	if !strings.Contains(metrics, `crawlaudit_crawl_partial{site="`+hostOf(srv.URL)+`"} 1`+"\n") || strings.Contains(metrics, "last_success") {
		t.Errorf("metrics of a partial crawl:\n%s", metrics)
	}
	if _, err := os.Stat(o.History); !os.IsNotExist(err) {
		t.Errorf("history created for a partial crawl: %v", err)
	}
	if !strings.Contains(log, "partial crawl not filed in history") {
		t.Errorf("log: %s", log)
	}
}

// regressionSite is a fixture site in four states. ok: the home page links
// to /a, /b and /members, which asks for credentials (a known warning,
// unauthorized-linked-page). broken: /a answers 404 and /b 500 (two errors
// on top). worse: broken, and the home page links to /c, which answers
// 500. fixed: everything answers 200, /members too.
type regressionSite struct {
	state atomic.Int32 // siteOK, siteBroken, siteWorse or siteFixed
}

const (
	siteOK = iota
	siteBroken
	siteWorse
	siteFixed
)

func (s *regressionSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page := func(status int, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!doctype html><html><head><title>t</title></head><body>%s</body></html>", body)
	}
	state := s.state.Load()
	broken := state == siteBroken || state == siteWorse
	switch {
	case r.URL.Path == "/" && state == siteWorse:
		page(200, `<a href="/a">a</a><a href="/b">b</a><a href="/members">m</a><a href="/c">c</a>`)
	case r.URL.Path == "/":
		page(200, `<a href="/a">a</a><a href="/b">b</a><a href="/members">m</a>`)
	case r.URL.Path == "/a" && broken:
		page(404, "gone")
	case (r.URL.Path == "/b" || r.URL.Path == "/c") && broken:
		page(500, "oops")
	case r.URL.Path == "/members" && state != siteFixed:
		w.Header().Set("WWW-Authenticate", `Bearer realm="members"`)
		page(401, "log in")
	case r.URL.Path == "/a", r.URL.Path == "/b", r.URL.Path == "/members":
		page(200, "ok: page "+r.URL.Path[1:]) // distinct texts: no duplicate-content finding
	default:
		http.NotFound(w, r)
	}
}

// jobPayload is what the tests read of a webhook payload.
type jobPayload struct {
	Result     string `json:"result"`
	Accepted   bool   `json:"accepted"`
	NoBaseline string `json:"no_baseline"`
	Baseline   *struct {
		StartedAt    string         `json:"started_at"`
		From         string         `json:"from"`
		FailingSince int            `json:"failing_since"`
		Findings     map[string]int `json:"findings"`
		Comparison   string         `json:"comparison"`
	} `json:"baseline"`
}

// scheduledJob runs a site every hour of an injected clock, as a nightly
// job would: same output folder, same history, a webhook.
type scheduledJob struct {
	t     *testing.T
	o     crawlaudit.Options
	clock time.Time
	hook  *receiver
}

func newScheduledJob(t *testing.T, site http.Handler) *scheduledJob {
	t.Helper()
	srv := testsite.Start(site, nil)
	t.Cleanup(srv.Close)
	rc := &receiver{}
	hook := testsite.Start(rc, nil)
	t.Cleanup(hook.Close)
	dir := t.TempDir()
	o := siteOptions(srv.URL, filepath.Join(dir, "out"))
	o.History, o.FailOnNew, o.NotifyURL = filepath.Join(dir, "history"), "error", hook.URL+"/hook"
	return &scheduledJob{t: t, o: o, clock: time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC), hook: rc}
}

// run runs the job once (change sets what differs for this run) and
// returns the result, the webhook payload and the history entry it filed.
func (j *scheduledJob) run(change func(*crawlaudit.Options)) (*crawlaudit.Result, jobPayload, string) {
	j.t.Helper()
	o := j.o
	now := j.clock
	o.Now = func() time.Time { return now }
	j.clock = j.clock.Add(time.Hour)
	if change != nil {
		change(&o)
	}
	res, log := runJob(j.t.Context(), j.t, o)
	bodies := j.hook.got()
	var p jobPayload
	if err := json.Unmarshal(bodies[len(bodies)-1], &p); err != nil {
		j.t.Fatalf("webhook payload: %v", err)
	}
	if strings.Contains(log, `"level":"ERROR"`) {
		j.t.Errorf("run logged an error: %s", log)
	}
	return res, p, filepath.Join(o.History, now.Format("20060102T150405Z"))
}

// TestLastPassingBaselineKeepsARegressionFailing is the nightly job of
// issue 15: run 1 passes, the site breaks, run 2 fails; run 3, the site
// still broken, still fails (against run 1, the last passing crawl, not
// run 2) and the webhook says so; after the fix run 4 passes, and run 5
// compares with run 4. summary.md, junit.xml and the webhook count the
// findings new, resolved and persisting against the baseline.
func TestLastPassingBaselineKeepsARegressionFailing(t *testing.T) {
	t.Parallel()
	site := &regressionSite{}
	job := newScheduledJob(t, site)
	out := job.o.Out

	res, p, run1 := job.run(nil)
	if res.Failed || p.Result != "passed" || p.Baseline != nil || p.NoBaseline != "the history holds no crawl yet, so every finding is new; --accept-current accepts this crawl as the baseline" {
		t.Fatalf("run 1 (a warning only): failed %v, payload %+v", res.Failed, p)
	}
	if v := readVerdict(t, run1); !v.Passed || v.Findings != 1 || v.Failing != 0 || v.Baseline != "" {
		t.Errorf("run 1's verdict %+v", v)
	}

	site.state.Store(siteBroken)
	res, p, run2 := job.run(nil)
	if !res.Failed || p.Result != "failed" {
		t.Fatalf("run 2 (the site broke): failed %v, result %q; want failed", res.Failed, p.Result)
	}
	if v := readVerdict(t, run2); v.Passed || v.Failing != 2 || v.Baseline != filepath.Base(run1) {
		t.Errorf("run 2's verdict %+v", v)
	}

	// Run 3: nothing changed since run 2, but run 2 failed, so run 1 is
	// still the baseline: the two errors are still new.
	res, p, run3 := job.run(nil)
	want := "2 new, 0 resolved, 1 persisting against the baseline of 2026-04-01T02:00:00Z (the last passing crawl in the history; 1 failing since)"
	if !res.Failed || p.Result != "failed" || p.Baseline == nil || p.Baseline.Comparison != want || p.Baseline.From != "last-passing" ||
		p.Baseline.FailingSince != 1 || p.Baseline.StartedAt != "2026-04-01T02:00:00Z" ||
		!reflect.DeepEqual(p.Baseline.Findings, map[string]int{"new": 2, "resolved": 0, "persisting": 1}) {
		t.Fatalf("run 3 (still broken): failed %v, payload %+v; want failed against run 1", res.Failed, p)
	}
	if v := readVerdict(t, run3); v.Passed || v.Baseline != filepath.Base(run1) {
		t.Errorf("run 3's verdict %+v", v)
	}
	md := readFile(t, filepath.Join(out, "summary.md"))
	for _, line := range []string{
		"**❌ Failed: 2 new finding(s) at or above error** — failing on new findings at error or above\n\nFindings: " + want + ".\n\n",
		"### New findings (2)",
	} {
		if !strings.Contains(md, line) {
			t.Errorf("run 3's summary.md lacks %q:\n%s", line, md)
		}
	}
	junit := readFile(t, filepath.Join(out, "junit.xml"))
	for _, suite := range []struct{ rule, fresh, gone, kept string }{
		{"broken-link", "1", "0", "0"}, {"server-error", "1", "0", "0"}, {"unauthorized-linked-page", "0", "0", "1"},
	} {
		props := junitProperties(t, junit, suite.rule)
		if props["new_findings"] != suite.fresh || props["resolved_findings"] != suite.gone || props["persisting_findings"] != suite.kept ||
			props["baseline"] != "2026-04-01T02:00:00Z" || props["comparison"] != want || props["accepted"] != "" {
			t.Errorf("junit.xml suite %s properties %v", suite.rule, props)
		}
	}

	// The fix: nothing new against run 1, and /members' warning resolved.
	site.state.Store(siteFixed)
	res, p, run4 := job.run(nil)
	if res.Failed || p.Result != "passed" || p.Baseline == nil || p.Baseline.FailingSince != 2 ||
		!reflect.DeepEqual(p.Baseline.Findings, map[string]int{"new": 0, "resolved": 1, "persisting": 0}) {
		t.Fatalf("run 4 (fixed): failed %v, payload %+v", res.Failed, p)
	}
	if v := readVerdict(t, run4); !v.Passed || v.Findings != 0 || v.Baseline != filepath.Base(run1) {
		t.Errorf("run 4's verdict %+v", v)
	}
	if _, p, _ := job.run(nil); p.Baseline == nil || p.Baseline.StartedAt != "2026-04-01T05:00:00Z" || p.Baseline.FailingSince != 0 ||
		p.Baseline.Comparison != "0 new, 0 resolved, 0 persisting against the baseline of 2026-04-01T05:00:00Z (the last passing crawl in the history)" {
		t.Errorf("run 5: the baseline is not run 4: %+v", p.Baseline)
	}
}

// junitProperties returns the <properties> of the suite of rule in doc.
func junitProperties(t *testing.T, doc, rule string) map[string]string {
	t.Helper()
	var root struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Props []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	for _, s := range root.Suites {
		if s.Name == rule {
			m := map[string]string{}
			for _, p := range s.Props {
				m[p.Name] = p.Value
			}
			return m
		}
	}
	t.Fatalf("junit.xml has no suite %s", rule)
	return nil
}

// TestAcceptCurrentAcceptsKnownProblemsOnce: the first scheduled run on a
// site with known errors fails (every finding is new), and so does every
// later one, since no crawl ever passed. With AcceptCurrent the first run
// passes, says so, and is filed as the accepted baseline; the next run,
// same problems, passes without it; a new problem fails.
func TestAcceptCurrentAcceptsKnownProblemsOnce(t *testing.T) {
	t.Parallel()
	t.Run("without it every run fails", func(t *testing.T) {
		t.Parallel()
		site := &regressionSite{}
		site.state.Store(siteBroken)
		job := newScheduledJob(t, site)
		if res, _, _ := job.run(nil); !res.Failed {
			t.Fatalf("first run passed, want failed (no baseline: every finding is new)")
		}
		res, p, _ := job.run(nil)
		if !res.Failed || p.Baseline != nil || p.NoBaseline != "the history holds no passing crawl (1 failing), so every finding is new; --accept-current accepts a crawl as the baseline" {
			t.Fatalf("second run: failed %v, payload %+v", res.Failed, p)
		}
		if md := readFile(t, filepath.Join(job.o.Out, "summary.md")); !strings.Contains(md, "\n\nNo baseline: the history holds no passing crawl (1 failing), so every finding is new; --accept-current accepts a crawl as the baseline.\n\n") {
			t.Errorf("summary.md does not say why there is no baseline:\n%s", md)
		}
	})
	t.Run("accepted once", func(t *testing.T) {
		t.Parallel()
		site := &regressionSite{}
		site.state.Store(siteBroken)
		job := newScheduledJob(t, site)
		res, p, run1 := job.run(func(o *crawlaudit.Options) { o.AcceptCurrent = true })
		if res.Failed || !res.Accepted || p.Result != "passed" || !p.Accepted {
			t.Fatalf("accepted run: failed %v, accepted %v, payload %+v", res.Failed, res.Accepted, p)
		}
		if v := readVerdict(t, run1); !v.Passed || !v.Accepted || v.Findings != 3 || v.Failing != 2 {
			t.Errorf("accepted run's verdict %+v", v)
		}
		md := readFile(t, filepath.Join(job.o.Out, "summary.md"))
		if !strings.Contains(md, "**✅ Accepted as the baseline (--accept-current): 2 new finding(s) at or above error accepted** — failing on new findings at error or above; no baseline, so every finding is new\n") {
			t.Errorf("summary.md's verdict:\n%s", md)
		}
		junit := readFile(t, filepath.Join(job.o.Out, "junit.xml"))
		if strings.Contains(junit, "<failure") || junitProperties(t, junit, "server-error")["accepted"] != "true" {
			t.Errorf("accepted run's junit.xml has failures or no accepted property:\n%s", junit)
		}
		// `crawlaudit report` rewrites them alike: the verdict is kept
		// in crawl.db.
		written := map[string]string{}
		for _, name := range []string{"summary.md", "junit.xml", "metrics.prom"} {
			written[name] = readFile(t, filepath.Join(job.o.Out, name))
		}
		if rep, err := crawlaudit.Report(t.Context(), crawlaudit.ReportOptions{Source: job.o.Out}); err != nil || rep.Failed {
			t.Fatalf("report of the accepted run: failed %v, %v", rep != nil && rep.Failed, err)
		}
		for name, was := range written {
			if got := readFile(t, filepath.Join(job.o.Out, name)); got != was {
				t.Errorf("%s rewritten by Report differs from the run's:\n%s\nwas\n%s", name, got, was)
			}
		}

		// Same problems: not new against the accepted crawl.
		res, p, run2 := job.run(nil)
		if res.Failed || res.Accepted || p.Accepted || p.Baseline == nil || p.Baseline.StartedAt != "2026-04-01T02:00:00Z" ||
			!reflect.DeepEqual(p.Baseline.Findings, map[string]int{"new": 0, "resolved": 0, "persisting": 3}) {
			t.Fatalf("run after the accepted one: failed %v, payload %+v; want passed, 3 persisting", res.Failed, p)
		}
		if v := readVerdict(t, run2); !v.Passed || v.Accepted || v.Failing != 0 {
			t.Errorf("second run's verdict %+v", v)
		}

		// A new problem on top of the accepted ones fails.
		site.state.Store(siteWorse)
		res, p, _ = job.run(nil)
		if !res.Failed || p.Result != "failed" || p.Baseline == nil || p.Baseline.StartedAt != "2026-04-01T03:00:00Z" ||
			!reflect.DeepEqual(p.Baseline.Findings, map[string]int{"new": 1, "resolved": 0, "persisting": 3}) {
			t.Fatalf("a new problem: failed %v, payload %+v; want failed, 1 new against run 2", res.Failed, p)
		}
	})
	t.Run("needs a history", func(t *testing.T) {
		t.Parallel()
		o := siteOptions("http://127.0.0.1:1", t.TempDir())
		o.AcceptCurrent = true
		_, err := crawlaudit.Run(t.Context(), o)
		var oe *crawlaudit.OptionError
		if !errors.As(err, &oe) || err.Error() != "--accept-current needs --history: it files this crawl there as the accepted baseline" {
			t.Errorf("AcceptCurrent without History: %v", err)
		}
	})
}
