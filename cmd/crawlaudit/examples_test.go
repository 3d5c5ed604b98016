package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/internal/config"
)

// configKeys returns every key crawlaudit.yaml accepts: the top-level ones,
// a site's, and a rule's.
func configKeys() []string {
	var keys []string
	for _, v := range []any{config.Config{}, config.Site{}, config.Rule{}} {
		t := reflect.TypeOf(v)
		for i := 0; i < t.NumField(); i++ {
			if name := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; name != "" && name != "-" {
				keys = append(keys, name)
			}
		}
	}
	return keys
}

// TestExampleConfigDocumentsEveryKey checks that examples/crawlaudit.yaml
// is valid, uses every key, and that the README documents every key.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	cfg, err := loadConfig("../../examples/crawlaudit.yaml")
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

// TestEveryCrawlFlagIsAConfigKey keeps the file in step with the flags: a
// new crawl flag needs a field in config.Site (or a reason to be left out).
func TestEveryCrawlFlagIsAConfigKey(t *testing.T) {
	notInFile := map[string]string{
		"help": "", "quiet": "terminal output of one run", "verbose": "terminal output of one run",
		"config": "names the file itself", "progress": "terminal output of one run", "resume": "continues one interrupted crawl", "parallel-sites": "top-level parallel_sites", "log-format": "top-level log_format",
	}
	keys := config.FlagKeys()
	root := newRootCommand(t.Context(), nil, nil, nil)
	crawl, _, err := root.Find([]string{"crawl"})
	if err != nil {
		t.Fatal(err)
	}
	crawl.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := notInFile[f.Name]; ok {
			return
		}
		if _, ok := keys[f.Name]; !ok {
			t.Errorf("crawl flag --%s has no crawlaudit.yaml key: add a field to config.Site", f.Name)
		}
	})
	for flag := range keys {
		if crawl.Flags().Lookup(flag) == nil {
			t.Errorf("config key for --%s: crawl has no such flag", flag)
		}
	}
}

// TestConfigFileInWorkingFolderIsUsed checks that crawl without a URL reads
// ./crawlaudit.yaml.
func TestConfigFileInWorkingFolderIsUsed(t *testing.T) {
	site := smallSite(t, 200)
	dir := t.TempDir()
	writeFile(t, dir+"/crawlaudit.yaml", "defaults:\n  url: "+site+"/\n  out: here\n")
	t.Chdir(dir)
	if code, _, stderr := runCLI(t, "crawl", "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if c := readCrawlJSON(t, dir+"/here"); c.StartURL != site+"/" || len(c.URLs) != 4 {
		t.Errorf("crawl.json: %+v", c)
	}
}
