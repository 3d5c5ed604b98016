package sitemap

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// parseAll parses body as the sitemap at base and returns the entries as
// "url lastmod" strings (lastmod as YYYY-MM-DD, "-" when absent) and the
// problems as "kind line: message" strings.
func parseAll(t testing.TB, base string, body []byte, cfg Config) (Result, []string, []string) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	var entries []string
	res, err := Parse(bytes.NewReader(body), mustURL(t, base), cfg, func(e Entry) error {
		lm := "-"
		if !e.LastMod.IsZero() {
			lm = e.LastMod.UTC().Format("2006-01-02")
		}
		s := e.URL + " " + lm
		if e.Sitemap {
			s += " (sitemap)"
		}
		entries = append(entries, s)
		return nil
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, fmt.Sprintf("%s %d %s", p.Kind, p.Line, p.URL))
	}
	return res, entries, problems
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const urlset = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://example.test/</loc><lastmod>2026-03-02</lastmod><priority>0.5</priority></url>
  <url><loc> https://example.test/a?x=1&amp;y=2 </loc></url>
</urlset>
`

func TestParseFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     string
		body     string
		gzip     bool
		format   Format
		entries  []string
		problems []string
	}{
		{"urlset with entity-escaped query", "https://example.test/sitemap.xml", urlset, false, FormatURLSet,
			[]string{"https://example.test/ 2026-03-02", "https://example.test/a?x=1&y=2 -"}, nil},
		{"gzip urlset recognised by magic bytes", "https://example.test/sitemap", urlset, true, FormatURLSet,
			[]string{"https://example.test/ 2026-03-02", "https://example.test/a?x=1&y=2 -"}, nil},
		{"sitemap index lists sitemaps", "https://example.test/sitemap_index.xml",
			`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://example.test/s1.xml.gz</loc><lastmod>2026-01-01T10:00:00+01:00</lastmod></sitemap></sitemapindex>`,
			false, FormatIndex, []string{"https://example.test/s1.xml.gz 2026-01-01 (sitemap)"}, nil},
		{"plain text with BOM, CRLF and blank lines", "https://example.test/urls.txt",
			"\xEF\xBB\xBFhttps://example.test/one\r\n\r\nhttps://example.test/two\nnot a url\n", false, FormatText,
			[]string{"https://example.test/one -", "https://example.test/two -"}, []string{"bad-url 4 not a url"}},
		{"RSS 2.0 item links and pubDate", "https://example.test/feed.xml",
			`<?xml version="1.0"?><rss version="2.0"><channel><link>https://example.test/</link><item><link>https://example.test/post</link><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate></item></channel></rss>`,
			false, FormatRSS, []string{"https://example.test/post 2026-03-02"}, nil},
		{"Atom entries: alternate link and updated", "https://example.test/atom.xml",
			`<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://example.test/"/><entry><link rel="edit" href="https://example.test/edit"/><link href="https://example.test/entry"/><updated>2026-03-02T10:00:00Z</updated></entry></feed>`,
			false, FormatAtom, []string{"https://example.test/entry 2026-03-02"}, nil},
		{"ISO-8859-1 declared encoding is decoded", "https://example.test/sitemap.xml",
			"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://example.test/caf\xe9</loc></url></urlset>",
			false, FormatURLSet, []string{"https://example.test/caf%C3%A9 -"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tc.body)
			if tc.gzip {
				body = gz(t, body)
			}
			res, entries, problems := parseAll(t, tc.base, body, Config{})
			if res.Format != tc.format || res.Gzip != tc.gzip {
				t.Errorf("format %q gzip %v, want %q %v", res.Format, res.Gzip, tc.format, tc.gzip)
			}
			if got, want := strings.Join(entries, "\n"), strings.Join(tc.entries, "\n"); got != want {
				t.Errorf("entries:\n%s\nwant:\n%s", got, want)
			}
			if got, want := strings.Join(problems, "\n"), strings.Join(tc.problems, "\n"); got != want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, want)
			}
			if res.URLs != len(tc.entries) {
				t.Errorf("URLs = %d, want %d", res.URLs, len(tc.entries))
			}
			if res.Bytes != int64(len(tc.body)) {
				t.Errorf("Bytes = %d, want the uncompressed %d", res.Bytes, len(tc.body))
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     string
		cross    []string
		body     string
		entries  []string
		problems []string
		invalid  bool
	}{
		{"relative and non-http locs are skipped", "https://example.test/sitemap.xml", nil,
			`<urlset><url><loc>/relative</loc></url><url><loc>mailto:a@example.test</loc></url><url><loc></loc></url></urlset>`,
			nil, []string{"bad-url 1 /relative", "bad-url 1 mailto:a@example.test", "bad-url 1 "}, false},
		{"other host, other scheme and parent path are out of scope", "https://example.test/catalog/sitemap.xml", nil,
			"<urlset>\n<url><loc>https://other.test/catalog/x</loc></url>\n<url><loc>http://example.test/catalog/x</loc></url>\n<url><loc>https://example.test/about</loc></url>\n<url><loc>https://example.test/catalog/ok</loc></url>\n</urlset>",
			[]string{"https://example.test/catalog/ok -"},
			[]string{"off-host 2 https://other.test/catalog/x", "off-host 3 http://example.test/catalog/x", "off-host 4 https://example.test/about"}, false},
		{"cross-submission allows the naming origin", "https://sitemaps.test/site.xml", []string{"https://www.example.test"},
			`<urlset><url><loc>https://www.example.test/page</loc></url></urlset>`,
			[]string{"https://www.example.test/page -"}, nil, false},
		{"bad and future lastmod are reported, entry kept", "https://example.test/sitemap.xml", nil,
			"<urlset>\n<url><loc>https://example.test/a</loc><lastmod>02/03/2026</lastmod></url>\n<url><loc>https://example.test/b</loc><lastmod>2099-01-01</lastmod></url>\n<url><loc>https://example.test/c</loc><lastmod>2026-11-26</lastmod></url>\n</urlset>",
			[]string{"https://example.test/a -", "https://example.test/b 2099-01-01", "https://example.test/c 2026-11-26"},
			[]string{"bad-lastmod 2 https://example.test/a", "future-lastmod 3 https://example.test/b"}, false},
		{"HTML page is not a sitemap", "https://example.test/sitemap.xml", nil,
			"<!doctype html><html><body>Not found</body></html>", nil, []string{"unparsable 1 "}, true},
		{"html root element is not a sitemap", "https://example.test/sitemap.xml", nil,
			"<html><body>x</body></html>", nil, []string{"unparsable 1 "}, true},
		{"unclosed XML keeps the entries before the error", "https://example.test/sitemap.xml", nil,
			"<urlset><url><loc>https://example.test/a</loc></url>\n<url><loc>https://example.test/b",
			[]string{"https://example.test/a -"}, []string{"unparsable 2 "}, true},
		{"empty file", "https://example.test/sitemap.xml", nil, "  \n", nil, []string{"unparsable 0 "}, true},
		{"binary junk as text", "https://example.test/sitemap.txt", nil, "\x00\x01\x02garbage",
			nil, []string{"bad-url 1 \x00\x01\x02garbage", "unparsable 0 "}, true},
		{"not gzip after gzip magic", "https://example.test/sitemap.xml.gz", nil, "\x1f\x8bnot really",
			nil, []string{"unparsable 0 "}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, entries, problems := parseAll(t, tc.base, []byte(tc.body), Config{CrossOrigins: tc.cross})
			if got, want := strings.Join(entries, "\n"), strings.Join(tc.entries, "\n"); got != want {
				t.Errorf("entries:\n%s\nwant:\n%s", got, want)
			}
			if got, want := strings.Join(problems, "\n"), strings.Join(tc.problems, "\n"); got != want {
				t.Errorf("problems:\n%q\nwant:\n%q", got, want)
			}
			if res.Invalid() != tc.invalid {
				t.Errorf("Invalid() = %v, want %v (%+v)", res.Invalid(), tc.invalid, res.Problems)
			}
		})
	}
}

