package crawlaudit_test

import (
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/history"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// smallSite serves a home page linking to /a and /b; /b answers status.
func smallSite(t *testing.T, status int) string {
	t.Helper()
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><body><a href="/a">a</a><a href="/b">b</a></body></html>`))
		case "/a":
			w.Write([]byte(`<html><body>a</body></html>`))
		case "/b":
			w.WriteHeader(status)
			w.Write([]byte(`<html><body>b</body></html>`))
		default:
			http.NotFound(w, r)
		}
	}), nil)
	t.Cleanup(srv.Close)
	return srv.URL
}

// readConfig reads the crawlaudit.yaml at path with crawlaudit.ReadConfig.
func readConfig(t *testing.T, path string) *crawlaudit.Config {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := crawlaudit.ReadConfig(f, path)
	if err != nil {
		t.Fatalf("ReadConfig: %v", err)
	}
	return cfg
}

// TestConfigCrawlsThreeSitesEndToEnd reads a crawlaudit.yaml of three sites
// and runs them with RunSites: each site gets its own output and history
// folder, its own rule settings and fail level, and its name in metrics;
// Config.Site gives one site's settings for a run of that URL alone.
// cmd/crawlaudit tests `crawl --config`: its printing, exit codes, and
// flags over the file.
func TestConfigCrawlsThreeSitesEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ok, broken, auth := smallSite(t, 200), smallSite(t, 404), smallSite(t, 401)
	dir := t.TempDir()
	path := filepath.Join(dir, "crawlaudit.yaml")
	writeFile(t, path, `parallel_sites: 2
defaults:
  out: `+filepath.Join(dir, "reports")+`
  history: `+filepath.Join(dir, "hist")+`
  concurrency: 2
  timeout: 5s
  rules:
    missing-www-authenticate: {disabled: true}
sites:
  - url: `+ok+`/
    name: ok
  - url: `+broken+`/
    name: broken
    rules:
      broken-link: {severity: warning}
  - url: `+auth+`/
    name: auth
    out: `+filepath.Join(dir, "auth-report")+`
    fail_on: never
`)
	cfg := readConfig(t, path)
	if len(cfg.Sites) != 3 || cfg.ParallelSites != 2 || cfg.Sites[1].Name != "broken" || cfg.Sites[1].Start != broken+"/" || cfg.Sites[1].Out != filepath.Join(dir, "reports", "broken") {
		t.Fatalf("config: %d sites, parallel %d, second %s: %s → %s", len(cfg.Sites), cfg.ParallelSites, cfg.Sites[1].Name, cfg.Sites[1].Start, cfg.Sites[1].Out)
	}
	// broken-link lowered to a warning: no site reaches the error level.
	results := crawlaudit.RunSites(ctx, cfg.Sites, cfg.ParallelSites, nil)
	for i, want := range []struct{ name, out, start, findings string }{
		{"ok", filepath.Join(dir, "reports", "ok"), ok + "/", ""},
		{"broken", filepath.Join(dir, "reports", "broken"), broken + "/", "broken-link warning " + broken + "/b"},
		{"auth", filepath.Join(dir, "auth-report"), auth + "/", "unauthorized-linked-page warning " + auth + "/b"},
	} {
		r := results[i]
		if r.Err != nil || r.Options.Name != want.name || r.Result.Failed || r.Result.Out != want.out {
			t.Errorf("site %d: %s, error %v, result %+v; want %s passed in %s", i, r.Options.Name, r.Err, r.Result, want.name, want.out)
			continue
		}
		c := readCrawlJSON(t, want.out)
		var fs []string
		for _, f := range c.Findings {
			fs = append(fs, f.Rule+" "+f.Severity+" "+f.URL)
		}
		if c.StartURL != want.start || strings.Join(fs, "\n") != want.findings || len(c.URLs) != 4 {
			t.Errorf("site %s: start %s, %d URLs, findings %q", want.name, c.StartURL, len(c.URLs), fs)
		}
		if !strings.Contains(readFile(t, filepath.Join(want.out, "metrics.prom")), `site="`+want.name+`"`) {
			t.Errorf("%s: metrics.prom lacks the site label", want.name)
		}
	}
	// Fail level warning for every site (on the command line, --fail-on
	// warning wins over the file): two sites fail, auth despite its own
	// fail_on: never in the file.
	sites := append([]crawlaudit.Options(nil), cfg.Sites...)
	for i := range sites {
		sites[i].FailOn = crawlaudit.LevelWarning
	}
	failed := map[string]bool{}
	for _, r := range crawlaudit.RunSites(ctx, sites, 1, nil) {
		if r.Err != nil {
			t.Fatalf("site %s: %v", r.Options.Name, r.Err)
		}
		failed[r.Options.Name] = r.Result.Failed
	}
	if want := map[string]bool{"ok": false, "broken": true, "auth": true}; !maps.Equal(failed, want) {
		t.Errorf("fail level warning: failed %v, want %v", failed, want)
	}
	// One URL with a config: that site's settings and history folder, the
	// output folder given as it is.
	single, found, err := cfg.Site(broken + "/")
	if err != nil || !found {
		t.Fatalf("Site(%s): found %v, %v", broken+"/", found, err)
	}
	single.Out, single.FailOn = filepath.Join(dir, "single"), crawlaudit.LevelWarning
	res, _ := runJob(ctx, t, single)
	if c := readCrawlJSON(t, filepath.Join(dir, "single")); !res.Failed || len(c.Findings) != 1 || c.Findings[0].Severity != "warning" {
		t.Errorf("single site from config: failed %v %+v", res.Failed, c.Findings)
	}
	// Each site has its own history; the second and third crawls had a
	// baseline (nothing changed).
	for name, n := range map[string]int{"ok": 2, "broken": 3, "auth": 2} {
		entries, err := history.Entries(filepath.Join(dir, "hist", name))
		if err != nil || len(entries) != n {
			t.Errorf("history of %s: %v %v, want %d entries", name, entries, err, n)
		}
	}
	var dj struct {
		Counts map[string]int `json:"counts"`
	}
	readJSONFile(t, filepath.Join(dir, "single", "diff.json"), &dj)
	if dj.Counts["changes"] != 0 || dj.Counts["new_findings"] != 0 {
		t.Errorf("single-site diff against its history: %v", dj.Counts)
	}
}
