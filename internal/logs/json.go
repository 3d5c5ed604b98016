package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// JSONKeys are the keys of a JSON field mapping and, for each, the dotted
// paths tried in order by default: Caddy's access log first, then nginx
// log_format … escape=json with the variables' own names. An array value
// (Caddy's header lists) counts its first element. "duration" is in
// seconds unless its mapping ends with ":ms" or ":us".
var JSONKeys = map[string][]string{
	"ip":         {"request.client_ip", "request.remote_ip", "remote_addr", "client_ip", "ip"},
	"host":       {"request.host", "host", "http_host", "server_name"},
	"time":       {"ts", "time_iso8601", "time_local", "time", "timestamp", "@timestamp", "msec"},
	"method":     {"request.method", "request_method", "method"},
	"uri":        {"request.uri", "request_uri", "uri", "url", "path"},
	"request":    {"request"},
	"status":     {"status", "response.status"},
	"size":       {"size", "body_bytes_sent", "bytes_sent", "bytes"},
	"referer":    {"request.headers.Referer", "http_referer", "referer", "referrer"},
	"user_agent": {"request.headers.User-Agent", "http_user_agent", "user_agent", "useragent"},
	"duration":   {"duration", "request_time", "latency"},
}

type jsonFormat struct {
	paths map[string][][]string // key → candidate paths, each split on "."
	unit  time.Duration
}

type jsonScratch struct {
	bufs [6][]byte
}

func newJSONFormat(over map[string]string) (*jsonFormat, error) {
	j := &jsonFormat{paths: map[string][][]string{}, unit: time.Second}
	for k, ps := range JSONKeys {
		for _, p := range ps {
			j.paths[k] = append(j.paths[k], strings.Split(p, "."))
		}
	}
	keys := make([]string, 0, len(over))
	for k := range over {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := over[k]
		if _, ok := JSONKeys[k]; !ok {
			return nil, fmt.Errorf("logs: JSON field mapping: unknown key %q", k)
		}
		if k == "duration" {
			if s, ok := strings.CutSuffix(p, ":ms"); ok {
				p, j.unit = s, time.Millisecond
			} else if s, ok := strings.CutSuffix(p, ":us"); ok {
				p, j.unit = s, time.Microsecond
			}
		}
		if p == "" {
			return nil, fmt.Errorf("logs: JSON field mapping: empty path for %q", k)
		}
		j.paths[k] = [][]string{strings.Split(p, ".")}
	}
	return j, nil
}

// lookup returns the value at the first candidate path that has one.
func (j *jsonFormat) lookup(m map[string]any, key string) (any, bool) {
	for _, path := range j.paths[key] {
		var v any = m
		ok := true
		for _, seg := range path {
			o, isObj := v.(map[string]any)
			if !isObj {
				ok = false
				break
			}
			if v, ok = o[seg]; !ok {
				break
			}
		}
		if a, isArr := v.([]any); ok && isArr {
			if len(a) == 0 {
				continue
			}
			v = a[0]
		}
		if ok && v != nil {
			if _, isObj := v.(map[string]any); !isObj {
				return v, true
			}
		}
	}
	return nil, false
}

// text returns a scalar value as text.
func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func (j *jsonFormat) parse(line []byte, out *fields, _ *jsonScratch) error {
	out.reset()
	out.escape, out.durUnit = escapeNone, j.unit
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return errFields
	}
	get := func(key string) []byte {
		if v, ok := j.lookup(m, key); ok {
			return []byte(jsonText(v))
		}
		return nil
	}
	out.ip, out.host, out.method, out.target = get("ip"), get("host"), get("method"), get("uri")
	if len(out.target) == 0 {
		out.request = get("request")
	}
	out.status, out.size, out.referer, out.ua, out.dur = get("status"), get("size"), get("referer"), get("user_agent"), get("duration")
	tv, ok := j.lookup(m, "time")
	if !ok {
		return errTime
	}
	switch x := tv.(type) {
	case json.Number:
		out.time, out.timeKind = []byte(x.String()), timeEpoch
		if f, err := x.Float64(); err == nil && f > 1e11 {
			out.timeKind = timeEpochMS
		}
	case string:
		out.time = []byte(x)
		switch {
		case len(x) == 26 && x[2] == '/':
			out.timeKind = timeCLF
		case len(x) > 0 && x[0] >= '0' && x[0] <= '9' && !strings.ContainsAny(x, "-/:"):
			out.timeKind = timeEpoch
		default:
			out.timeKind = timeISO
		}
	default:
		return errTime
	}
	return nil
}
