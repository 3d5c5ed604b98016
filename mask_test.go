package crawlaudit_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// TestMaskingIsPerRun runs two audits of one site at once, each hiding a
// different query parameter: each run's outputs hide its own name and only
// its own (masking is configured per run, not per process).
func TestMaskingIsPerRun(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><title>home</title><a href="/gone?ref=refvalue1&amp;campaign=campvalue2">x</a></html>`)
	})
	srv := testsite.Start(mux, nil)
	t.Cleanup(srv.Close)

	runs := map[string]string{"ref": "refvalue1", "campaign": "campvalue2"} // masked name → its value
	outs := map[string]string{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := map[string]error{}
	for name := range runs {
		out := t.TempDir()
		outs[name] = out
		wg.Go(func() {
			o := crawlaudit.DefaultOptions()
			o.Start, o.Out, o.MaskParams, o.FailOn = srv.URL+"/", out, []string{name}, crawlaudit.LevelNever
			res, err := crawlaudit.Run(context.Background(), o)
			if err == nil && len(res.Findings) == 0 {
				err = fmt.Errorf("no finding on the broken link")
			}
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for name, value := range runs {
		if errs[name] != nil {
			t.Fatalf("run masking %s: %v", name, errs[name])
		}
		other := runs[map[string]string{"ref": "campaign", "campaign": "ref"}[name]]
		for _, file := range []string{"crawl.json", "urls.csv", "findings.csv", "links.csv", "report.html", "summary.md", "junit.xml"} {
			data, err := os.ReadFile(filepath.Join(outs[name], file))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), value) {
				t.Errorf("run masking %s: %s shows its value", name, file)
			}
			if file != "summary.md" && !strings.Contains(string(data), other) { // summary.md lists only failing findings
				t.Errorf("run masking %s: %s hides the other run's parameter too", name, file)
			}
		}
	}
}
