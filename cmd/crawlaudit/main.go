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
	"sync"
	"sync/atomic"
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

// interruptedError reports a crawl stopped by a signal: where its partial
// reports are and, unless the crawl cannot be resumed (the demo's site is
// gone with the process), the command that continues it.
type interruptedError struct {
	sig      os.Signal
	outs     []string // output folders of the partial reports, in order
	noResume bool
}

func (e interruptedError) Error() string {
	msg := "interrupted by " + signalName(e.sig)
	switch len(e.outs) {
	case 0:
		return msg
	case 1:
		msg += ": partial report written to " + e.outs[0]
	default:
		msg += ": partial reports written to " + strings.Join(e.outs, ", ")
	}
	if e.noResume {
		return msg
	}
	resume := make([]string, len(e.outs))
	for i, out := range e.outs {
		resume[i] = "crawlaudit crawl --resume " + shellQuote(out)
	}
	return msg + "; continue with: " + strings.Join(resume, "; ")
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,/:@+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// partialsKey is the context key of the run's *partials.
type partialsKey struct{}

// partials records the output folders of the partial reports a command
// wrote, for the interrupted error to name. signalContext puts one in the
// context of every command: the command line's one invocation, shared by
// the sites a command crawls in parallel, so it is safe for concurrent use.
type partials struct {
	mu   sync.Mutex
	outs []string
}

// wrotePartial records that a run of ctx wrote partial reports to out.
func wrotePartial(ctx context.Context, out string) {
	p, _ := ctx.Value(partialsKey{}).(*partials)
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outs = append(p.outs, out)
}

// written returns the folders recorded, in order.
func (p *partials) written() []string {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.outs...)
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
	case errors.Is(err, errFailLevel), errors.Is(err, errImportantLost):
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
	ch     chan os.Signal
	got    chan os.Signal
	stop   func()
	outs   *partials
	notice atomic.Pointer[string] // said on the first signal instead of the crawl's notice
}

// onSignal replaces what the first signal says on stderr (a command that
// does not crawl, such as demo --serve, has no requests to finish).
func (s *signals) onSignal(notice string) {
	if s != nil {
		s.notice.Store(&notice)
	}
}

func signalContext(parent context.Context, stderr io.Writer) (context.Context, *signals) {
	s := &signals{ch: make(chan os.Signal, 2), got: make(chan os.Signal, 1), outs: &partials{}}
	ctx, cancel := context.WithCancel(context.WithValue(parent, partialsKey{}, s.outs))
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sg := <-s.ch:
			s.got <- sg
			if n := s.notice.Load(); n != nil {
				fmt.Fprintf(stderr, "\ncrawlaudit: %s: %s\n", signalName(sg), *n)
			} else {
				fmt.Fprintf(stderr, "\ncrawlaudit: %s: finishing the requests in flight (up to %s), then writing the partial reports; %s again quits at once (crawl --resume continues either way)\n", signalName(sg), crawlaudit.StopGrace, signalName(sg))
			}
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
	// -v is --verbose in every command that logs (crawl, run, demo), so
	// the root's --version takes no shorthand: cobra would give it -v.
	root.Flags().Bool("version", false, "print crawlaudit's version")
	// An unknown command is a one-line usage error with cobra's suggestion
	// in it (cobra puts suggestions on lines of their own, which exitCode
	// would cut). With Args set, cobra leaves the check to it; a root
	// that runs shows its help when called bare, as before.
	root.Args = unknownCommand
	root.SuggestionsMinimumDistance = 2
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(newCrawlCommand(ctx, stdout, stderr, sig))
	root.AddCommand(newRunCommand(ctx, stdout, stderr, sig))
	root.AddCommand(newDemoCommand(ctx, stdout, stderr, sig))
	root.AddCommand(newReportCommand(ctx, stdout, stderr))
	root.AddCommand(newConfigCommand(stdout))
	root.AddCommand(newDiffCommand(ctx, stdout))
	root.AddCommand(newRobotsTestCommand(ctx, stdout))
	root.AddCommand(newLogsCommand(ctx, stdout, stderr))
	root.AddCommand(newWorkerCommand(ctx, stderr, sig))
	return root
}

// unknownCommand is the root's argument check: any argument is a command
// that does not exist. It says so on one line, with the nearest command
// name when there is one: unknown command "crawlz": did you mean "crawl"?
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %q?", s[0])
	} else {
		msg += " (crawlaudit --help lists the commands)"
	}
	return usageError{errors.New(msg)}
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
