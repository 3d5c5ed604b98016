package store

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"unsafe"
)

// Once a crawl is over, its records are read many times: the audit, the
// duplicate clusters, the budget and each output scan every record. A scan
// of the urls table costs about 1 µs per column per row in the pure-Go
// SQLite, so ten scans of a 100,000-URL crawl cost seconds. The first full
// scan after the last write (EachURLInbound) therefore keeps the rows it
// read, with their inbound counts, in a compact in-memory form (urlCache),
// and every later scan or Get is served from it until the next write.
//
// The cached form is the row as read from SQLite (column values, before
// decoding the JSON columns), so a cached read returns exactly what a read
// of the table would. It is bounded: a crawl whose rows take more than
// maxCacheBytes is read from the table each time, as before.

// maxCacheBytes bounds the cache's encoded rows: about 170 bytes per
// record of a typical crawl, so some 280,000 records. The garbage
// collector's heap target doubles what the cache holds, and a crawl of a
// million URLs must stay under 512 MiB (README "Performance"): a 100,000-
// URL crawl's cache costs it ~50 MiB of peak RSS (136 → 190 MiB).
const maxCacheBytes = 48 << 20

// minRecordBytes is the fewest bytes a cached record takes (a short URL,
// the fixed columns): a table with more than maxCacheBytes/minRecordBytes
// rows is not even tried.
const minRecordBytes = 100

// cacheChunk is the size of the cache's arena chunks.
const cacheChunk = 1 << 20

// urlCache is the urls table joined with the inbound counts, in URL order,
// as of the write count at.
type urlCache struct {
	at   int64
	recs [][]byte // encoded rows (rowCodec), in URL order; never modified in place
	urls []string // recs' URLs (aliasing recs), for Get
}

// cacheArena hands out byte ranges that are never written again once
// returned, so strings may alias them.
type cacheArena struct {
	chunk []byte
	total int
}

