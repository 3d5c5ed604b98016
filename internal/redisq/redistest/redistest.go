// Package redistest starts a real redis-server (Debian's package) for tests:
// on 127.0.0.1, on a free port, in its own temporary directory, with no RDB
// snapshots (--save ""), optionally with the append-only file on. The test's
// Cleanup stops it. A server can be stopped, killed (SIGKILL) and started
// again on the same port and directory, for fault tests.
//
// When redis-server is not installed, Start skips the test with a message,
// except in CI (CI=true) or with CRAWLAUDIT_REQUIRE_REDIS=1 (.ci/run sets
// it), where it fails: no distributed test may skip in CI.
//
// The package speaks just enough of the Redis protocol to send PING, so it
// imports no Redis client (only internal/redisq imports go-redis).
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/testenv"
)

// Options are a server's settings. The zero value is a server without
// persistence.
type Options struct {
	// AppendOnly turns the append-only file on (--appendonly yes, fsync
	// every second), so a restarted server keeps what it was told.
	AppendOnly bool
}

// Server is one redis-server process started by Start. Its methods are safe
// for use by one goroutine at a time.
type Server struct {
	// Addr is "127.0.0.1:PORT"; it stays the same across restarts.
	Addr string
	// Dir is the server's working directory (its AOF lives there).
	Dir string

	t    testing.TB
	bin  string
	port int
	opts Options

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  string        // the server's log file
}

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Require skips t when redis-server is missing, or fails it in CI (CI=true)
// or with CRAWLAUDIT_REQUIRE_REDIS=1. It returns the binary's path.
func Require(t testing.TB) string {
	t.Helper()
	bin := Binary()
	testenv.Require(t, testenv.Redis, bin != "", "the Redis tests")
	return bin
}

// Start starts a redis-server for t and returns once it answers PING. The
// test's Cleanup kills it; its directory is a t.TempDir.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := Require(t)
	s := &Server{t: t, bin: bin, opts: opts, Dir: t.TempDir()}
	t.Cleanup(func() { s.Kill() })
	// The free port is found by binding :0 and closing it; another process
	// may take it before redis-server binds, so a server that exits at once
	// is retried on a new port, a bounded number of times.
	var err error
	for range 5 {
		s.port, err = freePort()
		if err != nil {
			t.Fatalf("redistest: free port: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

// Start starts the server again on the same port and directory, after Stop
// or Kill, and returns once it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Stop shuts the server down with SIGTERM (it flushes its AOF, when on)
// and waits for it to exit.
func (s *Server) Stop() { s.signal(os.Interrupt) }

// Kill kills the server with SIGKILL and waits for it to exit: what the
// AOF had not written is lost. Killing a stopped server does nothing.
func (s *Server) Kill() { s.signal(os.Kill) }

func (s *Server) signal(sig os.Signal) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	<-done
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("server already running")
	}
	aof := "no"
	if s.opts.AppendOnly {
		aof = "yes"
	}
	s.log = filepath.Join(s.Dir, "redis.log")
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--save", "",
		"--appendonly", aof,
		"--appendfsync", "everysec",
		"--daemonize", "no",
		"--logfile", s.log,
		"--protected-mode", "yes",
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := waitPing(s.Addr, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		tail, _ := os.ReadFile(s.log)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return fmt.Errorf("redis-server on %s: %w; its log ends:\n%s", s.Addr, err, tail)
	}
	s.cmd, s.done = cmd, done
	return nil
}

// pingTries bounds waitPing: tries one pingPause apart (5 s in all).
const (
	pingTries = 500
	pingPause = 10 * time.Millisecond
)

// waitPing polls addr with PING until it answers +PONG, the process exits
// (done closes), or pingTries tries have failed.
func waitPing(addr string, done <-chan struct{}) error {
	var err error
	for range pingTries {
		if err = ping(addr); err == nil {
			return nil
		}
		select {
		case <-done:
			return errors.New("exited before answering PING")
		case <-time.After(pingPause):
		}
	}
	return fmt.Errorf("no answer to PING after %d tries: %w", pingTries, err)
}

// ping sends one PING in the Redis protocol and reads "+PONG".
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Keys returns the server's keys (KEYS *), sorted: what a test expects a
// finished crawl to have left (nothing).
func (s *Server) Keys() []string {
	s.t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		s.t.Fatalf("redistest: keys: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n")); err != nil {
		s.t.Fatalf("redistest: keys: %v", err)
	}
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil || len(head) < 3 || head[0] != '*' {
		s.t.Fatalf("redistest: keys: answer %q: %v", head, err)
	}
	n, err := strconv.Atoi(head[1 : len(head)-2])
	if err != nil {
		s.t.Fatalf("redistest: keys: answer %q", head)
	}
	keys := make([]string, 0, max(n, 0))
	for range n {
		bl, err := r.ReadString('\n')
		if err != nil || len(bl) < 3 || bl[0] != '$' {
			s.t.Fatalf("redistest: keys: bulk %q: %v", bl, err)
		}
		size, err := strconv.Atoi(bl[1 : len(bl)-2])
		if err != nil {
			s.t.Fatalf("redistest: keys: bulk %q", bl)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			s.t.Fatalf("redistest: keys: %v", err)
		}
		keys = append(keys, string(buf[:size]))
	}
	sort.Strings(keys)
	return keys
}
