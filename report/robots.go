package report

import (
	"bytes"
	"fmt"
	"io"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
)

// RobotsTestView is what `crawlaudit robots-test` prints: a proposed
// robots.txt replayed against a crawl (analysis.RobotsTest). URLs in
// Impact are masked already.
type RobotsTestView struct {
	File    string // the proposed robots.txt, as named
	Agent   string // whose group of it applies
	Origin  string // where it was tested
	Partial bool   // the crawl was interrupted: it knows only part of the site
	Impact  analysis.Impact
}

// maxRobotsTestRows bounds each list WriteRobotsTest prints; the totals
// are always given.
const maxRobotsTestRows = 10

// WriteRobotsTest writes the terminal view of a robots.txt test: a header
// line, the counts table (the robots.txt what-if's columns), the blocked
// URLs by pattern, the important pages lost and the dead ends, then the
// verdict. No line is longer than width (0 means 80).
func WriteRobotsTest(w io.Writer, v RobotsTestView, width int) error {
	if width <= 0 {
		width = defaultWidth
	}
	width = max(width, minWidth)
	var b bytes.Buffer
	im := v.Impact
	origin := originOf(v.Origin + "/")
	textLine(&b, fmt.Sprintf("robots-test: %s (User-agent: %s) replayed on the crawl of %s", v.File, v.Agent, v.Origin), width)
	if v.Partial {
		textLine(&b, "The crawl was interrupted: it knows only part of the site.", width)
	}
	b.WriteByte('\n')
	counts := tableSpec{name: "robots-test", header: []string{"blocked", "requested", "indexable", "listed", "linked", "important lost"}, numeric: []int{0, 1, 2, 3, 4, 5}}
	if err := counts.render(&b, [][]string{{itoa(im.Blocked), itoa(im.Requests), itoa(im.Indexable), itoa(im.Listed), itoa(im.Linked), itoa(im.Lost())}}, width); err != nil {
		return err
	}
	textLine(&b, "blocked: URLs the crawl knows that it would block; requested: of those, requests a crawl would save; indexable: indexable unique pages; listed: in a sitemap; linked: from a page it leaves allowed.", width)

	if len(im.Patterns) > 0 {
		b.WriteString("\nBlocked, by URL pattern\n")
		rows := [][]string{}
		for i, p := range im.Patterns {
			if i == maxRobotsTestRows {
				break
			}
			rows = append(rows, []string{p.Pattern, itoa(p.URLs)})
		}
		spec := tableSpec{name: "robots-test patterns", header: []string{"pattern", "URLs"}, numeric: []int{1}, urls: []int{0}, origin: origin}
		if err := spec.render(&b, rows, width); err != nil {
			return err
		}
		if n := len(im.Patterns) - maxRobotsTestRows; n > 0 {
			textLine(&b, fmt.Sprintf("… and %d more patterns.", n), width)
		}
	}

	if im.Lost() > 0 {
		b.WriteString(fmt.Sprintf("\nImportant pages lost (%d)\n", im.Lost()))
		rows := [][]string{}
		for _, u := range im.Important {
			rows = append(rows, []string{u, "blocked"})
		}
		for _, u := range im.CutOff {
			rows = append(rows, []string{u, "cut off: only blocked pages link to it"})
		}
		shown := rows[:min(len(rows), maxRobotsTestRows)]
		spec := tableSpec{name: "robots-test lost", header: []string{"page", "how"}, urls: []int{0}, texts: []int{1}, origin: origin}
		if err := spec.render(&b, shown, width); err != nil {
			return err
		}
		if n := im.Lost() - len(shown); n > 0 {
			textLine(&b, fmt.Sprintf("… and %d more.", n), width)
		}
	}

	if im.DeadEndsTotal > 0 {
		b.WriteString(fmt.Sprintf("\nDead ends: listed or linked URLs it blocks (%d)\n", im.DeadEndsTotal))
		for i, u := range im.DeadEnds {
			if i == maxRobotsTestRows {
				break
			}
			if origin != "" && len(u) > len(origin) && u[:len(origin)+1] == origin+"/" {
				u = u[len(origin):]
			}
			b.WriteString("  " + shortURL(u, width-2) + "\n")
		}
		if n := im.DeadEndsTotal - min(len(im.DeadEnds), maxRobotsTestRows); n > 0 {
			textLine(&b, fmt.Sprintf("  … and %d more.", n), width)
		}
	}
	if im.StillBlocked+im.Unblocked > 0 {
		b.WriteByte('\n')
		textLine(&b, fmt.Sprintf("The crawl's own robots.txt blocked %d URLs: this file blocks %d of them and allows %d (never requested: what they are is unknown).",
			im.StillBlocked+im.Unblocked, im.StillBlocked, im.Unblocked), width)
	}
	b.WriteByte('\n')
	if im.Dangerous() {
		textLine(&b, fmt.Sprintf("DANGEROUS: it would lose %s.", plural(im.Lost(), "important page")), width)
	} else {
		textLine(&b, "Safe: it loses no important page.", width)
	}
	_, err := w.Write(b.Bytes())
	return err
}
