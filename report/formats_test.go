package report

import (
	"bytes"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestFileNames(t *testing.T) {
	t.Parallel()
	want := []string{"bot_hits.csv", "budget.csv", "crawl.json", "diff.csv", "diff.json", "findings.csv", "fixes.csv", "junit.xml", "links.csv", "metrics.prom", "redirects.csv", "report.html", "summary.md", "urls.csv"}
	if got := FileNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("FileNames() = %v, want %v", got, want)
	}
}

// TestCSVFormatsAreMarked: every .csv file of the registry, and only those,
// is marked CSV, so a run asking for a byte order mark gets one in each.
func TestCSVFormatsAreMarked(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		if want := strings.HasSuffix(f.Name, ".csv"); f.CSV != want {
			t.Errorf("%s: CSV = %v, want %v", f.Name, f.CSV, want)
		}
	}
}

// TestNoSecretsInAnyOutput renders every format of the fixture, whose URLs,
// messages and errors carry a password in userinfo and a ?token=, and checks
// that neither survives anywhere.
func TestNoSecretsInAnyOutput(t *testing.T) {
	t.Parallel()
	outputs := map[string]writerFunc{}
	for name, w := range files() {
		outputs[name] = w
	}
	outputs["table"] = func(w io.Writer, r *Crawl) error { return WriteTable(w, r, TableOptions{}) }
	outputs["terminal"] = func(w io.Writer, r *Crawl) error {
		return WriteTerminal(w, r, TerminalOptions{Width: 100, Details: true, Color: true, Issues: 50})
	}
	for name, write := range outputs {
		t.Run(name+" shows no secret", func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			r, j := fixtureJob(t) // a baseline too: the diff files are written
			if err := write(&buf, newCrawl(r, Options{Job: j})); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, secret := range []string{secretToken, secretPassword} {
				if strings.Contains(out, secret) {
					t.Errorf("%q found in %s:\n%s", secret, name, out)
				}
			}
			// budget.csv has sections, not URLs; the fixture's secret URL is
			// no redirect (TestRedirectsCSV checks masking there).
			// metrics.prom has no URLs at all, and the fixture's baseline
			// comparison none with a secret.
			// The fixture has no access logs (TestBotHitsCSV checks masking
			// in bot_hits.csv).
			noSecretURL := map[string]bool{"bot_hits.csv": true, "budget.csv": true, "redirects.csv": true, "metrics.prom": true, "diff.json": true, "diff.csv": true}
			if !noSecretURL[name] && !strings.Contains(out, "REDACTED") {
				t.Errorf("no REDACTED in %s: was the secret URL rendered at all?", name)
			}
		})
	}
}

// TestImports pins the package's dependencies (STYLE.md §1, §8): the
// standard library, internal/store and internal/urlx, internal/analysis
// (what a URL is, and the crawl budget: report renders, never decides),
// internal/diff (the pure comparison of two crawls, rendered by diff.go and
// the job outputs), and tablewriter in table.go only.
func TestImports(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			switch {
			case !strings.Contains(first, "."): // standard library
			case path == "github.com/crawlaudit/crawlaudit/internal/store",
				path == "github.com/crawlaudit/crawlaudit/internal/analysis",
				path == "github.com/crawlaudit/crawlaudit/internal/urlx",
				path == "github.com/crawlaudit/crawlaudit/internal/diff":
			case strings.HasPrefix(path, "github.com/olekukonko/tablewriter") && name == "table.go":
			default:
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
