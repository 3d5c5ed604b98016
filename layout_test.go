package crawlaudit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection enforces STYLE.md's one-way data flow:
// cmd → crawler → store; audit → store; report → store (and urlx for the
// one masking helper); sitemap and report never see colly or the crawler.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/crawlaudit/crawlaudit"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// Module packages each package may import; "*" allows any.
	allowed := map[string][]string{
		mod + "/cmd/crawlaudit":     {"*"},
		mod:                         {},
		mod + "/crawler":            {"internal/store", "internal/robots", "internal/urlx", "sitemap", "internal/challenge"},
		mod + "/sitemap":            {"internal/urlx"},
		mod + "/report":             {"internal/store", "internal/urlx", "internal/diff", "internal/analysis"},
		mod + "/internal/analysis":  {"internal/store"},
		mod + "/internal/config":    {},
		mod + "/internal/diff":      {"internal/store"},
		mod + "/internal/audit":     {"internal/store", "internal/urlx", "internal/challenge", "internal/analysis"},
		mod + "/internal/store":     {},
		mod + "/internal/robots":    {},
		mod + "/internal/urlx":      {},
		mod + "/internal/testsite":  {},
		mod + "/internal/challenge": {},
	}
	thirdPartyOnlyIn := map[string]string{
		"github.com/gocolly/colly":          mod + "/crawler",
		"github.com/PuerkitoBio/goquery":    mod + "/crawler",
		"github.com/spf13/cobra":            mod + "/cmd/crawlaudit",
		"github.com/olekukonko/tablewriter": mod + "/report",
		"go.yaml.in/yaml":                   mod + "/internal/config",
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		allow, known := allowed[pkg]
		if !known && !strings.HasPrefix(pkg, mod+"/bench/") {
			t.Errorf("%s is not in the import-direction table: add it with what it may import", pkg)
		}
		for _, imp := range imports {
			for prefix, only := range thirdPartyOnlyIn {
				// bench/ holds programs written for the benchmark (a bare
				// colly crawler among them), outside the tool's layers.
				if strings.HasPrefix(imp, prefix) && pkg != only && !strings.HasPrefix(pkg, mod+"/bench/") {
					t.Errorf("%s imports %s; only %s may", pkg, imp, only)
				}
			}
			if !strings.HasPrefix(imp, mod+"/") || !known {
				continue
			}
			rel := strings.TrimPrefix(imp, mod+"/")
			ok := false
			for _, a := range allow {
				if a == "*" || a == rel {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: against the import direction (STYLE.md section 1)", pkg, imp)
			}
		}
	}
}
