package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// SchemaVersion is crawl.json's "schema_version". Bump it when a field is
// renamed, removed or changes meaning; adding a field does not need a bump.
const SchemaVersion = 1

// jsonURL is one element of crawl.json's "urls". Field names are the
// schema; every field is always present.
type jsonURL struct {
	URL             string         `json:"url"`
	Status          int            `json:"status"`
	Kind            store.Kind     `json:"kind"`
	Sources         []string       `json:"sources"`
	Depth           int            `json:"depth"`
	Inlinks         int            `json:"inlinks"`
	Referrers       []jsonReferrer `json:"referrers"`
	ContentType     string         `json:"content_type"`
	Bytes           int64          `json:"bytes"`
	ResponseMS      int64          `json:"response_ms"`
	Redirect        string         `json:"redirect"`
	WWWAuthenticate string         `json:"www_authenticate"`
	NoIndex         bool           `json:"noindex"`
	Canonical       string         `json:"canonical"`
	Title           string         `json:"title"`
	InSitemap       bool           `json:"in_sitemap"`
	BlockedByRobots bool           `json:"blocked_by_robots"`
	Truncated       bool           `json:"truncated"`
	Method          string         `json:"method"`
	Error           string         `json:"error"`
	// ErrorKind classifies Error (dns, refused, reset, tls, timeout,
	// redirect-cap, bad-redirect, proxy, other); present only when set.
	ErrorKind string `json:"error_kind,omitempty"`
	// Authentication fields (auth.go), present only when set.
	Credentials     string          `json:"credentials,omitempty"`
	AnonymousStatus int             `json:"anonymous_status,omitempty"`
	Access          string          `json:"access,omitempty"`
	BotCheck        string          `json:"bot_check,omitempty"`
	LoginForm       bool            `json:"login_form,omitempty"`
	Challenges      []jsonChallenge `json:"challenges,omitempty"`
	// Sitemaps and robots.txt fields, present only when set.
	RobotsDisallowed bool                 `json:"robots_disallowed,omitempty"`
	SitemapURLs      int                  `json:"sitemap_urls,omitempty"`
	SitemapProblems  []jsonSitemapProblem `json:"sitemap_problems,omitempty"`
	// URL spaces and duplicate content, present only when set.
	NotRequested string `json:"not_requested,omitempty"` // trap, max-urls, max-time, url-too-long
	TextHash     string `json:"text_hash,omitempty"`
	SimHash      string `json:"simhash,omitempty"`
	Cluster      string `json:"cluster,omitempty"` // the URL the duplicate cluster's pages should point to
	ClusterKind  string `json:"cluster_kind,omitempty"`
	// Rendering (--render), present only for a rendered page.
	Render *jsonRender `json:"render,omitempty"`
}

// jsonSitemapProblem is one thing wrong with a sitemap file.
type jsonSitemapProblem struct {
	Kind    string `json:"kind"`
	URL     string `json:"url,omitempty"`
	Message string `json:"message"`
}