// TestParseGzipBombStopsAtTheLimit feeds a gzip stream that inflates to far
// more than the limit: reading stops at the limit, with a problem, and the
// heap does not grow with the decompressed size.
func TestParseGzipBombStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	bomb := bombOf(t, 1024) // 1 GiB of zeros in about 1 MiB
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, entries, problems := parseAll(t, "https://example.test/sitemap.xml.gz", bomb, Config{MaxBytes: 8 << 20})
	runtime.ReadMemStats(&after)
	if len(entries) != 0 {
		t.Errorf("entries from zeros: %v", entries)
	}
	// Zeros are not '<': the text reader meets one endless line, read
	// through a fixed buffer until the limit stops it.
	if got := strings.Join(problems, "|"); got != "too-large 0 " {
		t.Errorf("problems = %q, want only too-large", got)
	}
	if res.Bytes != 8<<20 {
		t.Errorf("Bytes = %d, want the limit %d", res.Bytes, 8<<20)
	}
	if !strings.Contains(res.Problems[len(res.Problems)-1].Message, "gzip bomb") {
		t.Errorf("message %q does not name the gzip bomb", res.Problems[len(res.Problems)-1].Message)
	}
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 4<<20 {
		t.Errorf("heap grew by %d bytes reading a bomb", grew)
	}
}

