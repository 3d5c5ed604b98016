//go:build !linux

package main

// becomeSubreaper is Linux-only; elsewhere tree_cpu_s equals cpu_s.
func becomeSubreaper() bool { return false }
