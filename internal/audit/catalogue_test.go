package audit

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// repoRoot is the module root, from this package's folder (where go test
// runs the tests).
const repoRoot = "../.."

// ruleLike matches what a rule ID looks like: lowercase words joined by
// dashes ("broken-link", "soft-404").
var ruleLike = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$`)

// TestCatalogueCoversEveryRuleUsed fails when a rule ID used anywhere (a
// constant of this package, the README's rule tables, the example
// configuration, report's list of rules with public referrers) is missing
// from the catalogue, and when a catalogue rule is undocumented or has no
// per-rule test (TestRule<Name> in rules_*_test.go, Name being the rule's
// constant).
func TestCatalogueCoversEveryRuleUsed(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(repoRoot, "go.mod")); err != nil {
		t.Fatalf("module root not found from the package folder: %v", err)
	}
	cat := Catalogue()
	byID := map[string]Rule{}
	var ids []string
	for _, r := range cat {
		ids = append(ids, r.ID)
		byID[r.ID] = r
	}
	consts := ruleConstants(t) // ID → constant name

	t.Run("entries", func(t *testing.T) {
		t.Parallel()
		seen := map[string]bool{}
		for _, r := range cat {
			if seen[r.ID] {
				t.Errorf("rule %s listed twice", r.ID)
			}
			seen[r.ID] = true
			if !ruleLike.MatchString(r.ID) {
				t.Errorf("rule ID %q is not lowercase words joined by dashes", r.ID)
			}
			if r.Explain == "" || r.Fix == "" || r.Severity.Rank() == 0 || r.Applies == nil || r.Check == nil {
				t.Errorf("rule %s: incomplete entry %+v", r.ID, r)
			}
			if got, ok := Lookup(r.ID); !ok || got.ID != r.ID {
				t.Errorf("Lookup(%q) = %v, %v", r.ID, got.ID, ok)
			}
		}
	})

	t.Run("constants", func(t *testing.T) {
		t.Parallel()
		for id, name := range consts {
			if _, ok := byID[id]; !ok {
				t.Errorf("constant %s = %q is not in the catalogue", name, id)
			}
		}
		for _, id := range ids {
			if consts[id] == "" {
				t.Errorf("rule %s has no exported constant in package audit", id)
			}
		}
	})

	t.Run("README", func(t *testing.T) {
		t.Parallel()
		rows := readmeRules(t, filepath.Join(repoRoot, "README.md"))
		var documented []string
		for _, row := range rows {
			documented = append(documented, row.id)
			r, ok := byID[row.id]
			if !ok {
				t.Errorf("README.md:%d (%s): rule %s is not in the catalogue", row.line, row.section, row.id)
				continue
			}
			if row.severity == "" {
				t.Errorf("README.md:%d: rule %s: no severity column", row.line, row.id)
			} else if !strings.Contains(row.severity, string(r.Severity)) {
				t.Errorf("README.md:%d: rule %s: severity %q does not name the catalogue's %s", row.line, row.id, row.severity, r.Severity)
			}
		}
		if strings.Join(documented, " ") != strings.Join(ids, " ") {
			t.Errorf("the README's rule tables do not list the catalogue, once each and in its order:\nREADME    %v\ncatalogue %v", documented, ids)
		}
	})

	t.Run("examples", func(t *testing.T) {
		t.Parallel()
		uses := exampleRuleIDs(t, filepath.Join(repoRoot, "examples"))
		if len(uses) == 0 {
			t.Fatal("no rule IDs found under rules: (or ignore: rule) in examples/*.yaml: has their layout changed?")
		}
		for _, u := range uses {
			if _, ok := byID[u.id]; !ok {
				t.Errorf("%s: rule %s is not in the catalogue", u.where, u.id)
			}
		}
	})

	t.Run("no rule IDs hard-coded outside the catalogue", func(t *testing.T) {
		t.Parallel()
		// Whoever renders or decides about findings gets the rules from
		// the catalogue (report.RuleInfo, built by the root package from
		// Catalogue), never from a hand-kept list that can drift: no
		// non-test file of the module outside this package spells an ID.
		// Two access classes share their name with the rule that reports
		// them; they are values of analysis.Access, not rule IDs.
		// Likewise one error kind of a URL's record shares the name of the
		// rule that reports it.
		accessClass := map[string]bool{analysis.AccessForbidden: true, analysis.AccessRejected: true}
		errorKind := map[string]bool{string(store.ErrorRedirectLoop): true}
		for _, dir := range []string{"", "report", "crawler", "internal/analysis", "internal/store", "cmd/crawlaudit"} {
			for _, lit := range stringLiterals(t, filepath.Join(repoRoot, dir)) {
				if _, ok := byID[lit.value]; ok && !(dir == "internal/analysis" && accessClass[lit.value]) && !(dir == "internal/store" && errorKind[lit.value]) {
					t.Errorf("%s: rule ID %q spelled outside the catalogue", lit.where, lit.value)
				}
			}
		}
	})

	t.Run("rule tests", func(t *testing.T) {
		t.Parallel()
		tests := ruleTests(t)
		expected := map[string]bool{}
		for _, id := range ids {
			name := consts[id]
			if name == "" {
				continue // reported by "constants"
			}
			fn := "TestRule" + name
			expected[fn] = true
			refs, ok := tests[fn]
			if !ok {
				t.Errorf("rule %s has no per-rule test: write %s in rules_*_test.go", id, fn)
				continue
			}
			if !refs[name] && !refs[strconv.Quote(id)] {
				t.Errorf("%s does not name rule %s (as %s or %q)", fn, id, name, id)
			}
		}
		for fn := range tests {
			if !expected[fn] {
				t.Errorf("%s tests no rule of the catalogue", fn)
			}
		}
	})
}

// ruleConstants returns the exported string constants of package audit
// (its non-test files) whose value looks like a rule ID, as ID → constant
// name.
func ruleConstants(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "audit" {
			continue
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !n.IsExported() || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil || !ruleLike.MatchString(v) {
						continue
					}
					if prev, dup := out[v]; dup {
						t.Errorf("%s: constants %s and %s both hold %q", fset.Position(n.Pos()), prev, n.Name, v)
					}
					out[v] = n.Name
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no rule ID constants found in package audit")
	}
	return out
}

// readmeRow is a row of one of the README's rule tables.
type readmeRow struct {
	id, severity, section string
	line                  int
}

var backquotedID = regexp.MustCompile("^`([^`]+)`$")

// readmeRules returns the rows of the markdown tables in the README's
// sections titled "Rules" or "… rules" whose first cell is a backquoted
// rule ID, in document order, with their "severity" column.
func readmeRules(t *testing.T, path string) []readmeRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []readmeRow
	var section string
	inRules, fenced := false, false
	sevCol := -1
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			fenced = !fenced
			continue
		case fenced:
			continue
		case strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
			low := strings.ToLower(section)
			inRules = low == "rules" || strings.HasSuffix(low, " rules")
			sevCol = -1
			continue
		case !inRules || !strings.HasPrefix(strings.TrimSpace(line), "|"):
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.EqualFold(cells[0], "rule") { // a table's header row
			sevCol = -1
			for i, c := range cells {
				if strings.EqualFold(c, "severity") {
					sevCol = i
				}
			}
			continue
		}
		m := backquotedID.FindStringSubmatch(cells[0])
		if m == nil || !ruleLike.MatchString(m[1]) {
			continue
		}
		row := readmeRow{id: m[1], section: section, line: n}
		if sevCol >= 0 && sevCol < len(cells) {
			row.severity = cells[sevCol]
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rule tables found", path)
	}
	return rows
}

// ruleUse is a rule ID used in an example file.
type ruleUse struct{ id, where string }

// exampleRuleIDs returns the rule IDs the YAML files under dir use: the
// keys of every rules: mapping (crawlaudit.yaml, defaults and sites) and
// the rule of every ignore: entry but "*" (ignore files). A rules: that is
// not a mapping (GitLab CI's) is not crawlaudit's.
func exampleRuleIDs(t *testing.T, dir string) []ruleUse {
	t.Helper()
	var out []ruleUse
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml")) {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		dec := yaml.NewDecoder(f)
		for {
			var doc yaml.Node
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			walkYAML(&doc, func(key, val *yaml.Node) {
				switch {
				case key.Value == "rules" && val.Kind == yaml.MappingNode:
					for i := 0; i+1 < len(val.Content); i += 2 {
						k := val.Content[i]
						out = append(out, ruleUse{k.Value, path + ":" + strconv.Itoa(k.Line)})
					}
				case key.Value == "ignore" && val.Kind == yaml.SequenceNode:
					for _, entry := range val.Content {
						if entry.Kind != yaml.MappingNode {
							continue
						}
						for i := 0; i+1 < len(entry.Content); i += 2 {
							if k, v := entry.Content[i], entry.Content[i+1]; k.Value == "rule" && v.Value != "*" {
								out = append(out, ruleUse{v.Value, path + ":" + strconv.Itoa(v.Line)})
							}
						}
					}
				}
			})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// walkYAML calls fn for every key and value of every mapping in n.
func walkYAML(n *yaml.Node, fn func(key, val *yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i], n.Content[i+1])
		}
	}
	for _, c := range n.Content {
		walkYAML(c, fn)
	}
}

