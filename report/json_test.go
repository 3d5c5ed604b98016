package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func writeJSON(t *testing.T, r store.Reader) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, newCrawl(r, Options{})); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteJSONGolden(t *testing.T) {
	t.Parallel()
	golden(t, "crawl.json", writeJSON(t, newFixture(t)))
}

func TestWriteJSONSchema(t *testing.T) {
	t.Parallel()
	out := writeJSON(t, newFixture(t))
	if !json.Valid(out) {
		t.Fatalf("not valid JSON:\n%s", out)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	keysOf := func(raw json.RawMessage) []string {
		t.Helper()
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	sorted := func(s ...string) []string { sort.Strings(s); return s }

	t.Run("top level has exactly the documented fields", func(t *testing.T) {
		want := sorted("schema_version", "tool_version", "start_url", "started_at", "finished_at", "partial", "settings", "summary", "auth", "budget", "issues", "urls", "spaces", "findings")
		if got := keysOf(out); !reflect.DeepEqual(got, want) {
			t.Errorf("keys = %v, want %v", got, want)
		}
		if string(doc["schema_version"]) != "1" {
			t.Errorf("schema_version = %s", doc["schema_version"])
		}
		if string(doc["started_at"]) != `"2026-01-02T03:04:05Z"` {
			t.Errorf("started_at = %s, want RFC 3339", doc["started_at"])
		}
	})

	var urls, findings []json.RawMessage
	if err := json.Unmarshal(doc["urls"], &urls); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc["findings"], &findings); err != nil {
		t.Fatal(err)
	}
	t.Run("every url object has every field, empty or not", func(t *testing.T) {
		want := sorted("url", "status", "kind", "sources", "depth", "inlinks", "referrers", "content_type", "bytes", "response_ms", "redirect", "www_authenticate", "noindex", "canonical", "title", "in_sitemap", "blocked_by_robots", "truncated", "method", "error")
		if len(urls) != 11 {
			t.Fatalf("%d urls, want 11", len(urls))
		}
		for _, u := range urls {
			var kind struct {
				Error     string `json:"error"`
				ErrorKind string `json:"error_kind"`
			}
			if err := json.Unmarshal(u, &kind); err != nil {
				t.Fatal(err)
			}
			want := want
			if kind.ErrorKind != "" { // present only when set, with an error
				want = sorted(append(want, "error_kind")...)
				if kind.Error == "" {
					t.Errorf("error_kind %q without an error", kind.ErrorKind)
				}
			}
			if got := keysOf(u); !reflect.DeepEqual(got, want) {
				t.Errorf("keys = %v, want %v", got, want)
			}
			if bytes.Contains(u, []byte("null")) {
				t.Errorf("null in %s", u)
			}
		}
	})
	t.Run("every finding has rule, severity, url, message, fix, referrers", func(t *testing.T) {
		want := sorted("rule", "severity", "url", "message", "fix", "referrers")
		for _, f := range findings {
			if got := keysOf(f); !reflect.DeepEqual(got, want) {
				t.Errorf("keys = %v, want %v", got, want)
			}
		}
	})
	t.Run("url object fields are mapped from the record and its edges", func(t *testing.T) {
		var got []jsonURL
		if err := json.Unmarshal(doc["urls"], &got); err != nil {
			t.Fatal(err)
		}
		byURL := map[string]jsonURL{}
		for _, u := range got {
			byURL[u.URL] = u
		}
		admin := byURL[fxAdmin]
		if admin.WWWAuthenticate != `Basic realm="admin", Bearer` {
			t.Errorf("www_authenticate = %q, want the values joined with \", \"", admin.WWWAuthenticate)
		}
		if want := []jsonReferrer{{From: fxHome, Type: store.EdgeLink, Tag: "a"}}; !reflect.DeepEqual(admin.Referrers, want) {
			t.Errorf("repeated link: referrers = %+v, want %+v", admin.Referrers, want)
		}
		home := byURL[fxHome]
		if want := []string{"link", "sitemap", "start"}; !reflect.DeepEqual(home.Sources, want) {
			t.Errorf("home sources = %v, want %v", home.Sources, want)
		}
		if home.Inlinks != 0 || len(home.Referrers) != 2 {
			t.Errorf("self-link: inlinks = %d (want 0), referrers = %+v (want sitemap and self)", home.Inlinks, home.Referrers)
		}
		if logo := byURL[fxLogo]; logo.Inlinks != 2 || logo.Bytes != -1 {
			t.Errorf("logo inlinks = %d, bytes = %d; want 2, -1", logo.Inlinks, logo.Bytes)
		}
		if robots := byURL[fxRobots]; robots.Sources == nil || robots.Referrers == nil || len(robots.Referrers) != 0 {
			t.Errorf("robots.txt without edges: sources %#v, referrers %#v; want empty arrays", robots.Sources, robots.Referrers)
		}
	})
	t.Run("HTML in titles is escaped", func(t *testing.T) {
		if bytes.Contains(out, []byte("<script>")) {
			t.Error("raw <script> in crawl.json")
		}
		if !bytes.Contains(out, []byte(`Home \u003cscript\u003ealert(1)\u003c/script\u003e`)) {
			t.Error("escaped title missing")
		}
	})
}

func TestReadJSONRoundTrip(t *testing.T) {
	t.Parallel()
	first := writeJSON(t, newFixture(t))
	m, err := ReadJSON(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("write, read, write gives identical bytes", func(t *testing.T) {
		if second := writeJSON(t, m); !bytes.Equal(first, second) {
			t.Errorf("round trip differs:\n--- first ---\n%s\n--- second ---\n%s", first, second)
		}
	})
	t.Run("urls.csv, findings.csv and the table regenerate identically", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			write writerFunc
		}{
			{"urls.csv", WriteURLsCSV},
			{"findings.csv", WriteFindingsCSV},
			{"table", func(w io.Writer, r *Crawl) error { return WriteTable(w, r, TableOptions{}) }},
		} {
			var a, b bytes.Buffer
			if err := tc.write(&a, newCrawl(newFixture(t), Options{})); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(&b, newCrawl(m, Options{})); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("%s from crawl.json differs:\n--- crawl ---\n%s\n--- crawl.json ---\n%s", tc.name, a.String(), b.String())
			}
		}
	})
	t.Run("the start URL and metadata come back", func(t *testing.T) {
		meta, _ := m.Meta()
		if meta.ToolVersion != "v0.1.0-test" || meta.StartURL != fxHome || meta.StartedAt.Unix() != fxStartSec || meta.Settings["max_depth"] != "5" {
			t.Errorf("meta = %+v", meta)
		}
		u, ok, _ := m.Get(fxHome)
		if !ok || !u.Start {
			t.Errorf("start URL record = %+v, %v; want Start", u, ok)
		}
	})
}

