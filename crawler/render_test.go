package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"

	"github.com/crawlaudit/crawlaudit/internal/testenv"
)

// requireBrowser skips a test that needs Chromium when none is installed,
// unless CRAWLAUDIT_REQUIRE_BROWSER=1 (as in .ci/run) or in CI (CI=true),
// where it fails.
func requireBrowser(t *testing.T) {
	t.Helper()
	_, err := FindBrowser("")
	testenv.Require(t, testenv.Chromium, err == nil, "the rendering tests")
}

// TestRenderInFlightAtStopIsRecorded: a page in the browser when the crawl
// stops (the stop comes as the page's script asks for its data) has the
// stop's grace to be read whole, and is then recorded with its render, its
// requests and the link only its rendered DOM has, which stays queued for
// --resume: its raw fetch and its render are not done again.
func TestRenderInFlightAtStopIsRecorded(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stop, stopped := context.WithCancel(ctx)
	defer stopped()
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Loading</title><div id="root"></div><script>
fetch("/api/data").then(r => r.json()).then(d => {
  document.title = d.title;
  const a = document.createElement("a");
  a.href = d.next;
  a.textContent = "next";
  document.getElementById("root").append(d.text, a);
});
</script>`)
	})
	mux.HandleFunc("/api/data", func(w http.ResponseWriter, r *http.Request) {
		stopped() // the page is in the browser
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"title": "Filled", "text": "Filled by the script.", "next": "/next"}`)
	})
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Next</title><p>The next page.</p>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	st := store.NewMemory()
	res, err := Run(stop, Config{
		Start: srv.URL + "/", Render: RenderAll, NoSitemaps: true, Concurrency: 1,
		// Time enough for the page to finish on any machine: the test
		// waits for it, not for a clock.
		Grace: time.Minute,
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	if stop.Err() == nil {
		t.Fatal("the crawl ended before the page asked for its data")
	}
	if !res.Partial || !slices.Equal(res.Pending, []string{srv.URL + "/next"}) {
		t.Errorf("Partial %v, Pending %v; want the link found by rendering left queued", res.Partial, res.Pending)
	}
	home, ok, _ := st.Get(srv.URL + "/")
	if !ok || home.Status != 200 || home.Render == nil {
		t.Fatalf("the page in the browser at the stop: recorded %v, %+v", ok, home)
	}
	if r := home.Render; r.Title != "Filled" || r.Status != 200 || r.Links != 1 || r.OnlyLinks != 1 || r.Requests != 2 || r.ErrorKind != "" || r.NotIdle {
		t.Errorf("its render: %+v", *r)
	}
	var edges []string
	_ = st.EachEdge(func(e store.Edge) error {
		edges = append(edges, strings.NewReplacer(srv.URL, "").Replace(fmt.Sprintf("%s %s %s %s -> %s", e.From, e.Type, e.Tag, e.Text, e.To)))
		return nil
	})
	slices.Sort(edges)
	if want := []string{"/ render a  -> /next", "/ render fetch / -> /api/data"}; !slices.Equal(edges, want) {
		t.Errorf("edges:\n  %s\nwant\n  %s", strings.Join(edges, "\n  "), strings.Join(want, "\n  "))
	}
}
