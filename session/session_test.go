package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const planARN = "arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3"

// newSession returns a Session whose real SDK clients talk to a fake ARC
// endpoint, with the SDK's default retryer (three attempts) left in place.
func newSession(t *testing.T, defaultRegion string) (*session.Session, *fakearc.Server) {
	t.Helper()
	fake := fakearc.New(t)
	fake.AddPlan(fakearc.Plan{ARN: planARN, Name: "checkout-prod", Version: "v7", Regions: []string{"us-east-1", "us-west-2"}})
	cfg := aws.Config{
		Region:       defaultRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(fake.URL()),
	}
	return session.New(cfg, session.Options{}), fake
}

func TestStartGoesToTheRegionBeingActivated(t *testing.T) {
	for _, tc := range []struct {
		name, action, target, wantRegion, wantActivate, wantDeactivate string
	}{
		{"activate us-west-2", "activate", "us-west-2", "us-west-2", "us-west-2", "us-east-1"},
		{"activate us-east-1", "activate", "us-east-1", "us-east-1", "us-east-1", "us-west-2"},
		{"deactivate us-east-1", "deactivate", "us-east-1", "us-west-2", "us-west-2", "us-east-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, fake := newSession(t, "us-east-1")
			res, err := s.Start(context.Background(), session.StartInput{
				PlanARN: planARN, PlanRegions: []string{"us-east-1", "us-west-2"},
				Action: tc.action, TargetRegion: tc.target, Mode: "graceful", Comment: "test [regionswitch-bot request=r1 ]",
			})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			calls := fake.CallsTo("StartPlanExecution")
			if len(calls) != 1 {
				t.Fatalf("StartPlanExecution calls = %d, want 1", len(calls))
			}
			if calls[0].Region != tc.wantRegion {
				t.Errorf("signed for %s, want %s", calls[0].Region, tc.wantRegion)
			}
			if res.Region != tc.wantRegion || res.ActivateRegion != tc.wantActivate || res.DeactivateRegion != tc.wantDeactivate {
				t.Errorf("result = %+v, want Region %s, activate %s, deactivate %s", res, tc.wantRegion, tc.wantActivate, tc.wantDeactivate)
			}
			if res.ExecutionID == "" || res.PlanVersion != "v7" {
				t.Errorf("result = %+v, want an execution ID and plan version v7", res)
			}
		})
	}
}

func TestStartIsNeverRetried(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     func(*fakearc.Server)
		definite bool
	}{
		{"500 InternalServerException", func(f *fakearc.Server) {
			f.FailNext("StartPlanExecution", fakearc.Error{Type: "InternalServerException", Message: "boom"})
		}, false},
		{"connection dropped", func(f *fakearc.Server) { f.SetRegionDown("us-west-2", true) }, false},
		{"403 AccessDenied", func(f *fakearc.Server) {
			f.FailNext("StartPlanExecution", fakearc.Error{Type: "AccessDeniedException", Message: "no"})
		}, true},
		{"400 IllegalState", func(f *fakearc.Server) {
			f.FailNext("StartPlanExecution", fakearc.Error{Type: "IllegalStateException", Message: "an execution is in progress"})
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, fake := newSession(t, "us-east-1")
			tc.fail(fake)
			_, err := s.Start(context.Background(), session.StartInput{
				PlanARN: planARN, PlanRegions: []string{"us-east-1", "us-west-2"},
				Action: "activate", TargetRegion: "us-west-2", Mode: "graceful",
			})
			if err == nil {
				t.Fatal("Start succeeded, want an error")
			}
			if n := len(fake.CallsTo("StartPlanExecution")); n != 1 {
				t.Errorf("StartPlanExecution attempts = %d, want exactly 1", n)
			}
			if got := session.Definite(err); got != tc.definite {
				t.Errorf("Definite(%v) = %v, want %v", err, got, tc.definite)
			}
		})
	}
}

