package slash

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const (
	arnCheckout = "arn:aws:arc-region-switch::123456789012:plan/checkout:abc123"
	arnPayments = "arn:aws:arc-region-switch::123456789012:plan/payments-eu:Z9y8X7"
)

// testParser is the parser most tests use.
var testParser = Parser{Aliases: map[string]string{
	"checkout-prod": arnCheckout,
	"payments":      arnPayments,
}}

var aliasRef = PlanRef{Raw: "checkout-prod", Kind: PlanByAlias, ARN: arnCheckout, Name: "checkout"}

// exec returns the Execute for "execute checkout-prod activate us-west-2",
// changed by mods.
func exec(mods ...func(*Execute)) Execute {
	x := Execute{Plan: aliasRef, Action: ActionActivate, Region: "us-west-2", Mode: ModeGraceful}
	for _, m := range mods {
		m(&x)
	}
	return x
}

func comment(c string) func(*Execute)   { return func(x *Execute) { x.Comment = c } }
func mode(m Mode) func(*Execute)        { return func(x *Execute) { x.Mode = m } }
func reason(r string) func(*Execute)    { return func(x *Execute) { x.BreakGlass = r } }
func region(r string) func(*Execute)    { return func(x *Execute) { x.Region = r } }
func action(a Action) func(*Execute)    { return func(x *Execute) { x.Action = a } }
func plan(p PlanRef) func(*Execute)     { return func(x *Execute) { x.Plan = p } }
func dryRun(x *Execute)                 { x.DryRun = true }
func cmdText(args string) string        { return "execute checkout-prod activate us-west-2 " + args }
func byName(name string) PlanRef        { return PlanRef{Raw: name, Kind: PlanByName, Name: name} }
func aliasAs(raw string) func(*Execute) { return func(x *Execute) { x.Plan.Raw = raw } }

// parseCase is one row of a Parse table: either want is set, or problem
// (a substring of the UsageError's Problem) and suggestion (its exact
// Suggestion).
type parseCase struct {
	name       string
	text       string
	want       Command
	problem    string
	suggestion string
}

func runParseCases(t *testing.T, p Parser, cases []parseCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Parse(tc.text)
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("Parse(%q): got error %v, want %#v", tc.text, err, tc.want)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("Parse(%q):\n got %#v\nwant %#v", tc.text, got, tc.want)
				}
				return
			}
			if got != nil {
				t.Errorf("Parse(%q): got command %#v with the error, want nil", tc.text, got)
			}
			ue := asUsageError(t, err)
			if !strings.Contains(ue.Problem, tc.problem) {
				t.Errorf("Parse(%q): got problem %q, want it to contain %q", tc.text, ue.Problem, tc.problem)
			}
			if ue.Suggestion != tc.suggestion {
				t.Errorf("Parse(%q): got suggestion %q, want %q", tc.text, ue.Suggestion, tc.suggestion)
			}
			if ue.Usage == "" {
				t.Errorf("Parse(%q): got empty Usage", tc.text)
			}
		})
	}
}

// asUsageError fails the test unless err is a non-nil *UsageError.
func asUsageError(t *testing.T, err error) *UsageError {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a *UsageError")
	}
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("got error %T %v, want a *UsageError", err, err)
	}
	if _, ok := err.(*UsageError); !ok {
		t.Fatalf("got error of type %T, want *UsageError itself", err)
	}
	return ue
}
