package report

import (
	"fmt"
	"sort"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Status classes, as used in Summary.ByKindStatus and the terminal table.
const (
	class2xx     = "2xx"
	class3xx     = "3xx"
	class4xx     = "4xx"
	class5xx     = "5xx"
	classBlocked = "blocked" // robots.txt disallowed it, so it was never requested
	classNone    = "none"    // status 0: no answer (network error, timeout, redirect cap)
	classOther   = "other"   // an answer outside 200–599 (1xx, or a nonsense code like 999)
)

// Summary is the crawl in numbers. It appears as "summary" in crawl.json and
// feeds the terminal table; the JSON field names are part of the schema.
type Summary struct {
	// URLs is the number of URL records.
	URLs int `json:"urls"`
	// ByKind counts URL records per kind (page, asset, sitemap, robots,
	// external). Only kinds present appear.
	ByKind map[store.Kind]int `json:"by_kind"`
	// ByKindStatus splits each kind of ByKind by status class.
	ByKindStatus map[store.Kind]StatusClasses `json:"by_kind_status"`
	// ByStatus counts URL records per exact HTTP status; 0 means no answer
	// (blocked URLs, which were never requested, count as 0 too).
	ByStatus map[int]int `json:"by_status"`
	// Edges counts the references to recorded URLs, once per distinct
	// (from, type, tag) of each target after masking: exactly the number of
	// "referrers" entries in crawl.json's urls, so that a crawl.json read
	// back with ReadJSON summarises the same. Repeats of one link with other
	// anchor text, and links to URLs that have no record (an interrupted
	// crawl's frontier), are not counted; links.csv lists every edge.
	Edges int `json:"edges"`
	// Findings is the number of findings.
	Findings int `json:"findings"`
	// FindingsBySeverity counts findings per severity. error, warning and
	// notice are always present (possibly 0).
	FindingsBySeverity map[store.Severity]int `json:"findings_by_severity"`
	// FindingsByRule counts findings per rule, most severe first, then by
	// rule ID. A rule that reported under two severities has two entries.
	FindingsByRule []RuleCount `json:"findings_by_rule"`
	// MaxSeverity is the most severe known severity (error, warning,
	// notice) among the findings, or "" when there is none. cmd compares it
	// with the fail level to choose the exit code.
	MaxSeverity store.Severity `json:"max_severity"`
}

// StatusClasses counts URL records by status class. A blocked URL counts as
// Blocked whatever its status; otherwise status 0 is None.
type StatusClasses struct {
	S2xx    int `json:"2xx"`     // 200–299
	S3xx    int `json:"3xx"`     // 300–399
	S4xx    int `json:"4xx"`     // 400–499
	S5xx    int `json:"5xx"`     // 500–599
	Blocked int `json:"blocked"` // disallowed by robots.txt, never requested
	None    int `json:"none"`    // status 0: no answer (network error, timeout, redirect cap)
	// Other counts answers outside 200–599 (1xx, or nonsense codes a server
	// may send); the terminal table shows its column only when it is used.
	Other int `json:"other"`
	// Total is the sum of the classes: the kind's number of URLs.
	Total int `json:"total"`
}

// RuleCount is one rule's number of findings.
type RuleCount struct {
	Rule     string         `json:"rule"`     // rule ID, e.g. "broken-link"
	Severity store.Severity `json:"severity"` // the severity it reported under
	Count    int            `json:"count"`    // number of findings
}

// statusClass names the class of u; see StatusClasses.
func statusClass(u store.URL) string {
	switch {
	case u.BlockedByRobots:
		return classBlocked
	case u.Status == 0:
		return classNone
	case u.Status >= 200 && u.Status < 300:
		return class2xx
	case u.Status >= 300 && u.Status < 400:
		return class3xx
	case u.Status >= 400 && u.Status < 500:
		return class4xx
	case u.Status >= 500 && u.Status < 600:
		return class5xx
	}
	return classOther
}

func (c *StatusClasses) add(class string) {
	switch class {
	case class2xx:
		c.S2xx++
	case class3xx:
		c.S3xx++
	case class4xx:
		c.S4xx++
	case class5xx:
		c.S5xx++
	case classBlocked:
		c.Blocked++
	case classNone:
		c.None++
	default:
		c.Other++
	}
	c.Total++
}

// Summarize counts the crawl's URLs, edges and findings. It streams the
// URLs with their Inbound counts and holds only the counts, once per Crawl.
func Summarize(r *Crawl) (Summary, error) { return r.summary() }

func summarize(r *Crawl) (Summary, error) {
	s := Summary{
		ByKind:       map[store.Kind]int{},
		ByKindStatus: map[store.Kind]StatusClasses{},
		ByStatus:     map[int]int{},
		FindingsBySeverity: map[store.Severity]int{
			store.SeverityError:   0,
			store.SeverityWarning: 0,
			store.SeverityNotice:  0,
		},
		FindingsByRule: []RuleCount{},
	}
	err := r.EachURLInbound(func(u store.URL, in store.Inbound) error {
		s.URLs++
		s.ByKind[u.Kind]++
		c := s.ByKindStatus[u.Kind]
		c.add(statusClass(u))
		s.ByKindStatus[u.Kind] = c
		s.ByStatus[u.Status]++
		s.Edges += in.Refs
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("report: summarize: read urls: %w", err)
	}

	fs, err := r.Findings()
	if err != nil {
		return Summary{}, fmt.Errorf("report: summarize: findings: %w", err)
	}
	type key struct {
		rule string
		sev  store.Severity
	}
	byRule := map[key]int{}
	for _, f := range fs {
		s.Findings++
		s.FindingsBySeverity[f.Severity]++
		byRule[key{f.Rule, f.Severity}]++
		if f.Severity.Rank() > s.MaxSeverity.Rank() {
			s.MaxSeverity = f.Severity
		}
	}
	for k, n := range byRule {
		s.FindingsByRule = append(s.FindingsByRule, RuleCount{Rule: k.rule, Severity: k.sev, Count: n})
	}
	sort.Slice(s.FindingsByRule, func(i, j int) bool {
		a, b := s.FindingsByRule[i], s.FindingsByRule[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Severity < b.Severity
	})
	return s, nil
}
