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

// writeAll renders every output file, the table and the job files from r,
// twice over, concatenated.
func writeAll(t *testing.T, r store.Reader) []byte {
	t.Helper()
	var buf bytes.Buffer
	for range 2 {
		writers := Writers(HTMLOptions{})
		for _, name := range FileNames() {
			buf.WriteString("== " + name + "\n")
			if err := writers[name](&buf, r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if err := WriteTable(&buf, r, TableOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&buf, r, Job{Site: "fixture"}); err != nil {
			t.Fatal(err)
		}
		if err := WriteMetrics(&buf, r, Job{Site: "fixture"}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestMemoWritesTheSameBytesWithFewerPasses(t *testing.T) {
	plain := &countingReader{Reader: newFixture(t)}
	want := writeAll(t, plain)

	memod := &countingReader{Reader: newFixture(t)}
	got := writeAll(t, NewMemo(memod))
	if !bytes.Equal(got, want) {
		t.Fatalf("outputs through a Memo differ from direct ones:\n%s\n----\n%s", got, want)
	}
	if memod.urlPasses >= plain.urlPasses {
		t.Errorf("URL passes: %d through a Memo, %d without; want fewer", memod.urlPasses, plain.urlPasses)
	}
	t.Logf("URL passes: %d direct, %d through a Memo", plain.urlPasses, memod.urlPasses)
}

func TestMemoSummaryIsACopy(t *testing.T) {
	m := NewMemo(newFixture(t))
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
		t.Fatal("changing one Summary from a Memo changed the next one")
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

// TestMemoForwardsEveryReaderMethod calls every method of store.Reader on
// a Memo and checks that each reached the wrapped store: a wrapper that
// answered one itself (from an empty cache, or a slower generic pass)
// would fail here, whatever methods the interface gains.
func TestMemoForwardsEveryReaderMethod(t *testing.T) {
	t.Parallel()
	inner := &recordingReader{called: map[string]bool{}}
	m := reflect.ValueOf(NewMemo(inner))
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
			t.Errorf("Memo.%s did not reach the wrapped store", name)
		}
	}
}
