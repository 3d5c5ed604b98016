// Package testenv decides, for tests only, what a test does when a program
// it needs from the system (chromium, redis-server) is missing: it skips
// with a line saying how to install it, except in CI (CI=true) or when the
// component's CRAWLAUDIT_REQUIRE_* variable is 1 (.ci/run sets them), where
// it fails, so that no such test silently skips in CI.
package testenv

import (
	"os"
	"testing"
)

// Component is a program tests need from the system.
type Component struct {
	Name    string // as the messages say it: "chromium"
	Install string // the command that installs it: "apt-get install -y chromium"
	Env     string // set to 1 to make its absence fail: "CRAWLAUDIT_REQUIRE_BROWSER"
}

// The components of the test suite.
var (
	Chromium = Component{Name: "chromium", Install: "apt-get install -y chromium", Env: "CRAWLAUDIT_REQUIRE_BROWSER"}
	Redis    = Component{Name: "redis-server", Install: "apt-get install -y redis-server", Env: "CRAWLAUDIT_REQUIRE_REDIS"}
)

// Require returns when found is true; otherwise it fails t in CI or when
// c.Env is 1, and skips it elsewhere. what names the tests ("the rendering
// tests").
func Require(t testing.TB, c Component, found bool, what string) {
	t.Helper()
	if found {
		return
	}
	msg := c.Name + " not found: install it (" + c.Install + ") to run " + what
	if Required(c) {
		t.Fatal(msg + " (CI or " + c.Env + "=1: a missing " + c.Name + " fails the run)")
	}
	t.Skip(msg)
}

// Required reports whether a missing c fails the run: in CI, or with
// c.Env set to 1.
func Required(c Component) bool {
	return os.Getenv(c.Env) == "1" || os.Getenv("CI") == "true"
}
