package testsite_test

import (
	"fmt"
	"net/http"

	"github.com/crawlaudit/crawlaudit/internal/demo"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// Serve the demo site with the external site as its second origin, as
// `crawlaudit demo` does, and look at one planted 401.
func ExampleStart() {
	ext, err := testsite.Load(demo.Sites, "sites/external")
	if err != nil {
		panic(err)
	}
	extSrv := testsite.Start(ext.Handler(nil), nil)
	defer extSrv.Close()

	site, err := testsite.Load(demo.Sites, "sites/demo")
	if err != nil {
		panic(err)
	}
	var log testsite.Log
	srv := testsite.Start(site.Handler(map[string]string{"EXTERNAL": extSrv.URL}), &log)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/members/")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	fmt.Println(log.Count("/members/"), "request(s) for /members/")
	// Output:
	// 401 Basic realm="members"
	// 1 request(s) for /members/
}

// Add a route for one test: a 429 with Retry-After in front of the demo
// site's own pages.
func ExampleSite_With() {
	site, err := testsite.Load(demo.Sites, "sites/demo")
	if err != nil {
		panic(err)
	}
	withRoute, err := site.With(testsite.Route{Path: "/menu/", Status: http.StatusTooManyRequests,
		Headers: [][2]string{{"Retry-After", "1"}}})
	if err != nil {
		panic(err)
	}
	srv := testsite.Start(withRoute.Handler(nil), nil)
	defer srv.Close()

	for _, p := range []string{"/menu/", "/menu/bread.html"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%s %d Retry-After=%q\n", p, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Output:
	// /menu/ 429 Retry-After="1"
	// /menu/bread.html 200 Retry-After=""
}
