package report

import (
	"bytes"
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

func TestMemoPassesEachEdgeStatusThrough(t *testing.T) {
	if _, ok := any(NewMemo(newFixture(t))).(interface {
		EachEdgeStatus(func(store.Edge, int, bool) error) error
	}); !ok {
		t.Fatal("Memo hides the store's joined edge read")
	}
}
