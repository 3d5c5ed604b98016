package main

import "syscall"

// becomeSubreaper makes this process the child subreaper of the command's
// tree (prctl PR_SET_CHILD_SUBREAPER), so processes orphaned by their
// parent are reparented here and their CPU time can be collected.
func becomeSubreaper() bool {
	const prSetChildSubreaper = 36
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	return errno == 0
}
