package main

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit"
)

// TestRenderFlag: --render alone renders every page, --render=auto the
// JavaScript shells, --render=off none; the default is off with two tabs.
func TestRenderFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, crawlaudit.RenderOff},
		{[]string{"--render"}, crawlaudit.RenderAll},
		{[]string{"--render=auto"}, crawlaudit.RenderAuto},
		{[]string{"--render=off"}, crawlaudit.RenderOff},
		{[]string{"--render", "--render-concurrency", "4"}, crawlaudit.RenderAll},
	} {
		o := crawlaudit.DefaultOptions()
		o.Start = "https://example.test/"
		fs := pflag.NewFlagSet("", pflag.ContinueOnError)
		bindFlags(fs, &o)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if o.Render != tc.want {
			t.Errorf("%q: Render = %q, want %q", tc.args, o.Render, tc.want)
		}
		if err := o.Validate(); err != nil {
			t.Errorf("%q: %v", tc.args, err)
		}
	}
	o := crawlaudit.DefaultOptions()
	if o.RenderConcurrency != 2 {
		t.Errorf("default --render-concurrency %d, want 2", o.RenderConcurrency)
	}
	o.Start = "https://example.test/"
	o.Render = "sometimes"
	if err := o.Validate(); err == nil || err.Error() != `--render must be all, auto or off, got "sometimes"` {
		t.Errorf("Validate(render=sometimes) = %v", err)
	}
	o.Render, o.RenderConcurrency = crawlaudit.RenderAll, 0
	if err := o.Validate(); err == nil || err.Error() != "--render-concurrency must be between 1 and 32, got 0" {
		t.Errorf("Validate(render-concurrency=0) = %v", err)
	}
}
