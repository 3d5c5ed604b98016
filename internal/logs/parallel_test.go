package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// referenceRead is the line-by-line reading the pipeline replaced, kept
// as the definition the pipeline must match: each line read with
// bufio.Reader.ReadSlice, parsed and counted in turn by one goroutine.
func referenceRead(t *testing.T, a *Aggregator, log []byte, name string) {
	t.Helper()
	f := a.cfg.Format
	lineMax := a.lineMax
	if lineMax == 0 {
		lineMax = maxLine
	}
	if f == nil {
		var err error
		if f, err = Detect(sample(log[:min(len(log), maxLine)]), a.cfg.JSONFields); err != nil {
			t.Fatal(err)
		}
	}
	a.run.Files = append(a.run.Files, name)
	a.run.Formats = append(a.run.Formats, f.Name)
	if f.HasDurations() {
		a.run.Durations = true
	}
	w := a.newWorker(f, lineMax)
	w.verifier = nil // the aggregate verifies, in line order
	r := bufio.NewReaderSize(bytes.NewReader(log), lineMax)
	var no int64
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			no++
			b := &block{}
			if err == bufio.ErrBufferFull {
				b.tooLong = true
				for err == bufio.ErrBufferFull {
					_, err = r.ReadSlice('\n')
				}
			} else {
				b.data = line
			}
			w.parse(b)
			if b.lines != 1 {
				t.Fatalf("line %d read as %d lines", no, b.lines)
			}
			a.merge(context.Background(), b, name, no-1)
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// hostileLog is a combined log with every kind of line: crawlers and
// visitors, bad lines (more than MaxBad), blank lines, CRLF, lines too
// long, offsets of all sorts, IPv6, escaped quotes, hosts and query
// strings, response times.
func hostileLog(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	uas := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"Mozilla/5.0 \\\"quoted\\\" (compatible; GPTBot/1.2; +https://openai.com/gptbot)",
		"Googlebot-Image/1.0",
		"some-robot/1.0",
		"-",
	}
	ips := []string{"66.249.66.1", "66.249.66.9", "157.55.39.1", "203.0.113.5", "2001:4860:4801:10::1", "::ffff:66.249.66.2", "-"}
	zones := []string{"+0000", "+0100", "+0200", "-0400", "+0530", "-0930"}
	var b bytes.Buffer
	for i := range n {
		switch x := r.IntN(100); {
		case x < 3:
			b.WriteString("not a log line at all\n")
			continue
		case x < 5:
			b.WriteString("   \n")
			continue
		case x < 6:
			fmt.Fprintf(&b, "1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] \"GET /%s HTTP/1.1\" 200 1 \"-\" \"Googlebot/2.1\"\n", strings.Repeat("x", 300+r.IntN(300)))
			continue
		case x < 7:
			fmt.Fprintf(&b, "1.2.3.4 - - [31/Feb/2026:13:00:00 +0200] \"GET / HTTP/1.1\" 200 1 \"-\" \"%s\"\n", uas[r.IntN(len(uas))])
			continue
		}
		path := fmt.Sprintf("/s%d/p-%d", r.IntN(5), r.IntN(60))
		switch r.IntN(8) {
		case 0:
			path += "?page=" + fmt.Sprint(r.IntN(3))
		case 1:
			path += "%20x#frag"
		case 2:
			path = "https://Shop.Example.com:443" + path
		}
		status := []int{200, 200, 200, 301, 401, 403, 404, 503, 999}[r.IntN(9)]
		day := 1 + r.IntN(3)
		if r.IntN(50) == 0 {
			day = 1 // the year 1: the zero time when at midnight UTC
			fmt.Fprintf(&b, "%s - - [01/Jan/0001:00:00:00 +0000] \"GET %s HTTP/1.1\" %d - \"-\" \"%s\"", ips[r.IntN(len(ips))], path, status, uas[r.IntN(len(uas))])
		} else {
			fmt.Fprintf(&b, "%s - - [%02d/Mar/2026:%02d:%02d:%02d %s] \"GET %s HTTP/1.1\" %d %d \"-\" \"%s\"",
				ips[r.IntN(len(ips))], day, r.IntN(24), r.IntN(60), r.IntN(60), zones[r.IntN(len(zones))], path, status, r.IntN(9999), uas[r.IntN(len(uas))])
		}
		if r.IntN(10) == 0 {
			b.WriteByte('\r')
		}
		if i < n-1 || r.IntN(2) == 0 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// aggregateWith reads logs into a fresh aggregator with workers workers,
// blocks of size bytes and lines of at most lineMax, or with the reference
// reader when workers is 0.
func aggregateWith(t *testing.T, cfg Config, workers, size, lineMax int, logs ...[]byte) store.LogData {
	t.Helper()
	cfg.Workers = max(workers, 1)
	a, err := NewAggregator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.blockSize, a.lineMax = size, lineMax
	for i, l := range logs {
		name := fmt.Sprintf("log-%d", i)
		if workers == 0 {
			referenceRead(t, a, l, name)
			continue
		}
		if err := a.Read(context.Background(), bytes.NewReader(l), name); err != nil {
			t.Fatal(err)
		}
	}
	return a.Result()
}

// TestPipelineEqualsLineByLine: the same logs give the same aggregate read
// line by line, by one worker and by several, whatever the block size
// (block edges fall inside lines, on line ends, inside too-long lines).
func TestPipelineEqualsLineByLine(t *testing.T) {
	t.Parallel()
	var logs [][]byte
	for _, name := range []string{"combined.log", "caddy.json", "nginx.json", "common.log", "vhost_combined.log", "iis.log", "cloudfront.log"} {
		logs = append(logs, readFixture(t, name))
	}
	cases := []struct {
		name string
		cfg  Config
		logs [][]byte
	}{
		{"generated, ranges", Config{Site: "https://example.com", Verifier: NewVerifier(VerifierConfig{Ranges: loadRanges(t)})}, [][]byte{hostileLog(3000, 1), hostileLog(500, 2)}},
		{"generated, URL cap", Config{Site: "https://example.com", MaxURLs: 40, MaxBad: 3}, [][]byte{hostileLog(3000, 3)}},
		{"generated, no site", Config{}, [][]byte{hostileLog(2000, 4)}},
	}
	for i, l := range logs {
		cases = append(cases, struct {
			name string
			cfg  Config
			logs [][]byte
		}{fmt.Sprintf("fixture %d", i), Config{Site: "https://example.com", Verifier: NewVerifier(VerifierConfig{Ranges: loadRanges(t)})}, [][]byte{l}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, lineMax := range []int{maxLine, 200} {
				want := aggregateWith(t, c.cfg, 0, 0, lineMax, c.logs...)
				if lineMax == maxLine && len(c.logs) == 2 && (want.Run.BotLines == 0 || want.Run.BadLines <= 10 || want.Run.Overflow != 0) {
					t.Fatalf("the generated log lacks cases: %+v", want.Run)
				}
				for _, workers := range []int{1, 2, 5} {
					for _, size := range []int{0, 2 * lineMax, 2*lineMax + 77} {
						if size == 0 && lineMax != maxLine {
							continue
						}
						got := aggregateWith(t, c.cfg, workers, size, lineMax, c.logs...)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("lines of at most %d, %d workers, blocks of %d: aggregate differs from line by line:\n%s", lineMax, workers, size, firstDiff(got, want))
						}
					}
				}
			}
		})
	}
}

// firstDiff describes where two aggregates differ.
func firstDiff(got, want store.LogData) string {
	if !reflect.DeepEqual(got.Run, want.Run) {
		return fmt.Sprintf("run %+v\nwant %+v", got.Run, want.Run)
	}
	for i := range min(len(got.Hits), len(want.Hits)) {
		if !reflect.DeepEqual(got.Hits[i], want.Hits[i]) {
			return fmt.Sprintf("hit %d: %+v\nwant %+v", i, got.Hits[i], want.Hits[i])
		}
	}
	if len(got.Hits) != len(want.Hits) {
		return fmt.Sprintf("%d hits, want %d", len(got.Hits), len(want.Hits))
	}
	return fmt.Sprintf("days %+v\nwant %+v", got.Days, want.Days)
}

// TestPipelineGzipAndLongLines: a gzip log and a plain one with lines far
// longer than a block give the same aggregate, the long lines counted once
// each as bad.
func TestPipelineGzipAndLongLines(t *testing.T) {
	t.Parallel()
	ok := `66.249.66.1 - - [29/Mar/2026:13:00:00 +0200] "GET / HTTP/1.1" 200 1 "-" "Googlebot/2.1"` + "\n"
	long := "1.2.3.4 - - [29/Mar/2026:13:00:00 +0200] \"GET /" + strings.Repeat("a", 3*blockSize) + " HTTP/1.1\" 200 1 \"-\" \"Googlebot/2.1\"\n"
	exact := strings.Repeat("b", maxLine) + "\n"     // too long: maxLine bytes before its end of line
	fits := strings.Repeat("c", maxLine-1) + "\n"    // a (bad) line that fits
	log := ok + long + ok + exact + fits + ok + long // the last line too long, without its end
	log = log[:len(log)-1]
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(log))
	zw.Close()
	for _, in := range [][]byte{[]byte(log), gz.Bytes()} {
		for _, workers := range []int{1, 3} {
			a, _ := NewAggregator(Config{Workers: workers, Format: mustFormat(t, "combined")})
			if err := a.Read(context.Background(), bytes.NewReader(in), "x"); err != nil {
				t.Fatal(err)
			}
			r := a.Result().Run
			var reasons []string
			for _, b := range r.Bad {
				reasons = append(reasons, fmt.Sprint(b.Line, " ", b.Reason))
			}
			want := "2 line too long,4 line too long,5 fields do not match the format,7 line too long"
			if r.Lines != 7 || r.BotLines != 3 || strings.Join(reasons, ",") != want {
				t.Fatalf("%d workers: %d lines, %d crawler lines, bad %s; want 7, 3, %s", workers, r.Lines, r.BotLines, strings.Join(reasons, ","), want)
			}
		}
	}
}

