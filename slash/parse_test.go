package slash

import (
	"strings"
	"testing"
)

func TestParseCommands(t *testing.T) { runParseCases(t, testParser, commandCases()) }

func commandCases() []parseCase {
	id128 := strings.Repeat("a", 128)
	return []parseCase{
		{name: "empty is help", text: "", want: Help{}},
		{name: "spaces are help", text: "   ", want: Help{}},
		{name: "unicode spaces are help", text: "\u00a0\u2007\u202f\u3000\t\n", want: Help{}},
		{name: "help", text: "help", want: Help{}},
		{name: "help upper case", text: "HELP", want: Help{}},
		{name: "help with topic", text: "help execute", want: Help{}},
		{name: "question mark", text: "?", want: Help{}},
		{name: "double dash help", text: "--help", want: Help{}},
		{name: "em dash help", text: "—help", want: Help{}},
		{name: "dash h", text: "-h", want: Help{}},
		{name: "execute help flag", text: "execute --help", want: Help{}},
		{name: "execute help flag after arguments", text: cmdText("--help --bogus"), want: Help{}},
		{name: "status help flag", text: "status -h", want: Help{}},
		{name: "audit help flag", text: "audit --help", want: Help{}},
		{name: "plans help flag", text: "plans --help", want: Help{}},

		{name: "status", text: "status exec-123", want: Status{ExecutionID: "exec-123"}},
		{name: "status upper case", text: "STATUS Exec-123", want: Status{ExecutionID: "Exec-123"}},
		{name: "status id with ARN characters", text: "status a1:b2/c3_d4.e5-f6", want: Status{ExecutionID: "a1:b2/c3_d4.e5-f6"}},
		{name: "status 128 characters", text: "status " + id128, want: Status{ExecutionID: id128}},
		{name: "status quoted id with leading dash", text: `status "-abc"`, want: Status{ExecutionID: "-abc"}},
		{name: "status missing id", text: "status", problem: "missing the execution ID: which execution?"},
		{name: "status two ids", text: "status a b", problem: "unexpected extra argument `b`"},
		{name: "status bad id", text: "status abc!", problem: "`abc!` is not an execution ID", suggestion: "an execution ID is up to 128 letters, digits and _ . : / -"},
		{name: "status id too long", text: "status " + id128 + "a", problem: "is not an execution ID", suggestion: "an execution ID is up to 128 letters, digits and _ . : / -"},
		{name: "status unicode id", text: "status éxec", problem: "`éxec` is not an execution ID", suggestion: "an execution ID is up to 128 letters, digits and _ . : / -"},
		{name: "status flag", text: "status --dry-run abc", problem: "`--dry-run` is not a flag: status takes none"},
		{name: "cancel", text: "cancel exec-1", want: Control{Op: ControlCancel, ExecutionID: "exec-1"}},
		{name: "pause", text: "pause exec-1", want: Control{Op: ControlPause, ExecutionID: "exec-1"}},
		{name: "resume", text: "Resume exec-1", want: Control{Op: ControlResume, ExecutionID: "exec-1"}},
		{name: "cancel missing id", text: "cancel", problem: "missing the execution ID"},
		{name: "pause bad id", text: "pause <!channel>", problem: "`<!channel>` is not an execution ID", suggestion: "an execution ID is up to 128 letters, digits and _ . : / -"},
		{name: "resume extra", text: "resume a b c", problem: "unexpected extra argument `b`"},

		{name: "plans", text: "plans", want: Plans{}},
		{name: "plans extra", text: "plans all", problem: "unexpected extra argument `all`"},
		{name: "pending", text: "PENDING", want: Pending{}},
		{name: "pending flag", text: "pending --all", problem: "`--all` is not a flag: pending takes none"},
		{name: "audit", text: "audit", want: Audit{}},
		{name: "audit alias", text: "audit checkout-prod", want: Audit{Plan: "checkout-prod", Ref: PlanRef{Raw: "checkout-prod", Kind: PlanByAlias, ARN: arnCheckout, Name: "checkout"}}},
		{name: "audit alias case kept raw, resolved", text: "audit CHECKOUT-PROD", want: Audit{Plan: "CHECKOUT-PROD", Ref: PlanRef{Raw: "CHECKOUT-PROD", Kind: PlanByAlias, ARN: arnCheckout, Name: "checkout"}}},
		{name: "audit ARN", text: "audit " + arnCheckout, want: Audit{Plan: arnCheckout, Ref: PlanRef{Raw: arnCheckout, Kind: PlanByARN, ARN: arnCheckout, Name: "checkout"}}},
		{name: "audit name", text: "audit other-plan", want: Audit{Plan: "other-plan", Ref: PlanRef{Raw: "other-plan", Kind: PlanByName, Name: "other-plan"}}},
		{name: "audit bad plan", text: "audit ch@ck", problem: "`ch@ck` is not a plan ARN, alias or plan name"},
		{name: "audit two plans", text: "audit a b", problem: "unexpected extra argument `b`"},

		{name: "unknown command", text: "deploy", problem: "`deploy` is not a command"},
		{name: "command typo", text: "exectue checkout-prod activate us-west-2", problem: "`exectue` is not a command", suggestion: "did you mean execute?"},
		{name: "status typo", text: "stauts abc", problem: "`stauts` is not a command", suggestion: "did you mean status?"},
		{name: "pending typo", text: "pendng", problem: "`pendng` is not a command", suggestion: "did you mean pending?"},
		{name: "execute forgotten", text: "checkout-prod activate us-west-2", problem: "`checkout-prod` is not a command", suggestion: "did you mean execute checkout-prod activate us-west-2?"},
		{name: "execute forgotten with flags", text: "checkout-prod activate us-west-2 --dry-run", problem: "`checkout-prod` is not a command", suggestion: "did you mean execute checkout-prod activate us-west-2 …?"},
		{name: "flag first", text: "--dry-run execute checkout-prod activate us-west-2", problem: "the command comes first, before `--dry-run`"},
		{name: "empty quoted command", text: `""`, problem: "`\"\"` is not a command"},
		{name: "slash command repeated", text: "/regionswitch execute", problem: "`/regionswitch` is not a command"},
	}
}

