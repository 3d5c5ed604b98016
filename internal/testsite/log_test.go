package testsite

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func TestLogRecordsRequests(t *testing.T) {
	t.Parallel()
	srv, log := newTestServer(t, nil)
	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/q?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("user", "pass")
	req.Header.Set("Cookie", "a=1")
	req.Header.Add("Cookie", "b=2")
	req.Header.Set("User-Agent", "crawlaudit-test")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mustDo(t, srv, "HEAD", "/q")
	mustDo(t, srv, "GET", "/q?x=2")

	got := log.Requests()
	if len(got) != 3 {
		t.Fatalf("Requests() = %+v, want 3", got)
	}
	want := Request{Method: "GET", URI: "/q?x=1", Host: srv.Listener.Addr().String(),
		Authorization: "Basic dXNlcjpwYXNz", Cookie: "a=1; b=2", UserAgent: "crawlaudit-test"}
	if got[0] != want {
		t.Errorf("first request = %+v, want %+v", got[0], want)
	}
	if got[1].Method != "HEAD" || got[1].Authorization != "" || got[1].Cookie != "" {
		t.Errorf("second request = %+v, want HEAD without credentials", got[1])
	}
	for path, n := range map[string]int{"/q": 3, "/q?x=1": 1, "/q?x=3": 0, "/": 0} {
		if c := log.Count(path); c != n {
			t.Errorf("Count(%q) = %d, want %d", path, c, n)
		}
	}
}

func TestLogIsConcurrencySafe(t *testing.T) {
	t.Parallel()
	srv, log := newTestServer(t, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := do(t, t.Context(), srv, "GET", fmt.Sprintf("/q?i=%d", i)); err != nil {
				t.Error(err)
			}
			_ = log.Requests()
			_ = log.Count("/q")
		})
	}
	wg.Wait()
	if n := log.Count("/q"); n != 20 {
		t.Errorf("Count(/q) = %d, want 20", n)
	}
}
