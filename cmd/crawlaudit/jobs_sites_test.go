package main

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// What each site of a configuration file produces is tested through
// crawlaudit.ReadConfig and RunSites in the root package (sites_test.go
// there). Here: `crawl --config`, `run` and `config check` on the command
// line, and flags given on the command line over the file.

// smallSite serves a home page linking to /a and /b; /b answers status.
func smallSite(t *testing.T, status int) string {
	t.Helper()
	url, _ := switchSite(t, status)
	return url
}

// switchSite is smallSite with the status of /b the test can change.
func switchSite(t *testing.T, status int) (string, *atomic.Int32) {
	t.Helper()
	var b atomic.Int32
	b.Store(int32(status))
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><body><a href="/a">a</a><a href="/b">b</a></body></html>`))
		case "/a":
			w.Write([]byte(`<html><body>a</body></html>`))
		case "/b":
			w.WriteHeader(int(b.Load()))
			w.Write([]byte(`<html><body>b</body></html>`))
		default:
			http.NotFound(w, r)
		}
	}), nil)
	t.Cleanup(srv.Close)
	return srv.URL, &b
}

// TestCrawlConfigRunsEverySiteAndFlagsWin checks `config check` and `crawl
// --config` of a three-site file: the "== site ==" block and the "site X:
// passed" line of each, the exit code, and flags on the command line over
// the file: --fail-on over every site's (auth's own fail_on: never too),
// --out as the parent folder of the whole list, and with one URL the
// site's settings with --out as it is.
func TestCrawlConfigRunsEverySiteAndFlagsWin(t *testing.T) {
	t.Parallel()
	ok, broken, auth := smallSite(t, 200), smallSite(t, 404), smallSite(t, 401)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "crawlaudit.yaml")
	writeFile(t, cfg, `parallel_sites: 2
defaults:
  out: `+filepath.Join(dir, "reports")+`
  history: `+filepath.Join(dir, "hist")+`
  concurrency: 2
  timeout: 5s
  rules:
    missing-www-authenticate: {disabled: true}
sites:
  - url: `+ok+`/
    name: ok
  - url: `+broken+`/
    name: broken
    rules:
      broken-link: {severity: warning}
  - url: `+auth+`/
    name: auth
    out: `+filepath.Join(dir, "auth-report")+`
    fail_on: never
`)
	code, stdout, stderr := runCLI(t, "config", "check", cfg)
	if code != 0 || !strings.Contains(stdout, "OK, 3 site(s)") || !strings.Contains(stdout, "broken: "+broken+"/ → "+filepath.Join(dir, "reports", "broken")) {
		t.Fatalf("config check: exit %d\n%s%s", code, stdout, stderr)
	}
	// broken-link lowered to a warning: no site reaches the error level.
	code, stdout, stderr = runCLI(t, "crawl", "--config", cfg, "-q")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []struct{ name, out, start string }{
		{"ok", filepath.Join(dir, "reports", "ok"), ok + "/"},
		{"broken", filepath.Join(dir, "reports", "broken"), broken + "/"},
		{"auth", filepath.Join(dir, "auth-report"), auth + "/"},
	} {
		if !strings.Contains(stdout, "== "+want.name+" ("+want.start+") ==\n") {
			t.Errorf("no block for %s:\n%s", want.name, stdout)
		}
		if !strings.Contains(stdout, "site "+want.name+": passed ("+want.out+")") {
			t.Errorf("no result line for %s:\n%s", want.name, stdout)
		}
		if c := readCrawlJSON(t, want.out); c.StartURL != want.start {
			t.Errorf("%s: crawl.json of %s in %s", want.name, c.StartURL, want.out)
		}
	}
	// Flags override the file: --fail-on warning makes two sites fail (the
	// flag wins over auth's own fail_on: never too), and --out is the
	// parent folder of every site's, auth's own out aside.
	flagOut := filepath.Join(dir, "flag-out")
	code, stdout, _ = runCLI(t, "crawl", "--config", cfg, "-q", "--fail-on", "warning", "--parallel-sites", "1", "--out", flagOut)
	if code != 1 || !strings.Contains(stdout, "site broken: failed") || !strings.Contains(stdout, "site auth: failed") || !strings.Contains(stdout, "site ok: passed") {
		t.Errorf("--fail-on warning over the file: exit %d\n%s", code, stdout)
	}
	for name, start := range map[string]string{"ok": ok + "/", "broken": broken + "/", "auth": auth + "/"} {
		out := filepath.Join(flagOut, name)
		if !slices.ContainsFunc(strings.Split(stdout, "\n"), func(l string) bool {
			return strings.HasPrefix(l, "site "+name+": ") && strings.HasSuffix(l, " ("+out+")")
		}) || readCrawlJSON(t, out).StartURL != start {
			t.Errorf("--out over the file: site %s not in %s\n%s", name, out, stdout)
		}
	}
	// One URL with a config: that site's settings, the --out given as it
	// is.
	code, _, _ = runCLI(t, "crawl", "--config", cfg, broken+"/", "--out", filepath.Join(dir, "single"), "-q", "--fail-on", "warning")
	if c := readCrawlJSON(t, filepath.Join(dir, "single")); code != 1 || len(c.Findings) != 1 || c.Findings[0].Severity != "warning" {
		t.Errorf("single site from config: exit %d %+v", code, c.Findings)
	}
}

func TestConfigErrorsAreOneLineUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "sites:\n  - url: http://127.0.0.1:1/\n    depth: 3\n", "c.yaml:3: sites[0].depth: field depth not found"},
		{"unknown rule", "defaults:\n  url: http://127.0.0.1:1/\n  rules:\n    no-such-rule: {disabled: true}\n", `c.yaml:4: defaults.rules.no-such-rule: unknown rule "no-such-rule"`},
		{"bad max_body", "defaults:\n  url: http://127.0.0.1:1/\n  max_body: lots\n", `c.yaml:3: defaults.max_body: "lots" is not a size such as 10MiB`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "c.yaml")
			writeFile(t, path, tc.yaml)
			for _, args := range [][]string{{"config", "check", path}, {"crawl", "--config", path}} {
				code, stdout, stderr := runCLI(t, args...)
				if code != 2 || !strings.Contains(stderr, filepath.Join(dir, tc.want)) || strings.Count(stderr, "\n") != 1 || stdout != "" {
					t.Errorf("%v: exit %d stderr %q", args, code, stderr)
				}
			}
		})
	}
	if code, _, stderr := runCLI(t, "config", "check", filepath.Join(dir, "none.yaml")); code != 2 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: %d %s", code, stderr)
	}
}

func TestJobFlagErrorsAreUsageErrorsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	log := &testsite.Log{}
	srv := testsite.Start(http.NotFoundHandler(), log)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	badIgnore := filepath.Join(dir, "bad-ignore.yaml")
	writeFile(t, badIgnore, "ignore:\n  - rule: broken-link\n    url: '('\n    reason: r\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"log format", []string{"--log-format", "xml"}, `--log-format must be text or json, got "xml"`},
		{"fail-on-new level", []string{"--fail-on-new", "fatal"}, `--fail-on-new must be error, warning, notice or never, got "fatal"`},
		{"history keep", []string{"--history-keep", "0"}, "--history-keep must be between 1 and 1000, got 0"},
		{"missing baseline", []string{"--baseline", filepath.Join(dir, "nope")}, "--baseline " + filepath.Join(dir, "nope") + ": no crawl.json there"},
		{"notify scheme", []string{"--notify-url", "ftp://127.0.0.1/x"}, "--notify-url must be an absolute http(s) URL"},
		{"missing ignore file", []string{"--ignore-file", filepath.Join(dir, "none.yaml")}, "no such file or directory"},
		{"bad ignore pattern", []string{"--ignore-file", badIgnore}, badIgnore + `:3: ignore[0].url: bad regular expression "("`},
		{"parallel sites", []string{"--parallel-sites", "0"}, "--parallel-sites must be between 1 and 64, got 0"},
		{"baseline from", []string{"--baseline-from", "first"}, `--baseline-from must be last-passing or last, got "first"`},
		{"accept without history", []string{"--accept-current"}, "--accept-current needs --history: it files this crawl there as the accepted baseline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"crawl", srv.URL + "/", "--out", filepath.Join(dir, "out"), "-q"}, tc.args...)
			code, _, stderr := runCLI(t, args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	if n := len(log.Requests()); n != 0 {
		t.Errorf("%d requests sent despite usage errors", n)
	}
}

// TestGivenFlagsBeatEverySettingOfTheFile gives each settings flag, one at a
// time, over a file that sets every key to something else, and checks that
// the flag's value is the one used, that nothing else of the file changed,
// except the settings that would decide in the flag's place (fail_on_new
// under --fail-on, baseline under --history and --baseline-from, the other
// side of sitemaps/no_sitemaps), which are dropped, and that the result is
// valid.
func TestGivenFlagsBeatEverySettingOfTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	every := `defaults:
  url: https://file.example/
  out: file-out
  concurrency: 3
  delay: 3ms
  timeout: 3s
  max_body: 3MiB
  user_agent: file-agent
  robots_agent: filebot
  ignore_robots: true
  include: ['^/file/']
  exclude: ['^/file-x/']
  mask_params: [filep]
  allow_subdomains: true
  max_depth: 3
  max_urls: 3
  max_time: 3m
  no_external: true
  fail_on: notice
  fail_on_new: never
  baseline: file-baseline
  history: file-history
  baseline_from: last
  history_keep: 3
  ignore_file: file-ignore.yaml
  notify_url: http://file.invalid/hook
  no_sitemaps: true
  sitemap_max_size: 3MiB
  basic_auth_env: CRAWLAUDIT_FILE_BASIC
  bearer_token_env: CRAWLAUDIT_FILE_TOKEN
  header_file: file-headers.txt
  cookie_file: file-cookies.txt
  auth_origins: [https://file-static.example]
  compare_anonymous: true
`
	withSitemaps := "defaults:\n  url: https://file.example/\n  sitemaps: [https://file.example/file-sitemap.xml]\n"
	files := map[string]crawlaudit.Options{}
	for name, text := range map[string]string{"every.yaml": every, "sitemaps.yaml": withSitemaps} {
		path := filepath.Join(dir, name)
		writeFile(t, path, text)
		cfg, err := readConfig(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files[name] = cfg.Sites[0]
	}
	value := map[string]string{
		"fail-on": "warning", "fail-on-new": "warning", "baseline-from": "last-passing", "notify-url": "http://flag.invalid/hook",
		"sitemap": "https://flag.example/flag-sitemap.xml", "auth-origin": "https://flag-static.example",
		"render": "auto", "redis": "redis://127.0.0.1:6379/0",
	}
	typed := map[string]string{"bool": "false", "int": "7", "duration": "7s", "size": "7MiB", "string": "flag-value", "stringArray": "^/flag/"}
	// The field each flag drops, and its dropped value.
	drops := map[string]struct {
		field string
		zero  any
	}{
		"fail-on":       {"FailOnNew", ""},
		"history":       {"Baseline", ""},
		"baseline-from": {"Baseline", ""},
		"sitemap":       {"NoSitemaps", false},
		"no-sitemaps":   {"Sitemaps", []string(nil)},
	}
	flags := pflag.NewFlagSet("", pflag.ContinueOnError)
	defaults := crawlaudit.DefaultOptions()
	bindFlags(flags, &defaults)
	n := 0
	flags.VisitAll(func(f *pflag.Flag) {
		n++
		t.Run(f.Name, func(t *testing.T) {
			file := files["every.yaml"]
			v, ok := value[f.Name]
			if !ok {
				v = typed[f.Value.Type()]
			}
			if f.Name == "no-sitemaps" {
				file, v = files["sitemaps.yaml"], "true"
			}
			// What the flag alone sets, on the defaults.
			alone := crawlaudit.DefaultOptions()
			fs := pflag.NewFlagSet("", pflag.ContinueOnError)
			bindFlags(fs, &alone)
			if err := fs.Parse([]string{"--" + f.Name + "=" + v}); err != nil {
				t.Fatal(err)
			}
			got := file
			if err := applyGiven(fs, &got, nil); err != nil {
				t.Fatal(err)
			}
			before, after, flagOnly := reflect.ValueOf(file), reflect.ValueOf(got), reflect.ValueOf(alone)
			field, drop := fieldOf(t, f), drops[f.Name]
			for i := 0; i < after.NumField(); i++ {
				name, now := after.Type().Field(i).Name, after.Field(i).Interface()
				switch name {
				case field:
					if !reflect.DeepEqual(now, flagOnly.Field(i).Interface()) {
						t.Errorf("%s = %v, want the flag's %v (the file said %v)", name, now, flagOnly.Field(i), before.Field(i))
					}
				case drop.field:
					if !reflect.DeepEqual(now, drop.zero) {
						t.Errorf("%s = %#v: the file's setting that would decide in the flag's place was kept", name, now)
					}
				default:
					if !reflect.DeepEqual(now, before.Field(i).Interface()) {
						t.Errorf("%s changed from the file's %v to %v", name, before.Field(i), now)
					}
				}
			}
			if err := got.Validate(); err != nil {
				t.Errorf("flag over the file: %v", err)
			}
		})
	})
	if n < 30 {
		t.Errorf("only %d settings flags", n)
	}
}

// fieldOf names the Options field a settings flag sets: the one field a
// value unlike any default changes.
func fieldOf(t *testing.T, f *pflag.Flag) string {
	t.Helper()
	o := crawlaudit.DefaultOptions()
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	bindFlags(fs, &o)
	probe := map[string]string{"bool": "true", "int": "7", "duration": "7s", "size": "7MiB", "string": "probe", "stringArray": "probe"}[f.Value.Type()]
	if err := fs.Set(f.Name, probe); err != nil {
		t.Fatal(err)
	}
	var changed []string
	a, b := reflect.ValueOf(crawlaudit.DefaultOptions()), reflect.ValueOf(o)
	for i := 0; i < a.NumField(); i++ {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			changed = append(changed, a.Type().Field(i).Name)
		}
	}
	if len(changed) != 1 {
		t.Fatalf("--%s sets %v, want one field", f.Name, changed)
	}
	return changed[0]
}

// TestFailOnGivenBeatsTheFilesFailOnNew is the ad-hoc crawl of issue 15:
// a file that says fail_on_new: never (and files into a history) must not
// turn --fail-on error on the command line into exit 0, with run, with
// crawl --config, for one site or a whole list.
func TestFailOnGivenBeatsTheFilesFailOnNew(t *testing.T) {
	t.Parallel()
	broken, ok := smallSite(t, 404), smallSite(t, 200)
	dir := t.TempDir()
	single := filepath.Join(dir, "single.yaml")
	writeFile(t, single, "defaults:\n  url: "+broken+"/\n  out: "+filepath.Join(dir, "out")+"\n  history: "+filepath.Join(dir, "hist")+"\n  fail_on_new: never\n")
	list := filepath.Join(dir, "list.yaml")
	writeFile(t, list, "defaults:\n  out: "+filepath.Join(dir, "reports")+"\n  fail_on_new: never\nsites:\n  - url: "+broken+"/\n    name: broken\n  - url: "+ok+"/\n    name: ok\n")
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"the file alone", []string{"run", "--config", single}, 0},
		{"run --fail-on", []string{"run", "--config", single, "--fail-on", "error"}, 1},
		{"crawl URL --config --fail-on", []string{"crawl", broken + "/", "--config", single, "--fail-on", "error"}, 1},
		{"crawl --config --fail-on", []string{"crawl", "--config", single, "--fail-on", "error"}, 1},
		{"a list, the file alone", []string{"run", "--config", list}, 0},
		{"a list, run --fail-on", []string{"run", "--config", list, "--fail-on", "error"}, 1},
		{"both flags: --fail-on-new decides", []string{"run", "--config", single, "--fail-on", "error", "--fail-on-new", "never"}, 0},
	} {
		code, stdout, stderr := runCLI(t, append(tc.args, "-q")...)
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.name, code, tc.want, stdout, stderr)
		}
	}
}

