// Package webhook delivers a run's JSON summary to a webhook URL: a bounded
// number of attempts, each with its own timeout, pausing with a doubling
// backoff between them. Errors and logs name only the webhook's scheme and
// host: webhook paths and queries are often the secret (chat webhooks carry
// a token there).
package webhook

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
)

// Config says how Post delivers. The zero value of each field is replaced
// by the default its comment gives.
type Config struct {
	Attempts  int           // tries in all; default 3
	Backoff   time.Duration // pause before the second try, doubled after each; default 1s
	Timeout   time.Duration // bound of each try; default 10s
	UserAgent string        // User-Agent header; default "crawlaudit"
	// Transport is the HTTP transport; nil uses http.DefaultTransport.
	Transport http.RoundTripper
}

// Check reports whether raw is a URL Post can deliver to: an absolute
// http(s) URL.
func Check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http(s) URL")
	}
	return nil
}

// Redact shows only scheme and host of a webhook URL.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(webhook)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// errPermanent marks a webhook answer that retrying cannot change.
var errPermanent = errors.New("permanent failure")

// errOtherOrigin is a redirect of the webhook to another origin: the body
// (the run's summary) is not sent there.
var errOtherOrigin = errors.New("redirect to another origin refused")

// sameOrigin follows a webhook's redirects only within its own origin
// (scheme, host and port), at most 3.
func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return errOtherOrigin
	}
	if len(via) >= 3 {
		return errors.New("more than 3 redirects")
	}
	return nil
}

// Post POSTs payload as JSON to target. A network error, 408, 429 or 5xx
// is retried after the backoff; another non-2xx status is not. Redirects
// are followed within the webhook's origin only: the body never goes to
// another host. Errors name
// only the webhook's scheme and host.
func Post(ctx context.Context, target string, payload any, cfg Config) error {
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "crawlaudit"
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("notify: encode: %w", err)
	}
	client := &http.Client{Timeout: cfg.Timeout, Transport: cfg.Transport, CheckRedirect: sameOrigin}
	backoff := cfg.Backoff
	var last error
	for i := 0; i < cfg.Attempts; i++ {
		if i > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("notify %s: %w (after: %v)", Redact(target), ctx.Err(), last)
			case <-t.C:
			}
			backoff *= 2
		}
		last = post(ctx, client, target, body, cfg.UserAgent)
		if last == nil || errors.Is(last, errPermanent) {
			break
		}
	}
	if last != nil {
		return fmt.Errorf("notify %s: %w", Redact(target), last)
	}
	return nil
}

func post(ctx context.Context, client *http.Client, target string, body []byte, agent string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: bad request", errPermanent)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", agent)
	resp, err := client.Do(req)
	if errors.Is(err, errOtherOrigin) {
		return fmt.Errorf("%w: %w", errPermanent, errOtherOrigin)
	}
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
