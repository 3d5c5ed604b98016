package crawlaudit_test

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// refusedURL returns a loopback URL nothing listens on: a port this test
// held and closed.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/"
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// TestUnreachableStartLeavesNoCrawl: a new crawl whose start URL gets no
// answer leaves no crawl.db (nor -wal, -shm) and no folder it created; a
// folder that existed keeps what it held; a resumed crawl keeps its
// crawl.db.
func TestUnreachableStartLeavesNoCrawl(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, o crawlaudit.Options) {
		t.Helper()
		if _, err := crawlaudit.Run(t.Context(), o); !errors.Is(err, crawlaudit.ErrStartUnreachable) {
			t.Fatalf("err = %v, want ErrStartUnreachable", err)
		}
	}
	t.Run("folders the run created are removed", func(t *testing.T) {
		t.Parallel()
		parent := t.TempDir()
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out = refusedURL(t), filepath.Join(parent, "reports", "site")
		run(t, o)
		if got := listDir(t, parent); len(got) != 0 {
			t.Errorf("left behind in %s: %v", parent, got)
		}
	})
	t.Run("an existing folder keeps its files and gets no crawl.db", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out = refusedURL(t), dir
		run(t, o)
		if got := listDir(t, dir); !reflect.DeepEqual(got, []string{"notes.txt"}) {
			t.Errorf("%s holds %v, want [notes.txt]", dir, got)
		}
	})
	t.Run("an earlier crawl in the folder stays whole", func(t *testing.T) {
		t.Parallel()
		srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><title>up</title></html>"))
		}), nil)
		t.Cleanup(srv.Close)
		dir := t.TempDir()
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.FailOn = srv.URL+"/", dir, crawlaudit.LevelNever
		if _, err := crawlaudit.Run(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		before, files := readAll(t, dir), listDir(t, dir)
		o.Start = refusedURL(t)
		run(t, o)
		if got := listDir(t, dir); !reflect.DeepEqual(got, files) {
			t.Errorf("%s holds %v, want %v", dir, got, files)
		}
		if after := readAll(t, dir); !reflect.DeepEqual(after, before) {
			t.Error("the earlier crawl's files changed")
		}
		c, err := crawlaudit.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if info := c.Info(); info.StartURL != srv.URL+"/" {
			t.Errorf("crawl.db holds the crawl of %q, want the earlier one of %s", info.StartURL, srv.URL+"/")
		}
		// A crawl that starts replaces it, and leaves nothing of it.
		o.Start = srv.URL + "/"
		if _, err := crawlaudit.Run(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		if got := listDir(t, dir); !reflect.DeepEqual(got, files) {
			t.Errorf("after a new crawl %s holds %v, want %v", dir, got, files)
		}
	})
	t.Run("a resumed crawl keeps its crawl.db", func(t *testing.T) {
		t.Parallel()
		srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><title>up</title></html>"))
		}), nil)
		dir := t.TempDir()
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.FailOn = srv.URL+"/", dir, crawlaudit.LevelNever
		if _, err := crawlaudit.Run(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		r, err := crawlaudit.ResumeOptions(dir)
		if err != nil {
			t.Fatal(err)
		}
		run(t, r)
		if _, err := os.Stat(filepath.Join(dir, crawlaudit.DBName)); err != nil {
			t.Errorf("the resumed crawl's database is gone: %v", err)
		}
	})
}

// readAll returns the contents of the files in dir by name.
func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range listDir(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(data)
	}
	return out
}
