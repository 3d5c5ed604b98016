package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// Webhook delivery: a bounded number of attempts, each with its own
// timeout, pausing backoff, 2×backoff, … between them.
const (
	notifyAttempts = 3
	notifyTimeout  = 10 * time.Second
)

// notifyPayload is the JSON document POSTed to --notify-url. URLs are
// masked; no credential, header or cookie is ever part of it.
type notifyPayload struct {
	SchemaVersion int            `json:"schema_version"`
	Event         string         `json:"event"` // "crawl.finished"
	Site          string         `json:"site,omitempty"`
	StartURL      string         `json:"start_url"`
	StartedAt     string         `json:"started_at"`
	FinishedAt    string         `json:"finished_at"`
	Partial       bool           `json:"partial"`
	Result        string         `json:"result"` // "passed" or "failed"
	FailLevel     string         `json:"fail_level"`
	OnlyNew       bool           `json:"fail_on_new"`
	ReportPath    string         `json:"report_path"`
	Summary       report.Summary `json:"summary"`
	// Baseline is the comparison with the baseline; null without one.
	Baseline *notifyBaseline `json:"baseline"`
	Ignored  int             `json:"ignored_findings"`
	Expired  int             `json:"expired_ignore_entries"`
}

type notifyBaseline struct {
	StartedAt   string            `json:"started_at"`
	Counts      report.DiffCounts `json:"counts"`
	Regressions any               `json:"regressions"`
	NewFindings any               `json:"new_findings"`
}

func newNotifyPayload(st store.Reader, job report.Job, out string, failed bool) (notifyPayload, error) {
	sum, err := report.Summarize(st)
	if err != nil {
		return notifyPayload{}, err
	}
	m, err := st.Meta()
	if err != nil {
		return notifyPayload{}, fmt.Errorf("notify: meta: %w", err)
	}
	p := notifyPayload{
		SchemaVersion: 1, Event: "crawl.finished", Site: job.Site,
		StartURL: urlx.Mask(m.StartURL), StartedAt: m.StartedAt.UTC().Format(time.RFC3339), FinishedAt: m.FinishedAt.UTC().Format(time.RFC3339),
		Partial: m.Partial, Result: "passed", FailLevel: string(job.FailLevel), OnlyNew: job.OnlyNew, ReportPath: out,
		Summary: sum, Ignored: len(job.Ignored), Expired: len(job.Expired),
	}
	if p.FailLevel == "" {
		p.FailLevel = "never"
	}
	if failed {
		p.Result = "failed"
	}
	if job.Diff != nil {
		d := *job.Diff
		regs := d
		regs.Changes = d.Regressions()
		dj := report.NewDiffJSON(regs)
		p.Baseline = &notifyBaseline{StartedAt: dj.Old.StartedAt, Counts: report.CountDiff(d), Regressions: dj.Changes, NewFindings: dj.NewFindings}
	}
	return p, nil
}

func checkNotifyURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--notify-url must be an absolute http(s) URL")
	}
	return nil
}

// redactNotifyURL shows only scheme and host of the webhook: webhook paths
// and queries often are the secret (chat webhooks carry a token there).
func redactNotifyURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(webhook)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// errPermanent marks a webhook answer that retrying cannot change.
var errPermanent = errors.New("permanent failure")

// notify POSTs payload as JSON to target, trying up to attempts times. A
// network error, 408, 429 or 5xx is retried after backoff (doubled each
// time); another non-2xx status is not. Each attempt has its own timeout.
// Errors name only the webhook's scheme and host.
func notify(ctx context.Context, target string, payload any, attempts int, backoff, timeout time.Duration) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("notify: encode: %w", err)
	}
	client := &http.Client{Timeout: timeout}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("notify %s: %w (after: %v)", redactNotifyURL(target), ctx.Err(), last)
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		last = post(ctx, client, target, body)
		if last == nil || errors.Is(last, errPermanent) {
			break
		}
	}
	if last != nil {
		return fmt.Errorf("notify %s: %w", redactNotifyURL(target), last)
	}
	return nil
}

func post(ctx context.Context, client *http.Client, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: bad request", errPermanent)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crawlaudit/"+version)
	resp, err := client.Do(req)
	if err != nil {
		// The error text quotes the URL, which may hold the webhook's secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post: %v", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return fmt.Errorf("%w: answered %d", errPermanent, resp.StatusCode)
}
