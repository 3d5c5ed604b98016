package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// markdownTop is the most rows summary.md lists per section: a CI job
// summary or a pull-request comment must stay readable.
const markdownTop = 25

// WriteMarkdown writes summary.md: GitHub-flavoured Markdown for a CI job
// summary or a pull-request comment. It gives the verdict under j, the
// findings new, resolved and persisting against the baseline (or why there
// is none), what to fix first (the issue list, at most markdownIssues),
// the URL and finding counts, the regressions and new findings since the baseline
// (when j has a diff), resolved findings, the failing findings, ignored
// findings and expired ignore entries. Crawled text is escaped so it can't
// add markup, links or HTML.
func WriteMarkdown(w io.Writer, r *Crawl) error {
	j := r.opt.Job
	sum, err := Summarize(r)
	if err != nil {
		return err
	}
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: summary.md: meta: %w", err)
	}
	raw, err := r.Findings()
	if err != nil {
		return fmt.Errorf("report: summary.md: %w", err)
	}
	fs, err := r.maskedFindings()
	if err != nil {
		return fmt.Errorf("report: summary.md: %w", err)
	}
	failing := failingSet(raw, j, r)
	var b strings.Builder
	title := j.Site
	if title == "" {
		title = r.maskURL(meta.StartURL)
	}
	fmt.Fprintf(&b, "## crawlaudit: %s\n\n", md(title))
	verdict := "✅ Passed"
	newly := ""
	if j.OnlyNew {
		newly = "new "
	}
	switch {
	case j.Accepted && j.FailLevel != "":
		unaccepted := j
		unaccepted.Accepted = false
		verdict = fmt.Sprintf("✅ Accepted as the baseline (--accept-current): %d %sfinding(s) at or above %s accepted", len(failingSet(raw, unaccepted, r)), newly, j.FailLevel)
	case j.Accepted:
		verdict = "✅ Accepted as the baseline (--accept-current)"
	case len(failing) > 0:
		verdict = fmt.Sprintf("❌ Failed: %d %sfinding(s) at or above %s", len(failing), newly, j.FailLevel)
	}
	fmt.Fprintf(&b, "**%s** — %s\n\n", verdict, failMode(j))
	counts, ok, err := CountBaseline(r)
	if err != nil {
		return fmt.Errorf("report: summary.md: %w", err)
	}
	if ok {
		fmt.Fprintf(&b, "Findings: %s.\n\n", counts)
	} else if why := j.NoBaseline(); why != "" {
		fmt.Fprintf(&b, "No baseline: %s.\n\n", why)
	}
	issues, err := r.Issues()
	if err != nil {
		return fmt.Errorf("report: summary.md: %w", err)
	}
	issueTable(&b, issues, r)
	fmt.Fprintf(&b, "Crawled `%s` from %s to %s: %d URLs, %d findings (%d errors, %d warnings, %d notices).",
		code(r.maskURL(meta.StartURL)), fmtTime(meta.StartedAt), fmtTime(meta.FinishedAt), sum.URLs, sum.Findings,
		sum.FindingsBySeverity[store.SeverityError], sum.FindingsBySeverity[store.SeverityWarning], sum.FindingsBySeverity[store.SeverityNotice])
	if meta.Partial {
		b.WriteString(" **The crawl was interrupted: results are partial.**")
	}
	b.WriteString("\n\n")

	b.WriteString("| Kind | URLs | 2xx | 3xx | 4xx | 5xx | blocked | no answer |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, k := range store.Kinds {
		c, ok := sum.ByKindStatus[k]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", k, c.Total, c.S2xx, c.S3xx, c.S4xx, c.S5xx, c.Blocked, c.None)
	}
	b.WriteString("\n")

	if j.Diff != nil {
		d := *j.Diff
		c := CountDiff(d)
		fmt.Fprintf(&b, "### Since the baseline (crawl of %s)\n\n", fmtTime(d.Old.StartedAt))
		fmt.Fprintf(&b, "%d regressions, %d improvements, %d new findings, %d resolved findings, %d URLs added, %d gone.\n\n",
			c.Regressions, c.Improvements, c.NewFindings, c.ResolvedFindings, c.AddedURLs, c.RemovedURLs)
		if rows := d.Logs.Rows(); len(rows) > 0 {
			b.WriteString("#### Search-engine logs\n\n| Figure | Before | Now | Change |\n|---|--:|--:|--:|\n")
			for _, lr := range rows {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", lr.Figure, logRowText(lr.Old, lr.HasOld, lr.Ratio), logRowText(lr.New, lr.HasNew, lr.Ratio), logRowChange(lr))
			}
			b.WriteString("\n")
		}
		if regs := d.Regressions(); len(regs) > 0 {
			b.WriteString("#### Regressions\n\n| URL | Kind | Before | Now | What |\n|---|---|--:|--:|---|\n")
			for i, ch := range regs {
				if i == markdownTop {
					fmt.Fprintf(&b, "| … %d more in diff.csv | | | | |\n", len(regs)-markdownTop)
					break
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", code(r.maskURL(ch.URL)), ch.Kind, statusText(ch.OldStatus, ch.OldBlocked), statusText(ch.NewStatus, ch.NewBlocked), ch.Reason)
			}
			b.WriteString("\n")
		}
		findingTable(&b, "New findings", d.NewFindings, r)
		findingTable(&b, "Resolved findings", d.ResolvedFindings, r)
	}
	var failList []store.Finding
	for _, f := range fs {
		if failing[[2]string{f.Rule, f.URL}] {
			failList = append(failList, f)
		}
	}
	findingTable(&b, "Failing findings", failList, r)

	if len(j.Ignored) > 0 {
		fmt.Fprintf(&b, "### Ignored findings (%d)\n\n| Rule | URL | Reason | Entry |\n|---|---|---|---|\n", len(j.Ignored))
		for i, ig := range j.Ignored {
			if i == markdownTop {
				fmt.Fprintf(&b, "| … %d more | | | |\n", len(j.Ignored)-markdownTop)
				break
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", code(ig.Finding.Rule), code(r.maskURL(ig.Finding.URL)), md(ig.Reason), md(ig.Source))
		}
		b.WriteString("\n")
	}
	if len(j.Expired) > 0 {
		fmt.Fprintf(&b, "### Expired ignore entries (%d)\n\nThese entries ignore nothing any more: renew or remove them.\n\n| Rule | URL pattern | Reason | Expired | Entry |\n|---|---|---|---|---|\n", len(j.Expired))
		for _, e := range j.Expired {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", code(e.Rule), code(e.URL), md(e.Reason), e.Expires, md(e.Source))
		}
		b.WriteString("\n")
	}
	if j.ReportPath != "" {
		fmt.Fprintf(&b, "Full report: `%s`\n", code(j.ReportPath))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: summary.md: %w", err)
	}
	return nil
}

func failMode(j Job) string {
	switch {
	case j.FailLevel == "":
		return "no fail level (--fail-on never)"
	case j.OnlyNew && j.Diff == nil:
		return fmt.Sprintf("failing on new findings at %s or above; no baseline, so every finding is new", j.FailLevel)
	case j.OnlyNew:
		return fmt.Sprintf("failing on new findings at %s or above", j.FailLevel)
	}
	return fmt.Sprintf("failing on findings at %s or above", j.FailLevel)
}

// markdownIssues is the most issues summary.md lists.
const markdownIssues = 10

// issueTable writes "### What to fix first": the issues, highest priority
// first, with their URLs, the pages they reach, a page to change and the
// fix; nothing when there are none.
func issueTable(b *strings.Builder, issues []Issue, r *Crawl) {
	if len(issues) == 0 {
		return
	}
	fmt.Fprintf(b, "### What to fix first (%d issues, most severe × most pages reached first)\n\n| # | Severity | Issue | URLs | Pages | Change | Fix |\n|--:|---|---|--:|--:|---|---|\n", len(issues))
	for i, is := range issues {
		if i == markdownIssues {
			fmt.Fprintf(b, "| | | … %d more in report.html | | | | |\n", len(issues)-markdownIssues)
			break
		}
		change := ""
		if len(is.Referrers) > 0 {
			change = "`" + code(is.Referrers[0].URL) + "`"
			if n := len(is.Referrers) - 1; n > 0 {
				change += fmt.Sprintf(" (+%d more)", n)
			}
		}
		fmt.Fprintf(b, "| %d | %s | %s: `%s` | %d | %d | %s | %s |\n", i+1, is.Severity, md(is.Title), code(is.Pattern), is.URLCount(), is.Reach, change, md(is.Fix))
	}
	b.WriteString("\n")
}

// findingTable writes a "### title (n)" section listing fs (raw values are
// masked here), at most markdownTop rows; nothing when fs is empty.
func findingTable(b *strings.Builder, title string, fs []store.Finding, r *Crawl) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s (%d)\n\n| Severity | Rule | URL | Message |\n|---|---|---|---|\n", title, len(fs))
	for i, f := range fs {
		if i == markdownTop {
			fmt.Fprintf(b, "| | … %d more | | |\n", len(fs)-markdownTop)
			break
		}
		fmt.Fprintf(b, "| %s | %s | `%s` | %s |\n", f.Severity, code(f.Rule), code(r.maskURL(f.URL)), md(r.maskText(f.Text())))
	}
	b.WriteString("\n")
}

// mdEscaper backslash-escapes the Markdown characters that can start markup
// inside a table cell (emphasis, code, links, images, strike-through, the
// cell separator) and turns < > & into entities (no raw HTML), so crawled
// text renders as the text it is. Line breaks become spaces: a cell is one
// line.
var mdEscaper = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_",
	"[", "\\[", "]", "\\]", "(", "\\(", ")", "\\)", "|", "\\|", "~", "\\~",
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "\r", " ", "\n", " ",
)

func md(s string) string { return mdEscaper.Replace(s) }

// code makes s safe inside a `code span` in a table cell: backticks and
// pipes can't be escaped there, so they are replaced by look-alikes, and
// line breaks by spaces.
func code(s string) string {
	return strings.NewReplacer("`", "'", "|", "%7C", "\r", " ", "\n", " ").Replace(s)
}
