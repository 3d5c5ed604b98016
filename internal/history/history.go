// Package history keeps the last crawls of a site in one folder (--history):
// one subfolder per crawl, named after its start time, the oldest pruned,
// each with the verdict of the run that filed it (verdict.json). The newest
// crawl whose run passed (or, on request, the newest crawl) is the next
// crawl's baseline.
package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// History folders hold one subfolder per crawl, named after the crawl's
// start time in UTC (20261125T031500Z, with -2, -3… when two crawls started
// in the same second). Only folders with such names are read or pruned:
// anything else in the history folder is left alone.
var historyEntry = regexp.MustCompile(`^\d{8}T\d{6}Z(-\d+)?$`)

// Entries returns the names of the crawl folders of dir, oldest first; a
// missing dir has none.
func Entries(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("--history %s: %w", dir, unwrapPath(err))
	}
	var names []string
	for _, de := range des {
		if de.IsDir() && historyEntry.MatchString(de.Name()) {
			names = append(names, de.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool { return historyLess(names[i], names[j]) })
	return names, nil
}

// historyLess orders entry names by time, then by their -N suffix.
func historyLess(a, b string) bool {
	if a[:16] != b[:16] {
		return a < b
	}
	return suffix(a) < suffix(b)
}

func suffix(name string) int {
	if len(name) <= 17 {
		return 1
	}
	n, _ := strconv.Atoi(name[17:])
	return n
}

// Newest returns the path of the newest crawl folder in dir for which ok
// says yes (one that holds a readable crawl), or "" when there is none.
func Newest(dir string, ok func(path string) bool) string {
	names, err := Entries(dir)
	if err != nil {
		return ""
	}
	for i := len(names) - 1; i >= 0; i-- {
		p := filepath.Join(dir, names[i])
		if ok(p) {
			return p
		}
	}
	return ""
}

// NewestPassing returns the path of the newest crawl folder in dir for which
// ok says yes and whose run passed (see Passed), or "" when there is none;
// failing counts the newer folders ok accepted but passed over because
// their run failed.
func NewestPassing(dir string, ok func(path string) bool) (path string, failing int) {
	names, err := Entries(dir)
	if err != nil {
		return "", 0
	}
	for i := len(names) - 1; i >= 0; i-- {
		p := filepath.Join(dir, names[i])
		if !ok(p) {
			continue
		}
		if Passed(p) {
			return p, failing
		}
		failing++
	}
	return "", failing
}

// VerdictFile is the name of the verdict file in each history entry.
const VerdictFile = "verdict.json"

// VerdictSchema is the schema version Save writes into verdict.json.
const VerdictSchema = 1

// Verdict is how the run that filed a crawl ended, kept beside the crawl as
// verdict.json.
type Verdict struct {
	// Schema is the file's schema version (VerdictSchema).
	Schema int `json:"schema_version"`
	// Passed says the run passed: no finding failed it, or its findings
	// were accepted. Only a passing crawl is a last-passing baseline.
	Passed bool `json:"passed"`
	// Accepted says the run accepted its findings as the baseline
	// (--accept-current): it passed whatever it found.
	Accepted bool `json:"accepted"`
	// FailOn is the fail level the run judged by: error, warning, notice
	// or never.
	FailOn string `json:"fail_on"`
	// OnlyNew says only findings new against the baseline could fail the
	// run (--fail-on-new).
	OnlyNew bool `json:"fail_on_new"`
	// Findings counts the crawl's findings (ignored ones left out).
	Findings int `json:"findings"`
	// Failing counts the findings that reached the fail level: they failed
	// the run, or, when Accepted, would have.
	Failing int `json:"failing"`
	// Baseline names the entry of the same history the run was compared
	// with; empty for none, or for a baseline outside the history.
	Baseline string `json:"baseline,omitempty"`
}

// ReadVerdict reads the verdict of the history entry at path. found is
// false when the entry has no verdict.json (entries filed by a crawlaudit
// older than verdicts).
func ReadVerdict(entry string) (v Verdict, found bool, err error) {
	b, err := os.ReadFile(filepath.Join(entry, VerdictFile))
	if errors.Is(err, os.ErrNotExist) {
		return Verdict{}, false, nil
	}
	if err != nil {
		return Verdict{}, true, fmt.Errorf("history: %s: %w", filepath.Join(entry, VerdictFile), unwrapPath(err))
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return Verdict{}, true, fmt.Errorf("history: %s: %v", filepath.Join(entry, VerdictFile), err)
	}
	return v, true, nil
}

// Passed says whether the run that filed the entry at path passed. An entry
// without a verdict counts as passed: it was filed by an older crawlaudit,
// which filed every complete crawl and compared with the newest one, so
// reading it as failed would leave an existing history without any
// baseline. A verdict that cannot be read vouches for nothing: not passed.
func Passed(entry string) bool {
	v, found, err := ReadVerdict(entry)
	if !found {
		return true
	}
	return err == nil && v.Passed
}

// Save copies the files of the output folder out (regular files,
// no dot files, no verdict.json) into a new entry of dir named after
// started, writes v there as verdict.json, then removes the oldest entries
// beyond keep. The entry appears whole or not at all: it is filled under a
// temporary name and renamed.
func Save(dir, out string, started time.Time, keep int, v Verdict) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("--history %s: %w", dir, unwrapPath(err))
	}
	// Name after the start second; a later crawl of the same second gets
	// the next suffix after every entry of that second (never a pruned
	// name again, which would sort before the entries it follows).
	base := started.UTC().Format("20060102T150405Z")
	existing, err := Entries(dir)
	if err != nil {
		return "", err
	}
	name, last := base, 0
	for _, e := range existing {
		if e[:16] == base && suffix(e) > last {
			last = suffix(e)
		}
	}
	if last > 0 {
		name = fmt.Sprintf("%s-%d", base, last+1)
	}
	tmp, err := os.MkdirTemp(dir, ".incoming-*")
	if err != nil {
		return "", fmt.Errorf("--history %s: %w", dir, unwrapPath(err))
	}
	des, err := os.ReadDir(out)
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("--history: read %s: %w", out, unwrapPath(err))
	}
	for _, de := range des {
		if !de.Type().IsRegular() || de.Name()[0] == '.' || de.Name() == VerdictFile {
			continue
		}
		if err := copyFile(filepath.Join(out, de.Name()), filepath.Join(tmp, de.Name())); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("--history: %w", err)
		}
	}
	v.Schema = VerdictSchema
	if err := writeVerdict(filepath.Join(tmp, VerdictFile), v); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("--history: %w", err)
	}
	entry := filepath.Join(dir, name)
	if err := os.Rename(tmp, entry); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("--history: %w", err)
	}
	names, err := Entries(dir)
	if err != nil {
		return entry, err
	}
	for len(names) > keep {
		if err := os.RemoveAll(filepath.Join(dir, names[0])); err != nil {
			return entry, fmt.Errorf("--history: prune %s: %w", names[0], unwrapPath(err))
		}
		names = names[1:]
	}
	return entry, nil
}

// writeVerdict writes v as indented JSON to path, synced.
func writeVerdict(path string, v Verdict) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
