package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// JUnit XML, in the shape CI systems read (Jenkins, GitLab, GitHub
// actions that publish test reports, Azure): <testsuites> holding one
// <testsuite> per rule, holding one <testcase> per rule and URL pair.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes junit.xml: a test suite per rule (every rule of
// j.Rules, plus any other rule with findings), a test case per rule and URL
// pair. A finding that fails the run under j (see Job.Failer) is a
// <failure> whose type is its severity; other findings pass, with the
// message in <system-out>; findings an ignore entry left out are <skipped>
// with the reason. A rule with no finding has one passing case named
// "no findings", so the report shows it was checked.
func WriteJUnit(w io.Writer, r *Crawl) error {
	j := r.opt.Job
	fs, err := r.maskedFindings()
	if err != nil {
		return fmt.Errorf("report: junit.xml: %w", err)
	}
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: junit.xml: meta: %w", err)
	}
	raw, err := r.Findings()
	if err != nil {
		return fmt.Errorf("report: junit.xml: %w", err)
	}
	fails := failingSet(raw, j, r)
	suites := map[string]*junitSuite{}
	suite := func(rule string) *junitSuite {
		s, ok := suites[rule]
		if !ok {
			s = &junitSuite{Name: rule, Time: "0", Timestamp: fmtTimestamp(meta)}
			suites[rule] = s
		}
		return s
	}
	for _, rule := range j.Rules {
		suite(rule)
	}
	for _, f := range fs {
		s := suite(f.Rule)
		c := junitCase{Name: f.URL, Classname: "crawlaudit." + f.Rule, Time: "0"}
		text := findingText(f)
		if fails[[2]string{f.Rule, f.URL}] {
			c.Failure = &junitFailure{Message: f.Text(), Type: string(f.Severity), Text: text}
			s.Failures++
		} else {
			c.SystemOut = string(f.Severity) + ": " + text
		}
		s.Cases = append(s.Cases, c)
	}
	for _, ig := range j.Ignored {
		s := suite(ig.Finding.Rule)
		s.Cases = append(s.Cases, junitCase{
			Name: r.maskURL(ig.Finding.URL), Classname: "crawlaudit." + ig.Finding.Rule, Time: "0",
			Skipped: &junitSkipped{Message: "ignored: " + ig.Reason + " (" + ig.Source + ")"},
		})
		s.Skipped++
	}
	doc := junitSuites{Name: "crawlaudit " + r.maskURL(meta.StartURL), Time: fmtSeconds(meta)}
	names := make([]string, 0, len(suites))
	for n := range suites {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := suites[n]
		if len(s.Cases) == 0 {
			s.Cases = []junitCase{{Name: "no findings", Classname: "crawlaudit." + n, Time: "0"}}
		}
		s.Tests = len(s.Cases)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, *s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("report: junit.xml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: junit.xml: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("report: junit.xml: %w", err)
	}
	return nil
}

// failingSet returns the rule and masked URL of every finding of fs that
// fails the run under j. Deciding on the raw findings and looking up the
// masked ones keeps the decision right when masking changes a URL.
func failingSet(fs []store.Finding, j Job, r *Crawl) map[[2]string]bool {
	fails := j.Failer()
	out := map[[2]string]bool{}
	for _, f := range fs {
		if fails(f) {
			out[[2]string{f.Rule, r.maskURL(f.URL)}] = true
		}
	}
	return out
}

// findingText is a finding's message plus its referrers, one per line.
func findingText(f store.Finding) string {
	var b strings.Builder
	b.WriteString(f.Text())
	if len(f.Referrers) > 0 {
		b.WriteString("\nReferred to by:")
		for _, r := range f.Referrers {
			b.WriteString("\n  " + r)
		}
	}
	return b.String()
}

func fmtTimestamp(m store.Meta) string {
	if m.StartedAt.IsZero() {
		return ""
	}
	return m.StartedAt.UTC().Format("2006-01-02T15:04:05")
}

// fmtSeconds is the crawl's duration in seconds with millisecond precision.
func fmtSeconds(m store.Meta) string {
	if m.StartedAt.IsZero() || m.FinishedAt.Before(m.StartedAt) {
		return "0"
	}
	return fmt.Sprintf("%.3f", m.FinishedAt.Sub(m.StartedAt).Seconds())
}