func TestReadJSONErrors(t *testing.T) {
	t.Parallel()
	valid := string(writeJSON(t, newFixture(t)))
	tests := []struct {
		name, in, want string
	}{
		{"malformed JSON", `{"schema_version":1,`, "read crawl.json"},
		{"unknown schema version", strings.Replace(valid, `"schema_version": 1`, `"schema_version": 2`, 1), "schema_version 2, want 1"},
		{"missing schema version", `{}`, "schema_version 0, want 1"},
		{"started_at not RFC 3339", strings.Replace(valid, `"2026-01-02T03:04:05Z"`, `"yesterday"`, 1), "started_at"},
		{"wrong type", strings.Replace(valid, `"partial": false`, `"partial": "no"`, 1), "read crawl.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadJSON(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestWriteJSONErrors(t *testing.T) {
	t.Parallel()
	t.Run("write error is returned", func(t *testing.T) {
		t.Parallel()
		if err := WriteJSON(errWriter{}, newCrawl(newFixture(t), Options{})); !errors.Is(err, errWrite) {
			t.Errorf("err = %v, want %v", err, errWrite)
		}
	})
	for _, fail := range []string{"meta", "urls", "edgesTo", "findings"} {
		t.Run("store error on "+fail+" is returned", func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteJSON(&buf, newCrawl(failingReader{Reader: newFixture(t), fail: fail}, Options{})); !errors.Is(err, errRead) {
				t.Errorf("err = %v, want %v", err, errRead)
			}
		})
	}
	t.Run("empty store writes empty arrays", func(t *testing.T) {
		t.Parallel()
		out := writeJSON(t, store.NewMemory())
		if !json.Valid(out) || !bytes.Contains(out, []byte(`"urls": [],`)) || !bytes.Contains(out, []byte(`"findings": []`)) {
			t.Errorf("empty crawl.json:\n%s", out)
		}
	})
}

// TestRenderedPageRoundTrip: a rendered page's render object and urls.csv's
// rendering columns (in a crawl whose setting says it rendered) come back
// from crawl.json as written, masked.
func TestRenderedPageRoundTrip(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	meta, _ := m.Meta()
	meta.Settings["render"] = "auto"
	if err := m.SetMeta(meta); err != nil {
		t.Fatal(err)
	}
	u, _, _ := m.Get(fxHome)
	u.Render = &store.Render{Reason: `empty app root <div id="root">`, Status: 200, Title: "Home", Canonical: fxHome + "?token=abc",
		NoIndex: true, Links: 4, OnlyLinks: 3, TextLength: 321, Requests: 9, Failed: 2, Blocked: 1, ErrorKind: "timeout",
		Error: "the page did not load within 15s", ConsoleErrors: []string{"Uncaught Error: boom at " + fxHome + "?token=abc"}}
	if err := m.PutURL(u); err != nil {
		t.Fatal(err)
	}
	first := writeJSON(t, m)
	for _, want := range []string{`"reason": "empty app root \u003cdiv id=\"root\"\u003e"`, `"only_links": 3`, `token=REDACTED`} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("crawl.json lacks %s", want)
		}
	}
	if bytes.Contains(first, []byte("token=abc")) {
		t.Error("crawl.json holds the token")
	}
	back, err := ReadJSON(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if second := writeJSON(t, back); !bytes.Equal(first, second) {
		t.Errorf("round trip differs:\n%s\n%s", first, second)
	}
	var csv bytes.Buffer
	if err := WriteURLsCSV(&csv, newCrawl(m, Options{})); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(csv.String(), "\n")
	if !strings.HasSuffix(strings.TrimSpace(lines[0]), ",rendered,render_title,render_canonical,render_noindex,render_only_links,render_text_length,render_failed,render_error_kind") {
		t.Errorf("urls.csv header %q", lines[0])
	}
	found := false
	for _, l := range lines {
		if strings.HasSuffix(strings.TrimSpace(l), ",true,Home,"+fxHome+"?token=REDACTED,true,3,321,2,timeout") {
			found = true
		}
	}
	if !found {
		t.Errorf("urls.csv has no rendered row for the home page:\n%s", csv.String())
	}
}
