package crawlaudit_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
)

// bom is the UTF-8 byte order mark (report.BOM).
const bom = "\ufeff"

// TestCSVBOM: with Options.CSVBOM (csv_bom: true) every CSV file starts
// with a UTF-8 byte order mark and still parses, other files never do;
// without it no file does; Report rewrites a folder's files the way they
// were written.
func TestCSVBOM(t *testing.T) {
	t.Parallel()
	site := smallSite(t, 404)
	crawl := func(t *testing.T, withBOM bool) string {
		t.Helper()
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.FailOn, o.CSVBOM = site+"/", t.TempDir(), crawlaudit.LevelNever, withBOM
		if _, err := crawlaudit.Run(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		return o.Out
	}
	// check says whether each output file of dir starts with the mark.
	check := func(t *testing.T, dir string, want bool) {
		t.Helper()
		csvs := 0
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, crawlaudit.DBName) || e.IsDir() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			isCSV := strings.HasSuffix(name, ".csv")
			if has, want := bytes.HasPrefix(data, []byte(bom)), want && isCSV; has != want {
				t.Errorf("%s starts with a byte order mark: %v, want %v", name, has, want)
			}
			if isCSV {
				csvs++
				rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom)))).ReadAll()
				if err != nil || len(rows) == 0 || strings.ContainsRune(rows[0][0], '\ufeff') {
					t.Errorf("%s does not parse after its mark: %v %q", name, err, rows)
				}
			}
		}
		if csvs < 6 {
			t.Errorf("checked %d CSV files, want urls, findings, links, budget, redirects and fixes", csvs)
		}
	}
	t.Run("csv_bom writes the mark before every CSV file", func(t *testing.T) {
		t.Parallel()
		check(t, crawl(t, true), true)
	})
	t.Run("default is plain UTF-8", func(t *testing.T) {
		t.Parallel()
		check(t, crawl(t, false), false)
	})
	t.Run("report keeps the mark of the files it replaces", func(t *testing.T) {
		t.Parallel()
		for _, withBOM := range []bool{true, false} {
			dir := crawl(t, withBOM)
			if _, err := crawlaudit.Report(t.Context(), crawlaudit.ReportOptions{Source: dir}); err != nil {
				t.Fatal(err)
			}
			check(t, dir, withBOM)
		}
	})
	t.Run("crawlaudit.yaml key csv_bom", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "crawlaudit.yaml")
		if err := os.WriteFile(path, []byte("defaults:\n  url: "+site+"/\n  csv_bom: true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if cfg := readConfig(t, path); len(cfg.Sites) != 1 || !cfg.Sites[0].CSVBOM {
			t.Errorf("csv_bom: true did not set CSVBOM: %+v", cfg.Sites)
		}
	})
}
