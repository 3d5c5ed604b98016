package logs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

const fixtures = "../../testdata/logs"

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCombinedLine(t *testing.T) {
	t.Parallel()
	f, err := ParseFormat("combined", nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.Parse([]byte(`2001:4860:4801:10::1 - - [29/Mar/2026:09:15:00 +0200] "GET /blog/post-1?utm_source=x HTTP/1.1" 200 - "-" "Mozilla/5.0 \"quoted\" (compatible; Googlebot/2.1)"`))
	if err != nil {
		t.Fatal(err)
	}
	if e.IP.String() != "2001:4860:4801:10::1" || e.Method != "GET" || e.Target != "/blog/post-1?utm_source=x" ||
		e.Status != 200 || e.Bytes != -1 || e.Referer != "" || e.UserAgent != `Mozilla/5.0 "quoted" (compatible; Googlebot/2.1)` || e.Duration != -1 {
		t.Fatalf("entry = %+v", e)
	}
	if _, off := e.Time.Zone(); off != 7200 || e.Time.UTC().Format(time.RFC3339) != "2026-03-29T07:15:00Z" {
		t.Fatalf("time = %v (offset %d), want 09:15 at +02:00", e.Time, off)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	f, _ := ParseFormat("combined", nil)
	for name, line := range map[string]string{
		"not a log line":       "this is not a log line",
		"status not a number":  `1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] "GET / HTTP/1.1" 2x0 10 "-" "x"`,
		"31 February":          `1.2.3.4 - - [31/Feb/2026:13:00:00 +0200] "GET / HTTP/1.1" 200 10 "-" "x"`,
		"zone without sign":    `1.2.3.4 - - [29/Mar/2026:13:00:00 0200] "GET / HTTP/1.1" 200 10 "-" "x"`,
		"request without path": `1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] "GET" 200 10 "-" "x"`,
		"trailing garbage":     `1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] "GET / HTTP/1.1" 200 10 "-" "x" extra`,
		"missing user agent":   `1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] "GET / HTTP/1.1" 200 10`,
	} {
		if e, err := f.Parse([]byte(line)); err == nil {
			t.Errorf("%s: parsed as %+v, want an error", name, e)
		}
	}
}

func TestCustomFormats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, spec, file string
		want             []time.Duration
		host             string
	}{
		{"Apache %D is microseconds", `apache:%h %t "%r" %>s %b "%{User-Agent}i" %D`, "apache_custom.log", []time.Duration{1250 * time.Millisecond, 4 * time.Millisecond}, ""},
		{"nginx $request_time is seconds, - unknown", `nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time $host`, "nginx_custom.log", []time.Duration{1250 * time.Millisecond, 4 * time.Millisecond, -1}, "example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFormat(c.spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSpace(readFixture(t, c.file)), []byte("\n"))
			if len(lines) != len(c.want) {
				t.Fatalf("%d lines, want %d", len(lines), len(c.want))
			}
			for i, l := range lines {
				e, err := f.Parse(l)
				if err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if e.Duration != c.want[i] || e.Host != c.host {
					t.Errorf("line %d: duration %v host %q, want %v %q", i+1, e.Duration, e.Host, c.want[i], c.host)
				}
				if Identify(e.UserAgent) == nil {
					t.Errorf("line %d: %q not identified", i+1, e.UserAgent)
				}
			}
		})
	}
}

func TestFormatStringErrors(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{
		"apache:%h %t",            // no request, no status
		`apache:%h %t "%r" %>s%b`, // two fields glued
		"apache:%h %Z",            // unknown directive
		"apache:%h %",             // dangling %
		"nginx:$remote_addr",      // nothing useful
		"ltsv",                    // unknown name
	} {
		if _, err := ParseFormat(spec, nil); err == nil {
			t.Errorf("ParseFormat(%q) = nil error", spec)
		}
	}
}

// aggregate reads fixture files into a fresh aggregator.
func aggregate(t *testing.T, cfg Config, files ...string) store.LogData {
	t.Helper()
	a, err := NewAggregator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if err := a.Read(context.Background(), bytes.NewReader(readFixture(t, name)), name); err != nil {
			t.Fatal(err)
		}
	}
	return a.Result()
}

