package fakearc_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
)

func getState(t *testing.T, c *arcregionswitch.Client, id string) string {
	t.Helper()
	out, err := c.GetPlanExecution(t.Context(), &arcregionswitch.GetPlanExecutionInput{PlanArn: aws.String(planARN), ExecutionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetPlanExecution %s: %v", id, err)
	}
	return string(out.ExecutionState)
}

func TestExecutionLifecycle(t *testing.T) {
	execIn := func(id string) (*string, *string) { return aws.String(planARN), aws.String(id) }
	tests := []struct {
		name      string
		state     string // initial state
		act       func(ctx context.Context, srv *fakearc.Server, c *arcregionswitch.Client, id string) error
		wantState string
		wantFree  bool // the plan can start a new execution afterwards
	}{
		{"pause", "inProgress", func(ctx context.Context, _ *fakearc.Server, c *arcregionswitch.Client, id string) error {
			p, e := execIn(id)
			_, err := c.UpdatePlanExecution(ctx, &arcregionswitch.UpdatePlanExecutionInput{PlanArn: p, ExecutionId: e, Action: types.UpdatePlanExecutionActionPause})
			return err
		}, "pausedByOperator", false},
		{"resume", "pausedByOperator", func(ctx context.Context, _ *fakearc.Server, c *arcregionswitch.Client, id string) error {
			p, e := execIn(id)
			_, err := c.UpdatePlanExecution(ctx, &arcregionswitch.UpdatePlanExecutionInput{PlanArn: p, ExecutionId: e, Action: types.UpdatePlanExecutionActionResume})
			return err
		}, "inProgress", false},
		{"cancel", "inProgress", func(ctx context.Context, _ *fakearc.Server, c *arcregionswitch.Client, id string) error {
			p, e := execIn(id)
			_, err := c.CancelPlanExecution(ctx, &arcregionswitch.CancelPlanExecutionInput{PlanArn: p, ExecutionId: e})
			return err
		}, "canceled", true},
		{"approve", "pendingManualApproval", func(ctx context.Context, _ *fakearc.Server, c *arcregionswitch.Client, id string) error {
			p, e := execIn(id)
			_, err := c.ApprovePlanExecutionStep(ctx, &arcregionswitch.ApprovePlanExecutionStepInput{PlanArn: p, ExecutionId: e, StepName: aws.String("approval"), Approval: types.ApprovalApprove})
			return err
		}, "inProgress", false},
		{"completed by the test", "inProgress", func(_ context.Context, srv *fakearc.Server, _ *arcregionswitch.Client, id string) error {
			srv.SetExecutionState(id, "completed")
			return nil
		}, "completed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			c := client(srv, "us-west-2")
			out, err := start(t.Context(), c, "us-west-2", "activate", "rid=1")
			if err != nil {
				t.Fatalf("StartPlanExecution: %v", err)
			}
			id := aws.ToString(out.ExecutionId)
			srv.SetExecutionState(id, tt.state)
			if err := tt.act(t.Context(), srv, c, id); err != nil {
				t.Fatalf("act: %v", err)
			}
			if got := getState(t, c, id); got != tt.wantState {
				t.Errorf("state: got %q, want %q", got, tt.wantState)
			}
			_, err = start(t.Context(), c, "us-east-1", "activate", "rid=2")
			var ise *types.IllegalStateException
			if gotFree := err == nil; gotFree != tt.wantFree || (err != nil && !errors.As(err, &ise)) {
				t.Errorf("second start: got err %v, want plan free=%v", err, tt.wantFree)
			}
		})
	}
}

