package report

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// AuthSummary is the crawl's authentication picture: crawl.json's "auth"
// object and the terminal table's "Authentication" section. Field names are
// part of the schema (added in schema_version 1; adding fields needs no
// bump).
type AuthSummary struct {
	// Credentials says how the crawl authenticated, without any secret
	// ("Bearer (CRAWLAUDIT_BEARER_TOKEN)"); empty for an anonymous crawl.
	Credentials string `json:"credentials"`
	// Origins are the origins the credentials were sent to.
	Origins string `json:"origins"`
	// Token shows the claims of a Bearer JWT; nil when there is none.
	Token *TokenSummary `json:"token,omitempty"`
	// Unauthorized and Forbidden count URLs answering 401 and 403.
	Unauthorized int `json:"unauthorized"`
	Forbidden    int `json:"forbidden"`
	// BotChecks counts answers from CDN/WAF bot checks; LoginForms the
	// 2xx pages that are login forms.
	BotChecks  int `json:"bot_checks"`
	LoginForms int `json:"login_forms"`
	// Realms groups the URLs that sent a (well-formed) challenge by
	// (scheme, realm).
	Realms []RealmGroup `json:"realms"`
	// ByAccess counts URLs by their class when compared with and without
	// credentials (--compare-anonymous): public, protected,
	// forbidden-with-credentials, credentials-rejected, public-only, other.
	ByAccess map[string]int `json:"by_access"`
	// ToFix lists the protected (or login-walled) URLs that public pages
	// link to or use, with those public referrers: the headline fixes (the
	// findings of the rules with RuleInfo.PublicReferrers).
	ToFix []AuthFix `json:"to_fix"`
}

// TokenSummary is what a Bearer JWT's claims say (decoded, not verified).
type TokenSummary struct {
	Expires            string `json:"expires"`              // exp, RFC 3339; empty when absent
	Audience           string `json:"audience"`             // aud
	Scope              string `json:"scope"`                // scope or scp
	ExpiredBeforeCrawl bool   `json:"expired_before_crawl"` // exp is before the crawl started
}

// RealmGroup is one (scheme, realm) protection space.
type RealmGroup struct {
	Scheme    string `json:"scheme"`     // canonical spelling ("Basic", "Bearer", …)
	Realm     string `json:"realm"`      // may be empty
	URLs      int    `json:"urls"`       // URLs whose challenge names it
	FirstSeen string `json:"first_seen"` // the shallowest such URL (fewest clicks from the start), first in URL order
	Error     string `json:"error"`      // the Bearer error of FirstSeen's challenge, if any
}

// AuthFix is one protected URL public pages point at.
type AuthFix struct {
	Rule      string   `json:"rule"`
	URL       string   `json:"url"`
	Referrers []string `json:"referrers"`
}

// empty reports whether there is nothing to show.
func (a AuthSummary) empty() bool {
	return a.Credentials == "" && a.Unauthorized == 0 && a.Forbidden == 0 && a.BotChecks == 0 &&
		a.LoginForms == 0 && len(a.Realms) == 0 && len(a.ToFix) == 0
}

// SummarizeAuth builds the AuthSummary of the crawl.
func SummarizeAuth(r *Crawl) (AuthSummary, error) {
	meta, err := r.Meta()
	if err != nil {
		return AuthSummary{}, fmt.Errorf("report: auth: read meta: %w", err)
	}
	findings, err := r.maskedFindings()
	if err != nil {
		return AuthSummary{}, err
	}
	return summarizeAuth(r, meta, findings)
}

