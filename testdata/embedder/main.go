// Command embedder is a Go program of another module that uses crawlaudit
// as a library, as TestAnotherModuleRunsAnAudit builds and runs it: it
// audits a site it serves on loopback and prints the findings and the
// records of the protected URLs. It imports only the public package.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/crawlaudit/crawlaudit"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><head><title>Shop</title></head><body><a href="/account/">Account</a> <a href="/gone">Gone</a> <img src="/logo.png"></body></html>`)
	})
	mux.HandleFunc("/account/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	mux.HandleFunc("/logo.png", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out, err := os.MkdirTemp("", "embedder-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(out)
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.FailOn = srv.URL+"/", out, crawlaudit.LevelNever
	res, err := crawlaudit.Run(context.Background(), o)
	if err != nil {
		fail(err)
	}
	short := func(u string) string { return strings.TrimPrefix(u, srv.URL) }
	for _, f := range res.Findings {
		fmt.Printf("finding %s %s %s (fix: %s)\n", f.Severity, f.Rule, short(f.URL), f.Fix)
	}
	c, err := crawlaudit.Open(out)
	if err != nil {
		fail(err)
	}
	defer c.Close()
	err = c.EachURL(func(u crawlaudit.URL) error {
		if u.Status == 401 || u.Status == 403 {
			fmt.Printf("record %s %d %s %q\n", short(u.URL), u.Status, u.Kind, u.WWWAuthenticate)
		}
		return nil
	})
	if err != nil {
		fail(err)
	}
	fmt.Println("failed:", res.Failed, "partial:", res.Partial)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "embedder:", err)
	os.Exit(1)
}
