package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// newAuthFixture is an authenticated crawl compared with anonymous access:
// a public home page, three pages under Bearer realm "app" (one at depth 1),
// a Basic realm, a protected logo, a 403 even with credentials, a bot wall
// and a login wall, with a JWT that expired before the crawl.
func newAuthFixture(t testing.TB) *store.Memory {
	t.Helper()
	m := store.NewMemory()
	started := time.Unix(fxStartSec, 0).UTC()
	_ = m.SetMeta(store.Meta{StartURL: fxHome, StartedAt: started, FinishedAt: started.Add(time.Minute), Settings: map[string]string{
		"credentials": "Bearer (CRAWLAUDIT_BEARER_TOKEN)", "auth_origins": "https://example.test", "credentials_scheme": "Bearer",
		"token_exp": "2026-01-01T00:00:00Z", "token_aud": "bakery", "token_scope": "read:app",
	}})
	bearer := []string{`Bearer realm="app", error="invalid_token"`}
	bearerC := []store.Challenge{{Scheme: "Bearer", Realm: "app", Error: "invalid_token"}}
	for _, u := range []store.URL{
		{URL: fxHome, Status: 200, Kind: store.KindPage, Start: true, Credentials: store.CredentialsSent, AnonymousStatus: 200},
		{URL: "https://example.test/app/", Status: 200, Kind: store.KindPage, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 401},
		{URL: "https://example.test/app/a", Status: 401, Kind: store.KindPage, Depth: 2, Credentials: store.CredentialsSent, AnonymousStatus: 401, WWWAuthenticate: bearer, Challenges: bearerC},
		{URL: "https://example.test/app/b", Status: 401, Kind: store.KindPage, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 401, WWWAuthenticate: bearer, Challenges: bearerC},
		{URL: "https://example.test/app/c", Status: 401, Kind: store.KindPage, Depth: 3, Credentials: store.CredentialsRejectedMidCrawl, AnonymousStatus: 401, WWWAuthenticate: []string{`bearer realm="app"`}, Challenges: []store.Challenge{{Scheme: "Bearer", Realm: "app"}}},
		{URL: "https://example.test/staff", Status: 401, Kind: store.KindPage, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 401, WWWAuthenticate: []string{`Basic realm="staff"`, `Bearer realm="app"`},
			Challenges: []store.Challenge{{Scheme: "Basic", Realm: "staff"}, {Scheme: "Bearer", Realm: "app"}}},
		{URL: fxLogo, Status: 200, Kind: store.KindAsset, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 403},
		{URL: "https://example.test/admin", Status: 403, Kind: store.KindPage, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 401},
		{URL: "https://example.test/shop", Status: 403, Kind: store.KindPage, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 403, BotCheck: "cf-mitigated: challenge"},
		{URL: "https://example.test/wall", Status: 200, Kind: store.KindPage, Depth: 1, Credentials: store.CredentialsSent, AnonymousStatus: 200, LoginForm: true},
	} {
		_ = m.PutURL(u)
	}
	_ = m.AddEdge(store.Edge{From: fxHome, To: "https://example.test/app/", Type: store.EdgeLink, Tag: "a"})
	_ = m.AddEdge(store.Edge{From: fxHome, To: fxLogo, Type: store.EdgeAsset, Tag: "img"})
	_ = m.PutFindings([]store.Finding{
		{Rule: "protected-asset-on-public-page", Severity: store.SeverityError, URL: fxLogo, Message: "m", Referrers: []string{fxHome}},
		{Rule: "protected-linked-publicly", Severity: store.SeverityWarning, URL: "https://example.test/app/", Message: "m", Referrers: []string{fxHome}},
		{Rule: "bot-protection", Severity: store.SeverityWarning, URL: "https://example.test/shop", Message: "m"},
	})
	return m
}

func TestSummarizeAuth(t *testing.T) {
	t.Parallel()
	a, err := SummarizeAuth(newCrawl(newAuthFixture(t), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	want := AuthSummary{
		Credentials:  "Bearer (CRAWLAUDIT_BEARER_TOKEN)",
		Origins:      "https://example.test",
		Token:        &TokenSummary{Expires: "2026-01-01T00:00:00Z", Audience: "bakery", Scope: "read:app", ExpiredBeforeCrawl: true},
		Unauthorized: 4, Forbidden: 2, BotChecks: 1, LoginForms: 1,
		Realms: []RealmGroup{
			{Scheme: "Bearer", Realm: "app", URLs: 4, FirstSeen: "https://example.test/app/b", Error: "invalid_token"},
			{Scheme: "Basic", Realm: "staff", URLs: 1, FirstSeen: "https://example.test/staff"},
		},
		ByAccess: map[string]int{"public": 2, "protected": 2, "forbidden-with-credentials": 2, "credentials-rejected": 4},
		ToFix: []AuthFix{
			{Rule: "protected-asset-on-public-page", URL: fxLogo, Referrers: []string{fxHome}},
			{Rule: "protected-linked-publicly", URL: "https://example.test/app/", Referrers: []string{fxHome}},
		},
	}
	if !reflect.DeepEqual(a, want) {
		got, _ := json.MarshalIndent(a, "", " ")
		exp, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("SummarizeAuth\n got %s\nwant %s", got, exp)
	}
}

func TestAuthRoundTripAndTable(t *testing.T) {
	t.Parallel()
	first := writeJSON(t, newAuthFixture(t))
	m, err := ReadJSON(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if second := writeJSON(t, m); !bytes.Equal(first, second) {
		t.Errorf("round trip differs:\n--- first ---\n%s\n--- second ---\n%s", first, second)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, newCrawl(m, Options{}), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{
		"Credentials: Bearer (CRAWLAUDIT_BEARER_TOKEN), sent only to https://example.test.",
		`Token (JWT, not verified): expires 2026-01-01T00:00:00Z (EXPIRED before the crawl started), audience "bakery", scope "read:app"`,
		"401 Unauthorized: 4, 403 Forbidden: 2, bot checks: 1, login forms: 1.",
		"| Bearer | app   |    4 | https://example.test/app/b | invalid_token |",
		"| credentials-rejected       |    4 |",
		"| protected-asset-on-public-page | https://example.test/img/logo.png | https://example.test/ |",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if !bytes.Contains(first, []byte(`"access": "protected"`)) || !bytes.Contains(first, []byte(`"bot_check": "cf-mitigated: challenge"`)) {
		t.Error("crawl.json lacks the per-URL auth fields")
	}
}
