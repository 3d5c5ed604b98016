package logs

import (
	"bytes"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// The aggregate's memory is what it keeps per URL, crawler and verdict
// (hundreds of thousands of rows for a large site's log), so it keeps them
// compactly and without pointers: the collector never scans them, and a
// row costs about a tenth of a store.BotHit with its strings and slices.
// The URLs are interned in large chunks (urlSet), a row names its URL,
// crawler and verdict by number, and times are seconds, nanoseconds and
// the offset they were logged with.

// stamp is a time as logged: its instant and its UTC offset.
type stamp struct {
	sec  int64
	nsec int32
	off  int32 // seconds east of UTC
}

func stampOf(t time.Time) stamp {
	_, off := t.Zone()
	return stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), off: int32(off)}
}

// before is time.Time.Before of two stamps: the instants compared.
func (s stamp) before(u stamp) bool {
	return s.sec < u.sec || s.sec == u.sec && s.nsec < u.nsec
}

// row is one store.BotHit: the hits of one crawler (by name), with one
// verdict, on one URL.
type row struct {
	hits    int64
	first   stamp
	last    stamp
	stHits  [2]int64  // the first two statuses' hits
	url     uint32    // URL id (urlSet)
	next    int32     // the URL's next row; -1 for none
	times   int32     // the response-time histogram's index in hitTable.times; -1 for none
	more    int32     // the first status past st (hitTable.spill); -1 for none
	st      [2]uint16 // the first two statuses, in the order first seen
	nst     uint8     // how many of st are used
	bot     uint8     // index in Bots of the crawler whose hit made the row
	verdict uint8     // verdictNames index
}

// spilled is a status past a row's first two.
type spilled struct {
	hits   int64
	next   int32
	status uint16
}

// verdictNames are the verdicts in alphabetical order: rows sort by
// verdict number as by name.
var verdictNames = [...]string{Fake, Unverified, Verified}

func verdictIndex(v string) uint8 {
	switch v {
	case Fake:
		return 0
	case Unverified:
		return 1
	}
	return 2
}

// botNames maps each Bots index to the index of the first entry with the
// same name (rows are per crawler name), and botRanks gives each index
// its name's rank in alphabetical order (rows sort by crawler name).
var botNames, botRanks = botNameTables()

func botNameTables() ([]uint8, []uint16) {
	names, ranks := make([]uint8, len(Bots)), make([]uint16, len(Bots))
	var sorted []string
	for i, b := range Bots {
		names[i] = uint8(i)
		for j := range i {
			if Bots[j].Name == b.Name {
				names[i] = uint8(j)
				break
			}
		}
		sorted = append(sorted, b.Name)
	}
	slices.Sort(sorted)
	for i, b := range Bots {
		ranks[i] = uint16(slices.Index(sorted, b.Name))
	}
	return names, ranks
}

// rowChunk is how many rows one chunk of hitTable.rows holds (no doubling
// copies of a large table).
const rowChunk = 8192

// hitTable is the aggregate's hits. While the logs are read only the
// Aggregator touches it; once finished (finish) it is read-only and safe
// for concurrent use: it is the store.HitTable of LogData.Table.
type hitTable struct {
	urls  urlSet
	head  []int32 // per URL id: its first row
	rows  [][]row
	n     int32
	spill []spilled
	times []uint32 // histograms of len(store.TimeBuckets)+1 buckets
	// after finish (the rows in URL, crawler, verdict order then): the
	// zone of every offset the rows hold
	zones map[int32]*time.Location
}

func newHitTable() *hitTable {
	t := &hitTable{}
	t.urls.init()
	return t
}

func (t *hitTable) row(i int32) *row { return &t.rows[i/rowChunk][i%rowChunk] }

