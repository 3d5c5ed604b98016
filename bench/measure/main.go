// Command measure runs a command and reports its wall time, CPU time
// (user+system, the command and the children it waited for) and peak
// resident set size, as /usr/bin/time -v does, without needing it.
//
// Usage: measure [-timeout 10m] -stats FILE -- command args...
// FILE gets one line: "wall_s=… cpu_s=… tree_cpu_s=… tree_rss_kib=…
// rss_kib=… exit=… timed_out=…". tree_cpu_s is the CPU time of the command
// and every process under it, those whose parent exited before them (a
// browser's helpers) included: on Linux, measure is their child subreaper
// and reaps them, after killing any still running once the command ends
// (equal to cpu_s where that is not available).
// rss_kib is the largest single process's peak (getrusage);
// tree_rss_kib the peak of the summed resident memory of the command and
// every process under it (a browser's processes included), sampled from
// /proc every 100 ms (0 where /proc is missing).
// The command's stdout and stderr pass through; measure exits 0 once the
// stats are written, whatever the command's exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	timeout := flag.Duration("timeout", 10*time.Minute, "kill the command after this long")
	stats := flag.String("stats", "", "file to write the measurements to")
	flag.Parse()
	if flag.NArg() == 0 || *stats == "" {
		fmt.Fprintln(os.Stderr, "usage: measure [-timeout D] -stats FILE -- command args...")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	subreaper := becomeSubreaper()
	cmd := exec.CommandContext(ctx, flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	peak := make(chan int64)
	stop := make(chan struct{})
	go func() { peak <- sampleTree(cmd.Process.Pid, stop) }()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	treeRSS := <-peak
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	ps := cmd.ProcessState
	treeCPU := (ps.UserTime() + ps.SystemTime()).Seconds()
	if subreaper {
		// Orphans reparented to us: end those of the command's process
		// group still running, then reap them all, so their CPU time joins
		// our children's.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		reapOrphans(10 * time.Second)
		var all syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &all) == nil {
			treeCPU = time.Duration(all.Utime.Nano() + all.Stime.Nano()).Seconds()
		}
	}
	ru, _ := ps.SysUsage().(*syscall.Rusage)
	rss := int64(0)
	if ru != nil {
		rss = ru.Maxrss // KiB on Linux
	}
	line := fmt.Sprintf("wall_s=%.2f cpu_s=%.2f tree_cpu_s=%.2f tree_rss_kib=%d rss_kib=%d exit=%d timed_out=%v\n",
		wall.Seconds(), (ps.UserTime() + ps.SystemTime()).Seconds(), treeCPU, max(treeRSS, rss), rss, ps.ExitCode(), ctx.Err() != nil)
	if err := os.WriteFile(*stats, []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

// sampleTree returns the peak, over samples every 100 ms until stop is
// closed, of the summed resident memory of pid and its descendants, in KiB.
func sampleTree(pid int, stop <-chan struct{}) int64 {
	var peak int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		peak = max(peak, treeRSS(pid))
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

// treeRSS sums VmRSS (KiB) of pid and every process under it, from /proc.
func treeRSS(root int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	var sum int64
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		queue = append(queue, children[p]...)
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				sum += n
			}
		}
	}
	return sum
}

// reapOrphans waits for every remaining child (orphans reparented to this
// subreaper) until none is left or d has passed.
func reapOrphans(d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var ws syscall.WaitStatus
			if _, err := syscall.Wait4(-1, &ws, 0, nil); err != nil && !errors.Is(err, syscall.EINTR) {
				return // ECHILD: none left
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(d):
		fmt.Fprintln(os.Stderr, "measure: some of the command's processes outlived it; tree_cpu_s leaves them out")
	}
}
