package slash

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzSeeds are inputs for FuzzParse beyond the test tables.
var fuzzSeeds = []string{
	"",
	" ",
	"help",
	"execute",
	"execute checkout-prod activate us-west-2",
	"execute checkout-prod activate us-west-2 --mode ungraceful --comment \"INC-1\" --dry-run --break-glass 'sev1'",
	"execute " + arnCheckout + " deactivate eu-central-1 —mode=graceful –comment “x ‘y’ z”",
	"execute checkout-prod activate us-west-2 --comment \"--mode ungraceful\"",
	"execute checkout-prod activate us-west-2 --comment \"&lt;!channel&gt; &amp;\"",
	"execute checkout-prod activate us-west-2 --comment \"a\\\"b\\\\\"",
	"execute checkout-prod activate us-west-2 --comment 'it's'",
	"execute checkout-prod activate us-west-2 --comment ‘it’s’",
	"execute checkout-prod activate us-west-2 --comment \"unterminated",
	"execute checkout-prod activate us-west-2 --comment=",
	"execute checkout-prod activate us-west-2 --mode --mode",
	"execute checkout-prod activate us-west-2 --break-glass \"\"",
	"execute checkout-prod activate us-west-2 --dry-run=false --dry-run",
	"execute \"\" '' “” ‘’",
	"execute activate us-west-2",
	"execute checkout-prod us-west-2 activate",
	"checkout-prod activate us-west-2",
	"status exec-1", "cancel a", "pause b", "resume c", "plans", "pending", "audit", "audit checkout-prod",
	"status", "status a b", "status --x", "--help", "—", "--", "-", "\\", "\"", "'", "“", "‘", "\\\"",
	"<!channel>", "&lt;!channel&gt;", "*bold* _it_ ~s~ `code`",
	"execute\u00a0checkout-prod\u202factivate\u200bus-west-2",
	"\x00", "execute \x00", "\xff", "execute \xc3", "\u202e", "🔥🚒👨‍👩‍👧",
	"execute checkout-prod activate us-west-2 --comment \"a\nb\"",
	"execute a=b activate us-west-2 --mode=\"un\"graceful",
	"\"a\"'b'\"c\"",
	"execute checkout-prod activate us-west-2 --comment " + strings.Repeat("x", 1030),
	strings.Repeat("\"", 50),
	strings.Repeat("execute ", 100),
}

// FuzzParse checks Parse's guarantees on any input: it never panics, it
// returns exactly one of a command or a *UsageError, errors are complete
// and safe to show, and an Execute is always well-formed.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, cases := range [][]parseCase{executeCases(), executeErrorCases(), commandCases(), hostileCases()} {
		for _, tc := range cases {
			// Long inputs are left to the tables: as seeds they make the
			// fuzzer spend its time minimizing.
			if len(tc.text) <= 2048 {
				f.Add(tc.text)
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := testParser.Parse(text)
		if (cmd == nil) == (err == nil) {
			t.Fatalf("Parse(%q): got (%#v, %v), want exactly one of them", text, cmd, err)
		}
		again, err2 := testParser.Parse(text)
		if !reflect.DeepEqual(cmd, again) || !reflect.DeepEqual(err, err2) {
			t.Fatalf("Parse(%q): not deterministic: (%#v, %v) then (%#v, %v)", text, cmd, err, again, err2)
		}
		if err != nil {
			ue, ok := err.(*UsageError)
			if !ok || ue == nil {
				t.Fatalf("Parse(%q): got error %T, want *UsageError", text, err)
			}
			if ue.Problem == "" || ue.Usage == "" {
				t.Fatalf("Parse(%q): got %#v, want non-empty Problem and Usage", text, ue)
			}
			if msg := ue.UserMessage(); strings.ContainsAny(msg, "<>") || !utf8.ValidString(msg) {
				t.Fatalf("Parse(%q): UserMessage %q has < or > or is not UTF-8", text, msg)
			}
			if len(ue.Problem) > 400 {
				t.Fatalf("Parse(%q): got a %d-byte problem, want a short one", text, len(ue.Problem))
			}
			return
		}
		switch c := cmd.(type) {
		case Execute:
			checkExecute(t, text, c)
		case Status:
			if !validExecutionID(c.ExecutionID) {
				t.Fatalf("Parse(%q): got status of invalid ID %q", text, c.ExecutionID)
			}
		case Control:
			if !validExecutionID(c.ExecutionID) || (c.Op != ControlCancel && c.Op != ControlPause && c.Op != ControlResume) {
				t.Fatalf("Parse(%q): got invalid %#v", text, c)
			}
		case Help, ExecuteForm, Plans, Pending, Audit:
		default:
			t.Fatalf("Parse(%q): got unexpected command type %T", text, cmd)
		}
	})
}

func checkExecute(t *testing.T, text string, c Execute) {
	t.Helper()
	if c.Action != ActionActivate && c.Action != ActionDeactivate {
		t.Fatalf("Parse(%q): got action %q", text, c.Action)
	}
	if c.Mode != ModeGraceful && c.Mode != ModeUngraceful {
		t.Fatalf("Parse(%q): got mode %q", text, c.Mode)
	}
	if !ValidRegionCode(c.Region) {
		t.Fatalf("Parse(%q): got Region %q", text, c.Region)
	}
	switch c.Plan.Kind {
	case PlanByARN:
		if !ValidPlanARN(c.Plan.ARN) || c.Plan.ARN != c.Plan.Raw || !ValidPlanName(c.Plan.Name) {
			t.Fatalf("Parse(%q): got ARN plan %#v", text, c.Plan)
		}
	case PlanByAlias:
		if c.Plan.ARN == "" || !strings.EqualFold(c.Plan.Raw, aliasKey(c.Plan.Raw)) {
			t.Fatalf("Parse(%q): got alias plan %#v", text, c.Plan)
		}
	case PlanByName:
		if !ValidPlanName(c.Plan.Name) || c.Plan.Name != c.Plan.Raw || c.Plan.ARN != "" {
			t.Fatalf("Parse(%q): got named plan %#v", text, c.Plan)
		}
	default:
		t.Fatalf("Parse(%q): got plan kind %d", text, c.Plan.Kind)
	}
	for what, s := range map[string]string{"comment": c.Comment, "reason": c.BreakGlass} {
		if utf8.RuneCountInString(s) > MaxCommentLen || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
			t.Fatalf("Parse(%q): got %s %q", text, what, s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || IsBidiControl(r) {
				t.Fatalf("Parse(%q): got %s %q with control character %U", text, what, s, r)
			}
		}
	}
}

// aliasKey returns the testParser alias that raw names, or "".
func aliasKey(raw string) string {
	for k := range testParser.Aliases {
		if strings.EqualFold(k, raw) {
			return k
		}
	}
	return ""
}
