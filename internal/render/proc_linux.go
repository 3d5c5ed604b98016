//go:build linux

package render

import (
	"bytes"
	"os"
	"strconv"
)

// processTree returns the resident memory (in bytes) of the process root
// and all its descendants, and their pids, from /proc. Each process counts
// its proportional set size (PSS: a page shared by n processes counts 1/n
// in each), so that the sum is what the tree really holds: Chromium's
// processes share most of their pages, and a sum of their RSS counts those
// once per process (twice the truth or more with a few tabs). Where PSS is
// not available, RSS is summed. Chromium
// runs as a tree: the browser, its zygotes, and the renderer, GPU and
// utility processes below them. It returns 0 and nil when root is 0 or /proc
// cannot be read.
func processTree(root int) (int64, []int) {
	if root <= 0 {
		return 0, nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var rss int64
	var pids []int
	queue := []int{root}
	seen := map[int]bool{}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		pids = append(pids, pid)
		rss += resident(pid)
		queue = append(queue, children[pid]...)
	}
	return rss, pids
}

// parentOf reads the parent pid from /proc/<pid>/stat. The command name (the
// second field) is in parentheses and may hold spaces and parentheses, so
// the fields are read after the last ')'.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:]) // state, ppid, …
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(string(f[1]))
	return ppid, err == nil
}

// resident returns a process's proportional set size in bytes, from the
// Pss line of /proc/<pid>/smaps_rollup (Linux 4.14 and later), else its
// resident set size from /proc/<pid>/statm (the second field, in pages).
func resident(pid int) int64 {
	dir := "/proc/" + strconv.Itoa(pid)
	if b, err := os.ReadFile(dir + "/smaps_rollup"); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if v, ok := bytes.CutPrefix(line, []byte("Pss:")); ok {
				f := bytes.Fields(v) // "1234 kB"
				if len(f) > 0 {
					if kb, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
						return kb << 10
					}
				}
			}
		}
	}
	b, err := os.ReadFile(dir + "/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return n * int64(os.Getpagesize())
}
