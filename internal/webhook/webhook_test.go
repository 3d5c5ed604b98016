package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a loopback server that records the bodies it gets.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	answer func(w http.ResponseWriter, r *http.Request)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, r.Method+" "+r.URL.Path+" "+string(b))
	rc.mu.Unlock()
	if rc.answer != nil {
		rc.answer(w, r)
	}
}

func (rc *recorder) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bodies...)
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPostNeverFollowsARedirectToAnotherOrigin: a webhook that answers
// 307 to another host gets the body once; the other host gets nothing,
// and the failure is not retried.
func TestPostNeverFollowsARedirectToAnotherOrigin(t *testing.T) {
	t.Parallel()
	other := &recorder{}
	otherURL := serve(t, other)
	hook := &recorder{answer: func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/collect", http.StatusTemporaryRedirect)
	}}
	hookURL := serve(t, hook)
	err := Post(context.Background(), hookURL+"/secret-path", map[string]string{"x": "summary"}, Config{Backoff: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "another origin") || strings.Contains(err.Error(), "secret-path") {
		t.Fatalf("err = %v", err)
	}
	if got := other.got(); len(got) != 0 {
		t.Errorf("the other origin got %q", got)
	}
	if got := hook.got(); len(got) != 1 {
		t.Errorf("the webhook got %d posts, want 1 (no retry)", len(got))
	}
}

// TestPostFollowsARedirectWithinItsOrigin: a 307 to another path of the
// same origin is followed, with the body.
func TestPostFollowsARedirectWithinItsOrigin(t *testing.T) {
	t.Parallel()
	hook := &recorder{}
	hook.answer = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
		}
	}
	hookURL := serve(t, hook)
	if err := Post(context.Background(), hookURL+"/old", map[string]string{"x": "y"}, Config{}); err != nil {
		t.Fatal(err)
	}
	if got := hook.got(); len(got) != 2 || got[1] != `POST /new {"x":"y"}` {
		t.Errorf("posts = %q", got)
	}
}

func TestRedactAndCheck(t *testing.T) {
	t.Parallel()
	if got := Redact("https://hooks.example.test/services/T0/B1/secret"); got != "https://hooks.example.test/…" {
		t.Errorf("Redact = %q", got)
	}
	for raw, ok := range map[string]bool{"https://a.test/x": true, "http://127.0.0.1:9/": true, "ftp://a/": false, "/hook": false, "http://": false} {
		if err := Check(raw); (err == nil) != ok {
			t.Errorf("Check(%q) = %v", raw, err)
		}
	}
}