func loadRanges(t *testing.T) *Ranges {
	t.Helper()
	r := NewRanges()
	for _, name := range []string{"googlebot.json", "bingbot.json"} {
		if err := r.Load(OperatorOf(name), bytes.NewReader(readFixture(t, "ranges/"+name)), name); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// TestEveryFormatFixture reads each fixture with format detection and
// checks the exact counts.
func TestEveryFormatFixture(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, format                                  string
		lines, requests, bots, humans, bad, durations int64
	}{
		{"combined.log", "combined", 16, 12, 9, 3, 3, 0},
		{"combined.log.gz", "combined", 16, 12, 9, 3, 3, 0},
		{"common.log", "common", 4, 3, 0, 3, 1, 0},
		{"vhost_combined.log", "vhost_combined", 3, 3, 2, 1, 0, 0},
		{"caddy.json", "json", 4, 2, 1, 1, 2, 1},
		{"nginx.json", "json", 2, 2, 2, 0, 0, 2},
		{"iis.log", "w3c", 9, 3, 2, 1, 1, 1},
		{"cloudfront.log", "w3c", 4, 2, 1, 1, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			d := aggregate(t, Config{Site: "https://example.com"}, c.file)
			r := d.Run
			if r.Formats[0] != c.format || r.Lines != c.lines || r.Requests != c.requests || r.BotLines != c.bots || r.HumanLines != c.humans || r.BadLines != c.bad {
				t.Fatalf("format %s lines %d requests %d bots %d humans %d bad %d (%+v), want %s %d %d %d %d %d",
					r.Formats[0], r.Lines, r.Requests, r.BotLines, r.HumanLines, r.BadLines, r.Bad, c.format, c.lines, c.requests, c.bots, c.humans, c.bad)
			}
			var timed int64
			for _, h := range d.Hits {
				if h.Times != nil {
					timed += h.Hits
				}
			}
			if timed != c.durations {
				t.Errorf("%d hits with a response time, want %d", timed, c.durations)
			}
		})
	}
}