// add returns the row of URL id (known: it has rows already), crawler bot
// and verdict v, made with first and last time s when new.
func (t *hitTable) add(id uint32, known bool, bot, v uint8, s stamp) *row {
	if known {
		name := botNames[bot]
		for i := t.head[id]; i >= 0; {
			r := t.row(i)
			if botNames[r.bot] == name && r.verdict == v {
				return r
			}
			i = r.next
		}
	} else {
		t.head = append(t.head, -1)
	}
	if t.n%rowChunk == 0 {
		t.rows = append(t.rows, make([]row, 0, rowChunk))
	}
	c := &t.rows[len(t.rows)-1]
	*c = append(*c, row{url: id, next: t.head[id], times: -1, more: -1, bot: bot, verdict: v, first: s, last: s})
	t.head[id] = t.n
	t.n++
	return &(*c)[len(*c)-1]
}

// hit counts one hit on r at s with status, and its response time's
// bucket (-1 for none).
func (t *hitTable) hit(r *row, s stamp, status uint16, bucket int) {
	r.hits++
	if s.before(r.first) {
		r.first = s
	}
	if r.last.before(s) {
		r.last = s
	}
	switch {
	case r.nst > 0 && r.st[0] == status:
		r.stHits[0]++
	case r.nst > 1 && r.st[1] == status:
		r.stHits[1]++
	case r.nst < 2:
		r.st[r.nst], r.stHits[r.nst] = status, 1
		r.nst++
	default:
		p := &r.more
		for *p >= 0 && t.spill[*p].status != status {
			p = &t.spill[*p].next
		}
		if *p < 0 {
			*p = int32(len(t.spill))
			t.spill = append(t.spill, spilled{status: status, next: -1})
		}
		t.spill[*p].hits++
	}
	if bucket >= 0 {
		if r.times < 0 {
			r.times = int32(len(t.times))
			t.times = append(t.times, make([]uint32, len(store.TimeBuckets)+1)...)
		}
		t.times[int(r.times)+bucket]++
	}
}

// finish sorts the table and makes it read-only: its rows are put in URL,
// crawler, verdict order, and the URLs' bytes in URL order, so that each
// pass over the hits (the join, the outputs, crawl.db) reads memory in
// order.
func (t *hitTable) finish() {
	u := &t.urls
	u.finish()
	ids := u.sorted()
	// order: row k of the sorted table is row order[k] of this one
	order := make([]int32, 0, t.n)
	rank := make([]uint32, len(ids)) // URL id → its rank, the URL's new id
	for k, id := range ids {
		rank[id] = uint32(k)
		start := len(order)
		for i := t.head[id]; i >= 0; i = t.row(i).next {
			order = append(order, i)
		}
		if rows := order[start:]; len(rows) > 1 {
			slices.SortFunc(rows, func(x, y int32) int {
				a, b := t.row(x), t.row(y)
				if c := int(botRanks[a.bot]) - int(botRanks[b.bot]); c != 0 {
					return c
				}
				return int(a.verdict) - int(b.verdict)
			})
		}
	}
	t.head = nil
	// the URLs in order, as new ids, while the rows are moved
	sorted := urlSet{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sorted.refs = make([]uint64, 0, len(ids))
		for _, id := range ids {
			intern(&sorted, u.get(id))
		}
		sorted.finish()
	}()
	// the rows in order, moved in place cycle by cycle (order's entries
	// become -1 as their rows are placed)
	for k := range order {
		if order[k] < 0 {
			continue
		}
		tmp := *t.row(int32(k))
		j := int32(k)
		for {
			src := order[j]
			order[j] = -1
			if src == int32(k) {
				*t.row(j) = tmp
				break
			}
			*t.row(j) = *t.row(src)
			j = src
		}
	}
	t.zones = map[int32]*time.Location{}
	for _, c := range t.rows {
		for i := range c {
			r := &c[i]
			r.url = rank[r.url]
			r.next = -1
			t.zone(r.first.off)
			t.zone(r.last.off)
		}
	}
	<-done
	t.urls = sorted
}

