package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// authStore builds a small crawl: a public home page linking to a page
// whose 401 came back to requests with credentials.
func authStore(t *testing.T, scheme string, urls ...store.URL) *store.Memory {
	t.Helper()
	m := store.NewMemory()
	_ = m.SetMeta(store.Meta{Settings: map[string]string{"credentials_scheme": scheme}})
	home := store.URL{URL: "https://x.test/", Status: 200, Kind: store.KindPage, Start: true, Credentials: store.CredentialsSent}
	_ = m.PutURL(home)
	for _, u := range urls {
		_ = m.PutURL(u)
		_ = m.AddEdge(store.Edge{From: home.URL, To: u.URL, Type: store.EdgeLink, Tag: "a"})
	}
	return m
}

func findingsOf(t *testing.T, m *store.Memory, rule string) []store.Finding {
	t.Helper()
	fs, err := runBoth(t, m)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestCredentialsRejectedExplainsTheCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, given, challenge, want string
	}{
		{"wrong scheme", "Basic", `Bearer realm="api"`, "the server asks for Bearer but the crawl sent Basic credentials (wrong scheme)"},
		{"invalid token", "Bearer", `Bearer realm="api", error="invalid_token"`, `error="invalid_token"`},
		{"same scheme", "Basic", `basic realm="staff"`, "case-sensitive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := authStore(t, tc.given, store.URL{URL: "https://x.test/p", Status: 401, Kind: store.KindPage, Credentials: store.CredentialsSent, WWWAuthenticate: []string{tc.challenge}})
			fs := findingsOf(t, m, CredentialsRejected)
			if len(fs) != 1 || fs[0].Severity != store.SeverityError || !strings.Contains(fs[0].Message, tc.want) {
				t.Fatalf("findings = %+v, want one error saying %q", fs, tc.want)
			}
		})
	}
}

func TestMidCrawlRejectionIsOneFinding(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	m := authStore(t, "Bearer",
		store.URL{URL: "https://x.test/a", Status: 200, Kind: store.KindPage, Credentials: store.CredentialsSent, FetchedAt: at.Add(-time.Minute)},
		store.URL{URL: "https://x.test/b", Status: 401, Kind: store.KindPage, Credentials: store.CredentialsRejectedMidCrawl, FetchedAt: at, WWWAuthenticate: []string{`Bearer realm="api"`}},
		store.URL{URL: "https://x.test/c", Status: 401, Kind: store.KindPage, Credentials: store.CredentialsRejectedMidCrawl, FetchedAt: at.Add(time.Second), WWWAuthenticate: []string{`Bearer realm="api", error="invalid_token", error_description="expired"`}},
	)
	fs := findingsOf(t, m, CredentialsRejectedMidCrawl)
	if len(fs) != 1 || fs[0].URL != "https://x.test/b" {
		t.Fatalf("findings = %+v, want one on /b", fs)
	}
	for _, s := range []string{"at 2026-11-25T10:00:00Z", `error="invalid_token" (expired)`, "token expired?", "2 URLs answered 401"} {
		if !strings.Contains(fs[0].Message, s) {
			t.Errorf("message lacks %q: %s", s, fs[0].Message)
		}
	}
	if got := findingsOf(t, m, CredentialsRejected); len(got) != 0 {
		t.Errorf("credentials-rejected findings for the mid-crawl 401s: %+v", got)
	}
}

// When no 401 marked as mid-crawl gave a reason (the check was set off by a
// URL that answers 401 to everyone), the finding quotes the answer of the
// re-request that proved the rejection, which the crawl keeps.
func TestMidCrawlRejectionQuotesTheProof(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	urls := []store.URL{
		{URL: "https://x.test/a", Status: 200, Kind: store.KindPage, Credentials: store.CredentialsSent, FetchedAt: at.Add(-time.Minute)},
		{URL: "https://x.test/malformed", Status: 401, Kind: store.KindPage, Credentials: store.CredentialsRejectedMidCrawl, FetchedAt: at, WWWAuthenticate: []string{`Basic realm="unterminated`}},
	}
	for _, tc := range []struct {
		proof string
		want  string
	}{
		{`["Bearer realm=\"api\", error=\"invalid_token\", error_description=\"revoked\""]`, `the server says error="invalid_token" (revoked)`},
		{"", ""},
	} {
		m := authStore(t, "Bearer", urls...)
		meta, _ := m.Meta()
		meta.Settings["credentials_rejection_proof"] = tc.proof
		_ = m.SetMeta(meta)
		fs := findingsOf(t, m, CredentialsRejectedMidCrawl)
		if len(fs) != 1 || fs[0].URL != "https://x.test/malformed" {
			t.Fatalf("findings = %+v, want one on /malformed", fs)
		}
		if got := strings.Contains(fs[0].Message, "the server says"); got != (tc.want != "") || !strings.Contains(fs[0].Message, tc.want) {
			t.Errorf("proof %q: message %q, want %q", tc.proof, fs[0].Message, tc.want)
		}
	}
}

func TestBotWallReplacesStatusRules(t *testing.T) {
	t.Parallel()
	m := authStore(t, "",
		store.URL{URL: "https://x.test/shop", Status: 503, Kind: store.KindPage, BotCheck: "cf-mitigated: challenge"},
		store.URL{URL: "https://ext.test/", Status: 403, Kind: store.KindExternal, BotCheck: "cf-mitigated: challenge"},
	)
	fs, err := runBoth(t, m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule+" "+string(f.Severity)+" "+f.URL)
	}
	want := "bot-protection warning https://x.test/shop|bot-protection notice https://ext.test/"
	if strings.Join(got, "|") != want {
		t.Errorf("findings = %q, want %q", got, want)
	}
}

func TestSoftLoginRules(t *testing.T) {
	t.Parallel()
	m := authStore(t, "",
		store.URL{URL: "https://x.test/members", Status: 302, Kind: store.KindPage, Redirect: "https://x.test/login?next=%2Fmembers"},
		store.URL{URL: "https://x.test/login?next=%2Fmembers", Status: 200, Kind: store.KindPage, LoginForm: true},
		store.URL{URL: "https://x.test/portal", Status: 302, Kind: store.KindPage, Redirect: "https://x.test/gate"},
		store.URL{URL: "https://x.test/gate", Status: 200, Kind: store.KindPage, LoginForm: true},
		store.URL{URL: "https://x.test/moved", Status: 301, Kind: store.KindPage, Redirect: "https://x.test/login"},
	)
	// A sitemap-only login wall, linked from nowhere.
	_ = m.PutURL(store.URL{URL: "https://x.test/listed", Status: 200, Kind: store.KindPage, LoginForm: true, InSitemap: true})
	fs, err := runBoth(t, m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Rule == RedirectToLogin || f.Rule == LoginWall {
			got = append(got, f.Rule+" "+f.URL)
		}
	}
	// /moved goes to /login without a return parameter and /login has no
	// record with a form: not a login redirect by the rule's definition.
	// /login?next=… is a login page itself, so not a login wall; /gate is.
	want := "login-wall https://x.test/gate|login-wall https://x.test/listed|redirect-to-login https://x.test/members|redirect-to-login https://x.test/portal"
	if strings.Join(got, "|") != want {
		t.Errorf("findings = %q\nwant %q", got, want)
	}
}
