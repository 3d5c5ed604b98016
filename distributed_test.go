package crawlaudit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/redisq/redistest"
)

// startWorkers runs n workers (crawlaudit.Work, what `crawlaudit worker`
// runs) against redisURL until the returned stop is called.
func startWorkers(t *testing.T, redisURL string, n, concurrency int, edit func(i int, o *crawlaudit.WorkerOptions)) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range n {
		o := crawlaudit.WorkerOptions{Redis: redisURL, Concurrency: concurrency, Name: fmt.Sprintf("w%d", i), Poll: 20 * time.Millisecond}
		if edit != nil {
			edit(i, &o)
		}
		wg.Go(func() {
			if err := crawlaudit.Work(ctx, o); err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// timingKey matches the crawl.json keys that hold times or durations (and
// the budget's speed section, made of response times).
var timingKey = regexp.MustCompile(`(^|_)(ms|at|time|seconds|duration|elapsed)$|^(started|finished|generated)|^speed$`)

// comparableCrawl reads dir's crawl.json without timings, as a value to
// compare with another crawl's: every URL record, edge, finding, the
// budget and the summaries.
func comparableCrawl(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any) any
	strip = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if timingKey.MatchString(k) {
					delete(x, k)
					continue
				}
				x[k] = strip(v)
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return x
	}
	return strip(v).(map[string]any)
}

// diffCrawls says where two comparable crawls differ (first few places).
func diffCrawls(a, b map[string]any) string {
	var out []string
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		if len(out) >= 8 || reflect.DeepEqual(x, y) {
			return
		}
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok {
				break
			}
			keys := map[string]bool{}
			for k := range xv {
				keys[k] = true
			}
			for k := range yv {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				walk(path+"."+k, xv[k], yv[k])
			}
			return
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				break
			}
			for i := range xv {
				walk(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i])
			}
			return
		}
		xs, _ := json.Marshal(x)
		ys, _ := json.Marshal(y)
		out = append(out, fmt.Sprintf("%s: %.300s ≠ %.300s", path, xs, ys))
	}
	walk("", a, b)
	return strings.Join(out, "\n")
}

func redisURL(s *redistest.Server) string { return "redis://" + s.Addr + "/0" }

// TestWorkersCrawlTheDemoAsOneProcessDoes: the demo site crawled by 1, 2
// and 4 workers through a real redis-server gives the same crawl.json as a
// single-process crawl, timings aside; the finished crawl leaves no key.
func TestWorkersCrawlTheDemoAsOneProcessDoes(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	site, _, _ := demoServers(t)

	single := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = site+"/", single
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := comparableCrawl(t, single)
	if urls, _ := want["urls"].([]any); len(urls) < 40 {
		t.Fatalf("the single-process crawl recorded %d URLs: not the demo", len(urls))
	}

	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("%d workers", n), func(t *testing.T) {
			stop := startWorkers(t, redisURL(srv), n, 4, nil)
			defer stop()
			out := t.TempDir()
			o := crawlaudit.DefaultOptions()
			o.Start, o.Out = site+"/", out
			o.Redis, o.WorkersOnly = redisURL(srv), true
			o.Progress = &crawlaudit.Progress{}
			res, err := crawlaudit.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Partial {
				t.Fatal("partial crawl")
			}
			if d := diffCrawls(want, comparableCrawl(t, out)); d != "" {
				t.Errorf("crawl.json differs from the single-process crawl's:\n%s", d)
			}
			stop()
			if keys := srv.Keys(); len(keys) > 0 {
				t.Errorf("keys left in Redis after the crawl: %v", keys)
			}
		})
	}
}
