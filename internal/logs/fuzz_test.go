package logs

import (
	"bytes"
	"context"
	"testing"
)

// FuzzParseLine feeds hostile lines to every format: no panic, and a line
// that parses has a status and a target.
func FuzzParseLine(f *testing.F) {
	for _, file := range []string{"combined.log", "common.log", "vhost_combined.log", "caddy.json", "nginx.json", "iis.log", "nginx_custom.log"} {
		b, err := readFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(l)
		}
	}
	var formats []*Format
	for _, spec := range []string{"common", "combined", "vhost_combined", "nginx_main", "json", "w3c",
		`apache:%h %t "%r" %>s %b "%{User-Agent}i" %{ms}T`,
		`nginx:$remote_addr [$time_iso8601] "$request_method $request_uri" $status "$http_user_agent" $request_time`} {
		fm, err := ParseFormat(spec, nil)
		if err != nil {
			f.Fatal(err)
		}
		formats = append(formats, fm)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, fm := range formats {
			e, err := fm.Parse(line)
			if err == nil && (e.Status < 100 || e.Status > 999 || e.Target == "") {
				t.Fatalf("%s accepted %q as %+v", fm.Name, line, e)
			}
		}
	})
}

// FuzzAggregate streams hostile logs: never an error but a reading one,
// and the counts add up.
func FuzzAggregate(f *testing.F) {
	for _, file := range []string{"combined.log", "caddy.json", "iis.log", "cloudfront.log"} {
		b, err := readFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, log []byte) {
		a, err := NewAggregator(Config{Site: "https://example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Read(context.Background(), bytes.NewReader(log), "fuzz"); err != nil {
			return // an undetectable format is an error, by design
		}
		r := a.Result().Run
		if r.BotLines+r.HumanLines != r.Requests || r.Requests+r.BadLines > r.Lines {
			t.Fatalf("counts do not add up: %+v", r)
		}
	})
}