// zone is the location of offset off, as the parsers give it: UTC, or an
// unnamed fixed zone.
func (t *hitTable) zone(off int32) *time.Location {
	if off == 0 {
		return time.UTC
	}
	l, ok := t.zones[off]
	if !ok {
		l = time.FixedZone("", int(off))
		t.zones[off] = l
	}
	return l
}

func (t *hitTable) time(s stamp) time.Time {
	u := time.Unix(s.sec, int64(s.nsec))
	if s.off == 0 {
		return u.UTC()
	}
	return u.In(t.zones[s.off])
}

// Len is the number of hits (store.HitTable).
func (t *hitTable) Len() int { return int(t.n) }

// Each calls fn with every hit in URL, crawler, verdict order
// (store.HitTable). The BotHit and its slices are reused: valid until fn
// returns; its strings stay valid.
func (t *hitTable) Each(fn func(*store.BotHit) error) error {
	var h store.BotHit
	var st []store.StatusCount
	for _, c := range t.rows {
		for i := range c {
			st = t.fill(&h, &c[i], st[:0])
			if err := fn(&h); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill sets h to row r, its statuses in st (sorted by status).
func (t *hitTable) fill(h *store.BotHit, r *row, st []store.StatusCount) []store.StatusCount {
	b := &Bots[r.bot]
	for k := range int(r.nst) {
		st = append(st, store.StatusCount{Status: int(r.st[k]), Hits: r.stHits[k]})
	}
	for p := r.more; p >= 0; p = t.spill[p].next {
		st = append(st, store.StatusCount{Status: int(t.spill[p].status), Hits: t.spill[p].hits})
	}
	// a few statuses, each once: insertion sort
	for i := 1; i < len(st); i++ {
		for j := i; j > 0 && st[j].Status < st[j-1].Status; j-- {
			st[j], st[j-1] = st[j-1], st[j]
		}
	}
	*h = store.BotHit{URL: t.urls.get(r.url), Bot: b.Name, Kind: b.Kind, Verdict: verdictNames[r.verdict], Hits: r.hits,
		Statuses: st, FirstSeen: t.time(r.first), LastSeen: t.time(r.last)}
	if r.times >= 0 {
		n := len(store.TimeBuckets) + 1
		h.Times = t.times[r.times : int(r.times)+n : int(r.times)+n]
	}
	return st
}

// hits returns every hit as its own store.BotHit, in order.
func (t *hitTable) hits() []*store.BotHit {
	out := make([]*store.BotHit, 0, t.n)
	_ = t.Each(func(h *store.BotHit) error {
		c := *h
		c.Statuses = slices.Clone(h.Statuses)
		if h.Times != nil {
			c.Times = slices.Clone(h.Times)
		}
		out = append(out, &c)
		return nil
	})
	return out
}

// urlChunk is the size of the chunks URLs are interned in.
const urlChunk = 4 << 20

// urlSet interns URLs: their bytes go one after the other into a chunk of
// urlChunk bytes; a full chunk becomes one string, of which each of its
// URLs is a substring (no allocation per URL, nothing for the collector
// to scan). An open-addressing index of ids finds a URL by its hash.
type urlSet struct {
	seed maphash.Seed
	done []string // full chunks
	cur  []byte   // the chunk being filled
	// refs has per id the URL's chunk, offset and length (refBits each
	// but the chunk)
	refs []uint64
	// slots is the index: 0 when empty, else the high half of the URL's
	// hash and its id + 1
	slots []uint64
}

const refBits = 24 // offset and length bits of a ref: up to 16 MiB each

func (u *urlSet) init() {
	u.seed = maphash.MakeSeed()
	u.slots = make([]uint64, 1024)
}

func (u *urlSet) len() int { return len(u.refs) }

func (u *urlSet) hash(key []byte) uint32 {
	h := maphash.Bytes(u.seed, key)
	return uint32(h ^ h>>32)
}

// bytesOf returns URL id's bytes while the set is being filled (of a
// full chunk, as a string's bytes would be: compared, never changed).
func (u *urlSet) equal(id uint32, key []byte) bool {
	ref := u.refs[id]
	c, off, n := int(ref>>(2*refBits)), int(ref>>refBits&(1<<refBits-1)), int(ref&(1<<refBits-1))
	if n != len(key) {
		return false
	}
	if c < len(u.done) {
		return u.done[c][off:off+n] == string(key)
	}
	return bytes.Equal(u.cur[off:off+n], key)
}

// find returns the id of key, if known.
func (u *urlSet) find(key []byte) (uint32, bool) { return u.findHashed(key, u.hash(key)) }

// findHashed is find of key whose hash is h.
func (u *urlSet) findHashed(key []byte, h uint32) (uint32, bool) {
	mask := uint32(len(u.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := u.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == h && u.equal(uint32(s)-1, key) {
			return uint32(s) - 1, true
		}
	}
}

// add interns key (not in the set) and returns its id.
func (u *urlSet) add(key []byte) uint32 { return u.addHashed(key, u.hash(key)) }

// addHashed is add of key whose hash is h.
func (u *urlSet) addHashed(key []byte, h uint32) uint32 {
	id := intern(u, key)
	if 2*len(u.refs) > len(u.slots) {
		u.grow()
	}
	u.put(h, id)
	return id
}

// intern appends key to the chunks, as the next id, without indexing it.
func intern[S string | []byte](u *urlSet, key S) uint32 {
	if len(u.cur)+len(key) > cap(u.cur) {
		if len(u.cur) > 0 {
			u.done = append(u.done, string(u.cur))
		}
		if cap(u.cur) < len(key) {
			u.cur = make([]byte, 0, max(urlChunk, len(key)))
		}
		u.cur = u.cur[:0]
	}
	id := uint32(len(u.refs))
	u.refs = append(u.refs, uint64(len(u.done))<<(2*refBits)|uint64(len(u.cur))<<refBits|uint64(len(key)))
	u.cur = append(u.cur, key...)
	return id
}

func (u *urlSet) put(h, id uint32) {
	mask := uint32(len(u.slots) - 1)
	i := h & mask
	for u.slots[i] != 0 {
		i = (i + 1) & mask
	}
	u.slots[i] = uint64(h)<<32 | uint64(id+1)
}

func (u *urlSet) grow() {
	old := u.slots
	u.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s != 0 {
			u.put(uint32(s>>32), uint32(s)-1)
		}
	}
}

// finish turns the last chunk into a string and drops the index: get
// works, find and add no longer do.
func (u *urlSet) finish() {
	if len(u.cur) > 0 {
		u.done = append(u.done, string(u.cur))
	}
	u.cur, u.slots = nil, nil
}

// sorted returns the ids in URL order (after finish). The two halves are
// sorted at once, then merged: a large log has hundreds of thousands of
// URLs, and this is between reading it and writing its results.
func (u *urlSet) sorted() []uint32 {
	ids := make([]uint32, len(u.refs))
	for i := range ids {
		ids[i] = uint32(i)
	}
	cmp := func(x, y uint32) int { return strings.Compare(u.get(x), u.get(y)) }
	if len(ids) < 4096 {
		slices.SortFunc(ids, cmp)
		return ids
	}
	a, b := ids[:len(ids)/2], ids[len(ids)/2:]
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(a, cmp)
	}()
	slices.SortFunc(b, cmp)
	wg.Wait()
	out := make([]uint32, 0, len(ids))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// get returns URL id (after finish).
func (u *urlSet) get(id uint32) string {
	ref := u.refs[id]
	c, off, n := int(ref>>(2*refBits)), int(ref>>refBits&(1<<refBits-1)), int(ref&(1<<refBits-1))
	return u.done[c][off : off+n]
}
