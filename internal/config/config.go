// Package config reads crawlaudit.yaml, the file of one or many sites'
// settings, and findings-ignore files, with errors that name the file, line
// and key. It knows the file's shape (top-level keys, defaults:, sites:),
// not the settings: the caller decodes each site into its own typed struct
// (crawlaudit.Options) through File.Decode, whose yaml tags name the keys,
// and validates it once, the same way it validates flags.
//
// Parsing takes an io.Reader; this package opens no files and reads no
// environment.
package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultFile is the usual name of the configuration file.
const DefaultFile = "crawlaudit.yaml"

// maxConfigBytes bounds what Parse reads: a config is hand written.
const maxConfigBytes = 4 << 20

// Error is a problem at one place of a file.
type Error struct {
	File string // file name as given to Parse
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key path, e.g. "sites[1].concurrency"; may be empty
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// File is a parsed configuration file: a defaults: mapping, a sites: list
// of mappings, and other top-level keys. It keeps the YAML node tree for the
// line numbers of later errors. It is read-only once parsed.
type File struct {
	name     string
	doc      *yaml.Node   // the document's top mapping
	defaults *yaml.Node   // nil when absent
	sites    []*yaml.Node // entries of sites:
}

// Parse reads a configuration file from r; name is used in error messages.
// top points at a struct whose yaml-tagged fields are the file's top-level
// keys besides defaults: and sites:; they are decoded into it as Decode
// does. Unknown keys and values of the wrong type are *Error with the line
// and key.
func Parse(r io.Reader, name string, top any) (*File, error) {
	data, root, err := readYAML(r, name)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 || len(root.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty file: expected defaults: or sites:"}
	}
	f := &File{name: name, doc: root.Content[0]}
	if f.doc.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: f.doc.Line, Msg: "expected a mapping of defaults:, sites: and settings"}
	}
	others := &yaml.Node{Kind: yaml.MappingNode, Line: f.doc.Line}
	for i := 0; i+1 < len(f.doc.Content); i += 2 {
		k, v := f.doc.Content[i], f.doc.Content[i+1]
		switch k.Value {
		case "defaults":
			if v.Kind != yaml.MappingNode && !isNull(v) {
				return nil, f.Err("expected a mapping", "defaults")
			}
			if !isNull(v) {
				f.defaults = v
			}
		case "sites":
			if v.Kind != yaml.SequenceNode && !isNull(v) {
				return nil, f.Err("expected a list of sites", "sites")
			}
			for j, s := range v.Content {
				if s.Kind != yaml.MappingNode {
					return nil, f.Err("expected a mapping", "sites", j)
				}
				f.sites = append(f.sites, s)
			}
		default:
			others.Content = append(others.Content, k, v)
		}
	}
	if err := f.decodeMapping(others, reflect.ValueOf(top).Elem(), nil); err != nil {
		return nil, err
	}
	return f, nil
}

// Name returns the file name given to Parse.
func (f *File) Name() string { return f.name }

// Sites returns the number of entries of sites:; 0 means the file holds one
// site's settings under defaults:.
func (f *File) Sites() int { return len(f.sites) }

// Decode decodes the settings of site i into v, a pointer to a struct
// whose yaml-tagged fields are the settings' keys: first the keys of
// defaults:, then those of the site's entry (i < 0: defaults: alone). A key
// set in both takes the site's value (lists are replaced, not merged);
// under a map-valued key (rules:), each entry of the site replaces the
// default entry of the same name. Keys not set anywhere keep v's values,
// which are the caller's defaults.
//
// Values are decoded by the field's type: time.Duration from Go duration
// text ("500ms"), encoding.TextUnmarshaler types from their text, other
// types as YAML does. Unknown keys and bad values are *Error with the line
// and key.
func (f *File) Decode(i int, v any) error {
	rv := reflect.ValueOf(v).Elem()
	if f.defaults != nil {
		if err := f.decodeMapping(f.defaults, rv, []any{"defaults"}); err != nil {
			return err
		}
	}
	if i >= 0 && i < len(f.sites) {
		return f.decodeMapping(f.sites[i], rv, []any{"sites", i})
	}
	return nil
}

// Err returns an *Error at the key path (mapping keys and sequence indexes,
// e.g. "sites", 1, "concurrency"), with its line.
func (f *File) Err(msg string, path ...any) *Error {
	var key strings.Builder
	for _, p := range path {
		switch s := p.(type) {
		case string:
			if key.Len() > 0 {
				key.WriteByte('.')
			}
			key.WriteString(s)
		case int:
			fmt.Fprintf(&key, "[%d]", s)
		}
	}
	return &Error{File: f.name, Line: lineOf(f.doc, path...), Key: key.String(), Msg: msg}
}

var (
	durationType      = reflect.TypeOf(time.Duration(0))
	textUnmarshalType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// decodeMapping decodes the keys of mapping n into the struct rv; path is
// n's key path, for errors.
func (f *File) decodeMapping(n *yaml.Node, rv reflect.Value, path []any) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &Error{File: f.name, Line: n.Line, Key: keyPath(path), Msg: "expected a mapping"}
	}
	fields := yamlFields(rv.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := append(append([]any(nil), path...), k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			return &Error{File: f.name, Line: k.Line, Key: keyPath(at), Msg: fmt.Sprintf("field %s not found", k.Value)}
		}
		if err := f.decodeValue(v, rv.FieldByIndex(idx), at); err != nil {
			return err
		}
	}
	return nil
}

