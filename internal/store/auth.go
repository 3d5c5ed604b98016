package store

// Challenge is one parsed WWW-Authenticate challenge, as far as reports
// need it.
type Challenge struct {
	Scheme           string // canonical spelling: "Basic", "Bearer", "Digest", … (as sent for unknown schemes)
	Realm            string // realm parameter; may be empty
	Error            string // RFC 6750 Bearer error (invalid_token, insufficient_scope, …); empty otherwise
	ErrorDescription string // RFC 6750 error_description
	Scope            string // RFC 6750 scope
}

// Values of URL.Credentials.
const (
	// CredentialsSent: the request carried the crawl's credentials.
	CredentialsSent = "sent"
	// CredentialsRejectedMidCrawl: the request carried the credentials and
	// answered 401 after URLs had answered 2xx with them, and a re-check
	// of such a URL answered 401 too: the credentials stopped working here
	// (token expired or revoked), and the crawler sent them no more.
	CredentialsRejectedMidCrawl = "rejected-mid-crawl"
)
