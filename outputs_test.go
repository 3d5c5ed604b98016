package crawlaudit

import (
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/diff"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// noFindings is a crawl whose findings cannot be read (yet).
type noFindings struct{ store.Reader }

var errNoFindings = errors.New("findings read before the audit stored them")

func (noFindings) Findings() ([]store.Finding, error) { return nil, errNoFindings }

func smallCrawl(t *testing.T) *store.Memory {
	t.Helper()
	m := store.NewMemory()
	for _, err := range []error{
		m.SetMeta(store.Meta{ToolVersion: "test", StartURL: "https://a.test/"}),
		m.PutURL(store.URL{URL: "https://a.test/", Status: 200, Kind: store.KindPage, Start: true, ContentType: "text/html"}),
		m.PutURL(store.URL{URL: "https://a.test/old", Status: 301, Kind: store.KindPage, Depth: 1, Redirect: "https://a.test/new"}),
		m.PutURL(store.URL{URL: "https://a.test/new", Status: 404, Kind: store.KindPage, Depth: 2}),
		m.PutURL(store.URL{URL: "https://a.test/logo.png", Status: 401, Kind: store.KindAsset, Depth: 1}),
		m.AddEdge(store.Edge{From: "https://a.test/", To: "https://a.test/old", Type: store.EdgeLink, Tag: "a"}),
		m.AddEdge(store.Edge{From: "https://a.test/old", To: "https://a.test/new", Type: store.EdgeRedirect, Tag: "location"}),
		m.AddEdge(store.Edge{From: "https://a.test/", To: "https://a.test/logo.png", Type: store.EdgeAsset, Tag: "img"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// writeOutputs writes files concurrently but reports the error of the first
// failing file in name order, and writes the same bytes as one at a time.
func TestWriteOutputsConcurrentlyIsDeterministic(t *testing.T) {
	opt := report.Options{Rules: ruleInfos()}
	r := report.New(smallCrawl(t), opt)
	a, b := t.TempDir(), t.TempDir()
	if err := writeOutputs(a, r, nil, false); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range report.Formats() {
		if !f.Writes(r) {
			continue
		}
		names = append(names, f.Name)
		err := writeAtomic(filepath.Join(b, f.Name), func(w io.Writer) error { return f.Write(w, report.New(smallCrawl(t), opt)) })
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(names) < 10 {
		t.Fatalf("only %d files written: %v", len(names), names)
	}
	for _, name := range names {
		x, err1 := os.ReadFile(filepath.Join(a, name))
		y, err2 := os.ReadFile(filepath.Join(b, name))
		if err1 != nil || err2 != nil || string(x) != string(y) {
			t.Errorf("%s differs between concurrent and one-by-one writing (%v, %v)", name, err1, err2)
		}
	}
	err := writeOutputs(t.TempDir(), report.New(noFindings{smallCrawl(t)}, opt), nil, false)
	if !errors.Is(err, errNoFindings) {
		t.Fatalf("err = %v, want errNoFindings", err)
	}
	// crawl.json is the first file in name order that reads the findings.
	if !strings.Contains(err.Error(), "crawl.json:") {
		t.Errorf("err = %v, want the one of crawl.json", err)
	}
}

// failingFindings is a crawl whose findings cannot be read: the writers
// that need them fail, the others succeed (a disk that fills up part way).
type failingFindings struct{ store.Reader }

var errDiskFull = errors.New("no space left on device")

func (failingFindings) Findings() ([]store.Finding, error) { return nil, errDiskFull }

// TestOutputsAreReplacedAsOneSet: when a file of a run cannot be written,
// the previous run's outputs stay, every one byte for byte, and the error
// says where this run's partial files are; when all are written, they
// replace the previous set whole, and a file this run does not write (a
// stale diff) goes.
func TestOutputsAreReplacedAsOneSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := report.Options{Rules: ruleInfos(), Job: report.Job{Diff: &diff.Diff{}}}
	if err := writeOutputs(dir, report.New(smallCrawl(t), opt), nil, false); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	if _, ok := before["diff.json"]; !ok || len(before) < 12 {
		t.Fatalf("first set: %v", before)
	}

	err := writeOutputs(dir, report.New(failingFindings{smallCrawl(t)}, opt), nil, false)
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "are untouched") {
		t.Fatalf("err = %v", err)
	}
	partial := strings.TrimSuffix(err.Error()[strings.LastIndex(err.Error(), " are in ")+len(" are in "):], ")")
	if fi, err := os.Stat(partial); err != nil || !fi.IsDir() || filepath.Dir(partial) != dir {
		t.Fatalf("partial files in %q: %v", partial, err)
	}
	after := snapshot(t, dir)
	delete(after, filepath.Base(partial))
	if !reflect.DeepEqual(after, before) {
		t.Errorf("a failed run changed the previous outputs:\n%v\n%v", before, after)
	}
	os.RemoveAll(partial)

	opt.Job.Diff = nil // no baseline this time: no diff files
	if err := writeOutputs(dir, report.New(smallCrawl(t), opt), nil, false); err != nil {
		t.Fatal(err)
	}
	after = snapshot(t, dir)
	for _, name := range []string{"diff.json", "diff.csv"} {
		if _, ok := after[name]; ok {
			t.Errorf("stale %s kept", name)
		}
	}
	if len(after) != len(before)-2 {
		t.Errorf("%d files after, want %d: %v", len(after), len(before)-2, after)
	}
}

// snapshot maps the names of dir's entries to their contents' hashes;
// hidden folders (a run's temporary ones) are entries too.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][32]byte{}
	for _, e := range entries {
		var sum [32]byte
		if !e.IsDir() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			sum = sha256.Sum256(b)
		}
		out[e.Name()] = sum
	}
	return out
}

// TestFailedCommitKeepsThePreviousOutputs: when what must change with the
// outputs (crawlaudit logs' copy of its tables into crawl.db) fails after
// every file is written, the previous outputs stay, and nothing of the
// failed run is left in the folder; when it succeeds, it runs before the
// files replace the folder's.
func TestFailedCommitKeepsThePreviousOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := report.Options{Rules: ruleInfos(), Job: report.Job{Diff: &diff.Diff{}}}
	if err := writeOutputs(dir, report.New(smallCrawl(t), opt), nil, false); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	opt.Job.Diff = nil // a different set: no diff files
	err := writeOutputsThen(dir, report.New(smallCrawl(t), opt), nil, false, func() error { return errDiskFull })
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "are untouched") {
		t.Fatalf("err = %v", err)
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("a failed commit changed the folder:\n%v\n%v", before, after)
	}
	var sawOld bool
	err = writeOutputsThen(dir, report.New(smallCrawl(t), opt), nil, false, func() error {
		_, err := os.Stat(filepath.Join(dir, "diff.json"))
		sawOld = err == nil // the previous set is still in place
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawOld {
		t.Error("commit ran after the new files replaced the previous ones")
	}
	if _, err := os.Stat(filepath.Join(dir, "diff.json")); err == nil {
		t.Error("the new set did not replace the previous one")
	}
}