// decodeValue decodes node n into the settable value fv.
func (f *File) decodeValue(n *yaml.Node, fv reflect.Value, path []any) error {
	bad := func(msg string) error { return &Error{File: f.name, Line: n.Line, Key: keyPath(path), Msg: msg} }
	switch {
	case fv.Type() == durationType:
		if n.Kind != yaml.ScalarNode {
			return bad("expected a duration such as 500ms or 15s")
		}
		d, err := time.ParseDuration(n.Value)
		if err != nil {
			return bad(fmt.Sprintf("%q is not a duration such as 500ms or 15s", n.Value))
		}
		fv.SetInt(int64(d))
		return nil
	case reflect.PointerTo(fv.Type()).Implements(textUnmarshalType):
		if n.Kind != yaml.ScalarNode {
			return bad("expected a single value")
		}
		if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			return bad(err.Error())
		}
		return nil
	case fv.Kind() == reflect.Struct:
		return f.decodeMapping(n, fv, path)
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct:
		if isNull(n) {
			fv.Set(reflect.Zero(fv.Type()))
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return bad("expected a list")
		}
		list := reflect.MakeSlice(fv.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			if err := f.decodeMapping(e, list.Index(i), append(append([]any(nil), path...), i)); err != nil {
				return err
			}
		}
		fv.Set(list)
		return nil
	case fv.Kind() == reflect.Map && fv.Type().Key().Kind() == reflect.String:
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return bad("expected a mapping")
		}
		if fv.IsNil() {
			fv.Set(reflect.MakeMap(fv.Type()))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			elem := reflect.New(fv.Type().Elem()).Elem() // an entry replaces the one it names
			if err := f.decodeValue(v, elem, append(append([]any(nil), path...), k.Value)); err != nil {
				return err
			}
			fv.SetMapIndex(reflect.ValueOf(k.Value).Convert(fv.Type().Key()), elem)
		}
		return nil
	}
	if err := n.Decode(fv.Addr().Interface()); err != nil {
		return bad(typeErrorText(err))
	}
	return nil
}

// typeErrorText turns a yaml decoding error into one message without its
// "line N:" prefix or Go type names.
func typeErrorText(err error) string {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = m[2]
	}
	return inType.ReplaceAllString(msg, "")
}

var (
	yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	inType   = regexp.MustCompile(` in type \S+`)
)

// yamlFields maps the yaml key of each field of struct type t (and of its
// embedded structs) to the field's index path.
func yamlFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if tag == "-" || !sf.IsExported() {
			continue
		}
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			for k, idx := range yamlFields(sf.Type) {
				out[k] = append([]int{i}, idx...)
			}
			continue
		}
		if tag == "" {
			continue // only tagged fields are settings
		}
		out[tag] = []int{i}
	}
	return out
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// valueOf returns the value node of key in mapping n, or nil.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func keyPath(path []any) string {
	var key strings.Builder
	for _, p := range path {
		switch s := p.(type) {
		case string:
			if key.Len() > 0 {
				key.WriteByte('.')
			}
			key.WriteString(s)
		case int:
			fmt.Fprintf(&key, "[%d]", s)
		}
	}
	return key.String()
}

// lineOf returns the line of the key at path (mapping keys and sequence
// indexes) below the mapping n, or the closest ancestor's line when a step
// is missing.
func lineOf(n *yaml.Node, path ...any) int {
	if n == nil {
		return 0
	}
	line := n.Line
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s {
					line = n.Content[i].Line
					next = n.Content[i+1]
				}
			}
			if next == nil {
				return line
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				return line
			}
			n = n.Content[s]
			line = n.Line
		}
	}
	return line
}

// readYAML reads at most 4 MiB of YAML from r and parses it into a node tree
// (kept for the line numbers of later errors).
func readYAML(r io.Reader, name string) ([]byte, *yaml.Node, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if len(data) > maxConfigBytes {
		return nil, nil, &Error{File: name, Msg: "file larger than 4 MiB"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		e := &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		return nil, nil, e
	}
	return data, &root, nil
}

// Locate returns where the setting at keys (a key, and below it map keys)
// of site i is written: in its site entry when the entry sets it, else in
// defaults: when that does, else the site entry (or defaults: for a file
// without sites:) itself.
func (f *File) Locate(i int, keys ...string) []any {
	in := func(n *yaml.Node) bool {
		for _, k := range keys {
			if n = valueOf(n, k); n == nil {
				return false
			}
		}
		return true
	}
	path := func(base ...any) []any {
		for _, k := range keys {
			base = append(base, k)
		}
		return base
	}
	switch {
	case i >= 0 && i < len(f.sites) && in(f.sites[i]):
		return path("sites", i)
	case f.defaults != nil && in(f.defaults):
		return path("defaults")
	case i >= 0 && i < len(f.sites):
		return []any{"sites", i}
	}
	return []any{"defaults"}
}

// Sets reports whether site i's own entry (i < 0: defaults:) sets key.
func (f *File) Sets(i int, key string) bool {
	n := f.defaults
	if i >= 0 && i < len(f.sites) {
		n = f.sites[i]
	}
	return valueOf(n, key) != nil
}

// Scalar returns the text of key in site i's own entry (i < 0: defaults:),
// and whether it is set there as a scalar.
func (f *File) Scalar(i int, key string) (string, bool) {
	n := f.defaults
	if i >= 0 && i < len(f.sites) {
		n = f.sites[i]
	}
	v := valueOf(n, key)
	if v == nil || v.Kind != yaml.ScalarNode || isNull(v) {
		return "", false
	}
	return v.Value, true
}
