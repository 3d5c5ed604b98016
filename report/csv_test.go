package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestCell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"formula with = is quoted", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"leading + is quoted", "+1", "'+1"},
		{"leading - is quoted", "-2+3", "'-2+3"},
		{"leading @ is quoted", "@SUM(A1)", "'@SUM(A1)"},
		{"leading tab is quoted", "\t=1", "'\t=1"},
		{"leading CR is quoted", "\r=1", "'\r=1"},
		{"plain text is unchanged", "Home", "Home"},
		{"= inside the text is unchanged", "a=b", "a=b"},
		{"empty stays empty", "", ""},
		{"URL is unchanged", "https://example.test/", "https://example.test/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := cell(tt.in); got != tt.want {
				t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// readCSV parses out with encoding/csv, failing the test on bad CSV.
func readCSV(t *testing.T, out []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("invalid CSV: %v\n%s", err, out)
	}
	return rows
}

func TestCSVGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		write  writerFunc
		header []string
		rows   int
	}{
		{"urls.csv", WriteURLsCSV, urlsHeader, 11},
		{"findings.csv", WriteFindingsCSV, findingsHeader, 7},
		{"links.csv", WriteLinksCSV, linksHeader, 15},
	} {
		t.Run(tc.name+" matches its golden file and parses back", func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tc.write(&buf, newCrawl(newFixture(t), Options{})); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
			rows := readCSV(t, buf.Bytes())
			if len(rows) != tc.rows+1 {
				t.Errorf("%d rows, want header + %d", len(rows), tc.rows)
			}
			if len(rows) > 0 && !equalStrings(rows[0], tc.header) {
				t.Errorf("header = %q, want %q", rows[0], tc.header)
			}
			if !bytes.HasSuffix(buf.Bytes(), []byte("\r\n")) {
				t.Error("want RFC 4180 CRLF line ends")
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// column returns the named column of the row whose first cell is key.
func column(t *testing.T, rows [][]string, key, name string) string {
	t.Helper()
	col := -1
	for i, h := range rows[0] {
		if h == name {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no column %q in %q", name, rows[0])
	}
	for _, r := range rows[1:] {
		if r[0] == key {
			return r[col]
		}
	}
	t.Fatalf("no row %q", key)
	return ""
}

func TestWriteURLsCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteURLsCSV(&buf, newCrawl(newFixture(t), Options{})); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	tests := []struct {
		name, url, col, want string
	}{
		{"formula title is neutralised", fxNew, "title", "'=cmd|' /C calc'!A0"},
		{"sources are joined with ' | '", fxHome, "sources", "link | sitemap | start"},
		{"unknown size stays a plain -1", fxLogo, "bytes", "-1"},
		{"WWW-Authenticate values are joined", fxAdmin, "www_authenticate", `Basic realm="admin", Bearer`},
		{"booleans read true/false", fxPrivate, "blocked_by_robots", "true"},
		{"repeated link counts one inlink", fxAdmin, "inlinks", "1"},
		{"self-link is no inlink", fxHome, "inlinks", "0"},
		{"secret URL is masked", "https://REDACTED@example.test/report?token=REDACTED&page=2", "status", "200"},
		{"URLs inside errors are masked", fxDown, "error", `Get "https://down.example.invalid/?token=REDACTED": dial tcp: lookup down.example.invalid: no such host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := column(t, rows, tt.url, tt.col); got != tt.want {
				t.Errorf("%s of %s = %q, want %q", tt.col, tt.url, got, tt.want)
			}
		})
	}
}

func TestWriteFindingsCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteFindingsCSV(&buf, newCrawl(newFixture(t), Options{})); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	t.Run("rows follow store.SortFindings", func(t *testing.T) {
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		want := []string{"broken-link", "forbidden-asset", "unauthorized-linked-page", "basic-auth-over-http", "fetch-error", "redirect-chain", "sitemap-url-disallowed"}
		if !equalStrings(got, want) {
			t.Errorf("rules = %q, want %q", got, want)
		}
	})
	t.Run("referrers are joined with ' | '", func(t *testing.T) {
		if got := column(t, rows, "forbidden-asset", "referrers"); got != fxHome+" | "+fxNew {
			t.Errorf("referrers = %q", got)
		}
	})
	t.Run("message starting with - is neutralised and its URL masked", func(t *testing.T) {
		want := "'-linked with credentials: https://REDACTED@example.test/report?token=REDACTED&page=2."
		if got := column(t, rows, "basic-auth-over-http", "message"); got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
	})
}

func TestWriteLinksCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteLinksCSV(&buf, newCrawl(newFixture(t), Options{})); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	find := func(to, text string) []string {
		for _, r := range rows[1:] {
			if r[1] == to && r[4] == text {
				return r
			}
		}
		t.Fatalf("no link to %s with text %q", to, text)
		return nil
	}
	t.Run("link to a URL without a record has an empty to_status", func(t *testing.T) {
		if got := find(fxUnknown, "Not yet")[5]; got != "" {
			t.Errorf("to_status = %q, want empty", got)
		}
	})
	t.Run("to_status is the target's status", func(t *testing.T) {
		if got := find(fxLogo, "Logo")[5]; got != "403" {
			t.Errorf("to_status = %q, want 403", got)
		}
	})
	t.Run("every edge is a row, repeats with other text included", func(t *testing.T) {
		find(fxAdmin, "Admin")
		find(fxAdmin, "Admin again")
	})
	t.Run("formula anchor text is neutralised and the referrer masked", func(t *testing.T) {
		r := find(fxNew, `'=HYPERLINK("https://evil.example/")`)
		if r[0] != "https://REDACTED@example.test/report?token=REDACTED&page=2" {
			t.Errorf("from = %q", r[0])
		}
	})
}

func TestCSVErrors(t *testing.T) {
	t.Parallel()
	writers := []struct {
		name  string
		write writerFunc
		fails []string
	}{
		{"urls.csv", WriteURLsCSV, []string{"urls", "edgesTo"}},
		{"findings.csv", WriteFindingsCSV, []string{"findings"}},
		{"links.csv", WriteLinksCSV, []string{"edges", "get"}},
		{"fixes.csv", WriteFixesCSV, []string{"urls", "edgesTo"}},
	}
	for _, wr := range writers {
		t.Run(wr.name+" returns the write error", func(t *testing.T) {
			t.Parallel()
			if err := wr.write(errWriter{}, newCrawl(newFixture(t), Options{})); !errors.Is(err, errWrite) {
				t.Errorf("err = %v, want %v", err, errWrite)
			}
		})
		for _, fail := range wr.fails {
			t.Run(wr.name+" returns the store error on "+fail, func(t *testing.T) {
				t.Parallel()
				var buf bytes.Buffer
				if err := wr.write(&buf, newCrawl(failingReader{Reader: newFixture(t), fail: fail}, Options{})); !errors.Is(err, errRead) {
					t.Errorf("err = %v, want %v", err, errRead)
				}
			})
		}
		t.Run(wr.name+" of an empty store is the header alone", func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := wr.write(&buf, newCrawl(store.NewMemory(), Options{})); err != nil {
				t.Fatal(err)
			}
			if rows := readCSV(t, buf.Bytes()); len(rows) != 1 {
				t.Errorf("rows = %q", rows)
			}
		})
	}
}

// spreadsheetLimit is the most characters a spreadsheet cell holds (Excel,
// LibreOffice Calc and Google Sheets alike).
const spreadsheetLimit = 32767

func TestFindingsCSVCapsReferrers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		referrers int
		path      string // of each referrer, before its number
		shown     int    // referrers listed in the cell
	}{
		{"600 referrers list 20 and count 600", 600, "/page-", 20},
		{"20 referrers are all listed", 20, "/page-", 20},
		{"long URLs list as many as fit under the limit", 50, "/" + strings.Repeat("x", 4000) + "-", 7},
		{"a referrer longer than a cell is counted, not listed", 2, "/" + strings.Repeat("y", 40000) + "-", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			refs := make([]string, tc.referrers)
			for i := range refs {
				refs[i] = fmt.Sprintf("https://example.test%s%03d", tc.path, i)
			}
			m := store.NewMemory()
			if err := m.PutFindings([]store.Finding{{Rule: "broken-link", Severity: store.SeverityError, URL: "https://example.test/gone", Message: "answered 404", Referrers: refs}}); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteFindingsCSV(&buf, newCrawl(m, Options{})); err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, buf.Bytes())
			cellText := column(t, rows, "broken-link", "referrers")
			if n := utf8.RuneCountInString(cellText); n >= spreadsheetLimit || len(cellText) > maxCellBytes {
				t.Errorf("referrers cell holds %d characters (%d bytes), want under %d", n, len(cellText), spreadsheetLimit)
			}
			if got := column(t, rows, "broken-link", "referrer_count"); got != strconv.Itoa(tc.referrers) {
				t.Errorf("referrer_count = %s, want %d", got, tc.referrers)
			}
			listed := 0
			for _, part := range strings.Split(cellText, listSep) {
				if strings.HasPrefix(part, "https://") {
					listed++
				}
			}
			if listed != tc.shown {
				t.Errorf("%d referrers listed, want %d:\n%.300s", listed, tc.shown, cellText)
			}
			var wantTail string
			switch {
			case tc.shown == 0:
				wantTail = fmt.Sprintf("%d URLs (all in links.csv)", tc.referrers)
			case tc.shown < tc.referrers:
				wantTail = fmt.Sprintf(" | … and %d more (all in links.csv)", tc.referrers-tc.shown)
			}
			if !strings.HasSuffix(cellText, wantTail) || (wantTail == "" && strings.Contains(cellText, "more")) {
				t.Errorf("cell ends %q, want it to end %q", cellText[max(0, len(cellText)-60):], wantTail)
			}
		})
	}
}