// bombOf returns a gzip stream that inflates to n MiB of zeros: one member
// of 1 MiB, compressed once and repeated (gzip readers read concatenated
// members as one stream), so building it costs almost nothing.
func bombOf(t testing.TB, n int) []byte {
	t.Helper()
	member := gz(t, make([]byte, 1<<20))
	return bytes.Repeat(member, n)
}

func kinds(r Result) []ProblemKind {
	var out []ProblemKind
	for _, p := range r.Problems {
		out = append(out, p.Kind)
	}
	return out
}

// TestParseBillionLaughsIsHarmless checks that entity declarations are not
// expanded: the document is rejected at the first custom entity.
func TestParseBillionLaughsIsHarmless(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, " <!ENTITY lol%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	b.WriteString("]>\n<urlset><url><loc>https://example.test/&lol9;</loc></url></urlset>\n")
	body := strings.Replace(b.String(), "&lol0;", "&lol;", -1)
	res, entries, problems := parseAll(t, "https://example.test/sitemap.xml", []byte(body), Config{})
	if len(entries) != 0 {
		t.Errorf("entries %v: the entity was expanded", entries)
	}
	if len(problems) != 1 || res.Problems[0].Kind != ProblemUnparsable || !strings.Contains(res.Problems[0].Message, "entity") {
		t.Errorf("problems = %+v, want one unparsable about the entity", res.Problems)
	}
	if res.Bytes != int64(len(body)) {
		t.Errorf("read %d bytes of %d", res.Bytes, len(body))
	}
}

func bigSitemap(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for i := range n {
		fmt.Fprintf(&b, "<url><loc>https://example.test/p/%d</loc><lastmod>2026-03-02</lastmod></url>\n", i)
	}
	b.WriteString("</urlset>\n")
	return b.Bytes()
}

func TestParseURLLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		n       int
		want    int
		invalid bool
	}{
		{"as many URLs as the limit are fine", 1000, 1000, false},
		{"one URL more stops at the limit", 1001, 1000, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := 0
			// The protocol's 50,000 (the default) is exercised end to end
			// in crawler's TestHostileSitemaps and by the benchmark.
			res, err := Parse(bytes.NewReader(bigSitemap(tc.n)), mustURL(t, "https://example.test/sitemap.xml"), Config{MaxURLs: 1000}, func(Entry) error { n++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want || res.URLs != tc.want {
				t.Errorf("got %d entries (URLs %d), want %d", n, res.URLs, tc.want)
			}
			if res.Invalid() != tc.invalid {
				t.Errorf("Invalid = %v, want %v: %+v", res.Invalid(), tc.invalid, res.Problems)
			}
			if tc.invalid && res.Problems[0].Kind != ProblemTooManyURLs {
				t.Errorf("problem %+v, want too-many-urls", res.Problems[0])
			}
		})
	}
}

func TestParseKeepsAtMostMaxProblems(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("nope\n", 250)
	res, _, _ := parseAll(t, "https://example.test/s.txt", []byte(body), Config{MaxProblems: 100})
	// 250 bad lines plus the final "no URL" verdict.
	if len(res.Problems) != 100 || res.MoreProblems != 151 {
		t.Errorf("kept %d, counted %d more; want 100 and 151", len(res.Problems), res.MoreProblems)
	}
}

func TestParseCallbackErrorStops(t *testing.T) {
	t.Parallel()
	stop := errors.New("enough")
	n := 0
	_, err := Parse(strings.NewReader(urlset), mustURL(t, "https://example.test/sitemap.xml"), Config{}, func(Entry) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d entries, want the callback's error after 1", err, n)
	}
}

// cutReader fails after its data, as a connection reset mid-body does.
type cutReader struct{ r io.Reader }

func (c cutReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if err == io.EOF {
		return n, errors.New("connection reset")
	}
	return n, err
}

func TestParseReadErrorIsAnError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte
	}{
		{"plain XML", []byte(urlset[:100])},
		{"gzip", gz(t, []byte(urlset))[:40]},
		{"text", []byte("https://example.test/a\nhttps://exa")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(cutReader{bytes.NewReader(tc.body)}, mustURL(t, "https://user:pw@example.test/sitemap.xml"), Config{}, func(Entry) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "connection reset") {
				t.Fatalf("err = %v, want the read error", err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error shows credentials: %v", err)
			}
		})
	}
}

