// Command crawlaudit crawls a site, records every URL's HTTP status, flags
// 401/403 answers where they hurt (linked pages, assets, sitemaps) and writes
// a report. See the README for commands, flags, outputs and exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes, documented in the README.
const (
	exitOK       = 0   // no finding reached the fail level
	exitFindings = 1   // a finding reached the fail level
	exitUsage    = 2   // usage error, or the crawl could not start
	exitSIGINT   = 130 // interrupted by Ctrl-C; partial reports written
	exitSIGTERM  = 143 // terminated by SIGTERM; partial reports written
)

// usageError marks errors caused by how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errFailLevel is returned when a finding reached the --fail-on level.
var errFailLevel = errors.New("findings reached the fail level")

// interruptedError reports a crawl stopped by a signal.
type interruptedError struct{ sig os.Signal }

func (e interruptedError) Error() string {
	return fmt.Sprintf("interrupted by %s: partial report written", e.sig)
}

// defaultMemoryLimit is the soft limit on the Go heap that crawlaudit sets
// unless GOMEMLIMIT is set: a crawl of a million URLs keeps its peak RSS
// under 512 MiB (see README "Performance"). The garbage collector works
// harder near the limit rather than letting the heap double.
const defaultMemoryLimit = 384 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	stop := startProfile(os.Stderr)
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, sig := signalContext(context.Background(), stderr)
	defer sig.stop()
	root := newRootCommand(ctx, stdout, stderr, sig)
	root.SetArgs(args)
	err := root.Execute()
	return exitCode(err, stderr)
}

// exitCode maps an error to the documented exit code, printing it as one
// line. This is the only place errors become exit codes.
func exitCode(err error, stderr io.Writer) int {
	if err != nil {
		err = oneLine{err}
	}
	var ue usageError
	var ie interruptedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailLevel):
		return exitFindings
	case errors.As(err, &ie):
		fmt.Fprintln(stderr, "crawlaudit:", err)
		if ie.sig == syscall.SIGTERM {
			return exitSIGTERM
		}
		return exitSIGINT
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "crawlaudit:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "crawlaudit:", err)
		return exitUsage
	}
}

// oneLine shows only the first line of an error (cobra adds suggestions
// on further lines) while keeping it matchable with errors.Is/As.
type oneLine struct{ err error }

func (e oneLine) Error() string { return crawlaudit.TerminalSafe(firstLine(e.err)) }
func (e oneLine) Unwrap() error { return e.err }

// signals cancels a context on the first SIGINT/SIGTERM and remembers which
// one arrived; a second signal exits at once.
type signals struct {
	ch   chan os.Signal
	got  chan os.Signal
	stop func()
}

func signalContext(parent context.Context, stderr io.Writer) (context.Context, *signals) {
	ctx, cancel := context.WithCancel(parent)
	s := &signals{ch: make(chan os.Signal, 2), got: make(chan os.Signal, 1)}
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sg := <-s.ch:
			s.got <- sg
			fmt.Fprintf(stderr, "\ncrawlaudit: %s: finishing the requests in flight (up to %s), then writing the partial reports; %s again quits at once (crawl --resume continues either way)\n", signalName(sg), crawlaudit.StopGrace, signalName(sg))
			cancel()
		case <-done:
			return
		}
		select {
		case sg := <-s.ch:
			// Second signal: leave now. Stores commit in transactions, so
			// nothing already written is corrupted.
			if sg == syscall.SIGTERM {
				os.Exit(exitSIGTERM)
			}
			os.Exit(exitSIGINT)
		case <-done:
		}
	}()
	s.stop = func() {
		signal.Stop(s.ch)
		close(done)
		cancel()
	}
	return ctx, s
}

func signalName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// received returns the signal that cancelled the context, if any.
func (s *signals) received() os.Signal {
	if s == nil {
		return nil
	}
	select {
	case sg := <-s.got:
		s.got <- sg
		return sg
	default:
		return nil
	}
}

func newRootCommand(ctx context.Context, stdout, stderr io.Writer, sig *signals) *cobra.Command {
	root := &cobra.Command{
		Use:           "crawlaudit",
		Short:         "Crawl a site, audit every URL's HTTP status, and explain its 401s and 403s",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newCrawlCommand(ctx, stdout, stderr, sig))
	root.AddCommand(newDemoCommand(ctx, stdout, stderr, sig))
	root.AddCommand(newReportCommand(ctx, stdout, stderr))
	root.AddCommand(newConfigCommand(stdout))
	root.AddCommand(newDiffCommand(ctx, stdout))
	return root
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
