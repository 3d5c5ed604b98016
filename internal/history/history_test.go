package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSaveHistoryNamesOrdersAndPrunes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	hist := filepath.Join(dir, "hist")
	if err := os.MkdirAll(filepath.Join(out, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(out, "crawl.json"), "{}")
	writeFile(t, filepath.Join(out, ".hidden"), "x")
	if err := os.MkdirAll(filepath.Join(hist, "keep-me"), 0o755); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600))
	var got []string
	for i := 0; i < 11; i++ { // eleven crawls in the same second
		e, err := Save(hist, out, at, 3, Verdict{Passed: true})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(e))
	}
	if got[0] != "20260506T050809Z" || got[1] != "20260506T050809Z-2" || got[10] != "20260506T050809Z-11" {
		t.Errorf("entry names %v", got)
	}
	names, err := Entries(hist)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, " ") != "20260506T050809Z-9 20260506T050809Z-10 20260506T050809Z-11" {
		t.Errorf("kept %v", names)
	}
	if _, err := os.Stat(filepath.Join(hist, "keep-me")); err != nil {
		t.Errorf("foreign folder removed: %v", err)
	}
	entry := filepath.Join(hist, "20260506T050809Z-11")
	des, _ := os.ReadDir(entry)
	if len(des) != 2 || des[0].Name() != "crawl.json" || des[1].Name() != VerdictFile {
		t.Errorf("entry holds %v, want crawl.json and verdict.json only (no dot files, no folders)", des)
	}
	if Newest(hist, exists) != entry {
		t.Errorf("newest %q", Newest(hist, exists))
	}
	if Newest(filepath.Join(dir, "none"), exists) != "" {
		t.Error("missing history has a newest entry")
	}
}

// TestNewestPassingSkipsFailedRunsAndReadsOldEntriesAsPassed files five
// crawls (an entry of an older crawlaudit without a verdict, a passing one,
// an accepted one, two failing ones) and checks which is each kind of
// baseline, what verdict.json holds, and that a verdict.json left in the
// output folder is not copied over the run's own.
func TestNewestPassingSkipsFailedRunsAndReadsOldEntriesAsPassed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, hist := filepath.Join(dir, "out"), filepath.Join(dir, "hist")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(out, "crawl.json"), "{}")
	writeFile(t, filepath.Join(out, VerdictFile), `{"passed":true}`) // not the run's: never copied
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	save := func(v Verdict) string {
		t.Helper()
		e, err := Save(hist, out, at, 10, v)
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Hour)
		return e
	}
	if p, n := NewestPassing(hist, exists); p != "" || n != 0 {
		t.Errorf("empty history: newest passing %q, %d failing", p, n)
	}
	legacy := save(Verdict{})
	if err := os.Remove(filepath.Join(legacy, VerdictFile)); err != nil { // as an older crawlaudit filed it
		t.Fatal(err)
	}
	if p, n := NewestPassing(hist, exists); p != legacy || n != 0 {
		t.Errorf("an entry without a verdict: newest passing %q, %d failing; want it, as passed", p, n)
	}
	passed := save(Verdict{Passed: true, FailOn: "error", Findings: 3})
	accepted := save(Verdict{Passed: true, Accepted: true, FailOn: "error", OnlyNew: true, Findings: 21, Failing: 21, Baseline: filepath.Base(passed)})
	save(Verdict{Passed: false, FailOn: "error", OnlyNew: true, Findings: 22, Failing: 1})
	failed := save(Verdict{Passed: false, FailOn: "error", OnlyNew: true, Findings: 22, Failing: 1})
	if p, n := NewestPassing(hist, exists); p != accepted || n != 2 {
		t.Errorf("newest passing %q with %d failing since, want %q with 2", p, n, accepted)
	}
	if p := Newest(hist, exists); p != failed {
		t.Errorf("newest %q, want the last failing crawl %q", p, failed)
	}
	v, found, err := ReadVerdict(accepted)
	want := Verdict{Schema: VerdictSchema, Passed: true, Accepted: true, FailOn: "error", OnlyNew: true, Findings: 21, Failing: 21, Baseline: "20260301T030000Z"}
	if err != nil || !found || v != want {
		t.Errorf("verdict %+v %v %v, want %+v", v, found, err, want)
	}
	raw, _ := os.ReadFile(filepath.Join(accepted, VerdictFile))
	if !strings.Contains(string(raw), `"passed": true`) || !strings.Contains(string(raw), `"accepted": true`) || !strings.Contains(string(raw), `"findings": 21`) {
		t.Errorf("verdict.json:\n%s", raw)
	}
	if v, _, _ := ReadVerdict(failed); v.Passed || v.Schema != VerdictSchema {
		t.Errorf("failed run's verdict %+v: the output folder's verdict.json was copied over it", v)
	}
	// A verdict that does not parse vouches for nothing.
	writeFile(t, filepath.Join(accepted, VerdictFile), "{")
	if _, found, err := ReadVerdict(accepted); !found || err == nil || !strings.Contains(err.Error(), VerdictFile) {
		t.Errorf("corrupt verdict: found %v, err %v", found, err)
	}
	if p, n := NewestPassing(hist, exists); p != passed || n != 3 {
		t.Errorf("with a corrupt verdict: newest passing %q with %d failing, want %q with 3", p, n, passed)
	}
}

func exists(path string) bool {
	_, err := os.Stat(filepath.Join(path, "crawl.json"))
	return err == nil
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
