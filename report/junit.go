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
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Props []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
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
//
// With a baseline, each suite has <properties>: baseline (when the
// baseline crawl started), new_findings, resolved_findings and
// persisting_findings of its rule, and comparison, the whole run's counts
// in one line ("3 new, 2 resolved, 17 persisting against the baseline of
// …"). An Accepted run adds accepted=true. Suite and case names never
// change with the comparison, so CI systems keep tracking them run to run.
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
	props, err := baselineProperties(r, raw)
	if err != nil {
		return fmt.Errorf("report: junit.xml: %w", err)
	}
	doc := junitSuites{Name: "crawlaudit " + r.maskURL(meta.StartURL), Time: fmtSeconds(meta)}
	names := make([]string, 0, len(suites))
	for n := range suites {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := suites[n]
		s.Properties = props(n)
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

// baselineProperties returns the <properties> of each rule's suite: the
// comparison with the baseline (per rule, and the run's line) and whether
// the run was accepted; nil when there is neither. raw are the crawl's
// findings.
func baselineProperties(r *Crawl, raw []store.Finding) (func(rule string) *junitProperties, error) {
	j := r.opt.Job
	counts, ok, err := CountBaseline(r)
	if err != nil {
		return nil, err
	}
	if !ok && !j.Accepted {
		return func(string) *junitProperties { return nil }, nil
	}
	all, fresh, gone := map[string]int{}, map[string]int{}, map[string]int{}
	if ok {
		for _, f := range raw {
			all[f.Rule]++
		}
		for _, f := range j.Diff.NewFindings {
			fresh[f.Rule]++
		}
		for _, f := range j.Diff.ResolvedFindings {
			gone[f.Rule]++
		}
	}
	return func(rule string) *junitProperties {
		p := &junitProperties{}
		add := func(name, value string) { p.Props = append(p.Props, junitProperty{Name: name, Value: value}) }
		if ok {
			add("baseline", counts.Baseline)
			add("new_findings", itoa(fresh[rule]))
			add("resolved_findings", itoa(gone[rule]))
			add("persisting_findings", itoa(max(all[rule]-fresh[rule], 0)))
			add("comparison", counts.String())
		}
		if j.Accepted {
			add("accepted", "true")
		}
		return p
	}, nil
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