// add stores b and returns the stored copy.
func (a *cacheArena) add(b []byte) []byte {
	if len(b) > cap(a.chunk)-len(a.chunk) {
		n := cacheChunk
		if len(b) > n {
			n = len(b)
		}
		a.chunk = make([]byte, 0, n)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	a.total += len(b)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// rowCodec encodes and decodes the values a urlRow's destinations hold
// after a Scan: every string, integer and boolean column, whatever its
// named type, in column order.
type rowCodec struct {
	ptrs  []unsafe.Pointer
	kinds []reflect.Kind
}

// codecOf returns the codec of r's destinations, which must all be
// pointers to strings, ints, int64s or bools (or types based on them).
func codecOf(r *urlRow) (*rowCodec, error) {
	c := &rowCodec{}
	for i, d := range r.dest {
		v := reflect.ValueOf(d)
		if v.Kind() != reflect.Pointer {
			return nil, fmt.Errorf("store: cache: column %d is not a pointer", i)
		}
		k := v.Elem().Kind()
		switch k {
		case reflect.String, reflect.Int, reflect.Int64, reflect.Bool:
		default:
			return nil, fmt.Errorf("store: cache: column %d has kind %s", i, k)
		}
		c.ptrs = append(c.ptrs, v.UnsafePointer())
		c.kinds = append(c.kinds, k)
	}
	return c, nil
}

// encode appends the destinations' current values to b.
func (c *rowCodec) encode(b []byte) []byte {
	for i, p := range c.ptrs {
		switch c.kinds[i] {
		case reflect.String:
			s := *(*string)(p)
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		case reflect.Int:
			b = binary.AppendVarint(b, int64(*(*int)(p)))
		case reflect.Int64:
			b = binary.AppendVarint(b, *(*int64)(p))
		case reflect.Bool:
			if *(*bool)(p) {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	}
	return b
}

// decode sets the destinations from b, as encode wrote it. The strings
// alias b, which must never change.
func (c *rowCodec) decode(b []byte) error {
	for i, p := range c.ptrs {
		switch c.kinds[i] {
		case reflect.String:
			n, w := binary.Uvarint(b)
			if w <= 0 || uint64(len(b)-w) < n {
				return errCorruptCache
			}
			b = b[w:]
			if n == 0 {
				*(*string)(p) = ""
			} else {
				*(*string)(p) = unsafe.String(&b[0], int(n))
			}
			b = b[n:]
		case reflect.Int, reflect.Int64:
			v, w := binary.Varint(b)
			if w <= 0 {
				return errCorruptCache
			}
			b = b[w:]
			if c.kinds[i] == reflect.Int {
				*(*int)(p) = int(v)
			} else {
				*(*int64)(p) = v
			}
		case reflect.Bool:
			if len(b) == 0 {
				return errCorruptCache
			}
			*(*bool)(p) = b[0] != 0
			b = b[1:]
		}
	}
	return nil
}

var errCorruptCache = fmt.Errorf("store: cache: corrupt row")

// inboundRow scans urlColumns and the inbound counts, and decodes cached
// rows back into the same destinations.
type inboundRow struct {
	row   *urlRow
	types string
	in    Inbound
	codec *rowCodec
}

func newInboundRow() (*inboundRow, error) {
	r := &inboundRow{}
	r.row = newURLRow(&r.types, &r.in.Inlinks, &r.in.Links, &r.in.Refs)
	c, err := codecOf(r.row)
	if err != nil {
		return nil, err
	}
	r.codec = c
	return r, nil
}

// inboundRows holds inboundRows for Get, which is called for one record
// at a time, many times over.
var inboundRows sync.Pool

// getInboundRow returns an inboundRow from the pool, or a new one; put it
// back when done.
func getInboundRow() (*inboundRow, error) {
	if r, ok := inboundRows.Get().(*inboundRow); ok {
		return r, nil
	}
	return newInboundRow()
}

// scanned returns the record and counts just scanned into r.row.dest.
func (r *inboundRow) scanned(scanErr error) (URL, Inbound, error) {
	u, err := r.row.decodeScanned(scanErr)
	in := r.in
	in.Types = splitTypes(r.types)
	return u, in, err
}

// fromCache decodes one cached row.
func (r *inboundRow) fromCache(b []byte) (URL, Inbound, error) {
	r.row.u = URL{}
	return r.scanned(r.codec.decode(b))
}

// cachedRows returns the cache when it is current, building it (one scan
// of the table) when it is not and fits maxCacheBytes; nil when the rows
// must be read from the table. The caller has flushed.
func (s *SQLite) cachedRows() (*urlCache, error) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	at := s.committed.Load()
	if s.cache != nil && s.cache.at == at {
		return s.cache, nil
	}
	s.cache = nil
	if s.cacheTooBig == at+1 {
		return nil, nil
	}
	if err := s.edgeReads(); err != nil {
		return nil, err
	}
	if err := s.freshInbound(); err != nil {
		return nil, err
	}
	limit := s.cacheLimit
	if limit == 0 {
		limit = maxCacheBytes
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM urls`).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if n > limit/minRecordBytes {
		s.cacheTooBig = at + 1
		return nil, nil
	}
	rows, err := s.db.Query(inboundQuery)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	r, err := newInboundRow()
	if err != nil {
		return nil, err
	}
	var (
		arena cacheArena
		buf   []byte
		c     = &urlCache{at: at, recs: make([][]byte, 0, n)}
	)
	for rows.Next() {
		if err := rows.Scan(r.row.dest...); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		buf = r.codec.encode(buf[:0])
		if arena.total+len(buf) > limit {
			s.cacheTooBig = at + 1 // (0: never)
			return nil, nil
		}
		rec := arena.add(buf)
		c.recs = append(c.recs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	c.urls = make([]string, len(c.recs))
	for i, rec := range c.recs {
		n, w := binary.Uvarint(rec) // the first column is the URL
		c.urls[i] = unsafe.String(&rec[w], int(n))
	}
	s.cache = c
	return c, nil
}

// current returns the cache if it is current, without building it.
func (s *SQLite) current() *urlCache {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache != nil && s.cache.at == s.committed.Load() {
		return s.cache
	}
	return nil
}

// find returns the index of url in c, or -1.
func (c *urlCache) find(url string) int {
	i := sort.SearchStrings(c.urls, url)
	if i < len(c.urls) && c.urls[i] == url {
		return i
	}
	return -1
}

// setClusters applies PutClusters's change to the cache (a new urlCache
// sharing the unchanged rows), so the scans after it need not read the
// table again. The caller holds cacheMu.
func (c *urlCache) setClusters(ms []ClusterMember) (*urlCache, error) {
	member := make(map[string]ClusterMember, len(ms))
	for _, m := range ms {
		member[text(m.URL)] = m
	}
	r, err := newInboundRow()
	if err != nil {
		return nil, err
	}
	out := &urlCache{at: c.at, recs: make([][]byte, len(c.recs)), urls: make([]string, len(c.urls))}
	copy(out.recs, c.recs)
	copy(out.urls, c.urls)
	var arena cacheArena
	var buf []byte
	for i, rec := range c.recs {
		r.row.u = URL{}
		if err := r.codec.decode(rec); err != nil {
			return nil, err
		}
		m, ok := member[r.row.u.URL]
		if !ok && r.row.u.Cluster == "" && r.row.clusterKind == "" {
			continue
		}
		r.row.u.Cluster, r.row.clusterKind = "", ""
		if ok {
			r.row.u.Cluster, r.row.clusterKind = text(m.Cluster), string(m.Kind)
		}
		buf = r.codec.encode(buf[:0])
		out.recs[i] = arena.add(buf)
		n, w := binary.Uvarint(out.recs[i])
		out.urls[i] = unsafe.String(&out.recs[i][w], int(n))
	}
	return out, nil
}

// each calls fn for every cached record in URL order.
func (c *urlCache) each(fn func(URL, Inbound) error) error {
	r, err := newInboundRow()
	if err != nil {
		return err
	}
	for _, rec := range c.recs {
		u, in, err := r.fromCache(rec)
		if err != nil {
			return err
		}
		if err := fn(u, in); err != nil {
			return err
		}
	}
	return nil
}
