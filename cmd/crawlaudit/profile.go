package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
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
