package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/config"
)

// yamlKeys returns the yaml keys of a struct's fields.
func yamlKeys(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		if name := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// configKeys returns every key crawlaudit.yaml accepts: the top-level ones,
// a site's (crawlaudit.Options), and a rule's.
func configKeys() []string {
	keys := []string{"parallel_sites", "log_format", "defaults", "sites"}
	keys = append(keys, yamlKeys(crawlaudit.Options{})...)
	return append(keys, yamlKeys(crawlaudit.RuleOptions{})...)
}

// TestExampleConfigDocumentsEveryKey checks that examples/crawlaudit.yaml
// is valid, uses every key, and that the README documents every key.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	cfg, err := readConfig("../../examples/crawlaudit.yaml")
	if err != nil {
		t.Fatalf("examples/crawlaudit.yaml: %v", err)
	}
	if len(cfg.Sites) != 3 {
		t.Errorf("example has %d sites", len(cfg.Sites))
	}
	example, err := os.ReadFile("../../examples/crawlaudit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range configKeys() {
		if !strings.Contains(string(example), k+":") {
			t.Errorf("examples/crawlaudit.yaml does not show key %s", k)
		}
		if !strings.Contains(string(readme), "`"+k+"`") {
			t.Errorf("README does not document config key %s", k)
		}
	}
	if _, err := os.Stat("../../examples/crawlaudit-ignore.yaml"); err != nil {
		t.Error(err)
	}
	f, err := os.Open("../../examples/crawlaudit-ignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if es, err := config.ParseIgnore(f, "crawlaudit-ignore.yaml"); err != nil || len(es) != 2 {
		t.Errorf("example ignore file: %d entries, %v", len(es), err)
	}
}

// TestEveryCrawlFlagIsAConfigKey keeps the file in step with the flags:
// every settings flag of crawl sets exactly one field of crawlaudit.Options
// that has a crawlaudit.yaml key, and every such key but the start URL, the
// site name and the rules has a flag.
func TestEveryCrawlFlagIsAConfigKey(t *testing.T) {
	notInFile := map[string]string{
		"help": "", "quiet": "terminal output of one run", "verbose": "terminal output of one run",
		"config": "names the file itself", "progress": "terminal output of one run", "resume": "continues one interrupted crawl", "parallel-sites": "top-level parallel_sites", "log-format": "top-level log_format",
		"accept-current": "a decision for one run, never a file's",
		"details":        "terminal output of one run", "color": "terminal output of one run",
	}
	root := newRootCommand(t.Context(), nil, nil, nil)
	crawl, _, err := root.Find([]string{"crawl"})
	if err != nil {
		t.Fatal(err)
	}
	keyOf := map[string]string{} // flag → yaml key
	crawl.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := notInFile[f.Name]; ok {
			return
		}
		o := crawlaudit.DefaultOptions()
		fs := pflag.NewFlagSet("", pflag.ContinueOnError)
		bindFlags(fs, &o)
		value := map[string]string{"bool": "true", "int": "7", "duration": "7s", "size": "7MiB", "string": "x", "stringArray": "x"}[f.Value.Type()]
		if err := fs.Set(f.Name, value); err != nil {
			t.Errorf("--%s: not a settings flag of crawlaudit.Options (%v)", f.Name, err)
			return
		}
		before, after := reflect.ValueOf(crawlaudit.DefaultOptions()), reflect.ValueOf(o)
		var changed []string
		for i := 0; i < after.NumField(); i++ {
			if !reflect.DeepEqual(before.Field(i).Interface(), after.Field(i).Interface()) {
				changed = append(changed, strings.Split(after.Type().Field(i).Tag.Get("yaml"), ",")[0])
			}
		}
		if len(changed) != 1 || changed[0] == "" || changed[0] == "-" {
			t.Errorf("--%s sets %q: want exactly one Options field with a yaml key", f.Name, changed)
			return
		}
		keyOf[f.Name] = changed[0]
	})
	flagged := map[string]bool{}
	for _, k := range keyOf {
		flagged[k] = true
	}
	for _, k := range yamlKeys(crawlaudit.Options{}) {
		if !flagged[k] && k != "url" && k != "name" && k != "rules" {
			t.Errorf("crawlaudit.yaml key %s has no crawl flag", k)
		}
	}
}