func TestDescribeShowsCodeAndMessage(t *testing.T) {
	s, fake := newSession(t, "us-east-1")
	fake.FailNext("StartPlanExecution", fakearc.Error{Type: "AccessDeniedException", Message: "not authorized to perform arc-region-switch:StartPlanExecution"})
	_, err := s.Start(context.Background(), session.StartInput{PlanARN: planARN, PlanRegions: []string{"us-east-1", "us-west-2"}, Action: "activate", TargetRegion: "us-west-2", Mode: "graceful"})
	code, msg := session.Describe(err)
	if code != "AccessDeniedException" || !strings.Contains(msg, "not authorized") {
		t.Errorf("Describe = %q, %q; want AccessDeniedException and AWS's message", code, msg)
	}
}

func TestResolvePlans(t *testing.T) {
	s, fake := newSession(t, "us-east-1")
	ctx := context.Background()
	p, err := s.GetPlan(ctx, "us-west-2", planARN)
	if err != nil {
		t.Fatalf("GetPlan: %v", err)
	}
	if p.Name != "checkout-prod" || p.Version != "v7" || !p.HasRegion("us-west-2") || p.OtherRegion("us-west-2") != "us-east-1" || p.AnsweredBy != "us-west-2" {
		t.Errorf("GetPlan = %+v", p)
	}
	for _, name := range []string{"checkout-prod", "CHECKOUT-PROD"} {
		p, err = s.FindPlanByName(ctx, "us-west-2", name)
		if err != nil || p.ARN != planARN {
			t.Errorf("FindPlanByName(%q) = %+v, %v; want %s", name, p, err, planARN)
		}
	}
	_, err = s.FindPlanByName(ctx, "us-west-2", "checkout-prd")
	var nf *session.PlanNotFoundError
	if !errors.As(err, &nf) || len(nf.Known) != 1 || nf.Known[0] != "checkout-prod" {
		t.Errorf("FindPlanByName(unknown) = %v, want PlanNotFoundError listing checkout-prod", err)
	}
	_, err = s.GetPlan(ctx, "us-west-2", "arn:aws:arc-region-switch::123456789012:plan/nope:zzzzzz")
	if !errors.As(err, &nf) {
		t.Errorf("GetPlan(unknown) = %v, want PlanNotFoundError", err)
	}
	for _, c := range fake.Calls() {
		if c.Region != "us-west-2" {
			t.Errorf("%s went to %s, want us-west-2", c.Operation, c.Region)
		}
		if c.Operation == "GetPlan" || c.Operation == "ListPlans" {
			t.Errorf("control-plane call %s", c.Operation)
		}
	}
}

func TestQueryRegion(t *testing.T) {
	for _, tc := range []struct{ def, action, target, want string }{
		{"us-east-1", "activate", "us-west-2", "us-west-2"},
		{"us-west-2", "deactivate", "us-east-1", "us-west-2"},
		{"us-east-1", "deactivate", "us-east-1", "us-east-1"},
		{"", "deactivate", "us-east-1", "us-east-1"},
	} {
		s := session.New(aws.Config{Region: tc.def}, session.Options{})
		if got := s.QueryRegion(tc.action, tc.target); got != tc.want {
			t.Errorf("QueryRegion(%s %s, default %q) = %s, want %s", tc.action, tc.target, tc.def, got, tc.want)
		}
	}
}

func TestFindExecutionByMarker(t *testing.T) {
	s, fake := newSession(t, "us-east-1")
	fake.AddExecution(fakearc.Execution{ID: "exec-other", PlanARN: planARN, Region: "us-west-2", Comment: "manual run", State: "completed"})
	fake.AddExecution(fakearc.Execution{ID: "exec-mine", PlanARN: planARN, Region: "us-west-2", Comment: "x [regionswitch-bot request=rabc requester=U1 approvers=U2]", State: "inProgress"})
	got, err := s.FindExecution(context.Background(), "us-west-2", planARN, "[regionswitch-bot request=rabc ")
	if err != nil || got == nil || got.ID != "exec-mine" {
		t.Fatalf("FindExecution = %+v, %v; want exec-mine", got, err)
	}
	got, err = s.FindExecution(context.Background(), "us-west-2", planARN, "[regionswitch-bot request=rzzz ")
	if err != nil || got != nil {
		t.Fatalf("FindExecution(no match) = %+v, %v; want nil, nil", got, err)
	}
}
