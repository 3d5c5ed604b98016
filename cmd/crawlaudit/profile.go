package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/crawlaudit/crawlaudit"
)

// profileEnv names the hidden environment variable that makes crawlaudit
// write a CPU profile (pprof format) of the whole run to the file it names.
// It is for measuring (bench/, README "Performance"), not a user feature.
const profileEnv = "CRAWLAUDIT_CPUPROFILE"

// startProfile starts CPU profiling when CRAWLAUDIT_CPUPROFILE is set and
// returns the function that stops it. Problems are reported on stderr and
// never stop the command.
func startProfile(stderr io.Writer) func() {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(stderr, "crawlaudit: cpu profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(stderr, "crawlaudit: cpu profile:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(stderr, "crawlaudit: cpu profile:", err)
		}
	}
}

// heapProfileEnv names the hidden environment variable that makes
// crawlaudit write heap profiles (pprof format, in-use memory as of the
// last garbage collection) to FILE.crawl once the crawl has ended and
// FILE.outputs once the outputs are written. For measuring, like
// CRAWLAUDIT_CPUPROFILE.
const heapProfileEnv = "CRAWLAUDIT_MEMPROFILE"

// profilePhase writes the heap profiles of CRAWLAUDIT_MEMPROFILE as a run
// leaves its crawl and its outputs (crawlaudit.Progress.OnPhase).
func profilePhase(p crawlaudit.Phase) {
	switch p {
	case crawlaudit.PhaseAudit:
		heapProfile("crawl")
	case crawlaudit.PhaseDone:
		heapProfile("outputs")
	}
}

// heapProfile writes the heap profile of stage when CRAWLAUDIT_MEMPROFILE
// is set. Problems are reported on stderr and never stop the command.
func heapProfile(stage string) {
	path := os.Getenv(heapProfileEnv)
	if path == "" {
		return
	}
	f, err := os.Create(path + "." + stage)
	if err == nil {
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawlaudit: heap profile:", err)
	}
}

// phasesEnv names the hidden environment variable that makes crawlaudit
// write the wall times of a crawl's two phases to the file it names, one
// line "crawl_s=S after_s=S crawl_cpu_s=S after_cpu_s=S" (wall, then CPU
// seconds): the crawl (from the process's start until the
// crawler has recorded its last response) and what follows it (the audit
// and every output). For bench/run.sh, like CRAWLAUDIT_CPUPROFILE.
const phasesEnv = "CRAWLAUDIT_PHASES"

// processStart is when the process started, near enough: the crawl
// phase's start.
var processStart = time.Now()

// phaseTimer times a run's phases for CRAWLAUDIT_PHASES; its zero value
// (the variable unset) does nothing.
type phaseTimer struct {
	path       string
	crawled    time.Time
	crawledCPU time.Duration // the process's CPU time then
}

func newPhaseTimer() *phaseTimer { return &phaseTimer{path: os.Getenv(phasesEnv)} }

// crawlEnded is crawlaudit.Progress.OnCrawled.
func (t *phaseTimer) crawlEnded() { t.crawled, t.crawledCPU = time.Now(), processCPU() }

// phase is crawlaudit.Progress.OnPhase: the heap profiles, and the phase
// times once the run is done.
func (t *phaseTimer) phase(p crawlaudit.Phase) {
	profilePhase(p)
	crawlGC(p)
	if p != crawlaudit.PhaseDone || t.path == "" || t.crawled.IsZero() {
		return
	}
	now := time.Now()
	cpu := processCPU()
	line := fmt.Sprintf("crawl_s=%.2f after_s=%.2f crawl_cpu_s=%.2f after_cpu_s=%.2f\n", t.crawled.Sub(processStart).Seconds(), now.Sub(t.crawled).Seconds(),
		t.crawledCPU.Seconds(), (cpu - t.crawledCPU).Seconds())
	if err := os.WriteFile(t.path, []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "crawlaudit: phase times:", err)
	}
}
