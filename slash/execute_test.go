package slash

import (
	"strings"
	"testing"
)

func TestParseExecute(t *testing.T) { runParseCases(t, testParser, executeCases()) }

func executeCases() []parseCase {
	arnRef := PlanRef{Raw: arnCheckout, Kind: PlanByARN, ARN: arnCheckout, Name: "checkout"}
	govARN := "arn:aws-us-gov:arc-region-switch::123456789012:plan/gov-plan:a1b2c3"
	return []parseCase{
		{name: "form", text: "execute", want: ExecuteForm{}},
		{name: "form upper case", text: "EXECUTE", want: ExecuteForm{}},
		{name: "form trailing spaces", text: "  execute \u00a0\t", want: ExecuteForm{}},
		{name: "alias", text: "execute checkout-prod activate us-west-2", want: exec()},
		{name: "all upper case", text: "EXECUTE CHECKOUT-PROD ACTIVATE US-WEST-2", want: exec(aliasAs("CHECKOUT-PROD"))},
		{name: "mixed case", text: "Execute Checkout-Prod Activate Us-West-2", want: exec(aliasAs("Checkout-Prod"))},
		{name: "deactivate", text: "execute checkout-prod deactivate us-east-1", want: exec(action(ActionDeactivate), region("us-east-1"))},
		{name: "second alias", text: "execute payments activate eu-central-1", want: exec(region("eu-central-1"),
			plan(PlanRef{Raw: "payments", Kind: PlanByAlias, ARN: arnPayments, Name: "payments-eu"}))},
		{name: "plan ARN", text: "execute " + arnCheckout + " activate eu-central-1", want: exec(plan(arnRef), region("eu-central-1"))},
		{name: "GovCloud ARN", text: "execute " + govARN + " activate us-gov-west-1", want: exec(region("us-gov-west-1"),
			plan(PlanRef{Raw: govARN, Kind: PlanByARN, ARN: govARN, Name: "gov-plan"}))},
		{name: "plan name", text: "execute my-plan activate ap-southeast-5", want: exec(plan(byName("my-plan")), region("ap-southeast-5"))},
		{name: "name close to an alias is a name", text: "execute checkout-prd activate us-west-2", want: exec(plan(byName("checkout-prd")))},
		{name: "China Region", text: "execute my-plan activate cn-north-1", want: exec(plan(byName("my-plan")), region("cn-north-1"))},
		{name: "quoted plan", text: `execute "checkout-prod" activate us-west-2`, want: exec()},

		{name: "mode separate", text: cmdText("--mode ungraceful"), want: exec(mode(ModeUngraceful))},
		{name: "mode equals", text: cmdText("--mode=ungraceful"), want: exec(mode(ModeUngraceful))},
		{name: "mode upper case", text: cmdText("--MODE UNGRACEFUL"), want: exec(mode(ModeUngraceful))},
		{name: "mode graceful", text: cmdText("--mode graceful"), want: exec()},
		{name: "mode em dash", text: cmdText("—mode ungraceful"), want: exec(mode(ModeUngraceful))},
		{name: "mode en dash equals", text: cmdText("–mode=ungraceful"), want: exec(mode(ModeUngraceful))},
		{name: "mode single dash", text: cmdText("-mode ungraceful"), want: exec(mode(ModeUngraceful))},
		{name: "mode quoted value", text: cmdText(`--mode "ungraceful"`), want: exec(mode(ModeUngraceful))},
		{name: "flags first", text: "execute --mode ungraceful --dry-run checkout-prod activate us-west-2", want: exec(mode(ModeUngraceful), dryRun)},
		{name: "flags among positionals", text: "execute checkout-prod --dry-run activate --mode=ungraceful us-west-2", want: exec(mode(ModeUngraceful), dryRun)},

		{name: "dry run", text: cmdText("--dry-run"), want: exec(dryRun)},
		{name: "dry run true", text: cmdText("--dry-run=true"), want: exec(dryRun)},
		{name: "dry run false", text: cmdText("--dry-run=false"), want: exec()},
		{name: "dry run em dash", text: cmdText("—dry-run"), want: exec(dryRun)},
		{name: "dry run unicode hyphen", text: cmdText("--dry\u2010run"), want: exec(dryRun)},

		{name: "comment straight quotes", text: cmdText(`--comment "DB failover, INC-123"`), want: exec(comment("DB failover, INC-123"))},
		{name: "comment curly quotes", text: cmdText(`--comment “DB failover”`), want: exec(comment("DB failover"))},
		{name: "comment two right quotes", text: cmdText(`--comment ”DB failover”`), want: exec(comment("DB failover"))},
		{name: "comment two left quotes", text: cmdText(`--comment “DB failover“`), want: exec(comment("DB failover"))},
		{name: "comment straight then curly", text: cmdText(`--comment "DB failover”`), want: exec(comment("DB failover"))},
		{name: "comment German quotes", text: cmdText(`--comment „DB failover“`), want: exec(comment("DB failover"))},
		{name: "comment single quotes", text: cmdText(`--comment 'DB failover'`), want: exec(comment("DB failover"))},
		{name: "comment curly single quotes", text: cmdText(`--comment ‘DB failover’`), want: exec(comment("DB failover"))},
		{name: "comment equals curly", text: cmdText(`--comment=“DB failover”`), want: exec(comment("DB failover"))},
		{name: "comment equals straight", text: cmdText(`--comment="DB failover"`), want: exec(comment("DB failover"))},
		{name: "comment equals single", text: cmdText(`--comment='DB failover'`), want: exec(comment("DB failover"))},
		{name: "comment equals unquoted", text: cmdText(`--comment=INC-123`), want: exec(comment("INC-123"))},
		{name: "comment one word", text: cmdText(`--comment INC-123`), want: exec(comment("INC-123"))},
		{name: "comment apostrophe in double", text: cmdText(`--comment "don't panic"`), want: exec(comment("don't panic"))},
		{name: "comment curly apostrophe in curly double", text: cmdText(`--comment “it’s down”`), want: exec(comment("it’s down"))},
		{name: "comment apostrophe in single", text: cmdText(`--comment 'it's down'`), want: exec(comment("it's down"))},
		{name: "comment curly apostrophe in curly single", text: cmdText(`--comment ‘it’s down’`), want: exec(comment("it’s down"))},
		{name: "comment escaped quotes", text: cmdText(`--comment "say \"hi\""`), want: exec(comment(`say "hi"`))},
		{name: "comment escaped curly quotes", text: cmdText(`--comment "say \“hi\”"`), want: exec(comment(`say “hi”`))},
		{name: "comment backslash kept", text: cmdText(`--comment "C:\temp\new"`), want: exec(comment(`C:\temp\new`))},
		{name: "comment escaped backslash", text: cmdText(`--comment "a\\b"`), want: exec(comment(`a\b`))},
		{name: "comment single inside double", text: cmdText(`--comment "outer 'inner' outer"`), want: exec(comment("outer 'inner' outer"))},
		{name: "comment double inside single", text: cmdText(`--comment 'outer "inner" outer'`), want: exec(comment(`outer "inner" outer`))},
		{name: "comment holding flags", text: cmdText(`--comment "--mode ungraceful --dry-run"`), want: exec(comment("--mode ungraceful --dry-run"))},
		{name: "comment that is a flag, quoted", text: cmdText(`--comment "--dry-run"`), want: exec(comment("--dry-run"))},
		{name: "comment with em dash", text: cmdText(`--comment "us-east-1 — impaired"`), want: exec(comment("us-east-1 — impaired"))},
		{name: "comment Slack escapes", text: cmdText(`--comment "&lt;!channel&gt; &amp; *bold* _it_ ~s~"`), want: exec(comment("<!channel> & *bold* _it_ ~s~"))},
		{name: "comment escaped entity", text: cmdText(`--comment "&amp;lt;"`), want: exec(comment("&lt;"))},
		{name: "comment trimmed", text: cmdText(`--comment "  padded  "`), want: exec(comment("padded"))},
		{name: "comment no-break spaces trimmed", text: cmdText("--comment \"\u00a0padded\u202f\""), want: exec(comment("padded"))},
		{name: "comment inner spaces kept", text: cmdText(`--comment "a   b"`), want: exec(comment("a   b"))},
		{name: "comment emoji", text: cmdText(`--comment "🔥 us-east-1 down 🚒 👨‍👩‍👧 ｆｕｌｌ"`), want: exec(comment("🔥 us-east-1 down 🚒 👨‍👩‍👧 ｆｕｌｌ"))},
		{name: "comment empty", text: cmdText(`--comment ""`), want: exec()},
		{name: "comment equals empty quotes", text: cmdText(`--comment=""`), want: exec()},
		{name: "comment at limit", text: cmdText(`--comment "` + strings.Repeat("é", MaxCommentLen) + `"`), want: exec(comment(strings.Repeat("é", MaxCommentLen)))},
		{name: "comment at limit in entities", text: cmdText(`--comment "` + strings.Repeat("&amp;", MaxCommentLen) + `"`), want: exec(comment(strings.Repeat("&", MaxCommentLen)))},
		{name: "comment mentions", text: cmdText(`--comment "<@U123|bob> <#C1|ops>"`), want: exec(comment("<@U123|bob> <#C1|ops>"))},

		{name: "break glass", text: cmdText(`--break-glass "us-east-1 control plane down"`), want: exec(reason("us-east-1 control plane down"))},
		{name: "break glass em dash curly", text: cmdText(`—break-glass “approver paged, no answer”`), want: exec(reason("approver paged, no answer"))},
		{name: "everything", text: "execute --dry-run " + arnCheckout + ` DEACTIVATE EU-WEST-1 —mode=Ungraceful –comment “DB down, see ‘INC-1’” --break-glass 'sev1'`,
			want: Execute{Plan: arnRef, Action: ActionDeactivate, Region: "eu-west-1", Mode: ModeUngraceful, Comment: "DB down, see ‘INC-1’", DryRun: true, BreakGlass: "sev1"}},

		{name: "no-break space separators", text: "execute\u00a0checkout-prod\u00a0activate\u202fus-west-2", want: exec()},
		{name: "zero-width space separators", text: "execute\u200bcheckout-prod\u200bactivate\u200bus-west-2", want: exec()},
		{name: "newline separators", text: "execute\ncheckout-prod\r\nactivate\tus-west-2\n", want: exec()},
		{name: "escaped space outside quotes", text: `execute checkout-prod activate us-west-2 --comment a\ b`, want: exec(comment("a b"))},
	}
}

