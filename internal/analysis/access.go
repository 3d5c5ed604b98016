package analysis

import "github.com/crawlaudit/crawlaudit/internal/store"

// Access classes of a URL compared with and without credentials
// (--compare-anonymous), from Access.
const (
	AccessPublic      = "public"                     // 2xx both ways
	AccessProtected   = "protected"                  // 401/403 anonymously, 2xx with credentials
	AccessForbidden   = "forbidden-with-credentials" // 403 with credentials
	AccessRejected    = "credentials-rejected"       // 401 with credentials
	AccessPublicOnly  = "public-only"                // 2xx anonymously, not with credentials: the credentials break it
	AccessOther       = "other"                      // any other pair (redirects, errors)
	AccessNotCompared = ""                           // no credentials sent, or not compared
)

// Access classifies u by its answers with credentials (Status) and without
// (AnonymousStatus). It returns AccessNotCompared for URLs that were not
// requested both ways.
func Access(u store.URL) string {
	if u.Credentials == "" || u.AnonymousStatus == 0 {
		return AccessNotCompared
	}
	ok := func(s int) bool { return s >= 200 && s < 300 }
	a, s := u.AnonymousStatus, u.Status
	switch {
	case ok(a) && ok(s):
		return AccessPublic
	case (a == 401 || a == 403) && ok(s):
		return AccessProtected
	case s == 403:
		return AccessForbidden
	case s == 401:
		return AccessRejected
	case ok(a):
		return AccessPublicOnly
	}
	return AccessOther
}
