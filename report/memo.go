package report

import (
	"sync"

	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Memo is a store.Reader over a crawl that no longer changes (finished or
// stopped, its findings stored) that remembers what the outputs compute from
// it: the Summary, the budget analysis and its records, and which URLs
// masking renames. Writing every output from one Memo reads the store once for
// each of these instead of once per output. It holds the budget's small
// per-URL records (the same ones ComputeBudget builds) until it is dropped.
//
// The store must not be written while the Memo is in use: its answers would
// be stale. A Memo is safe for concurrent use if its Reader is.
type Memo struct {
	store.Reader

	sumMu sync.Mutex // one lock per result, so that outputs written
	budMu sync.Mutex // concurrently compute different results at once
	renMu sync.Mutex

	sum     *Summary
	recs    *analysis.Records
	bud     *Budget
	renamed *[]maskedURL
}

var _ store.Reader = (*Memo)(nil)

// NewMemo returns a Memo over r.
func NewMemo(r store.Reader) *Memo { return &Memo{Reader: r} }

// summary returns the memoised Summary, computing it on first use.
func (m *Memo) summary() (Summary, error) {
	m.sumMu.Lock()
	defer m.sumMu.Unlock()
	if m.sum == nil {
		s, err := summarize(m.Reader)
		if err != nil {
			return Summary{}, err
		}
		m.sum = &s
	}
	return m.sum.clone(), nil
}

// budget returns the memoised budget records, loading them on first use.
// Callers only read them.
func (m *Memo) budget() (*analysis.Records, error) {
	m.budMu.Lock()
	defer m.budMu.Unlock()
	if m.recs == nil {
		recs, err := analysis.LoadBudget(m.Reader, maskURL)
		if err != nil {
			return nil, err
		}
		m.recs = recs
	}
	return m.recs, nil
}

// computedBudget returns the memoised Budget, computing it on first use.
func (m *Memo) computedBudget() (Budget, error) {
	recs, err := m.budget()
	if err != nil {
		return Budget{}, err
	}
	m.budMu.Lock()
	defer m.budMu.Unlock()
	if m.bud == nil {
		b, err := recs.Budget(m.Reader)
		if err != nil {
			return Budget{}, err
		}
		out := newBudget(b)
		m.bud = &out
	}
	return *m.bud, nil
}

// renamedURLs returns the memoised records whose masked URL differs from
// their URL, sorted by masked URL (see eachURL), reading them on first use.
func (m *Memo) renamedURLs() ([]maskedURL, error) {
	m.renMu.Lock()
	defer m.renMu.Unlock()
	if m.renamed == nil {
		changed, err := readRenamed(m.Reader)
		if err != nil {
			return nil, err
		}
		m.renamed = &changed
	}
	return *m.renamed, nil
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
