package main

import (
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/report"
)

// htmlOptions hands the audit rule catalogue to report.html, which explains
// every finding with its rule's "when" and "fix" texts. report does not import
// audit (both only read the store), so cmd, which wires everything, maps one
// to the other here.
func htmlOptions() report.HTMLOptions {
	var opt report.HTMLOptions
	for _, r := range audit.Catalogue() {
		opt.Rules = append(opt.Rules, report.RuleInfo{ID: r.ID, Severity: r.Severity, When: r.Explain, Fix: r.Fix})
	}
	return opt
}