func TestParseAliases(t *testing.T) {
	p := Parser{Aliases: map[string]string{
		"Prod":     "arn:aws:arc-region-switch::123456789012:plan/upper:aaaaaa",
		"prod":     "arn:aws:arc-region-switch::123456789012:plan/lower:bbbbbb",
		"Staging":  "arn:aws:arc-region-switch::123456789012:plan/staging:cccccc",
		"activate": "arn:aws:arc-region-switch::123456789012:plan/odd:dddddd",
		"broken":   "not-an-arn",
	}}
	ref := func(raw, arn, name string) func(*Execute) {
		return plan(PlanRef{Raw: raw, Kind: PlanByAlias, ARN: arn, Name: name})
	}
	cases := []parseCase{
		{name: "exact beats case-insensitive upper", text: "execute Prod activate us-west-2", want: exec(ref("Prod", "arn:aws:arc-region-switch::123456789012:plan/upper:aaaaaa", "upper"))},
		{name: "exact beats case-insensitive lower", text: "execute prod activate us-west-2", want: exec(ref("prod", "arn:aws:arc-region-switch::123456789012:plan/lower:bbbbbb", "lower"))},
		{name: "ambiguous", text: "execute PROD activate us-west-2", problem: "`PROD` matches more than one plan alias (Prod, prod)", suggestion: "type the alias exactly"},
		{name: "case-insensitive unique", text: "execute staging activate us-west-2", want: exec(ref("staging", "arn:aws:arc-region-switch::123456789012:plan/staging:cccccc", "staging"))},
		{name: "alias named like an action", text: "execute activate activate us-west-2", want: exec(ref("activate", "arn:aws:arc-region-switch::123456789012:plan/odd:dddddd", "odd"))},
		{name: "alias with a bad ARN", text: "execute broken activate us-west-2", want: exec(ref("broken", "not-an-arn", ""))},
		{name: "suggestion among aliases", text: "execute stag!ng activate us-west-2", problem: "is not a plan ARN, alias or plan name", suggestion: "did you mean Staging?"},
	}
	runParseCases(t, p, cases)

	t.Run("no aliases", func(t *testing.T) {
		got, err := Parser{}.Parse("execute checkout-prod activate us-west-2")
		want := exec(plan(byName("checkout-prod")))
		if err != nil || got != Command(want) {
			t.Fatalf("got %#v, %v; want %#v, nil", got, err, want)
		}
	})
}