// literal is one string literal of a Go file.
type literal struct{ value, where string }

// stringLiterals returns the string literals of the non-test Go files in
// dir.
func stringLiterals(t *testing.T, dir string) []literal {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []literal
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if v, err := strconv.Unquote(b.Value); err == nil {
					out = append(out, literal{v, fset.Position(b.Pos()).String()})
				}
			}
			return true
		})
	}
	return out
}

// ruleTests returns the TestRule… functions of rules_*_test.go, each with
// the identifiers and string literals (quoted) its body uses.
func ruleTests(t *testing.T) map[string]map[string]bool {
	t.Helper()
	files, err := filepath.Glob("rules_*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]map[string]bool{}
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "TestRule") {
				continue
			}
			if _, dup := out[fn.Name.Name]; dup {
				t.Errorf("%s: %s declared twice", fset.Position(fn.Pos()), fn.Name.Name)
			}
			refs := map[string]bool{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.Ident:
					refs[x.Name] = true
				case *ast.BasicLit:
					if x.Kind == token.STRING {
						if v, err := strconv.Unquote(x.Value); err == nil {
							refs[strconv.Quote(v)] = true
						}
					}
				}
				return true
			})
			out[fn.Name.Name] = refs
		}
	}
	if len(out) == 0 {
		t.Fatal("no TestRule functions found in rules_*_test.go")
	}
	return out
}

// TestEveryRuleHasItsTexts: the issue list heads each issue with its
// rule's title and says why it matters; a rule without them would show a
// bare ID.
func TestEveryRuleHasItsTexts(t *testing.T) {
	t.Parallel()
	for _, r := range Catalogue() {
		if r.Title == "" || r.Why == "" || r.Explain == "" || r.Fix == "" {
			t.Errorf("%s: title %q, why %q, explain %q, fix %q: every rule needs all four", r.ID, r.Title, r.Why, r.Explain, r.Fix)
		}
		if strings.Contains(r.Title, "\n") || len(r.Title) > 72 {
			t.Errorf("%s: title %q is not one short line (72 characters at most)", r.ID, r.Title)
		}
	}
}
