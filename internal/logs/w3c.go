package logs

import (
	"bytes"
	"time"
)

// w3cState is the field list of a W3C extended log (IIS, CloudFront), set
// by its last #Fields: directive. A log that restarts writes the directive
// again, possibly with other fields.
type w3cState struct {
	idx      map[string]int // field name → column
	n        int
	date     []byte // scratch for "date time"
	cloudfrt bool   // CloudFront: time-taken in seconds
}

func (w *w3cState) setFields(spec []byte) {
	w.idx = map[string]int{}
	w.cloudfrt = false
	names := bytes.Fields(spec)
	for i, n := range names {
		name := string(bytes.ToLower(n))
		w.idx[name] = i
		if name == "x-edge-location" || name == "x-edge-request-id" {
			w.cloudfrt = true
		}
	}
	w.n = len(names)
}

func (w *w3cState) col(cols [][]byte, names ...string) []byte {
	for _, n := range names {
		if i, ok := w.idx[n]; ok && i < len(cols) {
			v := cols[i]
			if len(v) == 1 && v[0] == '-' {
				return nil
			}
			return v
		}
	}
	return nil
}

func (w *w3cState) parse(line []byte, out *fields) error {
	out.reset()
	out.escape, out.timeKind = escapeW3C, timeW3C
	if len(line) > 0 && line[0] == '#' {
		if spec, ok := bytes.CutPrefix(line, []byte("#Fields:")); ok {
			w.setFields(spec)
		}
		return errDirective
	}
	if w.idx == nil {
		return errFields
	}
	var cols [][]byte
	if bytes.IndexByte(line, '\t') >= 0 {
		cols = bytes.Split(bytes.TrimRight(line, "\r\n\t "), []byte{'\t'})
	} else {
		cols = bytes.Fields(line)
	}
	if len(cols) != w.n {
		return errFields
	}
	d, t := w.col(cols, "date"), w.col(cols, "time")
	if len(d) == 0 || len(t) == 0 {
		return errTime
	}
	w.date = append(append(append(w.date[:0], d...), ' '), t...)
	out.time = w.date
	out.ip = w.col(cols, "c-ip")
	out.host = w.col(cols, "x-host-header", "cs(host)", "cs-host")
	out.method = w.col(cols, "cs-method")
	out.target = w.col(cols, "cs-uri-stem")
	out.query = w.col(cols, "cs-uri-query")
	out.status = w.col(cols, "sc-status")
	out.size = w.col(cols, "sc-bytes")
	out.referer = w.col(cols, "cs(referer)", "cs(referrer)")
	out.ua = w.col(cols, "cs(user-agent)")
	out.dur = w.col(cols, "time-taken")
	out.durUnit = time.Millisecond
	if w.cloudfrt {
		out.durUnit = time.Second
	}
	return nil
}