func TestExecutionBelongsToItsRegion(t *testing.T) {
	srv := newFake(t)
	out, err := start(t.Context(), client(srv, "us-west-2"), "us-west-2", "activate", "rid=1")
	if err != nil {
		t.Fatalf("StartPlanExecution: %v", err)
	}
	_, err = client(srv, "us-east-1").GetPlanExecution(t.Context(), &arcregionswitch.GetPlanExecutionInput{PlanArn: aws.String(planARN), ExecutionId: out.ExecutionId})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetPlanExecution in us-east-1: got %v, want ResourceNotFoundException", err)
	}
	got, err := client(srv, "us-west-2").GetPlanExecution(t.Context(), &arcregionswitch.GetPlanExecutionInput{PlanArn: aws.String(planARN), ExecutionId: out.ExecutionId})
	if err != nil {
		t.Fatalf("GetPlanExecution in us-west-2: %v", err)
	}
	if r := aws.ToString(got.ExecutionRegion); r != "us-west-2" {
		t.Errorf("executionRegion: got %q, want %q", r, "us-west-2")
	}
	if len(got.StepStates) != 0 || got.Plan == nil || aws.ToString(got.Plan.Arn) != planARN {
		t.Errorf("got stepStates %v plan %+v, want none and the plan", got.StepStates, got.Plan)
	}
}