func summarizeAuth(r *Crawl, meta store.Meta, findings []store.Finding) (AuthSummary, error) {
	a := AuthSummary{
		Credentials: meta.Settings["credentials"],
		ByAccess:    map[string]int{},
		Realms:      []RealmGroup{},
		ToFix:       []AuthFix{},
	}
	if a.Credentials != "" {
		a.Origins = r.maskText(meta.Settings["auth_origins"])
	}
	if exp, aud, scope := meta.Settings["token_exp"], meta.Settings["token_aud"], meta.Settings["token_scope"]; exp != "" || aud != "" || scope != "" {
		t := &TokenSummary{Expires: exp, Audience: aud, Scope: scope}
		if e, err := time.Parse(time.RFC3339, exp); err == nil && !meta.StartedAt.IsZero() && !e.After(meta.StartedAt) {
			t.ExpiredBeforeCrawl = true
		}
		a.Token = t
	}
	type key struct{ scheme, realm string }
	type group struct {
		RealmGroup
		depth int
	}
	groups := map[key]*group{}
	err := r.eachURL(func(u store.URL) error {
		switch u.Status {
		case 401:
			a.Unauthorized++
		case 403:
			a.Forbidden++
		}
		if u.BotCheck != "" {
			a.BotChecks++
		}
		if u.LoginForm {
			a.LoginForms++
		}
		if c := analysis.Access(u); c != analysis.AccessNotCompared {
			a.ByAccess[c]++
		}
		seen := map[key]bool{}
		for _, c := range u.Challenges {
			k := key{c.Scheme, c.Realm}
			if seen[k] {
				continue
			}
			seen[k] = true
			g := groups[k]
			m := r.maskURL(u.URL)
			if g == nil {
				g = &group{RealmGroup: RealmGroup{Scheme: k.scheme, Realm: k.realm}, depth: u.Depth}
				groups[k] = g
				g.FirstSeen = m
			}
			g.URLs++
			if u.Depth < g.depth || u.Depth == g.depth && m < g.FirstSeen {
				g.depth, g.FirstSeen = u.Depth, m
				g.Error = ""
			}
			if g.FirstSeen == m {
				g.Error = c.Error
			}
		}
		return nil
	})
	if err != nil {
		return AuthSummary{}, fmt.Errorf("report: auth: read urls: %w", err)
	}
	for _, g := range groups {
		a.Realms = append(a.Realms, g.RealmGroup)
	}
	sort.Slice(a.Realms, func(i, j int) bool {
		x, y := a.Realms[i], a.Realms[j]
		if x.URLs != y.URLs {
			return x.URLs > y.URLs
		}
		if x.Scheme != y.Scheme {
			return x.Scheme < y.Scheme
		}
		return x.Realm < y.Realm
	})
	fixRules := r.publicRules()
	for _, f := range findings {
		if fixRules[f.Rule] && f.Severity != store.SeverityNotice && len(f.Referrers) > 0 {
			a.ToFix = append(a.ToFix, AuthFix{Rule: f.Rule, URL: f.URL, Referrers: f.Referrers})
		}
	}
	return a, nil
}

// accessOrder is the row order of the access classes.
var accessOrder = []string{analysis.AccessPublic, analysis.AccessProtected, analysis.AccessForbidden, analysis.AccessRejected, analysis.AccessPublicOnly, analysis.AccessOther}

// writeAuthTable renders the "Authentication" section of the terminal
// summary, or nothing when the crawl met no authentication at all.
func writeAuthTable(buf *bytes.Buffer, a AuthSummary, width int, origin string) error {
	if a.empty() {
		return nil
	}
	buf.WriteString("\nAuthentication\n")
	if a.Credentials == "" {
		textLine(buf, "Crawled without credentials (as search engines do).", width)
	} else {
		textLine(buf, fmt.Sprintf("Credentials: %s, sent only to %s.", a.Credentials, a.Origins), width)
	}
	if t := a.Token; t != nil {
		line := "Token (JWT, not verified):"
		if t.Expires != "" {
			line += " expires " + t.Expires
			if t.ExpiredBeforeCrawl {
				line += " (EXPIRED before the crawl started)"
			}
		}
		if t.Audience != "" {
			line += fmt.Sprintf(", audience %q", t.Audience)
		}
		if t.Scope != "" {
			line += fmt.Sprintf(", scope %q", t.Scope)
		}
		textLine(buf, line, width)
	}
	textLine(buf, fmt.Sprintf("401 Unauthorized: %d, 403 Forbidden: %d, bot checks: %d, login forms: %d.", a.Unauthorized, a.Forbidden, a.BotChecks, a.LoginForms), width)
	if len(a.Realms) > 0 {
		rows := make([][]string, 0, len(a.Realms))
		for _, g := range a.Realms {
			rows = append(rows, []string{g.Scheme, g.Realm, itoa(g.URLs), urlCell(g.FirstSeen, width), g.Error})
		}
		spec := tableSpec{name: "Authentication realms", header: []string{"scheme", "realm", "urls", "first seen", "error"}, numeric: []int{2}, urls: []int{3}, texts: []int{1, 4}, origin: origin}
		if err := spec.render(buf, rows, width); err != nil {
			return err
		}
	}
	if len(a.ByAccess) > 0 {
		buf.WriteString("\nWith and without credentials\n")
		var rows [][]string
		for _, c := range accessOrder {
			if n, ok := a.ByAccess[c]; ok {
				rows = append(rows, []string{c, itoa(n)})
			}
		}
		spec := tableSpec{name: "Access classes", header: []string{"class", "urls"}, numeric: []int{1}}
		if err := spec.render(buf, rows, width); err != nil {
			return err
		}
	}
	if len(a.ToFix) > 0 {
		buf.WriteString("\nPublic referrers to fix\n")
		rows := make([][]string, 0, len(a.ToFix))
		for _, f := range a.ToFix {
			ref := urlCell(f.Referrers[0], width)
			if n := len(f.Referrers) - 1; n > 0 {
				ref += " (+" + itoa(n) + " more)"
			}
			rows = append(rows, []string{f.Rule, urlCell(f.URL, width), ref})
		}
		spec := tableSpec{name: "Public referrers to fix", header: []string{"rule", "url", "public referrer"}, urls: []int{1, 2}, texts: []int{0}, origin: origin}
		if err := spec.render(buf, rows, width); err != nil {
			return err
		}
	}
	return nil
}