// TestParseHostile feeds input meant to break a parser or the message that
// echoes it.
func TestParseHostile(t *testing.T) { runParseCases(t, testParser, hostileCases()) }

func hostileCases() []parseCase {
	long := strings.Repeat("a", 5000)
	return []parseCase{
		{name: "too long", text: strings.Repeat("x", maxTextBytes+1), problem: "the command is too long: 16385 bytes, at most 16384"},
		{name: "too long execute", text: "execute " + strings.Repeat("x ", maxTextBytes), problem: "the command is too long"},
		{name: "long plan token", text: "execute " + long + " activate us-west-2", problem: "`" + strings.Repeat("a", maxEcho) + "…` is not a plan ARN, alias or plan name"},
		{name: "long unknown command", text: long, problem: "`" + strings.Repeat("a", maxEcho) + "…` is not a command"},
		{name: "invalid UTF-8", text: "execute \xff\xfe activate us-west-2", problem: "the command is not valid UTF-8 text"},
		{name: "NUL in comment", text: cmdText("--comment \"a\x00b\""), problem: "the command contains an invisible control character (U+0000)", suggestion: "retype it instead of pasting it"},
		{name: "NUL in plan", text: "execute check\x00out activate us-west-2", problem: "(U+0000)", suggestion: "retype it instead of pasting it"},
		{name: "NUL alone", text: "\x00", problem: "(U+0000)", suggestion: "retype it instead of pasting it"},
		{name: "terminal escape", text: "execute \x1b[31mred activate us-west-2", problem: "(U+001B)", suggestion: "retype it instead of pasting it"},
		{name: "DEL", text: "status a\x7fb", problem: "(U+007F)", suggestion: "retype it instead of pasting it"},
		{name: "raw channel mention as plan", text: "execute <!channel> activate us-west-2", problem: "`<!channel>` is not a plan ARN, alias or plan name"},
		{name: "escaped channel mention as plan", text: "execute &lt;!channel&gt; activate us-west-2", problem: "`<!channel>` is not a plan ARN, alias or plan name"},
		{name: "user mention as command", text: "<@U123> execute", problem: "`<@U123>` is not a command"},
		{name: "bold plan", text: "execute *bold* activate us-west-2", problem: "`*bold*` is not a plan ARN, alias or plan name"},
		{name: "backticks in plan", text: "execute `rm` activate us-west-2", problem: "`'rm'` is not a plan ARN, alias or plan name"},
		{name: "bidi in plan", text: "execute ab\u202ecd activate us-west-2", problem: "`ab\uFFFDcd` is not a plan ARN, alias or plan name"},
		{name: "shell injection plan", text: "execute $(rm${IFS}-rf) activate us-west-2", problem: "is not a plan ARN, alias or plan name"},
		{name: "semicolon plan", text: "execute checkout;ls activate us-west-2", problem: "`checkout;ls` is not a plan ARN, alias or plan name"},
		{name: "unterminated double", text: cmdText(`--comment "DB down`), problem: "unterminated quote: the \" before `DB down` is never closed", suggestion: "close it with a matching quote"},
		{name: "unterminated curly", text: cmdText(`--comment “DB down`), problem: "unterminated quote: the “ before `DB down` is never closed", suggestion: "close it with a matching quote"},
		{name: "unterminated single", text: cmdText(`--comment 'DB down`), problem: "unterminated quote: the ' before `DB down` is never closed", suggestion: "close it with a quote followed by a space, or use double quotes"},
		{name: "unterminated at end", text: cmdText(`--comment "`), problem: "unterminated quote: the \" at the end is never closed", suggestion: "close it with a matching quote"},
		{name: "escaped closing quote", text: cmdText(`--comment "DB down\"`), problem: "unterminated quote", suggestion: "close it with a matching quote"},
		{name: "mismatched double then single", text: cmdText(`--comment "abc'`), problem: "unterminated quote: the \"", suggestion: "close it with a matching quote"},
		{name: "single not closed before letter", text: cmdText(`--comment 'abc'def`), problem: "unterminated quote: the '", suggestion: "close it with a quote followed by a space, or use double quotes"},
		{name: "quote in the middle of a word", text: cmdText(`--comment 5"`), problem: "unterminated quote", suggestion: "close it with a matching quote"},
		{name: "unterminated usage is the command's", text: `status "abc`, problem: "unterminated quote", suggestion: "close it with a matching quote"},
		{name: "nested quotes join like a shell's", text: cmdText(`--comment “see “INC-1” now”`), want: exec(comment("see INC-1 now"))},
		{name: "apostrophe outside quotes", text: cmdText(`--comment don't`), want: exec(comment("don't"))},
		{name: "curly apostrophe outside quotes", text: cmdText(`--comment don’t`), want: exec(comment("don’t"))},
		{name: "only quotes", text: `"""`, problem: "unterminated quote", suggestion: "close it with a matching quote"},
		{name: "only dashes", text: "— – --", problem: "`—` is not a command"},
		{name: "emoji command", text: "🚀", problem: "`🚀` is not a command"},
		{name: "right-to-left text", text: "تنفيذ", problem: "`تنفيذ` is not a command"},
		{name: "fullwidth execute", text: "ｅｘｅｃｕｔｅ", problem: "`ｅｘｅｃｕｔｅ` is not a command"},
	}
}

