package crawlaudit

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestSettingsRoundTripKeepsListsWhole: a resumed crawl gets back each
// --include regular expression whole, spaces and all (stored as a JSON
// array); a crawl stored before that (space-separated) still restores.
func TestSettingsRoundTripKeepsListsWhole(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	o.Start = "https://a.test/"
	o.Include = []string{`^/a b/`, `^/c/`}
	o.Exclude = []string{`^/x/`}
	o.MaxDepth, o.Delay, o.MaxBody = 3, 250*time.Millisecond, 2<<20
	stored := o.settings()
	if stored["include"] != `["^/a b/","^/c/"]` || stored["max_body"] != "2097152" {
		t.Fatalf("stored = %q", stored)
	}
	back := DefaultOptions()
	if err := back.restore(stored); err != nil {
		t.Fatal(err)
	}
	back.Start = o.Start
	if !reflect.DeepEqual(back.settings(), stored) {
		t.Errorf("restored settings differ:\n got %q\nwant %q", back.settings(), stored)
	}
	old := DefaultOptions() // a crawl.db written before JSON arrays
	if err := old.restore(map[string]string{"include": `^/p/ ^/q/`}); err != nil {
		t.Fatal(err)
	}
	if want := []string{`^/p/`, `^/q/`}; !reflect.DeepEqual(old.Include, want) {
		t.Errorf("old-format include = %q, want %q", old.Include, want)
	}
	if err := old.restore(map[string]string{"concurrency": "many"}); err == nil || !strings.Contains(err.Error(), "stored setting concurrency") {
		t.Errorf("bad stored value: err = %v", err)
	}
}

// TestRestoreTakesOnlyCrawlShape: what describes a crawl (its credential
// description, extra sitemaps) is not restored; a key this crawlaudit never
// writes (a credential source, a webhook, an origin for credentials) makes
// the database refused.
func TestRestoreTakesOnlyCrawlShape(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	err := o.restore(map[string]string{
		"credentials": "Bearer (CRAWLAUDIT_BEARER_TOKEN)", "auth_origins": "https://evil.test", "sitemaps": "https://evil.test/s.xml",
		"token_exp": "2026-01-01T00:00:00Z", "concurrency": "4",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultOptions()
	want.Concurrency = 4
	if !reflect.DeepEqual(o, want) {
		t.Errorf("restored %+v, want only concurrency changed", o)
	}
	for _, k := range []string{"bearer_token_env", "basic_auth_env", "header_file", "cookie_file", "auth_origin", "notify_url", "sitemap", "out", "history"} {
		o := DefaultOptions()
		if err := o.restore(map[string]string{k: "x", "concurrency": "4"}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s: err = %v, want a refusal naming it", k, err)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := func(o *Options) {}
	tests := []struct {
		name    string
		set     func(*Options)
		wantErr string // "" for valid
		key     string
	}{
		{"defaults with a start URL", ok, "", ""},
		{"missing start URL", func(o *Options) { o.Start = "" }, "missing start URL", "url"},
		{"relative start URL", func(o *Options) { o.Start = "/x" }, "missing scheme", "url"},
		{"start URL with a password", func(o *Options) { o.Start = "https://bob:secret@a.test/" }, "CRAWLAUDIT_BASIC_AUTH", "url"},
		{"concurrency 0", func(o *Options) { o.Concurrency = 0 }, "--concurrency must be between 1 and 256, got 0", "concurrency"},
		{"negative delay", func(o *Options) { o.Delay = -1 }, "--delay must not be negative", "delay"},
		{"zero timeout", func(o *Options) { o.Timeout = 0 }, "--timeout must be positive", "timeout"},
		{"bad include", func(o *Options) { o.Include = []string{"ok", "("} }, `--include bad regular expression "("`, "include"},
		{"bad mask param", func(o *Options) { o.MaskParams = []string{"a=b"} }, "--mask-param", "mask_params"},
		{"relative sitemap URL", func(o *Options) { o.Sitemaps = []string{"/sitemap.xml"} }, `--sitemap "/sitemap.xml"`, "sitemaps"},
		{"sitemap credentials are masked", func(o *Options) { o.Sitemaps = []string{"ftp://user:secret@example.test/s.xml"} }, "REDACTED", "sitemaps"},
		{"sitemaps and no sitemaps", func(o *Options) { o.Sitemaps, o.NoSitemaps = []string{"https://a.test/s.xml"}, true }, "contradicts", "no_sitemaps"},
		{"bad fail level", func(o *Options) { o.FailOn = "fatal" }, `--fail-on must be error, warning, notice or never, got "fatal"`, "fail_on"},
		{"unknown rule", func(o *Options) { o.Rules = map[string]RuleOptions{"no-such-rule": {}} }, `unknown rule "no-such-rule"`, "rules"},
		{"bad rule severity", func(o *Options) { o.Rules = map[string]RuleOptions{"broken-link": {Severity: "never"}} }, "severity must be error, warning or notice", "rules"},
		{"history keep 0", func(o *Options) { o.HistoryKeep = 0 }, "--history-keep must be between 1 and 1000, got 0", "history_keep"},
		{"webhook not http", func(o *Options) { o.NotifyURL = "ftp://x/" }, "--notify-url must be an absolute http(s) URL", "notify_url"},
		{"auth origin with a path", func(o *Options) { o.AuthOrigins = []string{"https://x.test/p"} }, "want scheme://host[:port]", "auth_origins"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := DefaultOptions()
			o.Start = "https://a.test/"
			tc.set(&o)
			err := o.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.wantErr) || oe.Key != tc.key {
				t.Fatalf("err = %v (%+v), want an OptionError for %s containing %q", err, oe, tc.key, tc.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ByteSize{"10MiB": 10 << 20, "1k": 1 << 10, "512": 512, " 1 GiB ": 1 << 30, "3MB": 3 << 20} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1", "0", "99999999GiB"} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", bad)
		}
	}
	if s := ByteSize(10 << 20).String(); s != "10MiB" {
		t.Errorf("String = %q", s)
	}
	if s := ByteSize(1500).String(); s != "1500" {
		t.Errorf("String = %q", s)
	}
}