func mustFormat(t *testing.T, spec string) *Format {
	t.Helper()
	f, err := ParseFormat(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPipelineStopsWithItsContext: a cancelled read returns the context's
// error and leaves no goroutine blocked (the race detector and the test's
// end would show one).
func TestPipelineStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a, _ := NewAggregator(Config{Workers: 2})
	log := benchLog(200_000, 1000)
	if err := a.Read(ctx, bytes.NewReader(log), "x"); err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

// TestTableEqualsHits: the compact table (Data) yields the hits Result
// gives one by one, in the same order.
func TestTableEqualsHits(t *testing.T) {
	t.Parallel()
	cfg := Config{Site: "https://example.com", Verifier: NewVerifier(VerifierConfig{Ranges: loadRanges(t)})}
	want := aggregateWith(t, cfg, 2, 0, 0, hostileLog(3000, 5), readFixture(t, "nginx.json"))
	a, _ := NewAggregator(cfg)
	for _, l := range [][]byte{hostileLog(3000, 5), readFixture(t, "nginx.json")} {
		if err := a.Read(context.Background(), bytes.NewReader(l), "x"); err != nil {
			t.Fatal(err)
		}
	}
	d := a.Data()
	if d.Hits != nil || d.NumHits() != len(want.Hits) || d.NumHits() == 0 {
		t.Fatalf("table of %d hits (Hits %d), want %d", d.NumHits(), len(d.Hits), len(want.Hits))
	}
	i := 0
	timed := false
	err := d.EachHit(func(h *store.BotHit) error {
		if !reflect.DeepEqual(h, want.Hits[i]) {
			return fmt.Errorf("hit %d: %+v, want %+v", i, h, want.Hits[i])
		}
		timed = timed || h.Times != nil
		i++
		return nil
	})
	if err != nil || !timed {
		t.Fatalf("%v (response times seen: %v)", err, timed)
	}
}

// TestMaybeBotIsTheMarkerSearch: the prefilter finds a marker exactly where
// a plain search for each marker does.
func TestMaybeBotIsTheMarkerSearch(t *testing.T) {
	t.Parallel()
	naive := func(ua string) bool {
		if strings.Contains(strings.ToLower(ua), "bot") {
			return true
		}
		for _, m := range markers[1:] {
			if strings.Contains(ua, m) {
				return true
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(9, 9))
	alphabet := "bBoOtTGgYySsPpCcaAeEdDiIxXnNhrlu/ .-"
	cases := []string{"", "b", "bo", "bot", "BoT", "xbOt", "Googl", "Google", "Yeti", "Yeti/", "externalhi", "externalhit"}
	for _, b := range Bots {
		cases = append(cases, b.Token, "Mozilla/5.0 ("+b.Token+")")
	}
	for range 20000 {
		n := r.IntN(16)
		var s strings.Builder
		for range n {
			if r.IntN(8) == 0 {
				m := markers[r.IntN(len(markers))]
				s.WriteString(m[:1+r.IntN(len(m))])
				continue
			}
			s.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, s.String())
	}
	for _, c := range cases {
		if got := maybeBot([]byte(c)); got != naive(c) {
			t.Fatalf("maybeBot(%q) = %v, want %v", c, got, !got)
		}
	}
}

// BenchmarkAggregateWorkers measures the pipeline with 1, 2 and 4
// workers on the same log: lines/s for each.
func BenchmarkAggregateWorkers(b *testing.B) {
	log := benchLog(200_000, 50_000)
	f, _ := ParseFormat("combined", nil)
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(log)))
			for range b.N {
				a, _ := NewAggregator(Config{Format: f, Site: "https://example.com", Workers: workers})
				if err := a.Read(context.Background(), bytes.NewReader(log), "bench"); err != nil {
					b.Fatal(err)
				}
				_ = a.Data()
			}
			b.ReportMetric(float64(200_000*b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// TestURLSetSorted: the ids come back in the order of their URLs, the
// halves sorted at once and merged.
func TestURLSetSorted(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 100, 4096, 10001} {
		u := urlSet{}
		u.init()
		var want []string
		for len(want) < n {
			s := fmt.Sprintf("https://example.com/%d/%x", r.IntN(50), r.Uint64N(1<<uint(r.IntN(40)+1)))
			if _, ok := u.find([]byte(s)); ok {
				continue
			}
			u.add([]byte(s))
			want = append(want, s)
		}
		u.finish()
		slices.Sort(want)
		var got []string
		for _, id := range u.sorted() {
			got = append(got, u.get(id))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%d URLs: not in order", n)
		}
	}
}

// TestValidTimeIsParseTime: a visitor's time is checked without being
// made, with the same answer.
func TestValidTimeIsParseTime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	var z zoneCache
	years := []int{0, 1, 1900, 2000, 2023, 2024, 2100, 9999}
	for range 50000 {
		b := fmt.Appendf(nil, "%02d/%s/%04d:%02d:%02d:%02d %c%02d%02d", r.IntN(33), append(months[:], "Foo", "feb")[r.IntN(14)], years[r.IntN(len(years))],
			r.IntN(25), r.IntN(61), r.IntN(62), "+-x"[r.IntN(3)], r.IntN(25), r.IntN(61))
		if r.IntN(20) == 0 {
			b = b[:r.IntN(len(b))]
		}
		_, err := parseTime(b, timeCLF, &z)
		if got := validTime(b, timeCLF, &z); got != (err == nil) {
			t.Fatalf("validTime(%q) = %v, parseTime's error %v", b, got, err)
		}
	}
}
