package slash

import (
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	cases := []struct {
		name       string
		input      string
		candidates []string
		want       string
	}{
		{"exact", "activate", []string{"activate", "deactivate"}, "activate"},
		{"case-insensitive", "ACTIVATE", []string{"activate"}, "activate"},
		{"candidate spelling kept", "checkout", []string{"Checkout"}, "Checkout"},
		{"deletion", "activte", []string{"activate", "deactivate"}, "activate"},
		{"insertion", "acttivate", []string{"activate"}, "activate"},
		{"swap", "mdoe", []string{"mode", "comment"}, "mode"},
		{"substitution", "us-wesr-2", knownRegions, "us-west-2"},
		{"region missing hyphen", "us-west2", knownRegions, "us-west-2"},
		{"one char input one edit", "x", []string{"y"}, "y"},
		{"too far", "deploy", subcommands, ""},
		{"limit is a third", "abcdef", []string{"abcxyz"}, ""},
		{"at the limit", "abcdef", []string{"abcdxy"}, "abcdxy"},
		{"closest wins", "pend", []string{"pending", "pend1"}, "pend1"},
		{"tie goes to first sorted", "ab", []string{"ac", "aa"}, "aa"},
		{"tie independent of order", "ab", []string{"aa", "ac"}, "aa"},
		{"empty input", "", []string{"a"}, ""},
		{"no candidates", "abc", nil, ""},
		{"empty candidate skipped", "a", []string{""}, ""},
		{"unicode counted in characters", "ééé", []string{"éé"}, "éé"},
		{"too long input", strings.Repeat("a", 129), []string{strings.Repeat("a", 129)}, ""},
		{"long input close", strings.Repeat("a", 120) + "b", []string{strings.Repeat("a", 121)}, strings.Repeat("a", 121)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Suggest(tc.input, tc.candidates); got != tc.want {
				t.Errorf("Suggest(%q, %q): got %q, want %q", tc.input, tc.candidates, got, tc.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"mdoe", "mode", 1},
		{"ca", "abc", 3},
		{"flaw", "lawn", 2},
	}
	for _, tc := range cases {
		if got := editDistance([]rune(tc.a), []rune(tc.b), 100); got != tc.want {
			t.Errorf("editDistance(%q, %q): got %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
