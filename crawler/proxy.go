package crawler

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/challenge"
)

// ProxyAuthError is the answer of an HTTP proxy that wants credentials
// (407 Proxy Authentication Required): the URL's own server was never
// reached. Requests through that proxy get the same until it has them, so the crawler
// records it as "no answer" with this message, and a start URL behind it
// stops the crawl (ErrStartUnreachable).
type ProxyAuthError struct {
	// Challenges are the proxy's Proxy-Authenticate field values; empty
	// when the proxy refused a CONNECT (https), whose headers Go's
	// transport does not pass on.
	Challenges []string
}

func (e *ProxyAuthError) Error() string {
	msg := "the proxy asks for credentials (407 Proxy Authentication Required"
	// Only the scheme and realm of each challenge: they say what the proxy
	// wants without echoing whatever else a hostile proxy put there.
	cs, _ := challenge.Parse(e.Challenges)
	var schemes []string
	for _, c := range cs {
		s := clip(c.Canonical(), 40)
		if realm := c.Realm(); realm != "" {
			s += " realm=" + strconv.Quote(clip(realm, 100))
		}
		schemes = append(schemes, s)
	}
	if len(schemes) > 0 {
		msg += "; Proxy-Authenticate: " + strings.Join(schemes, ", ")
	}
	return msg + "): give them in the proxy URL (HTTP_PROXY / HTTPS_PROXY=http://user:password@host:port; if it holds some, the proxy rejected them), or exempt the site with NO_PROXY"
}

// Unreachable reports that the site cannot be reached at all through this
// proxy (robots.Fetch then treats the host as down).
func (e *ProxyAuthError) Unreachable() bool { return true }

// proxyAuthTransport turns a proxy's 407 answer, and a CONNECT the proxy
// refused with 407, into a ProxyAuthError: neither is the site's answer.
type proxyAuthTransport struct {
	next http.RoundTripper
}

func (t proxyAuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		// Go's transport reports a refused CONNECT as an error holding the
		// proxy's status text, not as a response.
		if strings.Contains(err.Error(), "Proxy Authentication Required") {
			return nil, &ProxyAuthError{}
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusProxyAuthRequired {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, &ProxyAuthError{Challenges: resp.Header.Values("Proxy-Authenticate")}
	}
	return resp, nil
}
