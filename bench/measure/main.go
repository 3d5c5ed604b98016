// Command measure runs a command and reports its wall time, CPU time
// (user+system, the command and the children it waited for) and peak
// resident set size, as /usr/bin/time -v does, without needing it.
//
// Usage: measure [-timeout 10m] -stats FILE -- command args...
// FILE gets one line: "wall_s=… cpu_s=… rss_kib=… exit=… timed_out=…".
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
	cmd := exec.CommandContext(ctx, flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	ps := cmd.ProcessState
	ru, _ := ps.SysUsage().(*syscall.Rusage)
	rss := int64(0)
	if ru != nil {
		rss = ru.Maxrss // KiB on Linux
	}
	line := fmt.Sprintf("wall_s=%.2f cpu_s=%.2f rss_kib=%d exit=%d timed_out=%v\n",
		wall.Seconds(), (ps.UserTime() + ps.SystemTime()).Seconds(), rss, ps.ExitCode(), ctx.Err() != nil)
	if err := os.WriteFile(*stats, []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}
