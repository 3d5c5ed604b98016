package crawlaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/robots"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// DefaultRobotsTestAgent is the user agent whose group of a proposed
// robots.txt RobotsTest applies unless told otherwise: the crawler whose
// budget the file is for.
const DefaultRobotsTestAgent = "Googlebot"

// RobotsTestOptions are the settings of RobotsTest.
type RobotsTestOptions struct {
	// Dir is the finished crawl: its output folder, holding crawl.db (or
	// the crawl.db itself).
	Dir string
	// Robots is the proposed robots.txt file. It is read as a 200 answer
	// would be: at most 500 KiB of it.
	Robots string
	// Agent names the crawler whose group of the file applies (the most
	// specific User-agent group matching it, else the * group). Default
	// DefaultRobotsTestAgent.
	Agent string
	// Terminal shapes RobotsTestResult.Summary (its width).
	Terminal TerminalOptions
}

// RobotsTestResult is what a proposed robots.txt would do to a crawl. URLs
// are masked.
type RobotsTestResult struct {
	Origin    string // where the file was tested: the crawl's start URL's origin
	Blocked   int    // URLs the crawl knows that the file would block (and the crawl's own robots.txt did not)
	Requests  int    // of those, URLs the crawl requested: requests a crawl would save
	Indexable int    // of those, indexable unique pages
	Listed    int    // of those, URLs a sitemap lists
	Linked    int    // of those, URLs a page the file leaves allowed links to or uses
	// Lost are the important pages the file would lose: blocked (an
	// indexable unique page that a sitemap lists, an allowed page links to,
	// or the start URL) or cut off (allowed, but every page linking to it
	// blocked, and no sitemap lists it). At most 100; LostTotal counts all.
	Lost      []LostPage
	LostTotal int
	// DeadEnds are the blocked URLs a sitemap lists or an allowed page
	// links to: at most 50; DeadEndsTotal counts them all.
	DeadEnds      []string
	DeadEndsTotal int
	table         []byte
}

// LostPage is an important page a robots.txt would lose.
type LostPage struct {
	URL    string
	CutOff bool // allowed, but only blocked pages link to it; false: blocked itself
}

// Dangerous reports whether the file would lose an important page: the
// reason `crawlaudit robots-test` exits 1.
func (r *RobotsTestResult) Dangerous() bool { return r.LostTotal > 0 }

// Summary returns the terminal view: the counts, the blocked URLs by
// pattern, the important pages lost and the dead ends, fitted to
// RobotsTestOptions.Terminal's width; crawled text in it is made safe
// for a terminal (TerminalSafe).
func (r *RobotsTestResult) Summary() string { return TerminalSafe(string(r.table)) }

// RobotsTest replays a finished crawl against a proposed robots.txt, with
// the robots.txt what-if's definitions (the same counts report.html shows
// for the rules it proposes): what the file would block, by URL pattern,
// the important pages it would lose, and the listed or linked URLs that
// would become dead ends. The file is tested on the start URL's origin;
// the URLs the crawl's own robots.txt blocked were never requested, so
// whether the file blocks them too is only counted. It requests nothing
// and writes no output file.
func RobotsTest(_ context.Context, o RobotsTestOptions) (*RobotsTestResult, error) {
	if o.Agent == "" {
		o.Agent = DefaultRobotsTestAgent
	}
	body, err := readRobots(o.Robots)
	if err != nil {
		return nil, err
	}
	path := o.Dir
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("crawl %s: %w", path, unwrapPath(err))
	} else if fi.IsDir() {
		path = filepath.Join(path, DBName)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%s is not a crawl's output folder: it holds no %s", o.Dir, DBName)
		}
	}
	if filepath.Base(path) != DBName {
		return nil, fmt.Errorf("%s is not a crawl's output folder or %s", o.Dir, DBName)
	}
	if _, err := robots.Compile(body, o.Agent); err != nil {
		return nil, fmt.Errorf("--robots %s: %v", o.Robots, err)
	}
	db, err := store.OpenSQLite(path)
	if err != nil {
		return nil, fmt.Errorf("crawl %s: %v", path, firstLine(err))
	}
	defer db.Close()
	meta, err := db.Meta()
	if err != nil || meta.StartURL == "" {
		return nil, fmt.Errorf("crawl %s: holds no finished crawl", path)
	}
	mask := urlx.NewMasker(settingList(meta.Settings["mask_param"])...)
	spaces, err := audit.FindSpaces(db)
	if err != nil {
		return nil, err
	}
	origin := analysis.OriginOf(meta.StartURL)
	imp, err := analysis.RobotsTest(db, origin, body, o.Agent, spaces, mask.Mask)
	if errors.Is(err, robots.ErrUnparsable) {
		return nil, fmt.Errorf("--robots %s: %v", o.Robots, err)
	}
	if err != nil {
		return nil, err
	}
	res := &RobotsTestResult{
		Origin: mask.Mask(origin), Blocked: imp.Blocked, Requests: imp.Requests, Indexable: imp.Indexable,
		Listed: imp.Listed, Linked: imp.Linked, LostTotal: imp.Lost(), DeadEnds: imp.DeadEnds, DeadEndsTotal: imp.DeadEndsTotal,
	}
	for _, u := range imp.Important {
		res.Lost = append(res.Lost, LostPage{URL: u})
	}
	for _, u := range imp.CutOff {
		res.Lost = append(res.Lost, LostPage{URL: u, CutOff: true})
	}
	var b bytes.Buffer
	err = report.WriteRobotsTest(&b, report.RobotsTestView{
		File: o.Robots, Agent: o.Agent, Origin: res.Origin, Partial: meta.Partial, Impact: imp,
	}, o.Terminal.width())
	if err != nil {
		return nil, err
	}
	res.table = b.Bytes()
	return res, nil
}

// readRobots reads a proposed robots.txt: at most robots.MaxSize bytes
// are read, as a crawler would.
func readRobots(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("--robots FILE is required: the robots.txt to test")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--robots %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("--robots %s: is a folder, not a robots.txt file", path)
	}
	body, err := io.ReadAll(io.LimitReader(f, robots.MaxSize))
	if err != nil {
		return nil, fmt.Errorf("--robots %s: %w", path, unwrapPath(err))
	}
	return body, nil
}
