package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// encodeJSONURL is what appendJSONURL must equal: encoding/json through an
// Encoder indented as crawl.json's urls are, without the final newline.
func encodeJSONURL(t testing.TB, u *jsonURL) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	if err := enc.Encode(u); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// tricky holds what string escaping must get right: quotes, backslashes,
// HTML characters, every kind of control character, DEL, multi-byte UTF-8,
// the two line separators JavaScript chokes on, invalid and cut UTF-8.
var tricky = []string{"", "a", "/p/1", "\"", "\\", "<", ">", "&", "\x00", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"é", "日本", "\u2028", "\u2029", "😀", "\xff", "\xc3", "\xe2\x80", "\ufffd", "https://example.test/a?b=1&c=<d>", " "}

func randString(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return ""
	}
	var b []byte
	for n := r.IntN(6); n >= 0; n-- {
		if r.IntN(3) == 0 {
			b = append(b, byte(r.IntN(256)))
		} else {
			b = append(b, tricky[r.IntN(len(tricky))]...)
		}
	}
	return string(b)
}

func randJSONURL(r *rand.Rand) jsonURL {
	s := func() string { return randString(r) }
	n := func() int { return []int{0, 0, 1, -1, 200, 404, 1 << 40, -(1 << 62)}[r.IntN(8)] }
	bl := func() bool { return r.IntN(2) == 0 }
	u := jsonURL{URL: s(), Status: n(), Kind: store.Kind(s()), Depth: n(), Inlinks: n(), ContentType: s(), Bytes: int64(n()),
		ResponseMS: int64(n()), Redirect: s(), WWWAuthenticate: s(), NoIndex: bl(), Canonical: s(), Title: s(), InSitemap: bl(),
		BlockedByRobots: bl(), Truncated: bl(), Method: s(), Error: s(), ErrorKind: s(), Credentials: s(), AnonymousStatus: n(),
		Access: s(), BotCheck: s(), LoginForm: bl(), RobotsDisallowed: bl(), SitemapURLs: n(), NotRequested: s(), TextHash: s(),
		SimHash: s(), Cluster: s(), ClusterKind: s()}
	switch r.IntN(3) {
	case 0: // nil: null
	case 1:
		u.Sources, u.Referrers = []string{}, []jsonReferrer{}
	default:
		for k := r.IntN(4); k >= 0; k-- {
			u.Sources = append(u.Sources, s())
			u.Referrers = append(u.Referrers, jsonReferrer{From: s(), Type: store.EdgeType(s()), Tag: s()})
		}
	}
	return u
}

// TestAppendJSONURLMatchesEncodingJSON: the hand-written encoder of
// crawl.json's URL records writes what encoding/json writes, byte for
// byte, on random records full of characters that need escaping; records
// with nested optional parts are left to encoding/json.
func TestAppendJSONURLMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2026))
	for i := range 20000 {
		u := randJSONURL(r)
		got, ok := appendJSONURL([]byte("x"), &u)
		if !ok {
			t.Fatalf("record %d: not encoded", i)
		}
		if want := encodeJSONURL(t, &u); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("record %d differs:\ngot  %s\nwant %s", i, got, want)
		}
	}
	for _, u := range []jsonURL{
		{Challenges: []jsonChallenge{{Scheme: "Basic"}}},
		{SitemapProblems: []jsonSitemapProblem{{Kind: "k"}}},
		{Render: &jsonRender{}},
	} {
		if b, ok := appendJSONURL([]byte("x"), &u); ok || string(b) != "x" {
			t.Errorf("record with a nested part encoded by hand: %q", b)
		}
	}
}

// FuzzAppendJSONString: any string is quoted as encoding/json quotes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestReferrersSortedAndDistinct: referrers gives the distinct entries in
// order whatever order the edges come in (the fast path takes edges already
// in order; masking or another store may reorder them).
func TestReferrersSortedAndDistinct(t *testing.T) {
	c := newCrawl(store.NewMemory(), Options{})
	r := rand.New(rand.NewPCG(7, 16))
	for i := range 2000 {
		var in []store.Edge
		for k := r.IntN(8); k > 0; k-- {
			in = append(in, store.Edge{From: []string{"a", "b", "c"}[r.IntN(3)], Type: store.EdgeType([]string{"link", "asset"}[r.IntN(2)]), Tag: []string{"a", "img"}[r.IntN(2)]})
		}
		if i%2 == 0 {
			slices.SortFunc(in, func(x, y store.Edge) int {
				return compareReferrers(jsonReferrer{x.From, x.Type, x.Tag}, jsonReferrer{y.From, y.Type, y.Tag})
			})
		}
		got := referrers(in, c)
		want := []jsonReferrer{}
		for _, e := range in {
			if ref := (jsonReferrer{e.From, e.Type, e.Tag}); !slices.Contains(want, ref) {
				want = append(want, ref)
			}
		}
		slices.SortFunc(want, compareReferrers)
		if !slices.Equal(got, want) {
			t.Fatalf("referrers(%v) = %v, want %v", in, got, want)
		}
	}
}