func TestListPlanExecutionsFilterAndOrder(t *testing.T) {
	srv := newFake(t)
	base := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	srv.AddExecution(fakearc.Execution{ID: "old", PlanARN: planARN, Region: "us-east-1", State: "completed", Started: base})
	srv.AddExecution(fakearc.Execution{ID: "new", PlanARN: planARN, Region: "us-west-2", State: "failed", Started: base.Add(time.Hour)})
	srv.AddExecution(fakearc.Execution{ID: "mid", PlanARN: planARN, Region: "us-west-2", State: "completed", Started: base.Add(time.Minute)})
	c := client(srv, "us-west-2")

	tests := []struct {
		name  string
		state types.ExecutionState
		want  []string
	}{
		{"all, newest first", "", []string{"new", "mid", "old"}},
		{"completed only", types.ExecutionStateCompleted, []string{"mid", "old"}},
		{"none", types.ExecutionStateInProgress, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.ListPlanExecutions(t.Context(), &arcregionswitch.ListPlanExecutionsInput{PlanArn: aws.String(planARN), State: tt.state})
			if err != nil {
				t.Fatalf("ListPlanExecutions: %v", err)
			}
			var got []string
			for _, it := range out.Items {
				got = append(got, aws.ToString(it.ExecutionId))
			}
			if !equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListPlansInRegionPages(t *testing.T) {
	srv := newFake(t)
	for _, p := range []fakearc.Plan{
		{ARN: otherARN, Name: "search", Regions: []string{"us-west-2", "eu-west-1"}},
		{ARN: "arn:aws:arc-region-switch::123456789012:plan/eu:aaa111", Name: "eu", Regions: []string{"eu-west-1", "eu-central-1"}},
		{ARN: "arn:aws:arc-region-switch::123456789012:plan/ads:bbb222", Name: "ads", Regions: []string{"us-east-1", "us-west-2"}},
	} {
		srv.AddPlan(p)
	}
	c := client(srv, "us-west-2")
	var names []string
	pages := 0
	p := arcregionswitch.NewListPlansInRegionPaginator(c, &arcregionswitch.ListPlansInRegionInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, pl := range out.Plans {
			names = append(names, aws.ToString(pl.Name))
		}
	}
	if want := []string{"checkout", "search", "ads"}; !equal(names, want) || pages != 2 {
		t.Errorf("got %v in %d pages, want %v in 2", names, pages, want)
	}
	if got := aws.ToString(mustAbbrev(t, c).Owner); got != "123456789012" {
		t.Errorf("owner derived from ARN: got %q, want %q", got, "123456789012")
	}
}

func mustAbbrev(t *testing.T, c *arcregionswitch.Client) types.AbbreviatedPlan {
	t.Helper()
	out, err := c.ListPlansInRegion(t.Context(), &arcregionswitch.ListPlansInRegionInput{})
	if err != nil || len(out.Plans) < 2 {
		t.Fatalf("ListPlansInRegion: got %v, %v", out, err)
	}
	return out.Plans[1]
}

func TestHandleOverridesEvaluation(t *testing.T) {
	srv := newFake(t)
	c := client(srv, "us-west-2")
	in := &arcregionswitch.GetPlanEvaluationStatusInput{PlanArn: aws.String(planARN)}

	out, err := c.GetPlanEvaluationStatus(t.Context(), in)
	if err != nil {
		t.Fatalf("built-in GetPlanEvaluationStatus: %v", err)
	}
	if out.EvaluationState != types.EvaluationStatusPassed || aws.ToString(out.Region) != "us-west-2" || len(out.Warnings) != 0 {
		t.Errorf("built-in: got state %q region %q warnings %v, want passed, us-west-2, empty", out.EvaluationState, aws.ToString(out.Region), out.Warnings)
	}

	evaluated := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	srv.Handle("GetPlanEvaluationStatus", func(region string, in map[string]any) (map[string]any, *fakearc.Error) {
		return map[string]any{
			"planArn":            in["planArn"],
			"region":             region,
			"evaluationState":    "actionRequired",
			"lastEvaluationTime": evaluated,
			"warnings":           []map[string]any{{"workflow": map[string]any{"action": "activate"}, "version": "3", "warningStatus": "active", "warningUpdatedTime": evaluated, "warningMessage": "alarm missing"}},
		}, nil
	})
	out, err = c.GetPlanEvaluationStatus(t.Context(), in)
	if err != nil {
		t.Fatalf("overridden GetPlanEvaluationStatus: %v", err)
	}
	if out.EvaluationState != types.EvaluationStatusActionRequired || len(out.Warnings) != 1 || aws.ToString(out.Warnings[0].WarningMessage) != "alarm missing" {
		t.Errorf("override: got state %q warnings %+v, want actionRequired with one warning", out.EvaluationState, out.Warnings)
	}
	if !aws.ToTime(out.LastEvaluationTime).Equal(evaluated) {
		t.Errorf("lastEvaluationTime: got %v, want %v", aws.ToTime(out.LastEvaluationTime), evaluated)
	}

	srv.Handle("GetPlanEvaluationStatus", func(string, map[string]any) (map[string]any, *fakearc.Error) {
		return nil, &fakearc.Error{Type: "AccessDeniedException", Message: "denied by handler"}
	})
	_, err = c.GetPlanEvaluationStatus(t.Context(), in)
	if msg, _ := as[*types.AccessDeniedException](err); msg != "denied by handler" {
		t.Errorf("handler error: got %v, want AccessDeniedException %q", err, "denied by handler")
	}

	srv.Handle("GetPlanEvaluationStatus", nil)
	if out, err := c.GetPlanEvaluationStatus(t.Context(), in); err != nil || out.EvaluationState != types.EvaluationStatusPassed {
		t.Errorf("after Handle(nil): got %v, %v, want passed", out, err)
	}
}

func TestWireProtocol(t *testing.T) {
	srv := fakearc.New(t)
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
		wantType   string
	}{
		{"unknown operation", "/service/ArcRegionSwitch/operation/LaunchRockets", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261204/us-west-2/arc-region-switch/aws4_request, SignedHeaders=host, Signature=00"}, http.StatusNotFound, "com.amazonaws.arcregionswitch#UnknownOperationException"},
		{"wrong path", "/", nil, http.StatusNotFound, "com.amazonaws.arcregionswitch#UnknownOperationException"},
		{"unsigned", "/service/ArcRegionSwitch/operation/ListPlansInRegion", nil, http.StatusForbidden, "com.amazonaws.arcregionswitch#AccessDeniedException"},
		{"malformed scope", "/service/ArcRegionSwitch/operation/ListPlansInRegion", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/us-west-2"}, http.StatusForbidden, "com.amazonaws.arcregionswitch#AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+tt.path, bytes.NewReader(cbor.Encode(cbor.Map{})))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("smithy-protocol", "rpc-v2-cbor")
			req.Header.Set("Content-Type", "application/cbor")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for k, want := range map[string]string{"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("header %s: got %q, want %q", k, got, want)
				}
			}
			var body bytes.Buffer
			if _, err := body.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			v, err := cbor.Decode(body.Bytes())
			if err != nil {
				t.Fatalf("decode body: %v", err)
			}
			if m, _ := v.(cbor.Map); m["__type"] != cbor.String(tt.wantType) {
				t.Errorf("__type: got %v, want %q", v, tt.wantType)
			}
		})
	}
}

func TestControlPlaneWrites(t *testing.T) {
	srv := fakearc.New(t)
	c := client(srv, "us-east-1")
	created, err := c.CreatePlan(t.Context(), &arcregionswitch.CreatePlanInput{
		Name:             aws.String("payments"),
		Regions:          []string{"us-east-1", "us-west-2"},
		RecoveryApproach: types.RecoveryApproachActivePassive,
		ExecutionRole:    aws.String("arn:aws:iam::123456789012:role/arc"),
		Workflows:        []types.Workflow{{WorkflowTargetAction: types.WorkflowTargetActionActivate}},
		Tags:             map[string]string{"team": "payments"},
	})
	if err != nil {
		t.Fatalf("CreatePlan: %v", err)
	}
	arn := created.Plan.Arn
	if v := aws.ToString(created.Plan.Version); v != "1" {
		t.Errorf("version: got %q, want %q", v, "1")
	}
	if _, err := c.TagResource(t.Context(), &arcregionswitch.TagResourceInput{Arn: arn, Tags: map[string]string{"tier": "1"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := c.UntagResource(t.Context(), &arcregionswitch.UntagResourceInput{Arn: arn, ResourceTagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tags, err := c.ListTagsForResource(t.Context(), &arcregionswitch.ListTagsForResourceInput{Arn: arn})
	if err != nil || len(tags.ResourceTags) != 1 || tags.ResourceTags["tier"] != "1" {
		t.Errorf("ListTagsForResource: got %v, %v, want {tier:1}", tags, err)
	}
	updated, err := c.UpdatePlan(t.Context(), &arcregionswitch.UpdatePlanInput{Arn: arn, ExecutionRole: aws.String("arn:aws:iam::123456789012:role/arc2"), Workflows: []types.Workflow{}})
	if err != nil || aws.ToString(updated.Plan.Version) != "2" {
		t.Errorf("UpdatePlan: got %v, %v, want version 2", updated, err)
	}
	if _, err := c.DeletePlan(t.Context(), &arcregionswitch.DeletePlanInput{Arn: arn}); err != nil {
		t.Fatalf("DeletePlan: %v", err)
	}
	_, err = c.GetPlan(t.Context(), &arcregionswitch.GetPlanInput{Arn: arn})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetPlan after delete: got %v, want ResourceNotFoundException", err)
	}
}

// recordingTB captures Fatalf instead of stopping the test.
type recordingTB struct {
	testing.TB
	failed string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = format }

func TestWaitForCallsTimesOut(t *testing.T) {
	srv := fakearc.New(t)
	tb := &recordingTB{TB: t}
	calls := srv.WaitForCalls(tb, "GetPlan", 1, time.Millisecond)
	if tb.failed == "" || len(calls) != 0 {
		t.Errorf("got failure %q and %d calls, want a failure and no calls", tb.failed, len(calls))
	}
}

func TestUnknownEnumValuesPassThrough(t *testing.T) {
	srv := newFake(t)
	srv.AddExecution(fakearc.Execution{ID: "future", PlanARN: planARN, Region: "us-west-2", State: "teleporting"})
	if got := getState(t, client(srv, "us-west-2"), "future"); got != "teleporting" {
		t.Errorf("state: got %q, want %q", got, "teleporting")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