func TestCombinedFixtureHits(t *testing.T) {
	t.Parallel()
	v := NewVerifier(VerifierConfig{Ranges: loadRanges(t)})
	d := aggregate(t, Config{Site: "https://example.com", Verifier: v}, "combined.log")
	var got []string
	for _, h := range d.Hits {
		got = append(got, h.URL+" "+h.Bot+" "+h.Verdict+" "+itoa(h.Hits)+" "+h.FirstSeen.Format(time.RFC3339)+" "+h.LastSeen.Format(time.RFC3339))
	}
	want := []string{
		"https://example.com/ Googlebot Smartphone verified 1 2026-03-28T23:59:58+01:00 2026-03-28T23:59:58+01:00",
		"https://example.com/blog/post-1 GPTBot unverified 1 2026-03-29T11:00:00+02:00 2026-03-29T11:00:00+02:00",
		"https://example.com/blog/post-1?utm_source=x Googlebot Desktop verified 1 2026-03-29T09:15:00+02:00 2026-03-29T09:15:00+02:00",
		"https://example.com/blog/post-2 Googlebot Desktop verified 1 2026-03-29T12:00:00+02:00 2026-03-29T12:00:00+02:00",
		// across the DST change: 01:59:59 +01:00 then 03:00:01 +02:00, two seconds apart
		"https://example.com/members/ Googlebot Smartphone verified 2 2026-03-29T01:59:59+01:00 2026-03-29T03:00:01+02:00",
		"https://example.com/old-page Bingbot verified 1 2026-03-29T04:00:00-04:00 2026-03-29T04:00:00-04:00",
		"https://example.com/private/report.pdf Googlebot Image verified 1 2026-03-29T14:00:00+02:00 2026-03-29T14:00:00+02:00",
		"https://example.com/wp-login.php Googlebot Desktop fake 1 2026-03-29T10:00:00+02:00 2026-03-29T10:00:00+02:00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var days []string
	for _, x := range d.Days {
		days = append(days, x.Day+" "+x.Bot+" "+x.Verdict+" "+x.Class+" "+itoa(x.Hits))
	}
	wantDays := []string{
		"2026-03-28 Googlebot Smartphone verified 2xx 1",
		"2026-03-29 Bingbot verified 3xx 1",
		"2026-03-29 GPTBot unverified 2xx 1",
		"2026-03-29 Googlebot Desktop fake 4xx 1",
		"2026-03-29 Googlebot Desktop verified 2xx 1",
		"2026-03-29 Googlebot Desktop verified 5xx 1",
		"2026-03-29 Googlebot Image verified 4xx 1",
		"2026-03-29 Googlebot Smartphone verified 4xx 2",
	}
	if strings.Join(days, "\n") != strings.Join(wantDays, "\n") {
		t.Fatalf("days:\n%s\nwant:\n%s", strings.Join(days, "\n"), strings.Join(wantDays, "\n"))
	}
	if d.Run.First.Format(time.RFC3339) != "2026-03-28T23:59:58+01:00" || d.Run.Last.Format(time.RFC3339) != "2026-03-29T14:00:00+02:00" {
		t.Errorf("window %v – %v", d.Run.First, d.Run.Last)
	}
	wantBad := []store.BadLine{{File: "combined.log", Line: 12, Reason: "fields do not match the format"}, {File: "combined.log", Line: 13, Reason: "bad status"}, {File: "combined.log", Line: 14, Reason: "bad timestamp"}}
	if len(d.Run.Bad) != 3 || d.Run.Bad[0] != wantBad[0] || d.Run.Bad[1] != wantBad[1] || d.Run.Bad[2] != wantBad[2] {
		t.Errorf("bad lines %+v, want %+v", d.Run.Bad, wantBad)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestHumanLinesAreNotKept: nothing of a visitor's line reaches the result.
func TestHumanLinesAreNotKept(t *testing.T) {
	t.Parallel()
	d := aggregate(t, Config{Site: "https://example.com"}, "combined.log", "caddy.json", "iis.log")
	for _, h := range d.Hits {
		for _, human := range []string{"/search", "/blog/", "/login.aspx"} {
			if strings.HasSuffix(h.URL, human) {
				t.Errorf("a visitor's URL was kept: %+v", h)
			}
		}
	}
	if d.Run.HumanLines != 5 {
		t.Errorf("%d human lines, want 5", d.Run.HumanLines)
	}
}

func TestVhostKeepsItsHosts(t *testing.T) {
	t.Parallel()
	d := aggregate(t, Config{Site: "https://example.com"}, "vhost_combined.log")
	if len(d.Hits) != 2 || d.Hits[0].URL != "https://example.com/" || d.Hits[1].URL != "https://shop.example.com/cart" {
		t.Fatalf("hits %+v", d.Hits)
	}
}

func TestW3CValues(t *testing.T) {
	t.Parallel()
	d := aggregate(t, Config{Site: "https://example.com"}, "iis.log", "cloudfront.log")
	var got []string
	for _, h := range d.Hits {
		got = append(got, h.URL+" "+h.Bot+" "+h.FirstSeen.Format(time.RFC3339))
	}
	want := "https://example.com/after-restart Googlebot Desktop 2026-03-29T09:00:03Z\n" +
		"https://example.com/default.aspx?id=3 Googlebot Desktop 2026-03-29T09:00:00Z\n" +
		"https://example.com/index.html Googlebot Desktop 2026-03-29T09:00:00Z"
	if strings.Join(got, "\n") != want {
		t.Fatalf("hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	f, _ := ParseFormat("w3c", nil)
	e, err := f.Parse([]byte("2026-03-29 09:00:00 10.0.0.1 GET /a - 443 - 66.249.66.1 Mozilla/5.0+(compatible;+Googlebot/2.1) - 200 0 0 15"))
	if err != nil || e.UserAgent != "Mozilla/5.0 (compatible; Googlebot/2.1)" || e.Duration != 15*time.Millisecond {
		t.Fatalf("IIS line: %+v %v", e, err)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"combined.log": "combined", "common.log": "common", "vhost_combined.log": "vhost_combined",
		"caddy.json": "json", "nginx.json": "json", "iis.log": "w3c", "cloudfront.log": "w3c",
	} {
		f, err := Detect(bytes.SplitAfter(readFixture(t, file), []byte("\n")), nil)
		if err != nil || f.Name != want {
			t.Errorf("%s: detected %v (%v), want %s", file, f, err, want)
		}
	}
	if _, err := Detect([][]byte{[]byte("hello world\n")}, nil); err == nil {
		t.Error("prose was given a format")
	}
}

func TestJSONFieldMapping(t *testing.T) {
	t.Parallel()
	f, err := ParseFormat("json", map[string]string{"user_agent": "ua", "uri": "req.path", "time": "when", "duration": "ms:ms"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.Parse([]byte(`{"when":"2026-03-29T09:00:00-05:00","req":{"path":"/x?y=1"},"status":404,"ua":"Googlebot/2.1","ms":250,"remote_addr":"::ffff:66.249.66.1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Target != "/x?y=1" || e.Status != 404 || e.UserAgent != "Googlebot/2.1" || e.Duration != 250*time.Millisecond || e.IP.String() != "66.249.66.1" {
		t.Fatalf("entry %+v", e)
	}
	if _, off := e.Time.Zone(); off != -5*3600 {
		t.Errorf("offset %d, want -5h", off)
	}
	if _, err := ParseFormat("json", map[string]string{"colour": "x"}); err == nil {
		t.Error("unknown mapping key accepted")
	}
}

func TestLongLineIsBad(t *testing.T) {
	t.Parallel()
	a, _ := NewAggregator(Config{})
	long := "1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] \"GET /" + strings.Repeat("a", 100000) + " HTTP/1.1\" 200 1 \"-\" \"Googlebot/2.1\"\n"
	ok := `66.249.66.1 - - [29/Mar/2026:13:00:00 +0200] "GET / HTTP/1.1" 200 1 "-" "Googlebot/2.1"` + "\n"
	if err := a.Read(context.Background(), strings.NewReader(ok+long+ok), "x"); err != nil {
		t.Fatal(err)
	}
	r := a.Result().Run
	if r.Lines != 3 || r.BadLines != 1 || r.BotLines != 2 || r.Bad[0].Line != 2 || r.Bad[0].Reason != "line too long" {
		t.Fatalf("run %+v", r)
	}
}

func readFile(name string) ([]byte, error) { return os.ReadFile(filepath.Join(fixtures, name)) }
