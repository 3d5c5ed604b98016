package crawlaudit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/crawlaudit/crawlaudit"
)

// Audit a small site served on loopback: its home page links to a members
// area that answers 401 and uses a stylesheet that answers 403.
func ExampleRun() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><head><title>Home</title><link rel="stylesheet" href="/site.css"></head>
<body><a href="/members/">Members</a></body></html>`)
	})
	mux.HandleFunc("/members/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="members"`)
		http.Error(w, "log in", http.StatusUnauthorized)
	})
	mux.HandleFunc("/site.css", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out, err := os.MkdirTemp("", "crawlaudit-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(out)

	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = srv.URL+"/", out
	res, err := crawlaudit.Run(context.Background(), o)
	if err != nil {
		panic(err)
	}
	for _, f := range res.Findings {
		fmt.Println(f.Severity, f.Rule, strings.TrimPrefix(f.URL, srv.URL))
	}
	fmt.Println("failed:", res.Failed)
	// Output:
	// error forbidden-asset /site.css
	// warning basic-auth-over-http /members/
	// warning unauthorized-linked-page /members/
	// failed: true
}
