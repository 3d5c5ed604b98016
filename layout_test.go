package crawlaudit_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// mod is the module path.
const mod = "github.com/crawlaudit/crawlaudit"

// importTable is the import direction the README's Layout section draws:
// each package of the module and the packages of the module it may import
// (non-test imports; "" is the root package). Data flows one way: cmd →
// the root package → crawler, audit, report → analysis → store.
var importTable = map[string][]string{
	"cmd/crawlaudit":       {"", "internal/demo"},
	"":                     {"crawler", "report", "internal/audit", "internal/analysis", "internal/store", "internal/urlx", "internal/robots", "internal/config", "internal/credentials", "internal/diff", "internal/history", "internal/webhook", "internal/logs", "internal/redisq"},
	"crawler":              {"internal/analysis", "internal/store", "internal/robots", "internal/urlx", "sitemap", "internal/challenge", "internal/render"},
	"sitemap":              {"internal/urlx"},
	"report":               {"internal/analysis", "internal/store", "internal/urlx", "internal/diff"},
	"internal/audit":       {"internal/analysis", "internal/store", "internal/challenge"},
	"internal/analysis":    {"internal/store", "internal/robots"},
	"internal/diff":        {"internal/store"},
	"internal/credentials": {"crawler", "internal/urlx"},
	"internal/demo":        {"internal/testsite"},
	"internal/config":      {},
	"internal/history":     {},
	"internal/webhook":     {},
	"internal/store":       {},
	"internal/robots":      {},
	"internal/urlx":        {},
	"internal/testsite":    {},
	"internal/challenge":   {},
	"internal/render":      {},
	"internal/logs":        {"internal/store", "internal/urlx"},
	"internal/redisq":      {},
	// Test helpers: imported by _test.go files only (testOnly).
	"internal/redisq/redistest": {"internal/testenv"},
	"internal/testenv":          {},
}

// testOnly are the packages only tests may import (helpers like
// net/http/httptest): no package of the table imports them, so cmd never
// reaches them, and TestImportDirection fails a non-test import of one.
var testOnly = map[string]bool{
	"internal/redisq/redistest": true,
	"internal/testenv":          true,
}

// thirdPartyOnlyIn names the only package that may import each library:
// colly stays inside the crawler, the CLI library inside cmd, tablewriter
// inside report's terminal table, YAML inside the configuration reader,
// chromedp inside the renderer.
var thirdPartyOnlyIn = map[string]string{
	"github.com/gocolly/colly":          "crawler",
	"github.com/PuerkitoBio/goquery":    "crawler",
	"github.com/spf13/cobra":            "cmd/crawlaudit",
	"github.com/spf13/pflag":            "cmd/crawlaudit",
	"github.com/olekukonko/tablewriter": "report",
	"go.yaml.in/yaml":                   "internal/config",
	"github.com/chromedp":               "internal/render", // and tests, anywhere
	"github.com/redis/go-redis":         "internal/redisq", // and tests, anywhere
}

// TestImportDirection enforces the import table with `go list`: a package
// missing from the table, an import against the direction, or a library
// imported outside its one package fails.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rel := func(p string) (string, bool) {
		if p == mod {
			return "", true
		}
		r, ok := strings.CutPrefix(p, mod+"/")
		return r, ok
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, _ := rel(fields[0])
		if strings.HasPrefix(pkg, "bench/") {
			continue // programs written for the benchmark (a bare colly crawler among them), outside the tool's layers
		}
		allow, known := importTable[pkg]
		if !known {
			t.Errorf("%s is not in the import table: add it with what it may import (and to the README's Layout section)", fields[0])
			continue
		}
		for _, imp := range fields[1:] {
			for prefix, only := range thirdPartyOnlyIn {
				if strings.HasPrefix(imp, prefix) && pkg != only {
					t.Errorf("%s imports %s; only %s may", fields[0], imp, only)
				}
			}
			r, ours := rel(imp)
			if !ours {
				continue
			}
			if testOnly[r] && !testOnly[pkg] { // helpers may build on each other
				t.Errorf("%s imports %s, a helper for tests only", fields[0], imp)
			}
			ok := false
			for _, a := range allow {
				ok = ok || a == r
			}
			if !ok {
				t.Errorf("%s imports %s: against the import direction (README, Layout)", fields[0], imp)
			}
		}
	}
}

// TestImportTableIsAcyclicAndLayered checks the table itself: walking it
// from cmd reaches every package, and no package reaches itself.
func TestImportTableIsAcyclicAndLayered(t *testing.T) {
	var visit func(p string, path []string)
	reached := map[string]bool{}
	visit = func(p string, path []string) {
		for _, q := range path {
			if q == p {
				t.Fatalf("import cycle: %s → %s", strings.Join(path, " → "), p)
			}
		}
		reached[p] = true
		for _, next := range importTable[p] {
			visit(next, append(path, p))
		}
	}
	visit("cmd/crawlaudit", nil)
	var unreached []string
	for p := range importTable {
		if !reached[p] && !testOnly[p] {
			unreached = append(unreached, p)
		}
	}
	sort.Strings(unreached)
	if len(unreached) > 0 {
		t.Errorf("packages cmd never reaches: %v", unreached)
	}
}
