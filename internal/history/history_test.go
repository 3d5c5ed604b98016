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
		e, err := Save(hist, out, at, 3)
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
	if len(des) != 1 || des[0].Name() != "crawl.json" {
		t.Errorf("entry holds %v, want crawl.json only (no dot files, no folders)", des)
	}
	if Newest(hist, exists) != entry {
		t.Errorf("newest %q", Newest(hist, exists))
	}
	if Newest(filepath.Join(dir, "none"), exists) != "" {
		t.Error("missing history has a newest entry")
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