func TestParseUsageMatchesCommand(t *testing.T) {
	cases := []struct{ text, usage string }{
		{"execute x", Usage("execute")},
		{"status", Usage("status")},
		{"cancel", Usage("cancel")},
		{"plans x", Usage("plans")},
		{"audit a b", Usage("audit")},
		{"bogus", Usage("")},
		{`status "x`, Usage("status")},
		{"\x00", Usage("")},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			_, err := testParser.Parse(tc.text)
			ue := asUsageError(t, err)
			if ue.Usage != tc.usage {
				t.Errorf("Parse(%q): got usage %q, want %q", tc.text, ue.Usage, tc.usage)
			}
		})
	}
}

func TestCommandNames(t *testing.T) {
	cases := []struct {
		cmd  Command
		want string
	}{
		{Help{}, "help"},
		{ExecuteForm{}, "execute"},
		{Execute{}, "execute"},
		{Status{}, "status"},
		{Control{Op: ControlCancel}, "cancel"},
		{Control{Op: ControlPause}, "pause"},
		{Control{Op: ControlResume}, "resume"},
		{Plans{}, "plans"},
		{Pending{}, "pending"},
		{Audit{}, "audit"},
	}
	for _, tc := range cases {
		if got := tc.cmd.Name(); got != tc.want {
			t.Errorf("%T.Name(): got %q, want %q", tc.cmd, got, tc.want)
		}
	}
	for k, want := range map[PlanKind]string{PlanByARN: "arn", PlanByAlias: "alias", PlanByName: "name", 0: "PlanKind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("PlanKind(%d).String(): got %q, want %q", int(k), got, want)
		}
	}
}

// TestParserConcurrent checks that one Parser serves many goroutines (run
// with -race).
func TestParserConcurrent(t *testing.T) {
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				if _, err := testParser.Parse("execute CHECKOUT-PROD activate us-west-2"); err != nil {
					t.Errorf("got %v, want no error", err)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

func TestParseLongTokensClipped(t *testing.T) {
	long := strings.Repeat("p", 3000)
	_, err := testParser.Parse(long + " activate us-west-2")
	ue := asUsageError(t, err)
	if len(ue.Suggestion) > 200 || !strings.Contains(ue.Suggestion, "did you mean execute "+strings.Repeat("p", maxEcho)+"…") {
		t.Errorf("got suggestion %q, want a clipped 'did you mean execute ppp…'", ue.Suggestion)
	}
	_, err = Parser{Aliases: map[string]string{"": arnCheckout}}.Parse(`execute "" activate us-west-2`)
	if ue := asUsageError(t, err); !strings.Contains(ue.Problem, "is not a plan ARN, alias or plan name") {
		t.Errorf("got problem %q, want an empty plan refused even with an empty alias configured", ue.Problem)
	}
}
