package report

import (
	"sync"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// Options say what a run knows beyond a crawl's records. The zero value
// renders a bare crawl: the default masking, no rule texts, no
// scheduled-run facts.
type Options struct {
	// Mask hides secrets in every URL and free text the outputs show; nil
	// masks the default names only (urlx.Mask). A run passes the Masker
	// built from its --mask-param names.
	Mask *urlx.Masker
	// Rules explains the rules (report.html shows each group's texts) and
	// says which rules' findings name public referrers to fix (the
	// Authentication section). Rules missing here show their findings
	// without an explanation.
	Rules []RuleInfo
	// Job is what a scheduled run adds: the fail policy, the comparison
	// with a baseline (diff.json, diff.csv, report.html's "Since last
	// crawl"), ignored findings and expired ignore entries.
	Job Job
	// HTML sizes report.html's lists.
	HTML HTMLOptions
	// Spaces are the URL spaces the audit found (internal/audit's
	// FindSpaces): report.html's "URL spaces" view tests a robots.txt rule
	// for each (analysis.RobotsWhatIf). report does not import the audit,
	// so whoever wires them passes these; nil shows no what-if.
	Spaces []analysis.Space
	// LogData is what `crawlaudit logs` kept from access logs; nil means
	// none (no "logs" object, no bot_hits.csv, no log section).
	LogData *store.LogData
	// LogsCrawl says the records are a crawl to join the logs with; false
	// for the empty crawl of a `crawlaudit logs` run without --crawl.
	LogsCrawl bool
}

// RuleInfo describes one audit rule to the outputs. report does not import
// internal/audit (both only read the store), so whoever wires them maps the
// catalogue to these.
type RuleInfo struct {
	ID       string         // rule ID, as in Finding.Rule
	Severity store.Severity // default severity
	Title    string         // the problem in one line, as the issue list heads it
	Why      string         // why it matters for search
	When     string         // when the rule fires
	Fix      string         // how to fix what it finds
	// PublicReferrers says the rule's findings name the public pages that
	// link to or use a URL search engines cannot reach: they are listed as
	// public referrers to fix.
	PublicReferrers bool
}

// Crawl is a finished (or stopped) crawl as the outputs render it: its
// records, read through a store.Reader that no longer changes, and the
// run's Options. Every output's writer takes one. It remembers what the
// outputs compute from the records (the Summary, the budget and its
// records, the masked findings, which URLs masking renames), so writing
// every output from one Crawl reads the store once for each of these
// instead of once per output; it holds the budget's small per-URL records
// until it is dropped.
//
// The store must not be written while the Crawl is in use: its answers
// would be stale. A Crawl is safe for concurrent use if its Reader is.
type Crawl struct {
	store.Reader
	opt Options

	sumMu sync.Mutex // one lock per result, so that outputs written
	budMu sync.Mutex // concurrently compute different results at once
	renMu sync.Mutex
	finMu sync.Mutex

	sum      *Summary
	recs     *analysis.Records
	bud      *Budget
	renamed  *[]maskedURL
	findings *[]store.Finding
	iss      issuesMemo

	logMu    sync.Mutex
	logsMemo *analysis.Logs
	logsDone bool
}

// New returns the Crawl of the records in r with the run's options.
func New(r store.Reader, opt Options) *Crawl {
	if opt.HTML.Rows <= 0 {
		opt.HTML.Rows = 100
	}
	if opt.HTML.FindingsPerRule <= 0 {
		opt.HTML.FindingsPerRule = 200
	}
	return &Crawl{Reader: r, opt: opt}
}

// Options returns the options the Crawl renders with.
func (c *Crawl) Options() Options { return c.opt }

// maskURL hides secrets (userinfo, secret query values) in one URL: the
// only way URLs reach any output of this package.
func (c *Crawl) maskURL(u string) string { return c.opt.Mask.Mask(u) }

// maskText masks every http(s) URL inside free text (finding messages,
// fetch errors, settings).
func (c *Crawl) maskText(s string) string { return c.opt.Mask.MaskText(s) }

// maskURLs masks each URL of us into a new slice; nil stays nil. The order
// is kept: sort the result if it must be sorted.
func (c *Crawl) maskURLs(us []string) []string {
	if us == nil {
		return nil
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = c.maskURL(u)
	}
	return out
}

// summary returns the memoised Summary, computing it on first use.
func (c *Crawl) summary() (Summary, error) {
	c.sumMu.Lock()
	defer c.sumMu.Unlock()
	if c.sum == nil {
		s, err := summarize(c)
		if err != nil {
			return Summary{}, err
		}
		c.sum = &s
	}
	return c.sum.clone(), nil
}

// budget returns the memoised budget records (keyed by masked URL),
// loading them on first use. Callers only read them.
func (c *Crawl) budget() (*analysis.Records, error) {
	c.budMu.Lock()
	defer c.budMu.Unlock()
	if c.recs == nil {
		recs, err := analysis.LoadBudget(c.Reader, c.maskURL)
		if err != nil {
			return nil, err
		}
		c.recs = recs
	}
	return c.recs, nil
}

// computedBudget returns the memoised Budget, computing it on first use.
func (c *Crawl) computedBudget() (Budget, error) {
	recs, err := c.budget()
	if err != nil {
		return Budget{}, err
	}
	c.budMu.Lock()
	defer c.budMu.Unlock()
	if c.bud == nil {
		b, err := recs.Budget(c.Reader)
		if err != nil {
			return Budget{}, err
		}
		out := newBudget(b)
		c.bud = &out
	}
	return *c.bud, nil
}

// renamedURLs returns the memoised records whose masked URL differs from
// their URL, sorted by masked URL (see eachURL), reading them on first use.
func (c *Crawl) renamedURLs() ([]maskedURL, error) {
	c.renMu.Lock()
	defer c.renMu.Unlock()
	if c.renamed == nil {
		changed, err := c.readRenamed()
		if err != nil {
			return nil, err
		}
		c.renamed = &changed
	}
	return *c.renamed, nil
}

// publicRules returns the IDs of the rules whose findings name public
// referrers to fix (RuleInfo.PublicReferrers).
func (c *Crawl) publicRules() map[string]bool {
	out := map[string]bool{}
	for _, r := range c.opt.Rules {
		if r.PublicReferrers {
			out[r.ID] = true
		}
	}
	return out
}

// clone copies s's maps and slices, so a caller changing its Summary
// cannot change the memoised one.
func (s Summary) clone() Summary {
	c := s
	c.ByKind = make(map[store.Kind]int, len(s.ByKind))
	for k, v := range s.ByKind {
		c.ByKind[k] = v
	}
	c.ByKindStatus = make(map[store.Kind]StatusClasses, len(s.ByKindStatus))
	for k, v := range s.ByKindStatus {
		c.ByKindStatus[k] = v
	}
	c.ByStatus = make(map[int]int, len(s.ByStatus))
	for k, v := range s.ByStatus {
		c.ByStatus[k] = v
	}
	c.FindingsBySeverity = make(map[store.Severity]int, len(s.FindingsBySeverity))
	for k, v := range s.FindingsBySeverity {
		c.FindingsBySeverity[k] = v
	}
	c.FindingsByRule = append([]RuleCount{}, s.FindingsByRule...)
	return c
}
