package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/demo"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// demoServers serves the bundled demo site and its external origin.
func demoServers(t *testing.T) (site, external string, log *testsite.Log) {
	t.Helper()
	log = &testsite.Log{}
	d, err := demo.Start(log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d.Site.URL, d.External.URL, log
}

// crawlJSON is the part of crawl.json the end-to-end tests read.
type crawlJSON struct {
	SchemaVersion int    `json:"schema_version"`
	StartURL      string `json:"start_url"`
	Partial       bool   `json:"partial"`
	URLs          []struct {
		URL             string   `json:"url"`
		Status          int      `json:"status"`
		Kind            string   `json:"kind"`
		BlockedByRobots bool     `json:"blocked_by_robots"`
		Sources         []string `json:"sources"`
		Error           string   `json:"error"`
		SitemapURLs     int      `json:"sitemap_urls"`
		NotRequested    string   `json:"not_requested"`
	} `json:"urls"`
	Findings []struct {
		Rule      string   `json:"rule"`
		Severity  string   `json:"severity"`
		URL       string   `json:"url"`
		Message   string   `json:"message"`
		Referrers []string `json:"referrers"`
	} `json:"findings"`
}

func readCrawlJSON(t *testing.T, dir string) crawlJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c crawlJSON
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("crawl.json: %v", err)
	}
	return c
}

// demoExpectedStatuses reads DEMO.md's "Every URL a crawl records" table:
// path → "status kind" ("blocked" for not requested, 0 for no answer).
func demoExpectedStatuses(t *testing.T, site, external string) map[string]string {
	t.Helper()
	data, err := demo.Sites.ReadFile("sites/DEMO.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\| ([^|]+) \\| (robots|sitemap|page|asset|external) \\|")
	want := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## Every URL a crawl records")
			continue
		}
		m := row.FindStringSubmatch(line)
		if !in || m == nil {
			continue
		}
		u := strings.ReplaceAll(m[1], "{{EXTERNAL}}", external)
		if strings.HasPrefix(u, "/") {
			u = site + u
		}
		status := strings.TrimSpace(m[2])
		switch status {
		case "not requested":
			status = "blocked"
		case "no answer":
			status = "0"
		}
		want[u] = status + " " + m[3]
	}
	if len(want) < 60 {
		t.Fatalf("DEMO.md table gave only %d URLs", len(want))
	}
	return want
}
