package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// policyDoc is an IAM policy document. Action, Resource and Statement may
// each be a single value or a list.
type policyDoc struct {
	Version   string     `json:"Version"`
	Statement statements `json:"Statement"`
}

type statement struct {
	Sid         string  `json:"Sid"`
	Effect      string  `json:"Effect"`
	Action      strList `json:"Action"`
	NotAction   strList `json:"NotAction"`
	Resource    strList `json:"Resource"`
	NotResource strList `json:"NotResource"`
}

type strList []string

func (l *strList) UnmarshalJSON(b []byte) error { return oneOrMany(b, (*[]string)(l)) }

type statements []statement

func (s *statements) UnmarshalJSON(b []byte) error { return oneOrMany(b, (*[]statement)(s)) }

// oneOrMany decodes a JSON value or a list of them into out.
func oneOrMany[T any](b []byte, out *[]T) error {
	var one T
	if err := json.Unmarshal(b, &one); err == nil {
		*out = []T{one}
		return nil
	}
	return json.Unmarshal(b, out)
}

func decodeJSON(path string, out any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

const arcPrefix = "arc-region-switch:"

// dataPlane lists ARC Region switch's Regional data-plane operations
// (DESIGN.md, "The AWS side"): all the bot may call, since the control plane
// lives in us-east-1 only and must not be on the failover path.
var dataPlane = []string{
	"StartPlanExecution", "GetPlanExecution", "ListPlanExecutions",
	"ListPlanExecutionEvents", "GetPlanInRegion", "ListPlansInRegion",
	"GetPlanEvaluationStatus", "ApprovePlanExecutionStep",
	"UpdatePlanExecution", "CancelPlanExecution",
}

// noResourceLevel lists the bot's actions that support no resource-level
// permission (Service Authorization Reference: no resource type), so they
// need "Resource": "*". Every other action is scoped to plan ARNs.
var noResourceLevel = []string{"ListPlansInRegion"}

// TestIAMPolicy checks that iam-policy.json is least privilege: Region switch
// data-plane actions only, by name, scoped to plans, and nothing that
// changes a plan.
func TestIAMPolicy(t *testing.T) {
	var p policyDoc
	if err := decodeJSON("iam-policy.json", &p); err != nil {
		t.Fatal(err)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("Version: got %q, want 2012-10-17", p.Version)
	}
	if len(p.Statement) == 0 {
		t.Fatal("got no Statement, want at least one")
	}
	allowed := map[string]bool{}
	for i, st := range p.Statement {
		name := fmt.Sprintf("statement %d (%s)", i, st.Sid)
		if st.Effect != "Allow" {
			t.Errorf("%s: Effect: got %q, want Allow", name, st.Effect)
		}
		if len(st.NotAction) > 0 || len(st.NotResource) > 0 {
			t.Errorf("%s: got NotAction/NotResource, want Action and Resource only", name)
		}
		if len(st.Action) == 0 || len(st.Resource) == 0 {
			t.Errorf("%s: got %d actions, %d resources, want both", name, len(st.Action), len(st.Resource))
		}
		unscoped := true // all actions of this statement may use "*"
		for _, a := range st.Action {
			op, ok := strings.CutPrefix(a, arcPrefix)
			switch {
			case strings.ContainsAny(a, "*?"):
				t.Errorf("%s: action %q: got a wildcard, want actions by name", name, a)
			case !ok:
				t.Errorf("%s: action %q: want only %s* actions", name, a, arcPrefix)
			case !slices.Contains(dataPlane, op):
				t.Errorf("%s: action %q: not a Region switch data-plane operation, want one of %v", name, a, dataPlane)
			}
			allowed[op] = true
			unscoped = unscoped && slices.Contains(noResourceLevel, op)
		}
		for _, r := range st.Resource {
			switch {
			case r == "*" && !unscoped:
				t.Errorf("%s: Resource \"*\" with %v, want plan ARNs (only %v need \"*\")", name, st.Action, noResourceLevel)
			case r != "*" && !(strings.HasPrefix(r, "arn:aws:arc-region-switch::") && strings.Contains(r, ":plan/")):
				t.Errorf("%s: Resource %q: want arn:aws:arc-region-switch::ACCOUNT:plan/...", name, r)
			}
		}
	}

	for _, tt := range []struct {
		op   string
		want bool
	}{
		{"StartPlanExecution", true},
		{"CreatePlan", false},
		{"UpdatePlan", false},
		{"DeletePlan", false},
		{"TagResource", false},
		{"UntagResource", false},
	} {
		if got := allowed[tt.op]; got != tt.want {
			t.Errorf("%s%s allowed: got %v, want %v", arcPrefix, tt.op, got, tt.want)
		}
	}

	// Everything the code calls must be allowed, or it fails with
	// AccessDeniedException in the middle of an incident.
	ops := sdkOperations(t)
	if len(ops) == 0 {
		t.Fatal("no ARC Region switch SDK operation found in the module's code: the scan is broken")
	}
	for _, op := range sortedKeys(ops) {
		if !allowed[op] {
			t.Errorf("%s%s: called at %s, not allowed by iam-policy.json", arcPrefix, op, ops[op])
		}
	}
}

// TestAssumeRolePolicy checks the optional per-plan role policy: sts:AssumeRole
// on named roles only.
func TestAssumeRolePolicy(t *testing.T) {
	var p policyDoc
	if err := decodeJSON("iam-policy-assume-role.json", &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Statement) != 1 {
		t.Fatalf("got %d statements, want 1", len(p.Statement))
	}
	st := p.Statement[0]
	if st.Effect != "Allow" || !slices.Equal(st.Action, []string{"sts:AssumeRole"}) {
		t.Errorf("got Effect %q Action %v, want Allow [sts:AssumeRole]", st.Effect, st.Action)
	}
	for _, r := range st.Resource {
		if !strings.HasPrefix(r, "arn:aws:iam::") || !strings.Contains(r, ":role/") || strings.HasSuffix(r, ":role/*") {
			t.Errorf("Resource %q: want named roles (arn:aws:iam::ACCOUNT:role/PREFIX-*)", r)
		}
	}
}
