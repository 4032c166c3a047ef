package slash

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseExecute parses the arguments of execute:
//
//	<plan> <activate|deactivate> <region> [--mode m] [--comment c] [--dry-run] [--break-glass r]
//
// with the flags anywhere; no arguments at all is ExecuteForm.
func (p Parser) parseExecute(in []token) (Command, *UsageError) {
	if len(in) == 0 {
		return ExecuteForm{}, nil
	}
	a, err := parseArgs("execute", in, executeFlags)
	if a.help || err != nil {
		return orHelp(a.help, err)
	}
	pos := a.pos
	if len(pos) == 0 {
		return nil, usageError("execute", "missing the plan: which plan should run?", "")
	}
	if isAction(pos[0].text) && (len(pos) == 1 || !isAction(pos[1].text)) {
		if _, found, _ := p.alias("execute", pos[0].text); !found {
			return nil, usageError("execute", "missing the plan: it comes first, before "+quoteTok(pos[0].text), "")
		}
	}
	plan, err := p.resolvePlan("execute", pos[0])
	if err != nil {
		return nil, err
	}
	if len(pos) < 2 {
		return nil, usageError("execute", "missing the action: activate or deactivate", "")
	}
	action, err := parseAction(pos)
	if err != nil {
		return nil, err
	}
	if len(pos) < 3 {
		return nil, usageError("execute", "missing the Region: which Region should be "+string(action)+"d?", "")
	}
	region, err := parseRegion(pos)
	if err != nil {
		return nil, err
	}
	if len(pos) > 3 {
		return nil, extraArgument("execute", pos[3], extraHint(a))
	}

	x := Execute{Plan: plan, Action: action, Region: region, Mode: ModeGraceful}
	if t, ok := a.flags["mode"]; ok {
		if x.Mode, err = parseMode(t.text); err != nil {
			return nil, err
		}
	}
	if t, ok := a.flags["comment"]; ok {
		if x.Comment, err = freeText("comment", "--comment", t.text); err != nil {
			return nil, err
		}
	}
	if t, ok := a.flags["break-glass"]; ok {
		if x.BreakGlass, err = freeText("reason", "--break-glass", t.text); err != nil {
			return nil, err
		}
		if x.BreakGlass == "" {
			return nil, usageError("execute", "`--break-glass` needs a reason, and it is blank", `write --break-glass "reason"`)
		}
	}
	x.DryRun = a.flags["dry-run"].text == "true"
	return x, nil
}

// extraHint explains the usual cause of extra arguments: free text that
// was not quoted.
func extraHint(a args) string {
	if t, ok := a.flags["comment"]; ok && !t.hasQuotes {
		return `put the comment in quotes: --comment "` + clip(t.text, 20) + ` …"`
	}
	if t, ok := a.flags["break-glass"]; ok && !t.hasQuotes {
		return `put the reason in quotes: --break-glass "` + clip(t.text, 20) + ` …"`
	}
	if _, ok := a.flags["comment"]; !ok {
		return `to add a comment, write --comment "text"`
	}
	return ""
}

func isAction(s string) bool {
	s = strings.ToLower(s)
	return s == string(ActionActivate) || s == string(ActionDeactivate)
}

// parseAction reads pos[1], the action.
func parseAction(pos []token) (Action, *UsageError) {
	t := pos[1].text
	if isAction(t) {
		return Action(strings.ToLower(t)), nil
	}
	problem := quoteTok(t) + " is not an action"
	if len(pos) >= 3 && ValidRegionCode(strings.ToLower(t)) && isAction(pos[2].text) {
		return "", usageError("execute", problem, "the action comes before the Region: "+
			strings.ToLower(pos[2].text)+" "+strings.ToLower(t))
	}
	suggestion := didYouMean(Suggest(t, []string{string(ActionActivate), string(ActionDeactivate)}))
	if suggestion == "" {
		suggestion = "use activate or deactivate"
	}
	return "", usageError("execute", problem, suggestion)
}

// parseRegion reads pos[2], the Region code, in lower case.
func parseRegion(pos []token) (string, *UsageError) {
	region := strings.ToLower(pos[2].text)
	if ValidRegionCode(region) {
		return region, nil
	}
	problem := quoteTok(pos[2].text) + " is not an AWS Region code"
	if r := strings.ToLower(pos[0].text); ValidRegionCode(r) {
		return "", usageError("execute", problem, "the plan comes first, the Region last: execute <plan> <action> "+r)
	}
	suggestion := didYouMean(Suggest(region, knownRegions))
	if suggestion == "" {
		suggestion = "a Region code looks like us-west-2"
	}
	return "", usageError("execute", problem, suggestion)
}

func parseMode(s string) (Mode, *UsageError) {
	m := strings.ToLower(strings.TrimSpace(s))
	switch Mode(m) {
	case ModeGraceful, ModeUngraceful:
		return Mode(m), nil
	}
	suggestion := didYouMean(Suggest(m, []string{string(ModeGraceful), string(ModeUngraceful)}))
	if suggestion == "" {
		suggestion = "use graceful or ungraceful"
	}
	return "", usageError("execute", quoteTok(s)+" is not a mode", suggestion)
}

// freeText checks the value of --comment or --break-glass: Slack's escaping
// undone, surrounding space trimmed, at most MaxCommentLen characters, no
// control or bidirectional-override characters.
func freeText(what, flag, raw string) (string, *UsageError) {
	s := strings.TrimFunc(unescapeSlack(raw), isSpace)
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", usageError("execute", fmt.Sprintf("the %s contains a line break or control character (%s)", what, runeName(r)),
				"write it on one line, with plain spaces")
		}
		if IsBidiControl(r) {
			return "", usageError("execute", fmt.Sprintf("the %s contains an invisible text-direction character (%U)", what, r),
				"retype it instead of pasting it")
		}
	}
	if n := utf8.RuneCountInString(s); n > MaxCommentLen {
		return "", usageError("execute", fmt.Sprintf("the %s is too long: %d characters, at most %d", what, n, MaxCommentLen),
			"shorten the "+flag+" text")
	}
	return s, nil
}

func runeName(r rune) string {
	switch r {
	case '\n':
		return "a newline"
	case '\r':
		return "a carriage return"
	case '\t':
		return "a tab"
	}
	return fmt.Sprintf("%U", r)
}

// IsBidiControl reports whether r is one of the explicit bidirectional
// formatting characters that can make text read differently from what it
// is ("Trojan Source").
func IsBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}