// BenchmarkParseGzip streams gzip sitemaps of 5,000 and 50,000 URLs. Bytes
// allocated grow with the file (short-lived strings per entry), but the live
// heap while parsing (live-heap-KiB: the most heap in use after a GC, sampled
// every 1,000 entries of one extra, untimed parse) stays flat: entries are
// handed out one by one and nothing keeps the file.
func BenchmarkParseGzip(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		b.Run(fmt.Sprintf("urls=%d", n), func(b *testing.B) {
			body := gz(b, bigSitemap(n))
			base := mustURL(b, "https://example.test/sitemap.xml.gz")
			parse := func(sample bool) uint64 {
				var peak uint64
				got := 0
				res, err := Parse(bytes.NewReader(body), base, Config{}, func(Entry) error {
					got++
					if sample && got%1000 == 0 {
						runtime.GC()
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
					return nil
				})
				if err != nil || got != n || len(res.Problems) != 0 {
					b.Fatalf("n=%d err=%v problems=%v", got, err, res.Problems)
				}
				return peak
			}
			b.ReportAllocs()
			for b.Loop() {
				parse(false)
			}
			runtime.GC()
			var base0 runtime.MemStats
			runtime.ReadMemStats(&base0)
			peak := parse(true)
			b.ReportMetric(float64(peak-min(peak, base0.HeapAlloc))/(1<<10), "live-heap-KiB")
			b.ReportMetric(float64(len(body))/(1<<10), "gzip-KiB")
		})
	}
}

// spaces reads n bytes of white space without holding them.
type spaces struct{ n int64 }

func (s *spaces) Read(b []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(b)), s.n)
	for i := range b[:k] {
		b[i] = " \n\t"[i%3]
	}
	s.n -= k
	return int(k), nil
}

// paddedSitemap is a valid sitemap whose entries are separated by pad
// bytes of white space (49 MiB in all, under the 50 MiB limit), gzipped
// when zip is set: what a hostile server sends to make a crawler buffer
// it.
func paddedSitemap(t testing.TB, zip bool) io.Reader {
	t.Helper()
	const pad = 49 << 20
	plain := io.MultiReader(
		strings.NewReader(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.test/one</loc></url>`),
		&spaces{n: pad / 2},
		strings.NewReader(`<url><loc>`), &spaces{n: pad / 2}, strings.NewReader(`https://a.test/two</loc></url></urlset>`),
	)
	if !zip {
		return plain
	}
	pr, pw := io.Pipe()
	go func() {
		zw := gzip.NewWriter(pw)
		_, err := io.Copy(zw, plain)
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// TestPaddedSitemapsUseBoundedMemory parses sitemaps padded with 49 MiB of
// white space, plain and gzipped, and checks that the bytes allocated stay
// under a few MiB whatever the padding (the XML decoder would otherwise
// hold each run of it whole: ~128 MB of RSS per sitemap).
func TestPaddedSitemapsUseBoundedMemory(t *testing.T) {
	base, _ := url.Parse("https://a.test/sitemap.xml")
	for _, zip := range []bool{false, true} {
		in := paddedSitemap(t, zip)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var got []string
		res, err := Parse(in, base, Config{}, func(e Entry) error { got = append(got, e.URL); return nil })
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != "https://a.test/one https://a.test/two" || len(res.Problems) != 0 {
			t.Errorf("gzip %v: entries %q, problems %+v", zip, got, res.Problems)
		}
		// The gzip writer of the test's own pipe allocates too (~1 MiB).
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("gzip %v: %d MiB allocated to parse a padded sitemap, want at most 8 MiB", zip, alloc>>20)
		} else {
			t.Logf("gzip %v: %.1f MiB allocated", zip, float64(alloc)/(1<<20))
		}
	}
}

// TestRunOfTextWithoutMarkupStopsTheParse: a run of text longer than 1 MiB
// between two tags is a problem, not a buffer.
func TestRunOfTextWithoutMarkupStopsTheParse(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://a.test/sitemap.xml")
	in := io.MultiReader(strings.NewReader(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.test/`), strings.NewReader(strings.Repeat("a", 2<<20)), strings.NewReader(`</loc></url></urlset>`))
	res, err := Parse(in, base, Config{}, func(Entry) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || res.Problems[0].Kind != ProblemUnparsable || !strings.Contains(res.Problems[0].Message, "without an angle bracket") {
		t.Errorf("problems = %+v", res.Problems)
	}
}
