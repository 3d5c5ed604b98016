package crawler

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// proxyServer is a loopback HTTP proxy that answers 407 with a Basic
// challenge for requests to the hosts in deny (and to every CONNECT), and
// forwards the others.
func proxyServer(t *testing.T, deny ...string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		denied := r.Method == http.MethodConnect
		for _, h := range deny {
			denied = denied || r.URL.Host == h
		}
		if denied {
			refused.Add(1)
			w.Header().Set("Proxy-Authenticate", `Basic realm="corp", charset="UTF-8"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			w.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &refused
}

func viaProxy(t *testing.T, proxy *httptest.Server) http.RoundTripper {
	t.Helper()
	u, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Transport{Proxy: http.ProxyURL(u)}
}

// A proxy that wants credentials for the start URL stops the crawl with one
// clear error, naming the proxy's challenge and where credentials go; the
// site itself is never reached.
func TestProxyAuthForTheStartURLStopsTheCrawl(t *testing.T) {
	t.Parallel()
	site, log := serveSite(t, fstest.MapFS{"index.html": page("home", "/a.html")})
	proxy, refused := proxyServer(t, strings.TrimPrefix(site.URL, "http://"))
	_, _, err := crawl(t, Config{Start: site.URL + "/", Transport: viaProxy(t, proxy)})
	if !errors.Is(err, ErrStartUnreachable) {
		t.Fatalf("err = %v, want ErrStartUnreachable", err)
	}
	for _, want := range []string{"407 Proxy Authentication Required", `Basic realm="corp"`, "HTTPS_PROXY", "NO_PROXY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := len(log.Requests()); n != 0 || refused.Load() == 0 {
		t.Errorf("site got %d requests, proxy refused %d", n, refused.Load())
	}
}

// An https start URL whose CONNECT the proxy refuses stops the crawl the
// same way (Go's transport keeps the challenge to itself there).
func TestProxyAuthOnConnectStopsTheCrawl(t *testing.T) {
	t.Parallel()
	site := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(site.Close)
	proxy, _ := proxyServer(t)
	tr := viaProxy(t, proxy).(*http.Transport)
	tr.TLSClientConfig = site.Client().Transport.(*http.Transport).TLSClientConfig
	_, _, err := crawl(t, Config{Start: site.URL + "/", Transport: tr})
	if !errors.Is(err, ErrStartUnreachable) || !strings.Contains(err.Error(), "the proxy asks for credentials") {
		t.Fatalf("err = %v, want ErrStartUnreachable saying the proxy asks for credentials", err)
	}
}

// A proxy that lets the site through but wants credentials for an external
// host: the external link is "no answer" with the proxy's message (the
// audit's fetch-error), not a 407 answer of that site.
func TestProxyAuthForAnExternalLinkIsNoAnswer(t *testing.T) {
	t.Parallel()
	ext := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(ext.Close)
	site, _ := serveSite(t, fstest.MapFS{"index.html": page("home", ext.URL+"/x")})
	proxy, _ := proxyServer(t, strings.TrimPrefix(ext.URL, "http://"))
	st, _, err := crawl(t, Config{Start: site.URL + "/", Transport: viaProxy(t, proxy)})
	if err != nil {
		t.Fatal(err)
	}
	u, ok, _ := st.Get(ext.URL + "/x")
	if !ok || u.Status != 0 || !strings.Contains(u.Error, "the proxy asks for credentials") || !strings.Contains(u.Error, `realm="corp"`) {
		t.Fatalf("external record = %+v (recorded %v)", u, ok)
	}
	if home, _, _ := st.Get(site.URL + "/"); home.Status != 200 {
		t.Errorf("home through the proxy: %+v", home)
	}
}
