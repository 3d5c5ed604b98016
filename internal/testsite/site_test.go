package testsite

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestNewRejectsBadRoutes(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"a.html": {Data: []byte("a")}, "dir/b.html": {Data: []byte("b")}}
	tests := []struct {
		name   string
		routes []Route
		want   string
	}{
		{"relative path", []Route{{Path: "a"}}, `must start with "/"`},
		{"status too low", []Route{{Path: "/a", Status: 99}}, "status 99"},
		{"interim status", []Route{{Path: "/a", Status: 103}}, "status 103"},
		{"body on 204", []Route{{Path: "/a", Status: 204, Body: "x"}}, "no body"},
		{"file on 304", []Route{{Path: "/a", Status: 304, File: "a.html"}}, "no body"},
		{"status too high", []Route{{Path: "/a", Status: 600}}, "status 600"},
		{"body and file", []Route{{Path: "/a", Body: "x", File: "a.html"}}, "exclusive"},
		{"missing file", []Route{{Path: "/a", File: "nope.html"}}, "not in site"},
		{"directory as file", []Route{{Path: "/a", File: "dir"}}, "not in site"},
		{"negative delay", []Route{{Path: "/a", DelayMS: -1}}, "negative"},
		{"header name with colon", []Route{{Path: "/a", Headers: [][2]string{{"X-A:", "b"}}}}, "bad header"},
		{"header value with newline", []Route{{Path: "/a", Headers: [][2]string{{"X-A", "b\r\nX-B: c"}}}}, "bad header"},
		{"same path twice", []Route{{Path: "/a"}, {Path: "/a"}}, "defined twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(files, tc.routes...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"sites/a/index.html":    {Data: []byte("a")},
		"sites/a.routes.json":   {Data: []byte(`[{"path":"/x","status":410,"headers":[["X-A","1"],["X-A","2"]],"delay_ms":5}]`)},
		"sites/b/index.html":    {Data: []byte("b")},
		"sites/bad/index.html":  {Data: []byte("bad")},
		"sites/bad.routes.json": {Data: []byte(`[{"path":"/x","stauts":410}]`)},
		"sites/dup/index.html":  {Data: []byte("dup")},
		"sites/dup.routes.json": {Data: []byte(`[{"path":"/x"},{"path":"/x"}]`)},
		"sites/file.txt":        {Data: []byte("not a dir")},
	}

	t.Run("files and routes", func(t *testing.T) {
		t.Parallel()
		s, err := Load(fsys, "sites/a")
		if err != nil {
			t.Fatal(err)
		}
		want := Route{Path: "/x", Status: 410, Headers: [][2]string{{"X-A", "1"}, {"X-A", "2"}}, DelayMS: 5}
		got := s.routes["/x"]
		if len(s.routes) != 1 || got.Status != want.Status || got.DelayMS != want.DelayMS || len(got.Headers) != 2 || got.Headers[1] != want.Headers[1] {
			t.Errorf("routes = %+v, want just %+v", s.routes, want)
		}
	})
	t.Run("no routes file", func(t *testing.T) {
		t.Parallel()
		s, err := Load(fsys, "sites/b")
		if err != nil || len(s.routes) != 0 {
			t.Errorf("Load = %v, %v; want no routes, no error", s, err)
		}
	})
	for _, tc := range []struct{ name, dir, want string }{
		{"unknown JSON field", "sites/bad", "stauts"},
		{"duplicate route", "sites/dup", "defined twice"},
		{"missing directory", "sites/none", "does not exist"},
		{"file, not directory", "sites/file.txt", "not a directory"},
		{"dot", ".", "not a site directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(fsys, tc.dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestWithReplacesAndKeepsOriginal(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"a.html": {Data: []byte("a")}}
	s, err := New(files, Route{Path: "/a", Status: 500}, Route{Path: "/b", Status: 503})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.With(Route{Path: "/a", Status: 429, Headers: [][2]string{{"Retry-After", "1"}}}, Route{Path: "/c", File: "a.html"})
	if err != nil {
		t.Fatal(err)
	}
	if got := n.routes["/a"].Status; got != 429 {
		t.Errorf("With: /a status = %d, want 429", got)
	}
	if got := n.routes["/b"].Status; got != 503 {
		t.Errorf("With: /b status = %d, want 503 kept", got)
	}
	if got := s.routes["/a"].Status; got != 500 || len(s.routes) != 2 {
		t.Errorf("original changed: /a = %d, %d routes", got, len(s.routes))
	}
	if _, err := s.With(Route{Path: "/d", File: "missing"}); err == nil {
		t.Error("With accepted a route to a missing file")
	}
}
