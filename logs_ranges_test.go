package crawlaudit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
)

// toLoopback sends every request to a loopback test server, whatever its
// URL: the publishers' hosts are never contacted.
type toLoopback struct{ srv *httptest.Server }

func (l toLoopback) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host = "http", strings.TrimPrefix(l.srv.URL, "http://")
	r2.Host = r.URL.Host
	return http.DefaultTransport.RoundTrip(r2)
}

// TestUpdateRanges fetches the published ranges (from a loopback stand-in)
// into a folder; a file that does not parse is not written, and the others
// are; Logs then loads them from that folder.
func TestUpdateRanges(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Host+r.URL.Path)
		switch {
		case strings.HasSuffix(r.URL.Path, "/googlebot.json"):
			w.Write([]byte(`{"creationTime":"2026-03-20T14:46:01.000000","prefixes":[{"ipv4Prefix":"66.249.66.0/27"}]}`))
		case strings.HasSuffix(r.URL.Path, "/bingbot.json"):
			w.Write([]byte(`<html>moved</html>`))
		case strings.HasSuffix(r.URL.Path, "/gptbot.json"):
			http.Error(w, "gone", http.StatusNotFound)
		default:
			w.Write([]byte(`{"prefixes":[{"ipv6Prefix":"2001:db8::/32"}]}`))
		}
	}))
	t.Cleanup(srv.Close)
	dir := filepath.Join(t.TempDir(), "ranges")
	files, err := crawlaudit.UpdateRanges(context.Background(), dir, &http.Client{Transport: toLoopback{srv}})
	if err == nil || !strings.Contains(err.Error(), "bingbot.json") || !strings.Contains(err.Error(), "gptbot.json: 404") {
		t.Errorf("error %v, want bingbot.json and gptbot.json named", err)
	}
	if len(files) != 7 || len(asked) != 9 || asked[0] != "developers.google.com/static/search/apis/ipranges/googlebot.json" {
		t.Errorf("files %v, asked %v", files, asked)
	}
	if _, err := os.Stat(filepath.Join(dir, "bingbot.json")); err == nil {
		t.Error("an answer that is not ranges was written")
	}
	out := t.TempDir()
	if _, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{Files: []string{"testdata/logs/vhost_combined.log"}, Out: out, RangesDir: dir}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "bot_hits.csv"))
	if err != nil || strings.Count(string(b), ",search,verified,") != 2 {
		t.Errorf("bot_hits.csv with the fetched ranges:\n%s (%v)", b, err)
	}
}
