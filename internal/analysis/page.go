package analysis

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Categories of a request, as the crawl budget counts them (one per record
// of the site). Category gives a record's category judged alone; the budget
// then marks the 200 pages of a crawler trap's URL pattern as CatTrap and
// indexable pages that repeat another URL's path with other query
// parameters, or carry a session ID, as CatParameter.
const (
	CatIndexable     = "indexable"
	CatResource      = "resource"
	CatRedirect      = "redirect"
	CatUnauthorized  = "unauthorized"
	CatForbidden     = "forbidden"
	CatNotFound      = "not_found"
	CatOther4xx      = "other_4xx"
	CatServerError   = "server_error"
	CatNetworkError  = "network_error"
	CatLoginWall     = "login_wall"
	CatSoftNotFound  = "soft_404"
	CatNoIndex       = "noindex"
	CatCanonicalised = "canonicalised"
	CatTrap          = "trap"
	CatDuplicate     = "duplicate"
	CatParameter     = "parameter_variant"
	CatOther         = "other"
	CatBlockedLinked = "blocked_linked"
	// CatNotRequested is the category of a URL the crawl knew and did not
	// request (store.URL.NotRequested: a trap, --max-urls, a URL too long):
	// not a request, so outside the budget, and nothing is known of its
	// answer. It is not in Categories.
	CatNotRequested = "not_requested"
)

// CategoryDef describes one category: its ID, a short label, and whether
// its requests are wasted.
type CategoryDef struct {
	ID    string
	Label string
	Waste bool
}

// Categories lists every category in report order. The README defines
// each one; keep them in step. It is a read-only table.
var Categories = []CategoryDef{
	{CatIndexable, "indexable 200 pages", false},
	{CatResource, "resources (2xx assets, feeds, robots.txt, sitemaps)", false},
	{CatRedirect, "redirects (3xx, every hop)", true},
	{CatUnauthorized, "401 Unauthorized", true},
	{CatForbidden, "403 Forbidden", true},
	{CatNotFound, "404 Not Found / 410 Gone", true},
	{CatOther4xx, "other 4xx", true},
	{CatServerError, "5xx server errors", true},
	{CatNetworkError, "network errors (no answer)", true},
	{CatLoginWall, "login walls (200 pages that are a password form)", true},
	{CatSoftNotFound, "soft 404s (200 pages whose title says not found)", true},
	{CatTrap, "crawler traps (pages of an infinite URL space)", true},
	{CatNoIndex, "noindex pages", true},
	{CatCanonicalised, "canonicalised elsewhere", true},
	{CatDuplicate, "duplicates of another page, not canonicalised to it", true},
	{CatParameter, "parameter variants and session IDs of one path", true},
	{CatOther, "other answers (1xx, 2xx pages other than 200)", true},
	{CatBlockedLinked, "blocked by robots.txt but linked (not requested)", false},
}

// IsWaste reports whether requests of category id are wasted.
func IsWaste(id string) bool {
	for _, d := range Categories {
		if d.ID == id {
			return d.Waste
		}
	}
	return false
}

// CategoryLabel returns the label of category id, or id itself.
func CategoryLabel(id string) string {
	for _, d := range Categories {
		if d.ID == id {
			return d.Label
		}
	}
	return id
}

// Category returns the category of u's answer judged alone. A URL robots.txt
// blocked was not requested: it is CatBlockedLinked (counted apart from the
// requests), whether or not anything links to it; any other URL the crawl
// did not request is CatNotRequested. External URLs are judged as pages.
func Category(u store.URL) string {
	return category(u, u.URL, u.Canonical, u.Cluster)
}

// category is Category with the URL, canonical and cluster given apart, so
// that the budget can judge the masked forms it keeps (see LoadBudget).
func category(u store.URL, self, canonical, cluster string) string {
	switch s := u.Status; {
	case u.BlockedByRobots:
		return CatBlockedLinked
	case u.NotRequested != "":
		return CatNotRequested
	case s == 0:
		return CatNetworkError
	case statusCategory(s) != "":
		return statusCategory(s)
	case (u.Kind != store.KindPage && u.Kind != store.KindExternal) || !IndexableType(u.ContentType):
		return CatResource
	case s != 200:
		return CatOther
	case u.LoginForm:
		return CatLoginWall
	case SoftNotFound(u):
		return CatSoftNotFound
	case u.NoIndex:
		return CatNoIndex
	case canonical != "" && canonical != self:
		return CatCanonicalised
	case cluster != "" && cluster != self:
		// A duplicate that does not point at its cluster's URL: a
		// canonical to it makes it CatCanonicalised above.
		return CatDuplicate
	}
	return CatIndexable
}

// Indexable reports whether u is a page of the site that search engines may
// index: a 200 answer of an indexable type (IndexableType) that is not a
// login form, a soft 404, noindex, canonicalised to another URL, or a
// duplicate of another page (its Cluster) without a canonical to it. It is
// the one definition the audit and the crawl budget share.
func Indexable(u store.URL) bool {
	return u.Kind == store.KindPage && Category(u) == CatIndexable
}

// NotIndexable says why search engines would not index u's answer ("answers
// 404 Not Found", "is noindex", …), or "" when they may (Indexable, or an
// external page that would be). It does not judge robots.txt: the sitemap
// rules report a blocked URL on their own; nor a URL the crawl did not
// request (NotRequested), whose answer is unknown.
func NotIndexable(u store.URL) string {
	switch s := u.Status; Category(u) {
	case CatIndexable, CatBlockedLinked, CatNotRequested:
		return ""
	case CatNetworkError:
		return "gets no answer (" + u.Error + ")"
	case CatRedirect:
		if u.Redirect != "" {
			return fmt.Sprintf("redirects (%d) to %s", s, u.Redirect)
		}
		return fmt.Sprintf("redirects (%d)", s)
	case CatResource:
		return fmt.Sprintf("is not a page search engines index (content type %q)", u.ContentType)
	case CatLoginWall:
		return "is a login form, not content"
	case CatSoftNotFound:
		return "is a soft 404 (answers 200, but its title says not found)"
	case CatNoIndex:
		return "is noindex"
	case CatCanonicalised:
		return "canonicalises to " + u.Canonical
	case CatDuplicate:
		return "duplicates " + u.Cluster + " without a canonical link to it"
	default: // 4xx, 5xx, 1xx, 2xx other than 200
		if s >= 400 {
			return fmt.Sprintf("answers %d %s", s, StatusName(s))
		}
		return fmt.Sprintf("answers %d, not 200", s)
	}
}

// IndexableType reports whether a content type is one search engines index
// as a page: HTML, XHTML or PDF. An empty type counts as HTML: browsers and
// search engines sniff such answers, and so does the crawler.
func IndexableType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "", "text/html", "application/xhtml+xml", "application/pdf":
		return true
	}
	return false
}

