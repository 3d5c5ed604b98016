package report

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// countingReader counts the full passes over the URLs.
type countingReader struct {
	store.Reader
	urlPasses int
}

func (c *countingReader) EachURL(fn func(store.URL) error) error {
	c.urlPasses++
	return c.Reader.EachURL(fn)
}

// writeAll renders every output file, the table and the job files, twice
// over, concatenated; crawl gives the Crawl each output renders.
func writeAll(t *testing.T, crawl func() *Crawl) []byte {
	t.Helper()
	var buf bytes.Buffer
	for range 2 {
		for _, f := range Formats() {
			buf.WriteString("== " + f.Name + "\n")
			if err := f.Write(&buf, crawl()); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
		if err := WriteTable(&buf, crawl(), TableOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestOneCrawlWritesTheSameBytesWithFewerPasses: every output from one
// Crawl (which remembers the summary, budget and masked findings) equals
// every output from a fresh Crawl each, in fewer passes over the URLs.
func TestOneCrawlWritesTheSameBytesWithFewerPasses(t *testing.T) {
	opt := Options{Job: Job{Site: "fixture"}}
	plain := &countingReader{Reader: newFixture(t)}
	want := writeAll(t, func() *Crawl { return newCrawl(plain, opt) })

	shared := &countingReader{Reader: newFixture(t)}
	one := newCrawl(shared, opt)
	got := writeAll(t, func() *Crawl { return one })
	if !bytes.Equal(got, want) {
		t.Fatalf("outputs through one Crawl differ from fresh ones:\n%s\n----\n%s", got, want)
	}
	if shared.urlPasses >= plain.urlPasses {
		t.Errorf("URL passes: %d through one Crawl, %d with a fresh one each; want fewer", shared.urlPasses, plain.urlPasses)
	}
	t.Logf("URL passes: %d fresh, %d through one Crawl", plain.urlPasses, shared.urlPasses)
}

func TestCrawlSummaryIsACopy(t *testing.T) {
	m := newCrawl(newFixture(t), Options{})
	a, err := Summarize(m)
	if err != nil {
		t.Fatal(err)
	}
	a.ByKind[store.KindPage] = -1
	a.FindingsByRule[0].Count = -1
	b, err := Summarize(m)
	if err != nil {
		t.Fatal(err)
	}
	if b.ByKind[store.KindPage] == -1 || b.FindingsByRule[0].Count == -1 {
		t.Fatal("changing one Summary from a Crawl changed the next one")
	}
}

// recordingReader answers every store.Reader method with nothing and
// records which ones were called.
type recordingReader struct {
	store.Reader // nil: a method not overridden below panics
	called       map[string]bool
}

func (r *recordingReader) note(m string)             { r.called[m] = true }
func (r *recordingReader) Meta() (store.Meta, error) { r.note("Meta"); return store.Meta{}, nil }
func (r *recordingReader) Get(string) (store.URL, bool, error) {
	r.note("Get")
	return store.URL{}, false, nil
}
func (r *recordingReader) EachURL(func(store.URL) error) error   { r.note("EachURL"); return nil }
func (r *recordingReader) EachEdge(func(store.Edge) error) error { r.note("EachEdge"); return nil }
func (r *recordingReader) EdgesTo(string) ([]store.Edge, error)  { r.note("EdgesTo"); return nil, nil }
func (r *recordingReader) Findings() ([]store.Finding, error)    { r.note("Findings"); return nil, nil }
func (r *recordingReader) EachURLInbound(func(store.URL, store.Inbound) error) error {
	r.note("EachURLInbound")
	return nil
}
func (r *recordingReader) EachEdgeStatus(func(store.Edge, int, bool) error) error {
	r.note("EachEdgeStatus")
	return nil
}
func (r *recordingReader) LookupEdgesTo(string) ([]store.Edge, error) {
	r.note("LookupEdgesTo")
	return nil, nil
}

// TestCrawlForwardsEveryReaderMethod calls every method of store.Reader on
// a Crawl and checks that each reached the wrapped store: a wrapper that
// answered one itself (from an empty cache, or a slower generic pass)
// would fail here, whatever methods the interface gains.
func TestCrawlForwardsEveryReaderMethod(t *testing.T) {
	t.Parallel()
	inner := &recordingReader{called: map[string]bool{}}
	m := reflect.ValueOf(newCrawl(inner, Options{}))
	it := reflect.TypeOf((*store.Reader)(nil)).Elem()
	for i := 0; i < it.NumMethod(); i++ {
		name := it.Method(i).Name
		mt := it.Method(i).Type
		args := make([]reflect.Value, mt.NumIn())
		for j := range args {
			args[j] = reflect.Zero(mt.In(j))
			if mt.In(j).Kind() == reflect.Func { // a callback that does nothing
				ft := mt.In(j)
				args[j] = reflect.MakeFunc(ft, func([]reflect.Value) []reflect.Value {
					return []reflect.Value{reflect.Zero(ft.Out(0))}
				})
			}
		}
		m.MethodByName(name).Call(args)
		if !inner.called[name] {
			t.Errorf("Crawl.%s did not reach the wrapped store", name)
		}
	}
}
