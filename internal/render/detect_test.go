package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNeedsRendering(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Plenty of words about mugs, served as HTML. ", 20)
	for _, tc := range []struct {
		name   string
		html   string
		want   bool
		reason string
	}{
		{"create-react-app shell", `<!doctype html><html><head><title>App</title></head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div><script src="/static/js/main.js"></script></body></html>`,
			true, `empty app root <div id="root">`},
		{"next.js shell", `<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{}</script></body></html>`,
			true, `empty app root <div id="__next">`},
		{"vue app with whitespace only", "<html><body>\n  <div id=\"app\">\n  </div>\n<script src=app.js></script></body></html>",
			true, `empty app root <div id="app">`},
		{"angular root", `<html><body><app-root></app-root><script src="main.js"></script></body></html>`,
			true, `empty app root <app-root>`},
		{"server-rendered next.js", `<html><body><div id="__next"><h1>Mugs</h1><p>` + long + `</p></div><script src="/_next/main.js"></script></body></html>`,
			false, ""},
		{"noscript asking for JavaScript on a thin page", `<html><body><header>Shop</header><div id="main"></div><noscript>Please enable JavaScript to continue.</noscript><script src="a.js"></script></body></html>`,
			true, "noscript asks to enable JavaScript"},
		{"noscript in the head", `<html><head><noscript>JavaScript is required</noscript></head><body><nav>Home About</nav><main></main></body></html>`,
			true, "noscript asks to enable JavaScript"},
		{"noscript on a full page", `<html><body><noscript>Enable JavaScript for the best experience.</noscript><p>` + long + `</p><script src="a.js"></script></body></html>`,
			false, ""},
		{"noscript with an image", `<html><body><noscript><img src="pixel.gif"></noscript><p>` + long + `</p></body></html>`,
			false, ""},
		{"almost empty body with scripts", `<html><body><nav>Home · Shop · Contact</nav><div class="content"></div><script src="bundle.js"></script></body></html>`,
			true, "almost empty body (21 characters of text)"},
		{"short static page without scripts", `<html><body><p>Gone fishing.</p></body></html>`,
			false, ""},
		{"two elements are not an app root", `<html><body><div id="root"></div><footer>© Shop</footer><script src=a.js></script></body></html>`,
			true, "almost empty body (6 characters of text)"},
		{"a full static page", `<html><body><h1>Mugs</h1><p>` + long + `</p></body></html>`,
			false, ""},
		{"script text is not visible text", `<html><body><div id="page"></div><script>var data = "` + long + `";</script></body></html>`,
			true, "almost empty body (0 characters of text)"},
		{"empty input", ``, false, ""},
		{"not HTML at all", "\x00\x01binary\xff", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, reason := NeedsRendering([]byte(tc.html))
			if got != tc.want || reason != tc.reason {
				t.Errorf("NeedsRendering = %v, %q; want %v, %q", got, reason, tc.want, tc.reason)
			}
		})
	}
}

func TestNeedsRenderingOnTheFixtureApp(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"index.html":   `empty app root <div id="root">`,
		"landing.html": "",
	} {
		b, err := os.ReadFile(filepath.Join(spaDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got, reason := NeedsRendering(b); got != (want != "") || reason != want {
			t.Errorf("%s: %v, %q; want %q", name, got, reason, want)
		}
	}
}

func TestNeedsRenderingReadsABoundedPrefix(t *testing.T) {
	t.Parallel()
	// An app shell followed by 3 MiB of text: only the first 2 MiB are
	// read, and the verdict comes from them.
	page := `<html><body><div id="root"></div><script src=a.js></script><!--` + strings.Repeat("x", 3<<20) + `--><p>late</p></body></html>`
	if got, reason := NeedsRendering([]byte(page)); !got || reason != `empty app root <div id="root">` {
		t.Errorf("NeedsRendering = %v, %q", got, reason)
	}
}

func FuzzNeedsRendering(f *testing.F) {
	f.Add([]byte(`<html><body><div id="root"></div></body></html>`))
	f.Add([]byte(`<noscript>enable javascript</noscript>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, reason := NeedsRendering(b)
		if got != (reason != "") {
			t.Errorf("NeedsRendering = %v, %q", got, reason)
		}
	})
}
