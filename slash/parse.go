// Package slash parses the text of the /regionswitch Slack command into
// typed commands (Execute, Status, Help, ...), and owns the command's
// grammar, its usage and help text, and the errors that tell a user how to
// fix what they typed. It is pure: no I/O, no clock, no AWS or Slack calls.
// Whether a plan exists, or a Region is one of its two, is for the bot to
// check; this package checks only form.
package slash

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxCommentLen is the most characters a --comment or --break-glass reason
// may have: the size of ARC's execution comment.
const MaxCommentLen = 1024

// maxTextBytes bounds the command text Parse reads. Slack's own limit is
// lower; this one only keeps hostile input cheap.
const maxTextBytes = 16 << 10

// subcommands are the words a command can start with, for suggestions.
var subcommands = []string{"execute", "status", "cancel", "pause", "resume", "plans", "pending", "audit", "help"}

// Parser parses /regionswitch command text. The zero value is ready to use
// (with no aliases). A Parser is not changed by Parse and may be used by
// many goroutines at once.
type Parser struct {
	// Aliases maps short plan names users may type to plan ARNs, from
	// PLAN_ALIASES. An alias is matched exactly first, then ignoring case.
	Aliases map[string]string
}

// Parse parses the text after /regionswitch (Slack's "text" field, with its
// &amp; &lt; &gt; escaping). It returns exactly one of a Command (one of the
// value types listed on Command) or an error, and the error is always a
// *UsageError whose Problem and Usage are not empty. Empty or blank text is
// Help.
func (p Parser) Parse(text string) (Command, error) {
	cmd, err := p.parse(text)
	if err != nil {
		return nil, err
	}
	return cmd, nil
}

func (p Parser) parse(text string) (Command, *UsageError) {
	// first is the likely subcommand, to show its usage with early errors.
	first := ""
	if f := strings.Fields(text[:min(len(text), 64)]); len(f) > 0 && len(f[0]) < 32 {
		first = f[0]
	}
	if len(text) > maxTextBytes {
		return nil, usageError(first, fmt.Sprintf("the command is too long: %d bytes, at most %d", len(text), maxTextBytes), "")
	}
	if !utf8.ValidString(text) {
		return nil, usageError(first, "the command is not valid UTF-8 text", "")
	}
	for _, r := range text {
		if unicode.IsControl(r) && !isSpace(r) {
			return nil, usageError(first, fmt.Sprintf("the command contains an invisible control character (%U)", r), "retype it instead of pasting it")
		}
	}
	toks, err := tokenize(text)
	if err != nil {
		err.Usage = Usage(first)
		return nil, err
	}
	if len(toks) == 0 {
		return Help{}, nil
	}
	head, rest := toks[0], toks[1:]
	if name, _, _, _, ok := splitFlag(head); ok && (name == "help" || name == "h") {
		return Help{}, nil
	}
	switch name := strings.ToLower(head.text); name {
	case "help", "?":
		return Help{}, nil
	case "execute":
		return p.parseExecute(rest)
	case "status":
		id, help, err := parseExecutionID(name, rest)
		if help || err != nil {
			return orHelp(help, err)
		}
		return Status{ExecutionID: id}, nil
	case "cancel", "pause", "resume":
		id, help, err := parseExecutionID(name, rest)
		if help || err != nil {
			return orHelp(help, err)
		}
		return Control{Op: ControlOp(name), ExecutionID: id}, nil
	case "plans", "pending":
		a, err := parseArgs(name, rest, nil)
		if a.help || err != nil {
			return orHelp(a.help, err)
		}
		if len(a.pos) > 0 {
			return nil, extraArgument(name, a.pos[0], "")
		}
		if name == "plans" {
			return Plans{}, nil
		}
		return Pending{}, nil
	case "audit":
		return p.parseAudit(rest)
	}
	return nil, unknownCommand(toks)
}

// orHelp returns Help when help is set, else the error.
func orHelp(help bool, err *UsageError) (Command, *UsageError) {
	if help {
		return Help{}, nil
	}
	return nil, err
}

func unknownCommand(toks []token) *UsageError {
	head := toks[0]
	if isFlag(head) {
		return usageError("", "the command comes first, before "+quoteTok(head.text), "")
	}
	if len(toks) >= 3 && isAction(toks[1].text) {
		// "/regionswitch checkout activate us-west-2": execute forgotten.
		words := []string{"execute"}
		for _, t := range toks[:3] {
			words = append(words, clip(t.text, maxEcho))
		}
		s := strings.Join(words, " ")
		if len(toks) > 3 {
			s += " …"
		}
		return usageError("", quoteTok(head.text)+" is not a command", "did you mean "+s+"?")
	}
	return usageError("", quoteTok(head.text)+" is not a command", didYouMean(Suggest(head.text, subcommands)))
}

func extraArgument(cmd string, t token, suggestion string) *UsageError {
	return usageError(cmd, "unexpected extra argument "+quoteTok(t.text), suggestion)
}

func (p Parser) parseAudit(in []token) (Command, *UsageError) {
	a, err := parseArgs("audit", in, nil)
	if a.help || err != nil {
		return orHelp(a.help, err)
	}
	switch len(a.pos) {
	case 0:
		return Audit{}, nil
	case 1:
		ref, err := p.resolvePlan("audit", a.pos[0])
		if err != nil {
			return nil, err
		}
		return Audit{Plan: a.pos[0].text, Ref: ref}, nil
	}
	return nil, extraArgument("audit", a.pos[1], "")
}

// parseExecutionID reads the one argument of status, cancel, pause and
// resume: 1-128 characters of [A-Za-z0-9_.:/-].
func parseExecutionID(cmd string, in []token) (id string, help bool, err *UsageError) {
	a, err := parseArgs(cmd, in, nil)
	if a.help || err != nil {
		return "", a.help, err
	}
	switch {
	case len(a.pos) == 0:
		return "", false, usageError(cmd, "missing the execution ID: which execution?", "")
	case len(a.pos) > 1:
		return "", false, extraArgument(cmd, a.pos[1], "")
	case !validExecutionID(a.pos[0].text):
		return "", false, usageError(cmd, quoteTok(a.pos[0].text)+" is not an execution ID", "an execution ID is up to 128 letters, digits and _ . : / -")
	}
	return a.pos[0].text, false, nil
}

func validExecutionID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.:/-", r)
		if !ok {
			return false
		}
	}
	return true
}
