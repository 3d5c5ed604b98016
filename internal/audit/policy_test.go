package audit

import (
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestApplyPolicy(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fs := []store.Finding{
		{Rule: BrokenLink, Severity: store.SeverityError, URL: "http://a/old/1"},
		{Rule: BrokenLink, Severity: store.SeverityError, URL: "http://a/new"},
		{Rule: RedirectChain, Severity: store.SeverityWarning, URL: "http://a/r"},
		{Rule: ForbiddenAsset, Severity: store.SeverityError, URL: "http://cdn/x.png"},
		{Rule: ServerError, Severity: store.SeverityError, URL: "http://a/legacy"},
	}
	live := Ignore{Rule: BrokenLink, URL: regexp.MustCompile(`/old/`), Reason: "legacy", Source: "i.yaml:2"}
	any := Ignore{Rule: "*", URL: regexp.MustCompile(`^http://cdn/`), Reason: "third party", Until: now.Add(time.Second)}
	expired := Ignore{Rule: ServerError, URL: regexp.MustCompile(`/legacy`), Reason: "until March", Until: now}
	out := Apply(fs, Policy{
		Severity: map[string]store.Severity{BrokenLink: store.SeverityWarning},
		Disabled: map[string]bool{RedirectChain: true},
		Ignore:   []Ignore{live, any, expired},
	}, now)
	wantKept := []store.Finding{
		{Rule: BrokenLink, Severity: store.SeverityWarning, URL: "http://a/new"},
		{Rule: ServerError, Severity: store.SeverityError, URL: "http://a/legacy"},
	}
	if !reflect.DeepEqual(out.Findings, wantKept) {
		t.Errorf("kept %+v", out.Findings)
	}
	if len(out.Ignored) != 2 || out.Ignored[0].By.Reason != "legacy" || out.Ignored[0].Finding.Severity != store.SeverityWarning || out.Ignored[1].By.Reason != "third party" {
		t.Errorf("ignored %+v", out.Ignored)
	}
	if len(out.Expired) != 1 || out.Expired[0].Reason != "until March" || out.Disabled != 1 {
		t.Errorf("expired %+v disabled %d", out.Expired, out.Disabled)
	}
	if got := Apply(fs, Policy{}, now); !reflect.DeepEqual(got.Findings, fs) || len(got.Ignored)+len(got.Expired)+got.Disabled != 0 {
		t.Errorf("zero policy changed findings: %+v", got)
	}
}
