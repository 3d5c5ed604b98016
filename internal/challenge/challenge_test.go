package challenge

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   []Challenge
	}{
		{"basic with realm", []string{`Basic realm="staff"`},
			[]Challenge{{Scheme: "Basic", Params: []Param{{"realm", "staff"}}}}},
		{"basic with charset, names case-insensitive", []string{`basic REALM="x", Charset="UTF-8"`},
			[]Challenge{{Scheme: "basic", Params: []Param{{"realm", "x"}, {"charset", "UTF-8"}}}}},
		{"bearer errors of RFC 6750", []string{`Bearer realm="example", error="invalid_token", error_description="The access token expired"`},
			[]Challenge{{Scheme: "Bearer", Params: []Param{{"realm", "example"}, {"error", "invalid_token"}, {"error_description", "The access token expired"}}}}},
		{"bare scheme", []string{"Bearer"}, []Challenge{{Scheme: "Bearer"}}},
		{"token68", []string{"Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXe=="},
			[]Challenge{{Scheme: "Negotiate", Token68: "YIIBhwYGKwYBBQUCoIIBezCCAXe=="}}},
		{"several challenges in one line (RFC 9110 example)",
			[]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			[]Challenge{
				{Scheme: "Newauth", Params: []Param{{"realm", "apps"}, {"type", "1"}, {"title", `Login to "apps"`}}},
				{Scheme: "Basic", Params: []Param{{"realm", "simple"}}},
			}},
		{"challenges across lines", []string{`Basic realm="a"`, `Digest realm="b", nonce="n,1", qop="auth,auth-int"`},
			[]Challenge{
				{Scheme: "Basic", Params: []Param{{"realm", "a"}}},
				{Scheme: "Digest", Params: []Param{{"realm", "b"}, {"nonce", "n,1"}, {"qop", "auth,auth-int"}}},
			}},
		{"token68 then scheme", []string{"Negotiate abc=, NTLM, Basic realm=x"},
			[]Challenge{{Scheme: "Negotiate", Token68: "abc="}, {Scheme: "NTLM"}, {Scheme: "Basic", Params: []Param{{"realm", "x"}}}}},
		{"BWS around = and empty list elements", []string{` , Basic realm = "a b" ,, `},
			[]Challenge{{Scheme: "Basic", Params: []Param{{"realm", "a b"}}}}},
		{"escape of backslash", []string{`Basic realm="C:\\staff"`},
			[]Challenge{{Scheme: "Basic", Params: []Param{{"realm", `C:\staff`}}}}},
		{"empty values", []string{"", " , "}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.values)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.values, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tc.values, got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		values  []string
		parsed  int // challenges returned before the bad value
		wantVal int
	}{
		{"unterminated quote", []string{`Basic realm="staff`}, 0, 0},
		{"missing value", []string{`Basic a=b, c=`}, 0, 0},
		{"no scheme", []string{`="x"`}, 0, 0},
		{"duplicate realm", []string{`Basic realm="a", realm="b"`}, 0, 0},
		{"junk after param", []string{`Basic realm="a" junk`}, 0, 0},
		{"second line bad", []string{`Basic realm="a"`, `Bearer error="x`}, 1, 1},
		{"control character", []string{"Basic realm=\"a\x01\""}, 0, 0},
		{"quoted scheme", []string{`"Basic"`}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.values)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", tc.values, got, err)
			}
			if se.Value != tc.wantVal || len(got) != tc.parsed {
				t.Errorf("Parse(%q): error in value %d with %d challenges before it; want value %d, %d", tc.values, se.Value, len(got), tc.wantVal, tc.parsed)
			}
		})
	}
}

func TestChallengeAccessors(t *testing.T) {
	t.Parallel()
	cs, err := Parse([]string{`bearer Realm="api", scope="read write"`})
	if err != nil || len(cs) != 1 {
		t.Fatalf("Parse: %v, %v", cs, err)
	}
	c := cs[0]
	if !c.Is("BEARER") || c.Canonical() != "Bearer" || c.Realm() != "api" {
		t.Errorf("Is/Canonical/Realm = %v %q %q", c.Is("BEARER"), c.Canonical(), c.Realm())
	}
	if v, ok := c.Param("SCOPE"); !ok || v != "read write" {
		t.Errorf("Param(SCOPE) = %q, %v", v, ok)
	}
	if _, ok := c.Param("error"); ok {
		t.Error("Param(error) present")
	}
	if (Challenge{Scheme: "X-Custom"}).Canonical() != "X-Custom" {
		t.Error("unknown scheme not kept as sent")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`Basic realm="staff"`,
		`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		`Bearer realm="x", error="invalid_token", error_description="expired"`,
		"Negotiate abc==",
		`Digest realm="a", nonce="n,1", qop="auth"`,
		`Basic realm="unterminated`,
		`, ,Basic ,`,
	} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		cs, err := Parse([]string{a, b})
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q %q", a, b)
			}
			if c.Token68 != "" && len(c.Params) > 0 {
				t.Fatalf("token68 and params from %q %q", a, b)
			}
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("error of type %T", err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	v := []string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`, `Bearer realm="api", error="invalid_token", error_description="The access token expired"`}
	for b.Loop() {
		if _, err := Parse(v); err != nil {
			b.Fatal(err)
		}
	}
}