// jsonChallenge is one parsed WWW-Authenticate challenge of a URL.
type jsonChallenge struct {
	Scheme           string `json:"scheme"`
	Realm            string `json:"realm"`
	Error            string `json:"error,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
	Scope            string `json:"scope,omitempty"`
}

// jsonReferrer is one incoming edge of a URL.
type jsonReferrer struct {
	From string         `json:"from"`
	Type store.EdgeType `json:"type"`
	Tag  string         `json:"tag"`
}

// jsonFinding is one element of crawl.json's "findings".
type jsonFinding struct {
	Rule      string         `json:"rule"`
	Severity  store.Severity `json:"severity"`
	URL       string         `json:"url"`
	Message   string         `json:"message"` // what is wrong and how to fix it (Finding.Text)
	Fix       string         `json:"fix"`     // how to fix it alone (added in schema 1; empty in older files)
	Referrers []string       `json:"referrers"`
}

// jsonIssue is one element of crawl.json's "issues": the prioritised issue
// list (Crawl.Issues) every output leads with.
type jsonIssue struct {
	Rank      int            `json:"rank"`
	Rule      string         `json:"rule"`
	Severity  store.Severity `json:"severity"`
	Title     string         `json:"title"`
	Why       string         `json:"why"`
	Fix       string         `json:"fix"`
	Pattern   string         `json:"pattern"`  // the URL, or the template its URLs share
	URLs      []string       `json:"urls"`     // every URL of the issue (its findings are in "findings")
	Reach     int            `json:"reach"`    // pages affected
	Priority  int            `json:"priority"` // severity weight (100, 10, 1) × reach
	Referrers []jsonIssueRef `json:"referrers"`
}

// jsonIssueRef is a page to change and how many of the issue's URLs it
// points at.
type jsonIssueRef struct {
	URL  string `json:"url"`
	URLs int    `json:"urls"`
}

func newJSONIssues(is []Issue) []jsonIssue {
	out := make([]jsonIssue, len(is))
	for i, x := range is {
		j := jsonIssue{Rank: i + 1, Rule: x.Rule, Severity: x.Severity, Title: x.Title, Why: x.Why, Fix: x.Fix, Pattern: x.Pattern,
			URLs: make([]string, len(x.Findings)), Reach: x.Reach, Priority: x.Priority, Referrers: make([]jsonIssueRef, len(x.Referrers))}
		for k, f := range x.Findings {
			j.URLs[k] = f.URL
		}
		for k, r := range x.Referrers {
			j.Referrers[k] = jsonIssueRef{URL: r.URL, URLs: r.URLs}
		}
		out[i] = j
	}
	return out
}

// jsonDoc is the whole of crawl.json. WriteJSON writes it field by field (to
// stream the urls); ReadJSON decodes it in one go. Keep the two in step.
type jsonDoc struct {
	SchemaVersion int               `json:"schema_version"`
	ToolVersion   string            `json:"tool_version"`
	StartURL      string            `json:"start_url"`
	StartedAt     string            `json:"started_at"`
	FinishedAt    string            `json:"finished_at"`
	Partial       bool              `json:"partial"`
	Settings      map[string]string `json:"settings"`
	Summary       Summary           `json:"summary"`
	Auth          AuthSummary       `json:"auth"`
	Budget        Budget            `json:"budget"` // additive (schema 1); recomputed, never read back
	Issues        []jsonIssue       `json:"issues"` // additive (schema 1); recomputed, never read back
	URLs          []jsonURL         `json:"urls"`
	Findings      []jsonFinding     `json:"findings"`
	// Logs is additive; never read back: the hits it summarises are in
	// crawl.db only (ReadJSONLogs says whether it was there).
	Logs json.RawMessage `json:"logs"`
}

// referrers maps the edges pointing at one URL to its "referrers": one entry
// per distinct masked (from, type, tag), sorted by from, type, tag after
// masking (the order a store loaded from crawl.json returns them in).
// Self-references are kept (they are edges); the inlinks count is what leaves
// them out.
func referrers(in []store.Edge, r *Crawl) []jsonReferrer {
	// The edges come ordered by From, Type, Tag; unless masking reordered
	// them, dropping adjacent duplicates is all there is to do: entries in
	// strictly ascending order are distinct and sorted.
	out := make([]jsonReferrer, 0, len(in))
	ascending := true
	for _, e := range in {
		ref := jsonReferrer{From: r.maskURL(e.From), Type: e.Type, Tag: e.Tag}
		if n := len(out); n > 0 {
			c := compareReferrers(out[n-1], ref)
			if c == 0 {
				continue
			}
			ascending = ascending && c < 0
		}
		out = append(out, ref)
	}
	if ascending {
		return out
	}
	out = out[:0]
	seen := make(map[jsonReferrer]bool, len(in))
	for _, e := range in {
		ref := jsonReferrer{From: r.maskURL(e.From), Type: e.Type, Tag: e.Tag}
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(i, j int) bool { return compareReferrers(out[i], out[j]) < 0 })
	return out
}

// compareReferrers orders referrer entries by From, Type, Tag.
func compareReferrers(a, b jsonReferrer) int {
	if c := strings.Compare(a.From, b.From); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
		return c
	}
	return strings.Compare(a.Tag, b.Tag)
}

// newJSONURL maps a record and its incoming edges to the output struct.
func newJSONURL(u store.URL, in []store.Edge, r *Crawl) jsonURL {
	sources := store.Sources(u, in)
	if sources == nil {
		sources = []string{}
	}
	return jsonURL{
		URL:              r.maskURL(u.URL),
		Status:           u.Status,
		Kind:             u.Kind,
		Sources:          sources,
		Depth:            u.Depth,
		Inlinks:          store.Inlinks(u.URL, in),
		Referrers:        referrers(in, r),
		ContentType:      u.ContentType,
		Bytes:            u.Bytes,
		ResponseMS:       u.ResponseMS,
		Redirect:         r.maskURL(u.Redirect),
		WWWAuthenticate:  strings.Join(u.WWWAuthenticate, ", "),
		NoIndex:          u.NoIndex,
		Canonical:        r.maskURL(u.Canonical),
		Title:            u.Title,
		InSitemap:        u.InSitemap,
		BlockedByRobots:  u.BlockedByRobots,
		Truncated:        u.Truncated,
		Method:           u.Method,
		Error:            r.maskText(u.Error),
		ErrorKind:        string(u.ErrorKind),
		Credentials:      u.Credentials,
		AnonymousStatus:  u.AnonymousStatus,
		Access:           analysis.Access(u),
		BotCheck:         u.BotCheck,
		LoginForm:        u.LoginForm,
		Challenges:       jsonChallenges(u.Challenges),
		RobotsDisallowed: u.RobotsDisallowed,
		SitemapURLs:      u.SitemapURLs,
		SitemapProblems:  jsonSitemapProblems(u.SitemapProblems, r),
		NotRequested:     string(u.NotRequested),
		TextHash:         u.TextHash,
		SimHash:          u.SimHash,
		Cluster:          r.maskURL(u.Cluster),
		ClusterKind:      string(u.ClusterKind),
		Render:           newJSONRender(u.Render, r),
	}
}

func jsonSitemapProblems(ps []store.SitemapProblem, r *Crawl) []jsonSitemapProblem {
	var out []jsonSitemapProblem
	for _, p := range ps {
		out = append(out, jsonSitemapProblem{Kind: p.Kind, URL: r.maskURL(p.URL), Message: r.maskText(p.Message)})
	}
	return out
}

func jsonChallenges(cs []store.Challenge) []jsonChallenge {
	if len(cs) == 0 {
		return nil
	}
	out := make([]jsonChallenge, len(cs))
	for i, c := range cs {
		out[i] = jsonChallenge(c)
	}
	return out
}

// newJSONFinding maps an already masked finding (see maskedFindings).
func newJSONFinding(f store.Finding) jsonFinding {
	refs := f.Referrers
	if refs == nil {
		refs = []string{}
	}
	return jsonFinding{Rule: f.Rule, Severity: f.Severity, URL: f.URL, Message: f.Text(), Fix: f.Fix, Referrers: refs}
}

// WriteJSON writes the crawl as crawl.json: metadata, settings, Summary,
// every URL record with its referrers (in masked-URL order), and the findings
// (masked, in store.SortFindings order). The urls array is streamed one
// record at a time, so memory does not grow with the crawl (only records
// whose URL holds a secret are held, see eachURL); the URLs are read three
// times (summary, then eachURL's two passes). Times are RFC 3339 (whole seconds, with the offset
// stored in Meta); the output is indented with two spaces and ends in a
// newline. It returns the first read or write error.
func WriteJSON(w io.Writer, r *Crawl) error {
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: json: read meta: %w", err)
	}
	sum, err := Summarize(r)
	if err != nil {
		return err
	}
	findings, err := r.maskedFindings()
	if err != nil {
		return err
	}
	bud, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	settings := make(map[string]string, len(meta.Settings))
	for k, v := range meta.Settings {
		settings[k] = r.maskText(v) // settings are never credentials, but may hold URLs
	}

	bw := bufio.NewWriter(w)
	jw := &jsonWriter{w: bw}
	jw.raw("{\n")
	jw.field("schema_version", SchemaVersion)
	jw.field("tool_version", meta.ToolVersion)
	jw.field("start_url", r.maskURL(meta.StartURL))
	jw.field("started_at", meta.StartedAt.Format(time.RFC3339))
	jw.field("finished_at", meta.FinishedAt.Format(time.RFC3339))
	jw.field("partial", meta.Partial)
	jw.field("settings", settings)
	jw.field("summary", sum)
	auth, err := summarizeAuth(r, meta, findings)
	if err != nil {
		return err
	}
	jw.field("auth", auth)
	jw.field("budget", bud)
	issues, err := r.Issues()
	if err != nil {
		return err
	}
	jw.field("issues", newJSONIssues(issues))
	if l, err := r.logs(); err != nil {
		return err
	} else if l != nil {
		jw.field("logs", newJSONLogs(l))
	}

	recs, err := loadBudget(r)
	if err != nil {
		return err
	}
	spaces := newSpacesAcc(r, recs, "")
	jw.raw(`  "urls": [`)
	first := true
	err = r.eachURL(func(u store.URL) error {
		in, err := r.EdgesTo(u.URL)
		if err != nil {
			return fmt.Errorf("edges to %s: %w", r.maskURL(u.URL), err)
		}
		spaces.add(u, r.maskURL(u.URL))
		ju := newJSONURL(u, in, r)
		jw.urlElement(&ju, first)
		first = false
		return jw.err
	})
	if jw.err != nil {
		return fmt.Errorf("report: json: %w", jw.err)
	}
	if err != nil {
		return fmt.Errorf("report: json: read urls: %w", err)
	}
	jw.endArray(first, true)
	js, err := spaces.json()
	if err != nil {
		return err
	}
	jw.field("spaces", js)

	jw.raw(`  "findings": [`)
	for i, f := range findings {
		jw.element(newJSONFinding(f), i == 0)
	}
	jw.endArray(len(findings) == 0, false)
	jw.raw("}\n")
	if jw.err != nil {
		return fmt.Errorf("report: json: %w", jw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: json: write: %w", err)
	}
	return nil
}

// jsonWriter writes the hand-laid-out top level of crawl.json and keeps the
// first error; later calls do nothing once it is set.
type jsonWriter struct {
	w   io.Writer
	err error
	buf bytes.Buffer
	enc map[string]*json.Encoder // by indent prefix, writing to buf
	url []byte                   // urlElement's buffer
}

// urlElement writes one element of "urls", as element would, through
// appendJSONURL when it can.
func (j *jsonWriter) urlElement(u *jsonURL, first bool) {
	b, ok := appendJSONURL(j.url[:0], u)
	if !ok {
		j.element(u, first)
		return
	}
	j.url = b
	if first {
		j.raw("\n    ")
	} else {
		j.raw(",\n    ")
	}
	if j.err == nil {
		if _, err := j.w.Write(b); err != nil {
			j.err = fmt.Errorf("write: %w", err)
		}
	}
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		if _, err := io.WriteString(j.w, s); err != nil {
			j.err = fmt.Errorf("write: %w", err)
		}
	}
}

// value writes v as indented JSON (prefix before each line but the first),
// as json.MarshalIndent would, through one json.Encoder per prefix: an
// Encoder reuses its buffers, MarshalIndent allocates two per value.
func (j *jsonWriter) value(v any, prefix string) {
	if j.err != nil {
		return
	}
	enc, ok := j.enc[prefix]
	if !ok {
		enc = json.NewEncoder(&j.buf)
		enc.SetIndent(prefix, "  ")
		if j.enc == nil {
			j.enc = map[string]*json.Encoder{}
		}
		j.enc[prefix] = enc
	}
	j.buf.Reset()
	if err := enc.Encode(v); err != nil {
		j.err = fmt.Errorf("encode: %w", err)
		return
	}
	b := bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")) // Encode ends each value with a newline
	if _, err := j.w.Write(b); err != nil {
		j.err = fmt.Errorf("write: %w", err)
	}
}

// field writes one top-level `"name": value,` line (never the last one:
// findings closes the object).
func (j *jsonWriter) field(name string, v any) {
	j.raw(`  "` + name + `": `)
	j.value(v, "  ")
	j.raw(",\n")
}

// element writes one element of a top-level array.
func (j *jsonWriter) element(v any, first bool) {
	if first {
		j.raw("\n    ")
	} else {
		j.raw(",\n    ")
	}
	j.value(v, "    ")
}

// endArray closes a top-level array; an empty one reads [].
func (j *jsonWriter) endArray(empty, more bool) {
	end := "]"
	if !empty {
		end = "\n  ]"
	}
	if more {
		end += ","
	}
	j.raw(end + "\n")
}

// ReadJSON loads a crawl.json written by WriteJSON into a new store.Memory,
// so outputs can be regenerated without crawling again. It restores the
// metadata, every URL record (Start set when "start" is among its sources,
// WWW-Authenticate as one joined value), one Edge per referrer entry (To is
// the URL; anchor text is not in crawl.json, so it is empty) and the findings.
// The summary and budget are not read: WriteJSON computes them again.
//
// Everything in crawl.json is already masked, and masking is idempotent, so
// WriteJSON of the result reproduces the input byte for byte, as long as
// masking did not map two distinct URLs of the original crawl to the same text.
// It fails on malformed JSON, a schema_version other than SchemaVersion, or a
// time that is not RFC 3339.
func ReadJSON(rd io.Reader) (*store.Memory, error) {
	m, _, err := ReadJSONLogs(rd)
	return m, err
}

// ReadJSONLogs is ReadJSON that also says whether crawl.json held a "logs"
// object, which it cannot restore: that object summarises the crawler hits
// of `crawlaudit logs`, which only crawl.db keeps.
func ReadJSONLogs(rd io.Reader) (*store.Memory, bool, error) {
	m, doc, err := readJSON(rd)
	if err != nil {
		return nil, false, err
	}
	return m, len(doc.Logs) > 0 && string(doc.Logs) != "null", nil
}

func readJSON(rd io.Reader) (*store.Memory, *jsonDoc, error) {
	var doc jsonDoc
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("report: read crawl.json: %w", err)
	}
	if doc.SchemaVersion != SchemaVersion {
		return nil, nil, fmt.Errorf("report: read crawl.json: schema_version %d, want %d", doc.SchemaVersion, SchemaVersion)
	}
	started, err := time.Parse(time.RFC3339, doc.StartedAt)
	if err != nil {
		return nil, nil, fmt.Errorf("report: read crawl.json: started_at: %w", err)
	}
	finished, err := time.Parse(time.RFC3339, doc.FinishedAt)
	if err != nil {
		return nil, nil, fmt.Errorf("report: read crawl.json: finished_at: %w", err)
	}

	m := store.NewMemory()
	if err := m.SetMeta(store.Meta{
		ToolVersion: doc.ToolVersion,
		StartURL:    doc.StartURL,
		StartedAt:   started,
		FinishedAt:  finished,
		Partial:     doc.Partial,
		Settings:    doc.Settings,
	}); err != nil {
		return nil, nil, fmt.Errorf("report: read crawl.json: %w", err)
	}
	for _, ju := range doc.URLs {
		u := store.URL{
			URL:              ju.URL,
			Status:           ju.Status,
			Kind:             ju.Kind,
			Depth:            ju.Depth,
			Method:           ju.Method,
			ContentType:      ju.ContentType,
			Bytes:            ju.Bytes,
			Truncated:        ju.Truncated,
			ResponseMS:       ju.ResponseMS,
			Redirect:         ju.Redirect,
			NoIndex:          ju.NoIndex,
			Canonical:        ju.Canonical,
			Title:            ju.Title,
			InSitemap:        ju.InSitemap,
			BlockedByRobots:  ju.BlockedByRobots,
			Error:            ju.Error,
			ErrorKind:        store.ErrorKind(ju.ErrorKind),
			Credentials:      ju.Credentials,
			AnonymousStatus:  ju.AnonymousStatus,
			BotCheck:         ju.BotCheck,
			LoginForm:        ju.LoginForm,
			RobotsDisallowed: ju.RobotsDisallowed,
			SitemapURLs:      ju.SitemapURLs,
			NotRequested:     store.NotRequested(ju.NotRequested),
			TextHash:         ju.TextHash,
			SimHash:          ju.SimHash,
			Cluster:          ju.Cluster,
			ClusterKind:      store.ClusterKind(ju.ClusterKind),
			Render:           ju.Render.storeRender(),
		}
		for _, p := range ju.SitemapProblems {
			u.SitemapProblems = append(u.SitemapProblems, store.SitemapProblem(p))
		}
		for _, c := range ju.Challenges {
			u.Challenges = append(u.Challenges, store.Challenge(c))
		}
		for _, s := range ju.Sources {
			if s == store.SourceStart {
				u.Start = true
			}
		}
		if ju.WWWAuthenticate != "" {
			u.WWWAuthenticate = []string{ju.WWWAuthenticate}
		}
		if err := m.PutURL(u); err != nil {
			return nil, nil, fmt.Errorf("report: read crawl.json: %w", err)
		}
		for _, ref := range ju.Referrers {
			if err := m.AddEdge(store.Edge{From: ref.From, To: ju.URL, Type: ref.Type, Tag: ref.Tag}); err != nil {
				return nil, nil, fmt.Errorf("report: read crawl.json: %w", err)
			}
		}
	}
	fs := make([]store.Finding, len(doc.Findings))
	for i, jf := range doc.Findings {
		msg, fix := store.SplitText(jf.Message, jf.Fix)
		fs[i] = store.Finding{Rule: jf.Rule, Severity: jf.Severity, URL: jf.URL, Message: msg, Fix: fix, Referrers: jf.Referrers}
	}
	if err := m.PutFindings(fs); err != nil {
		return nil, nil, fmt.Errorf("report: read crawl.json: %w", err)
	}
	return m, &doc, nil
}
