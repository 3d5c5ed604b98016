package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
)

// TestWorkerBadInputIsOneLine: the worker command's bad input is one line
// on stderr and exit code 2, and a Redis URL's password never shows.
func TestWorkerBadInputIsOneLine(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no --redis", []string{"worker"}, "--redis required"},
		{"not a redis URL", []string{"worker", "--redis", "http://user:s3cret@127.0.0.1:1/"}, "not a redis:// or rediss:// URL"},
		{"concurrency out of range", []string{"worker", "--redis", "redis://127.0.0.1:1/0", "--concurrency", "5000"}, "--concurrency"},
		{"bad auth origin", []string{"worker", "--redis", "redis://127.0.0.1:1/0", "--auth-origin", "ftp://x"}, "--auth-origin"},
		{"auth origin without a credential source", []string{"worker", "--redis", "redis://127.0.0.1:1/0", "--auth-origin", "https://a.test", "--basic-auth-env", "CRAWLAUDIT_TEST_UNSET_VAR"}, "no credential source is set"},
		{"arguments", []string{"worker", "--redis", "redis://127.0.0.1:1/0", "extra"}, "unknown command"},
		{"redis down", []string{"worker", "--redis", "redis://:s3cret@127.0.0.1:1/0"}, "--redis"},
		{"crawl --workers-only without --redis", []string{"crawl", "http://127.0.0.1:1/", "--workers-only"}, "--workers-only"},
		{"crawl --redis with --render", []string{"crawl", "http://127.0.0.1:1/", "--redis", "redis://127.0.0.1:1/0", "--render"}, "not with --render"},
		{"crawl --redis bad URL", []string{"crawl", "http://127.0.0.1:1/", "--redis", "redis://a:s3cret@[::1"}, "--redis"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(c.args, &stdout, &stderr)
			e := stderr.String()
			if code != 2 {
				t.Fatalf("exit code %d, want 2; stderr %q", code, e)
			}
			if !strings.Contains(e, c.stderr) || strings.Count(strings.TrimRight(e, "\n"), "\n") != 0 || !strings.HasPrefix(e, "crawlaudit: ") {
				t.Fatalf("stderr = %q, want one line containing %q", e, c.stderr)
			}
			if strings.Contains(e, "s3cret") {
				t.Fatalf("the Redis password is on stderr: %q", e)
			}
		})
	}
}

// TestWorkerMetricsEndpoint: --metrics-addr serves the worker's counters in
// the Prometheus text format.
func TestWorkerMetricsEndpoint(t *testing.T) {
	m := &crawlaudit.WorkerMetrics{}
	m.URLs.Add(42)
	m.InFlight.Add(3)
	m.LeaseExpiries.Add(1)
	m.StreamLag.Store(7)
	addr, stop, err := serveMetrics("127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"# TYPE crawlaudit_worker_urls_total counter\ncrawlaudit_worker_urls_total 42\n",
		"crawlaudit_worker_in_flight 3\n",
		"crawlaudit_worker_lease_expiries_total 1\n",
		"crawlaudit_worker_stream_lag 7\n",
		"crawlaudit_worker_refused_crawls 0\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestProgressCountsWorkers: in a crawl with workers the progress line
// gives the rate of URLs recorded, the live workers and the refusals.
func TestProgressCountsWorkers(t *testing.T) {
	snap := func() crawlaudit.ProgressSnapshot {
		return crawlaudit.ProgressSnapshot{Done: 40, Queued: 7, Errors: 3, Requests: 2, Workers: 4, Refused: 1}
	}
	var buf syncBuffer
	tk := newManualTicker()
	stop := showProgress(&buf, snap, true, fixedClock(time.Second), tk.tick)
	tk.c <- time.Time{}
	stop()
	out := buf.String()
	if !strings.Contains(out, "40 URLs done, 7 queued, 40 URLs/s, 3 errors, 4 workers,") || !strings.Contains(out, "1 refused (no credentials)") {
		t.Fatalf("progress line = %q", out)
	}
}
