package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/internal/audit"
)

// TestREADMEDocumentsEveryFlagAndRule keeps the README in step with the
// code: every flag of every command and every rule ID must be in it.
func TestREADMEDocumentsEveryFlagAndRule(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	first := strings.SplitN(readme, "```", 3)
	if len(first) < 3 || !strings.Contains(first[1], "go run ./cmd/crawlaudit demo") || !strings.Contains(first[1], "go test -race ./...") {
		t.Error("README must open with the two set-up commands (demo, tests)")
	}
	root := newRootCommand(t.Context(), nil, nil, nil)
	for _, cmd := range root.Commands() {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			if !strings.Contains(readme, "`--"+f.Name) {
				t.Errorf("README does not document %s --%s", cmd.Name(), f.Name)
			}
		})
	}
	for _, r := range audit.Catalogue() {
		if !strings.Contains(readme, "`"+r.ID+"`") {
			t.Errorf("README does not document rule %s", r.ID)
		}
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil || !strings.Contains(string(ci), "go test -race ./...") {
		t.Errorf(".ci/run must call the README's test command: %v", err)
	}
}
