package audit

import (
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Per-rule tests of the rendering rules (rules_render.go). Edges written
// "render:xhr" are render edges with that tag.

const (
	rHome = "https://a.test/"
	rAPI  = "https://a.test/api/account"
)

var rPublic = store.URL{URL: rHome, Status: 200, Kind: store.KindPage}

func rendered(u store.URL, r store.Render) store.URL {
	u.Render = &r
	return u
}

func TestRuleRenderRequestUnauthorized(t *testing.T) {
	testRule(t, RenderRequestUnauthorized, []ruleCase{
		{name: "a public page's fetch answered 401", urls: []store.URL{rPublic, {URL: rAPI, Status: 401, Kind: store.KindAsset}},
			edges: []string{rHome + " render:fetch " + rAPI}, want: []string{"warning " + rAPI + " [" + rHome + "]"}, says: []string{"401 Unauthorized", "1 public page makes"}},
		{name: "another origin's API is a notice", urls: []store.URL{rPublic, {URL: "https://b.test/me", Status: 401, Kind: store.KindExternal}},
			edges: []string{rHome + " render:xhr https://b.test/me"}, want: []string{"notice https://b.test/me [" + rHome + "]"}},
		{name: "a 401 image rendering loaded is unauthorized-asset's", urls: []store.URL{rPublic, {URL: "https://a.test/i.png", Status: 401, Kind: store.KindAsset}},
			edges: []string{rHome + " render:image https://a.test/i.png"}},
		{name: "a 403 call is not a 401", urls: []store.URL{rPublic, {URL: rAPI, Status: 403, Kind: store.KindAsset}},
			edges: []string{rHome + " render:fetch " + rAPI}},
	})
}

func TestRuleRenderRequestForbidden(t *testing.T) {
	testRule(t, RenderRequestForbidden, []ruleCase{
		{name: "a public page's xhr answered 403", urls: []store.URL{rPublic, {URL: rAPI, Status: 403, Kind: store.KindAsset}},
			edges: []string{rHome + " render:xhr " + rAPI}, want: []string{"warning " + rAPI + " [" + rHome + "]"}, says: []string{"403 Forbidden"}},
		{name: "a call from a page that is not public", urls: []store.URL{{URL: rHome, Status: 401, Kind: store.KindPage}, {URL: rAPI, Status: 403, Kind: store.KindAsset}},
			edges: []string{rHome + " render:fetch " + rAPI}},
	})
}

func TestRuleRenderResourceBlockedByRobots(t *testing.T) {
	blocked := store.URL{URL: "https://a.test/private/data.json", Kind: store.KindAsset, BlockedByRobots: true, RobotsDisallowed: true, Bytes: -1}
	testRule(t, RenderResourceBlockedByRobots, []ruleCase{
		{name: "a blocked fetch", urls: []store.URL{rPublic, blocked},
			edges: []string{rHome + " render:fetch " + blocked.URL}, want: []string{"warning " + blocked.URL + " [" + rHome + "]"}, says: []string{"robots.txt disallows this call"}},
		{name: "a blocked script is asset-disallowed's", urls: []store.URL{rPublic, blocked},
			edges: []string{rHome + " render:script " + blocked.URL}},
	})
}

func TestRuleRenderOnlyLinks(t *testing.T) {
	testRule(t, RenderOnlyLinks, []ruleCase{
		{name: "two links only after rendering", urls: []store.URL{rendered(rPublic, store.Render{Links: 3, OnlyLinks: 2, TextLength: 100})},
			want: []string{"notice " + rHome + " []"}, says: []string{"2 links only in the rendered DOM"}},
		{name: "every link in the HTML", urls: []store.URL{rendered(rPublic, store.Render{Links: 3, TextLength: 100})}},
	})
}

func TestRuleRenderChangesIndexability(t *testing.T) {
	noindexRaw := rPublic
	noindexRaw.NoIndex = true
	canon := rPublic
	canon.Canonical = "https://a.test/a"
	testRule(t, RenderChangesIndexability, []ruleCase{
		{name: "script adds noindex", urls: []store.URL{rendered(rPublic, store.Render{NoIndex: true, TextLength: 100})},
			want: []string{"error " + rHome + " []"}, says: []string{"JavaScript adds noindex"}},
		{name: "script removes noindex", urls: []store.URL{rendered(noindexRaw, store.Render{TextLength: 100})},
			want: []string{"error " + rHome + " []"}, says: []string{"Google does not render noindex pages"}},
		{name: "script changes the canonical", urls: []store.URL{rendered(canon, store.Render{Canonical: "https://a.test/b", TextLength: 100})},
			want: []string{"error " + rHome + " []"}, says: []string{"from https://a.test/a to https://a.test/b"}},
		{name: "script adds a canonical elsewhere", urls: []store.URL{rendered(rPublic, store.Render{Canonical: "https://a.test/b", TextLength: 100})},
			want: []string{"error " + rHome + " []"}, says: []string{"adds a canonical to https://a.test/b"}},
		{name: "script adds a self canonical", urls: []store.URL{rendered(rPublic, store.Render{Canonical: rHome, TextLength: 100})}},
		{name: "the same noindex and canonical", urls: []store.URL{rendered(canon, store.Render{Canonical: "https://a.test/a", TextLength: 100})}},
		{name: "a page that did not load changes nothing", urls: []store.URL{rendered(rPublic, store.Render{NoIndex: true, ErrorKind: "crash"})}},
	})
}

func TestRuleRenderError(t *testing.T) {
	testRule(t, RenderError, []ruleCase{
		{name: "a timeout", urls: []store.URL{rendered(rPublic, store.Render{ErrorKind: "timeout", Error: "the page did not load within 15s", TextLength: 100})},
			want: []string{"warning " + rHome + " []"}, says: []string{"rendering failed (timeout): the page did not load within 15s"}},
		{name: "uncaught errors, console clipped", urls: []store.URL{rendered(rPublic, store.Render{TextLength: 100, ConsoleErrors: []string{"widget failed: 42", "Uncaught Error: boom", "noise", "more"}})},
			want: []string{"warning " + rHome + " []"}, says: []string{"threw 1 uncaught error", "console: widget failed: 42 | Uncaught Error: boom | noise (and 1 more)"}},
		{name: "console.error alone", urls: []store.URL{rendered(rPublic, store.Render{TextLength: 100, ConsoleErrors: []string{"account API answered 401"}})}},
	})
}

func TestRuleRenderEmpty(t *testing.T) {
	testRule(t, RenderEmpty, []ruleCase{
		{name: "nothing after rendering", urls: []store.URL{rendered(rPublic, store.Render{TextLength: 0, Requests: 4, Failed: 2})},
			want: []string{"warning " + rHome + " []"}, says: []string{"0 characters of visible text", "2 requests of its 4 failed"}},
		{name: "twenty characters", urls: []store.URL{rendered(rPublic, store.Render{TextLength: 20})}},
		{name: "a render error is render-error's", urls: []store.URL{rendered(rPublic, store.Render{ErrorKind: "timeout"})}},
	})
}
