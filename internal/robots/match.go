package robots

import (
	"errors"
	"fmt"
	"strings"

	"github.com/temoto/robotstxt"
)

// A robots.txt that was never fetched: a file proposed by hand, or one rule
// the robots.txt what-if proposes (internal/analysis). The crawl itself
// decides with Fetch and Rules.Allowed; both read the file the same way,
// through temoto/robotstxt, so a what-if and a crawl never disagree.

// ErrUnparsable is the error of Compile for a file temoto/robotstxt rejects
// (a Disallow before any User-agent, a Crawl-delay that is not a number).
var ErrUnparsable = errors.New("robots: unparsable robots.txt")

// Matcher answers "may this path be crawled?" for one robots.txt body and
// one agent. It is read-only once compiled and safe for concurrent use.
type Matcher struct {
	group *robotstxt.Group
}

// Compile reads body as a robots.txt served with status 200 (at most
// MaxSize bytes of it, as a crawler would) and returns the rules of the
// group that applies to agent (the most specific User-agent group matching
// it, else the * group, else none: everything allowed). An error wraps
// ErrUnparsable with temoto/robotstxt's reason.
func Compile(body []byte, agent string) (*Matcher, error) {
	if len(body) > MaxSize {
		body = body[:MaxSize]
	}
	data, err := robotstxt.FromStatusAndBytes(200, anchorRules(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnparsable, firstLineOf(err.Error()))
	}
	return &Matcher{group: data.FindGroup(agent)}, nil
}

// Disallow compiles a robots.txt of one group for every agent holding the
// one line given ("Disallow: /cal/", "Disallow: /*?*sort="): what the
// what-if tests, one proposed rule at a time.
func Disallow(line string) (*Matcher, error) {
	return Compile([]byte("User-agent: *\n"+line+"\n"), "*")
}

// Allowed reports whether requestURI (a path with its query, as
// url.URL.RequestURI gives it: "/shoes?sort=price") may be crawled. The
// robots.txt URL itself always may. RFC 9309 section 2.2.2: the longest
// matching rule wins, Allow on a tie; * and $ as Google reads them.
func (m *Matcher) Allowed(requestURI string) bool {
	if requestURI == "/robots.txt" {
		return true
	}
	return m.group.Test(anchored(requestURI))
}

// RequestURI returns the path and query of an absolute URL ("/" when the
// path is empty), without its fragment: what robots.txt rules match.
func RequestURI(raw string) string {
	if h := strings.IndexByte(raw, '#'); h >= 0 {
		raw = raw[:h]
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 {
			return "/"
		}
		raw = rest[j:]
	}
	if strings.HasPrefix(raw, "?") {
		return "/" + raw
	}
	if raw == "" {
		return "/"
	}
	return raw
}

func firstLineOf(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
