package slash

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// UsageError is what Parse returns for input it cannot use. Its fields are
// plain text; UserMessage renders them for Slack.
type UsageError struct {
	// Problem says what is wrong, naming the offending token in backticks,
	// for example "`activte` is not an action". Never empty.
	Problem string
	// Suggestion is a likely fix, such as "did you mean activate?", or "".
	Suggestion string
	// Usage is the usage of the subcommand concerned (of all subcommands
	// when the subcommand is unknown), as returned by Usage. Never empty.
	Usage string
}

// Error returns the problem and suggestion on one line, for logs.
func (e *UsageError) Error() string {
	s := "slash: " + e.Problem
	if e.Suggestion != "" {
		s += " (" + e.Suggestion + ")"
	}
	return s
}

// UserMessage renders the error as Slack mrkdwn for an ephemeral reply:
// ":warning: <Problem>. <Suggestion>" and the usage in a code block. The
// characters &, < and > are escaped, so user input echoed in the problem can
// neither mention anyone nor form a link.
func (e *UsageError) UserMessage() string {
	var b strings.Builder
	b.WriteString(":warning: ")
	b.WriteString(escapeMrkdwn(e.Problem))
	if !strings.HasSuffix(e.Problem, ".") && !strings.HasSuffix(e.Problem, "?") && !strings.HasSuffix(e.Problem, "!") {
		b.WriteString(".")
	}
	if e.Suggestion != "" {
		b.WriteString(" ")
		b.WriteString(escapeMrkdwn(e.Suggestion))
	}
	b.WriteString("\n```")
	b.WriteString(escapeMrkdwn(e.Usage))
	b.WriteString("```")
	return b.String()
}

// usageError builds a UsageError for subcommand cmd ("" for all).
func usageError(cmd, problem, suggestion string) *UsageError {
	return &UsageError{Problem: problem, Suggestion: suggestion, Usage: Usage(cmd)}
}

// didYouMean formats a suggestion for a candidate found by Suggest, or ""
// when there is none.
func didYouMean(candidate string) string {
	if candidate == "" {
		return ""
	}
	return "did you mean " + candidate + "?"
}

// maxEcho is how many characters of a user's token an error repeats.
const maxEcho = 40

// quoteTok renders a user's token for an error message: clipped (see clip)
// and inside backticks.
func quoteTok(s string) string {
	if s == "" {
		return "`\"\"`"
	}
	return "`" + clip(s, maxEcho) + "`"
}

// clip makes user text safe to repeat in a message: Slack entities decoded,
// backticks made plain quotes, invisible and control characters shown as
// U+FFFD, cut to n characters with an ellipsis.
func clip(s string, n int) string {
	s = unescapeSlack(s)
	var b strings.Builder
	for i, r := range []rune(s) {
		if i == n {
			b.WriteString("…")
			break
		}
		switch {
		case r == '`':
			r = '\''
		case r == utf8.RuneError, unicode.IsControl(r), IsBidiControl(r), r == '\u2028', r == '\u2029':
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	slackUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
	mrkdwnEscaper  = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
)

// unescapeSlack undoes Slack's escaping of &, < and > in command text.
func unescapeSlack(s string) string { return slackUnescaper.Replace(s) }

// escapeMrkdwn escapes &, < and > for Slack message text.
func escapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }
