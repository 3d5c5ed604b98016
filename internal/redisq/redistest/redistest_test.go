package redistest

import (
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Skip(args ...any)  { r.skipped = args[0].(string) }
func (r *recorder) Fatal(args ...any) { r.failed = args[0].(string) }

func TestRequireSkipsOutsideCIAndFailsInCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no redis-server there
	for _, c := range []struct {
		name, ci, require string
		fails             bool
	}{
		{"outside CI", "", "", false},
		{"CI=true", "true", "", true},
		{"CRAWLAUDIT_REQUIRE_REDIS=1", "", "1", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv("CRAWLAUDIT_REQUIRE_REDIS", c.require)
			r := &recorder{TB: t}
			if bin := Require(r); bin != "" {
				t.Fatalf("Require found %s on an empty PATH", bin)
			}
			if c.fails && (r.failed == "" || !strings.Contains(r.failed, "apt-get install -y redis-server")) {
				t.Errorf("failed %q, skipped %q; want a failure naming the install command", r.failed, r.skipped)
			}
			if !c.fails && (r.skipped == "" || r.failed != "") {
				t.Errorf("failed %q, skipped %q; want a skip", r.failed, r.skipped)
			}
		})
	}
}

func TestStartAnswersPingAndRestartsOnTheSamePort(t *testing.T) {
	s := Start(t, Options{})
	if err := ping(s.Addr); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr
	s.Kill()
	if err := ping(addr); err == nil {
		t.Fatal("a killed server answered PING")
	}
	s.Start()
	if err := ping(addr); err != nil || s.Addr != addr {
		t.Errorf("after restart: %v, addr %s (was %s)", err, s.Addr, addr)
	}
}