// TestRunKeepsFailingUntilFixedAndAcceptCurrent runs `crawlaudit run` as a
// nightly job with fail_on_new: error: it passes, the site breaks, it fails
// and keeps failing while the site is broken, passes once it is fixed.
// On a list of sites with known errors the first run fails; with
// --accept-current it passes, says so for each site, and the next run (the
// same errors) passes too.
func TestRunKeepsFailingUntilFixedAndAcceptCurrent(t *testing.T) {
	t.Parallel()
	site, status := switchSite(t, 200)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "crawlaudit.yaml")
	writeFile(t, cfg, "defaults:\n  url: "+site+"/\n  out: "+filepath.Join(dir, "out")+"\n  history: "+filepath.Join(dir, "hist")+"\n  fail_on_new: error\n")
	for i, step := range []struct {
		status int
		want   int
	}{{200, 0}, {404, 1}, {404, 1}, {404, 1}, {200, 0}} {
		status.Store(int32(step.status))
		if code, stdout, stderr := runCLI(t, "run", "--config", cfg, "-q"); code != step.want {
			t.Fatalf("run %d (/b %d): exit %d, want %d\n%s%s", i+1, step.status, code, step.want, stdout, stderr)
		}
	}

	one, two := smallSite(t, 404), smallSite(t, 500)
	list := filepath.Join(dir, "list.yaml")
	writeFile(t, list, "defaults:\n  out: "+filepath.Join(dir, "reports")+"\n  history: "+filepath.Join(dir, "history")+"\n  fail_on_new: error\nsites:\n  - url: "+one+"/\n    name: one\n  - url: "+two+"/\n    name: two\n")
	accepted := filepath.Join(dir, "accepted.yaml")
	writeFile(t, accepted, strings.ReplaceAll(readText(t, list), filepath.Join(dir, "history"), filepath.Join(dir, "history-accepted")))
	if code, stdout, _ := runCLI(t, "run", "--config", list, "-q"); code != 1 || !strings.Contains(stdout, "site one: failed") {
		t.Errorf("first run on known errors: exit %d, want 1\n%s", code, stdout)
	}
	code, stdout, stderr := runCLI(t, "run", "--config", accepted, "--accept-current", "--progress=false")
	for _, name := range []string{"one", "two"} {
		if !strings.Contains(stdout, "site "+name+": accepted as the baseline (--accept-current) ("+filepath.Join(dir, "reports", name)+")") {
			t.Errorf("no accepted line for %s:\n%s", name, stdout)
		}
	}
	if code != 0 || strings.Count(stdout, "Accepted as the baseline (--accept-current): the run passes whatever it found, and later runs compare with this crawl (filed in "+filepath.Join(dir, "history-accepted")) != 2 {
		t.Errorf("--accept-current: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := runCLI(t, "run", "--config", accepted, "-q"); code != 0 || !strings.Contains(stdout, "site one: passed") || !strings.Contains(stdout, "site two: passed") {
		t.Errorf("the run after the accepted one: exit %d, want 0\n%s", code, stdout)
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
