package slash

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The flags are parsed by hand rather than with one flag.FlagSet per
// subcommand (as atlantis does): a FlagSet stops at the first positional
// argument, knows only ASCII dashes, cannot tell a quoted "--mode" from a
// flag, and reports problems as fixed English strings that would have to be
// taken apart again to give the friendly errors below.

// flagSpec describes one flag of a subcommand.
type flagSpec struct {
	name    string // without dashes, lower case
	value   bool   // takes a value (else boolean)
	missing string // Problem when the value is missing
	hint    string // Suggestion when the value is missing
}

var executeFlags = []flagSpec{
	{name: "mode", value: true, missing: "`--mode` is missing its value: graceful or ungraceful", hint: "write --mode ungraceful"},
	{name: "comment", value: true, missing: "`--comment` is missing its text", hint: `write --comment "text"`},
	{name: "dry-run"},
	{name: "break-glass", value: true, missing: "`--break-glass` needs a reason", hint: `write --break-glass "reason"`},
}

// args is a subcommand's arguments sorted into positionals and flags.
type args struct {
	pos []token
	// flags holds the value of each flag given, by name; booleans hold
	// "true" or "false".
	flags map[string]token
	// help: --help or -h was given; nothing else was checked.
	help bool
}

// isDash reports whether r is a hyphen or one of the dashes that smart
// punctuation (Slack, macOS) makes of "--": en dash, em dash and kin.
func isDash(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFE58', '\uFE63', '\uFF0D':
		return true
	}
	return false
}

// splitFlag reports whether t is a flag: not quoted, one or more dashes of
// any kind, then a letter. It returns the name (lower case, dashes made
// ASCII), what the user typed before any '=', and the value after '='.
func splitFlag(t token) (name, typed, value string, hasValue, ok bool) {
	if t.quoted {
		return "", "", "", false, false
	}
	rest := strings.TrimLeftFunc(t.text, isDash)
	if rest == t.text {
		return "", "", "", false, false
	}
	if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLetter(r) {
		return "", "", "", false, false // "-", "--", "-5": not flags
	}
	typed, value, hasValue = strings.Cut(t.text, "=")
	name, _, _ = strings.Cut(rest, "=")
	name = strings.ToLower(strings.Map(func(r rune) rune {
		if isDash(r) {
			return '-'
		}
		return r
	}, name))
	return name, typed, value, hasValue, true
}

func isFlag(t token) bool {
	_, _, _, _, ok := splitFlag(t)
	return ok
}

// parseArgs sorts the arguments of subcommand cmd into positionals and the
// flags of specs. Flags may come anywhere, as --name value or --name=value;
// each may be given once. It stops at --help or -h.
func parseArgs(cmd string, in []token, specs []flagSpec) (args, *UsageError) {
	a := args{flags: map[string]token{}}
	for i := 0; i < len(in); i++ {
		t := in[i]
		name, typed, value, hasValue, ok := splitFlag(t)
		if !ok {
			a.pos = append(a.pos, t)
			continue
		}
		if name == "help" || name == "h" {
			a.help = true
			return a, nil
		}
		spec, known := findFlag(specs, name)
		if !known {
			return a, unknownFlag(cmd, typed, name, specs)
		}
		flag := "`--" + spec.name + "`"
		if _, dup := a.flags[spec.name]; dup {
			return a, usageError(cmd, flag+" is given twice", "give it once")
		}
		switch {
		case !spec.value && !hasValue:
			a.flags[spec.name] = token{text: "true"}
		case !spec.value:
			b, err := strconv.ParseBool(value)
			if err != nil {
				return a, usageError(cmd, flag+" takes no value", "write "+"--"+spec.name+" alone")
			}
			a.flags[spec.name] = token{text: strconv.FormatBool(b)}
		case hasValue:
			if value == "" && !t.hasQuotes {
				return a, usageError(cmd, spec.missing, spec.hint)
			}
			a.flags[spec.name] = token{text: value, quoted: t.hasQuotes, hasQuotes: t.hasQuotes}
		default:
			if i+1 == len(in) || isFlag(in[i+1]) {
				return a, usageError(cmd, spec.missing, spec.hint)
			}
			i++
			a.flags[spec.name] = in[i]
		}
	}
	return a, nil
}

func findFlag(specs []flagSpec, name string) (flagSpec, bool) {
	for _, s := range specs {
		if s.name == name {
			return s, true
		}
	}
	return flagSpec{}, false
}

func unknownFlag(cmd, typed, name string, specs []flagSpec) *UsageError {
	if len(specs) == 0 {
		return usageError(cmd, quoteTok(typed)+" is not a flag: "+cmd+" takes none", "")
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	suggestion := ""
	if s := Suggest(name, names); s != "" {
		suggestion = didYouMean("--" + s)
	}
	return usageError(cmd, quoteTok(typed)+" is not a flag of "+cmd, suggestion)
}
