package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestWriteTableGolden(t *testing.T) {
	t.Parallel()
	partial := func(t *testing.T) store.Reader {
		m := newFixture(t)
		meta, _ := m.Meta()
		meta.Partial = true
		if err := m.SetMeta(meta); err != nil {
			t.Fatal(err)
		}
		return m
	}
	noFindings := func(t *testing.T) store.Reader {
		m := newFixture(t)
		if err := m.PutFindings(nil); err != nil {
			t.Fatal(err)
		}
		return m
	}
	otherStatus := func(t *testing.T) store.Reader {
		m := store.NewMemory()
		for _, u := range []store.URL{
			{URL: "https://h.test/", Status: 200, Kind: store.KindPage, Start: true},
			{URL: "https://h.test/odd", Status: 999, Kind: store.KindPage},
			{URL: "https://h.test/feed", Status: 200, Kind: "feed"},
		} {
			if err := m.PutURL(u); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.SetMeta(store.Meta{StartURL: "https://h.test/"}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name   string
		golden string
		store  func(*testing.T) store.Reader
		opt    TableOptions
	}{
		{"full crawl shows all three tables with the default top 10", "table.txt", func(t *testing.T) store.Reader { return newFixture(t) }, TableOptions{}},
		{"partial crawl says so and top 2 says how many are hidden", "table_partial_top2.txt", partial, TableOptions{Top: 2}},
		{"no findings prints No findings. and no problem table", "table_no_findings.txt", noFindings, TableOptions{}},
		{"odd status adds the other column and unknown kinds come last", "table_other.txt", otherStatus, TableOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteTable(&buf, newCrawl(tt.store(t), Options{}), tt.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, buf.Bytes())
		})
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteTable(&buf, newCrawl(newFixture(t), Options{}), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Run("header line names the masked start URL and the counts", func(t *testing.T) {
		first, _, _ := strings.Cut(out, "\n")
		if want := "crawlaudit: https://example.test/ — 11 URLs, 7 findings"; first != want {
			t.Errorf("first line = %q, want %q", first, want)
		}
	})
	t.Run("headers keep their case", func(t *testing.T) {
		if !strings.Contains(out, " 2xx ") || strings.Contains(out, "2XX") {
			t.Errorf("want lower-case 2xx header:\n%s", out)
		}
	})
	t.Run("long URL is cut to 80 characters with …", func(t *testing.T) {
		cut := cutURL(fxLong)
		if !strings.Contains(out, cut) || strings.Contains(out, fxLong) {
			t.Errorf("want %q and not the whole URL in:\n%s", cut, out)
		}
	})
	t.Run("problem URLs: most severe, then most referred to, first", func(t *testing.T) {
		i := strings.Index(out, "forbidden-asset")
		j := strings.Index(out, "broken-link")
		k := strings.LastIndex(out, "forbidden-asset")
		if i < 0 || j < 0 || k < j {
			t.Errorf("want forbidden-asset (2 referrers) above broken-link in the problem table:\n%s", out)
		}
		if !strings.Contains(out, "https://example.test/ (+1 more)") {
			t.Errorf("want first referrer and (+1 more):\n%s", out)
		}
	})
	t.Run("blocked and unanswered URLs show their class as status", func(t *testing.T) {
		for _, want := range []string{"| blocked |", "| none    |"} {
			if !strings.Contains(out, want) {
				t.Errorf("want %q in:\n%s", want, out)
			}
		}
	})
}

func TestCutURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int // length in runes
		cut      bool
	}{
		{"short URL is kept", "https://h.test/", 15, false},
		{"exactly 80 is kept", "https://h.test/" + strings.Repeat("a", 65), 80, false},
		{"81 is cut to 80", "https://h.test/" + strings.Repeat("a", 66), 80, true},
		{"multi-byte characters count once", "https://h.test/" + strings.Repeat("é", 100), 80, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := cutURL(tt.in)
			if n := utf8.RuneCountInString(got); n != tt.want {
				t.Errorf("len = %d, want %d", n, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("invalid UTF-8: %q", got)
			}
			if cut := strings.HasSuffix(got, "…"); cut != tt.cut {
				t.Errorf("cutURL(%q) = %q, cut %v want %v", tt.in, got, cut, tt.cut)
			}
		})
	}
}

func TestWriteTableErrors(t *testing.T) {
	t.Parallel()
	t.Run("write error is returned", func(t *testing.T) {
		t.Parallel()
		if err := WriteTable(errWriter{}, newCrawl(newFixture(t), Options{}), TableOptions{}); !errors.Is(err, errWrite) {
			t.Errorf("err = %v, want %v", err, errWrite)
		}
	})
	for _, fail := range []string{"meta", "urls", "edgesTo", "get", "findings"} {
		t.Run("store error on "+fail+" is returned", func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			err := WriteTable(&buf, newCrawl(failingReader{Reader: newFixture(t), fail: fail}, Options{}), TableOptions{})
			if !errors.Is(err, errRead) {
				t.Errorf("err = %v, want %v", err, errRead)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}
