package sitemap

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports pins the import direction (STYLE.md section 1): sitemap parses
// readers and never imports the crawler, colly, goquery or net/http.
func TestImports(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "net/http",
			strings.HasPrefix(dep, "github.com/gocolly/"),
			strings.HasPrefix(dep, "github.com/PuerkitoBio/"),
			dep == "github.com/crawlaudit/crawlaudit/crawler",
			dep == "github.com/crawlaudit/crawlaudit/internal/store":
			t.Errorf("sitemap depends on %s", dep)
		}
	}
}
