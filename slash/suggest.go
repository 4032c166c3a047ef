package slash

import (
	"strings"
	"unicode/utf8"
)

// maxSuggestLen bounds the work of Suggest: inputs or candidates longer than
// this many characters are never suggested (nobody mistypes a 200-character
// word into a known one).
const maxSuggestLen = 128

// Suggest returns the candidate closest to input by edit distance
// (insertions, deletions, substitutions and swaps of adjacent characters,
// counted over characters, ignoring case), or "" when none is close
// enough: the distance must be at most max(1, len(input)/3), counting
// characters. An empty input, and inputs or candidates longer than 128
// characters, match nothing. Ties go to the candidate that sorts first, so
// the answer does not depend on the order of candidates. The candidate is
// returned as given.
func Suggest(input string, candidates []string) string {
	n := utf8.RuneCountInString(input)
	if n == 0 || n > maxSuggestLen {
		return ""
	}
	limit := max(1, n/3)
	in := []rune(strings.ToLower(input))
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == "" || utf8.RuneCountInString(c) > maxSuggestLen {
			continue
		}
		d := editDistance(in, []rune(strings.ToLower(c)), bestDist)
		if d < bestDist || d == bestDist && best != "" && c < best {
			best, bestDist = c, d
		}
	}
	if bestDist > limit {
		return ""
	}
	return best
}

// editDistance returns the optimal-string-alignment distance of a and b:
// the fewest insertions, deletions, substitutions and swaps of two adjacent
// characters that turn a into b ("mdoe" is one edit from "mode"). When the
// lengths alone put it over limit it returns limit+1 without computing.
func editDistance(a, b []rune, limit int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	// d[i][j] is the distance of a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
