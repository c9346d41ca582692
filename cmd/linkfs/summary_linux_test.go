package main

import "testing"

// TestFormatCounts checks that summaries order counts by format name, not
// by the text "N format" (where 10 sorted before 2).
func TestFormatCounts(t *testing.T) {
	for _, tc := range []struct {
		counts map[string]int
		want   string
	}{
		{map[string]int{"native": 10, "cygwin-cookie": 2, "cygwin-shortcut": 1}, "2 cygwin-cookie, 1 cygwin-shortcut, 10 native"},
		{map[string]int{}, "-"},
	} {
		if got := formatCounts(tc.counts); got != tc.want {
			t.Errorf("formatCounts(%v) = %q, want %q", tc.counts, got, tc.want)
		}
	}
}