// StatusName is the reason phrase crawlaudit's messages use for a status.
func StatusName(s int) string {
	switch s {
	case 404:
		return "Not Found"
	case 410:
		return "Gone"
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	}
	if s >= 500 {
		return "server error"
	}
	return "(client error)"
}

// Public reports whether u is publicly reachable content, as a referrer: a
// 2xx page of the site, or a 2xx asset (a stylesheet's url() references),
// that also answered 2xx without credentials when --compare-anonymous
// checked it. Search engines crawl without credentials, so only public
// pages' links and assets matter to them.
func Public(u store.URL) bool {
	return u.Status >= 200 && u.Status < 300 && (u.Kind == store.KindPage || u.Kind == store.KindAsset) &&
		// answered 2xx only with credentials (--compare-anonymous): not public
		!(u.Credentials != "" && u.AnonymousStatus != 0 && (u.AnonymousStatus < 200 || u.AnonymousStatus > 299))
}

// LoginWall reports whether u is a page of the site that answers 2xx with a
// login form instead of content (a soft 401): a login form (the crawler's
// LoginForm: a password field in the page's content) at a URL that is not
// itself a login page (LoginPath).
func LoginWall(u store.URL) bool {
	return u.Status >= 200 && u.Status < 300 && u.LoginForm && !LoginPath(u.URL) && u.Kind == store.KindPage
}

// LoginRedirectTarget reports whether a redirect target is a login page
// that will send the visitor back: a login path with a return-URL parameter
// (/login?next=/members/), as sites answer protected URLs.
func LoginRedirectTarget(target string) bool {
	return LoginPath(target) && HasReturnParam(target)
}

// loginSegments are path segments that name a login page.
var loginSegments = map[string]bool{
	"login": true, "log-in": true, "logon": true, "signin": true, "sign-in": true, "sign_in": true,
	"sso": true, "auth": true, "authorize": true, "authenticate": true, "oauth": true, "oauth2": true,
	"saml": true, "cas": true, "login.php": true, "wp-login.php": true, "login.aspx": true, "login.jsp": true, "login.html": true,
}

// returnParams are query parameters that carry the URL to return to after
// logging in.
var returnParams = map[string]bool{
	"return": true, "returnurl": true, "return_url": true, "return_to": true, "returnto": true, "next": true,
	"redirect": true, "redirect_uri": true, "redirect_url": true, "redirectto": true, "redirect_to": true,
	"continue": true, "from": true, "dest": true, "destination": true, "url": true, "r": true, "goto": true,
	"came_from": true, "service": true, "target": true, "back": true, "backurl": true,
}

// LoginPath reports whether raw's path has a login segment (/login,
// /users/sign_in, /sso/…, /wp-login.php).
func LoginPath(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for seg := range strings.SplitSeq(strings.ToLower(u.Path), "/") {
		if loginSegments[seg] {
			return true
		}
	}
	return false
}

// HasReturnParam reports whether raw carries a return-URL parameter.
func HasReturnParam(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for k := range u.Query() {
		if returnParams[strings.ToLower(k)] {
			return true
		}
	}
	return false
}
