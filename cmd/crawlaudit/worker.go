package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit"
)

// newWorkerCommand is `crawlaudit worker`: take URLs of the crawls a
// coordinator (`crawlaudit crawl --redis`) announces in Redis, request
// them, send back what they gave; until SIGINT or SIGTERM.
func newWorkerCommand(ctx context.Context, stderr io.Writer, sig *signals) *cobra.Command {
	o := crawlaudit.WorkerOptions{}
	var metricsAddr, logFormat string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "worker --redis URL",
		Short: "Request the URLs of crawls spread over several processes (crawl --redis), until stopped",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sig.onSignal("finishing the requests in flight, then stopping; URLs not answered go back to the queue")
			if err := o.Validate(); err != nil {
				return usageError{err}
			}
			level := slog.LevelInfo
			if !verbose {
				level = slog.LevelWarn
			}
			opts := &slog.HandlerOptions{Level: level}
			var h slog.Handler = slog.NewTextHandler(stderr, opts)
			if logFormat == "json" {
				h = slog.NewJSONHandler(stderr, opts)
			}
			o.Logger = slog.New(h)
			o.Getenv = os.Getenv
			o.Metrics = &crawlaudit.WorkerMetrics{}
			if metricsAddr != "" {
				addr, stop, err := serveMetrics(metricsAddr, o.Metrics)
				if err != nil {
					return usagef("--metrics-addr %s: %v", metricsAddr, err)
				}
				defer stop()
				fmt.Fprintf(stderr, "crawlaudit: worker metrics on http://%s/metrics\n", addr)
			}
			err := crawlaudit.Work(ctx, o)
			if err != nil {
				var oe *crawlaudit.OptionError
				if errors.As(err, &oe) {
					return usageError{err}
				}
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Redis, "redis", "", "the coordinators' Redis: redis://[user:password@]host:port/db (required)")
	f.StringVar(&o.RedisPrefix, "redis-prefix", "", "first part of every Redis key, as the coordinators' --redis-prefix (default crawlaudit)")
	f.IntVar(&o.Concurrency, "concurrency", crawlaudit.DefaultConcurrency, "URLs requested at once by this worker, over every crawl it serves (each host's limit is the coordinator's --concurrency, shared by every worker)")
	f.StringVar(&o.Name, "name", "", "this worker's name in Redis and in the coordinators' progress (default host-pid-random)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9464): URLs, in flight, lease expiries, stream lag")
	f.StringVar(&o.BasicAuthEnv, "basic-auth-env", "", "name of the environment variable holding user:pass for Basic auth (a name, never the value)")
	f.StringVar(&o.BearerTokenEnv, "bearer-token-env", "", "name of the environment variable holding a Bearer token (a name, never the value)")
	f.StringVar(&o.HeaderFile, "header-file", "", "file of `Name: value` header lines sent to --auth-origin")
	f.StringVar(&o.CookieFile, "cookie-file", "", "Netscape cookies.txt file whose cookies are sent to --auth-origin")
	f.StringArrayVar(&o.AuthOrigins, "auth-origin", nil, "origin (scheme://host[:port]) this worker's credentials are for (repeatable; needed with any credential source: credentials go nowhere else, whatever Redis says)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log each crawl served and the worker's start and stop")
	f.StringVar(&logFormat, "log-format", "text", "log lines as text or json")
	return cmd
}

// serveMetrics serves m at /metrics on addr until stop is called; bound is
// the address listened on (addr with its port chosen when it was 0).
func serveMetrics(addr string, m *crawlaudit.WorkerMetrics) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		m.WriteProm(w)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close() }, nil
}
