package report

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// fitCells cuts the cells of a table so that, drawn with ASCII borders
// ("| a | b |": three columns of border and padding per cell, plus one), it
// is at most width columns wide. The widest cut-able column loses a column
// at a time until the table fits or every cut-able column is down to
// minCell; URL columns are cut in the middle (shortURL), others at their
// end. URLs on origin (the start URL's, when not empty) are shown as paths
// first. It returns new rows; header cells are never cut.
func fitCells(header []string, rows [][]string, width int, urlCols, textCols []int, origin string) [][]string {
	const minCell = 8
	n := len(header)
	if origin != "" {
		rel := make([][]string, len(rows))
		for i, r := range rows {
			rel[i] = append([]string(nil), r...)
			for _, c := range urlCols {
				if c < len(r) && strings.HasPrefix(r[c], origin+"/") {
					rel[i][c] = strings.TrimPrefix(r[c], origin)
				}
			}
		}
		rows = rel
	}
	widths := make([]int, n)
	measure := func(i int, s string) {
		if w := utf8.RuneCountInString(s); w > widths[i] {
			widths[i] = w
		}
	}
	for i, h := range header {
		measure(i, h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < n {
				measure(i, c)
			}
		}
	}
	total := func() int {
		t := 1
		for _, w := range widths {
			t += w + 3
		}
		return t
	}
	cuttable := map[int]bool{}
	for _, c := range append(append([]int{}, urlCols...), textCols...) {
		cuttable[c] = true
	}
	for total() > width {
		widest := -1
		for c := range cuttable {
			if widths[c] > minCell && widths[c] > utf8.RuneCountInString(header[c]) && (widest < 0 || widths[c] > widths[widest] || widths[c] == widths[widest] && c < widest) {
				widest = c
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]-- // the widest first, a column at a time: cuts stay balanced
	}
	isURL := map[int]bool{}
	for _, c := range urlCols {
		isURL[c] = true
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		row := make([]string, len(r))
		for j, c := range r {
			switch {
			case j >= n || !cuttable[j]:
				row[j] = c
			case isURL[j]:
				row[j] = shortURL(c, widths[j])
			default:
				row[j] = cutEnd(c, widths[j])
			}
		}
		out[i] = row
	}
	return out
}

// longestLine returns the width in runes of b's longest line.
func longestLine(b []byte) int {
	m := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if n := utf8.RuneCount(l); n > m {
			m = n
		}
	}
	return m
}
