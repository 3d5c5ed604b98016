package store

import (
	"sort"
	"sync"
)

// Memory is an in-memory Store. It is safe for concurrent use. Memory grows
// with every record and edge, so it suits tests and small crawls.
type Memory struct {
	mu       sync.RWMutex
	meta     Meta
	urls     map[string]URL
	edges    []Edge
	edgesTo  map[string][]int
	findings []Finding
	logs     *LogData
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{urls: map[string]URL{}, edgesTo: map[string][]int{}}
}

// PutURL records u, replacing an earlier record of the same URL.
func (m *Memory) PutURL(u URL) error {
	m.mu.Lock()
	m.urls[u.URL] = u
	m.mu.Unlock()
	return nil
}

// AddEdge records e.
func (m *Memory) AddEdge(e Edge) error {
	m.mu.Lock()
	m.edgesTo[e.To] = append(m.edgesTo[e.To], len(m.edges))
	m.edges = append(m.edges, e)
	m.mu.Unlock()
	return nil
}

// SetMeta stores the crawl metadata.
func (m *Memory) SetMeta(meta Meta) error {
	m.mu.Lock()
	m.meta = meta
	m.mu.Unlock()
	return nil
}

// Meta returns the crawl metadata.
func (m *Memory) Meta() (Meta, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.meta, nil
}

// Get returns the record of url.
func (m *Memory) Get(url string) (URL, bool, error) {
	m.mu.RLock()
	u, ok := m.urls[url]
	m.mu.RUnlock()
	return u, ok, nil
}

// EachURL calls fn for every record in URL order. fn must not write to m.
func (m *Memory) EachURL(fn func(URL) error) error {
	m.mu.RLock()
	keys := make([]string, 0, len(m.urls))
	for k := range m.urls {
		keys = append(keys, k)
	}
	m.mu.RUnlock()
	sort.Strings(keys)
	for _, k := range keys {
		m.mu.RLock()
		u := m.urls[k]
		m.mu.RUnlock()
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

// EachEdge calls fn for every edge ordered by To, From, Type, Tag, Text.
func (m *Memory) EachEdge(fn func(Edge) error) error {
	m.mu.RLock()
	edges := append([]Edge(nil), m.edges...)
	m.mu.RUnlock()
	SortEdgesByTarget(edges)
	for _, e := range edges {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// EdgesTo returns the edges pointing at url, at most MaxEdgesTo of them.
func (m *Memory) EdgesTo(url string) ([]Edge, error) {
	out := m.allEdgesTo(url)
	SortEdges(out)
	if len(out) > MaxEdgesTo {
		out = out[:MaxEdgesTo]
	}
	return out, nil
}

// allEdgesTo returns every edge pointing at url, unsorted.
func (m *Memory) allEdgesTo(url string) []Edge {
	m.mu.RLock()
	defer m.mu.RUnlock()
	idx := m.edgesTo[url]
	out := make([]Edge, len(idx))
	for i, j := range idx {
		out[i] = m.edges[j]
	}
	return out
}

// PutFindings replaces the stored findings.
func (m *Memory) PutFindings(f []Finding) error {
	m.mu.Lock()
	m.findings = append([]Finding(nil), f...)
	m.mu.Unlock()
	return nil
}

// PutClusters replaces every record's Cluster and ClusterKind with ms.
func (m *Memory) PutClusters(ms []ClusterMember) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, u := range m.urls {
		if u.Cluster != "" || u.ClusterKind != "" {
			u.Cluster, u.ClusterKind = "", ""
			m.urls[k] = u
		}
	}
	for _, c := range ms {
		if u, ok := m.urls[c.URL]; ok {
			u.Cluster, u.ClusterKind = c.Cluster, c.Kind
			m.urls[c.URL] = u
		}
	}
	return nil
}

// Findings returns the stored findings.
func (m *Memory) Findings() ([]Finding, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]Finding(nil), m.findings...), nil
}

// Close does nothing; it exists to satisfy Store.
func (m *Memory) Close() error { return nil }

// SortEdgesByTarget orders edges by To, then as SortEdges.
func SortEdgesByTarget(es []Edge) {
	SortEdges(es)
	sort.SliceStable(es, func(i, j int) bool { return es[i].To < es[j].To })
}

// SortEdges orders edges by From, To, Type, Tag, Text.
func SortEdges(es []Edge) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Tag != b.Tag {
			return a.Tag < b.Tag
		}
		return a.Text < b.Text
	})
}

// SortFindings orders findings by severity (most severe first), rule, URL.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.URL < b.URL
	})
}

// EachURLInbound calls fn for every record in URL order with its Inbound
// counts, from every edge (EdgesTo's cap does not apply).
func (m *Memory) EachURLInbound(fn func(URL, Inbound) error) error {
	return m.EachURL(func(u URL) error {
		return fn(u, InboundOf(u.URL, m.allEdgesTo(u.URL)))
	})
}

// EachEdgeStatus calls fn for every edge ordered as EachEdge, with the
// status of its target's record.
func (m *Memory) EachEdgeStatus(fn func(e Edge, status int, recorded bool) error) error {
	return m.EachEdge(func(e Edge) error {
		to, ok, _ := m.Get(e.To)
		return fn(e, to.Status, ok)
	})
}

// LookupEdgesTo returns the edges pointing at url, as EdgesTo does.
func (m *Memory) LookupEdgesTo(url string) ([]Edge, error) { return m.EdgesTo(url) }

// PutLogs replaces the stored log data.
func (m *Memory) PutLogs(d LogData) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logs = &d
	return nil
}

// Logs returns the stored log data, or nil.
func (m *Memory) Logs() (*LogData, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.logs == nil {
		return nil, nil
	}
	d := *m.logs
	return &d, nil
}
