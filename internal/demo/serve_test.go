package demo_test

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	bundled "github.com/crawlaudit/crawlaudit/internal/demo"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestListenServesTheSameURLsOnAPort: Listen with port 0 takes two adjacent
// free loopback ports; given that port again (after Close) it serves the
// same URLs, and the broken variant differs from the demo in BrokenPath
// alone.
func TestListenServesTheSameURLsOnAPort(t *testing.T) {
	d, err := bundled.Listen(bundled.Config{})
	if err != nil {
		t.Fatal(err)
	}
	site, ext := d.Site.URL, d.External.URL
	port, err := strconv.Atoi(site[strings.LastIndexByte(site, ':')+1:])
	if err != nil || !strings.HasPrefix(site, "http://127.0.0.1:") {
		t.Fatalf("site URL %s", site)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(port+1); ext != want {
		t.Errorf("external URL %s, want %s", ext, want)
	}
	if code, _ := get(t, site+bundled.BrokenPath); code != 200 {
		t.Errorf("%s answers %d in the demo, want 200", bundled.BrokenPath, code)
	}
	_, page := get(t, site+"/")
	d.Close()

	b, err := bundled.Listen(bundled.Config{Port: port, Broken: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Site.URL != site || b.External.URL != ext {
		t.Errorf("served again on port %d: %s and %s, want %s and %s", port, b.Site.URL, b.External.URL, site, ext)
	}
	if code, _ := get(t, site+bundled.BrokenPath); code != 404 {
		t.Errorf("%s answers %d in the broken variant, want 404", bundled.BrokenPath, code)
	}
	if code, again := get(t, site+"/"); code != 200 || again != page {
		t.Errorf("the home page changed in the broken variant (%d)", code)
	}
	if _, robots := get(t, site+"/robots.txt"); !strings.Contains(robots, "Sitemap: "+site+"/sitemap.xml") {
		t.Errorf("robots.txt names no sitemap of %s:\n%s", site, robots)
	}
}

func TestListenErrors(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		name string
		port int
		want string
	}{
		{"a taken port is an error naming it", port, "127.0.0.1:" + strconv.Itoa(port)},
		{"a negative port is refused", -1, "port -1"},
		{"the last port leaves none for the external site", 65535, "port 65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := bundled.Listen(bundled.Config{Port: tc.port})
			if err == nil {
				d.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to name %q", err, tc.want)
			}
		})
	}
}
