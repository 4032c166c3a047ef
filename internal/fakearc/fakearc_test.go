package fakearc_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
)

const (
	planARN  = "arn:aws:arc-region-switch::123456789012:plan/checkout:abc123"
	otherARN = "arn:aws:arc-region-switch::123456789012:plan/search:def456"
	wait     = 5 * time.Second
)

func checkoutPlan() fakearc.Plan {
	return fakearc.Plan{
		ARN:           planARN,
		Name:          "checkout",
		Owner:         "123456789012",
		Version:       "3",
		Description:   "checkout failover",
		Regions:       []string{"us-east-1", "us-west-2"},
		PrimaryRegion: "us-east-1",
		ExecutionRole: "arn:aws:iam::123456789012:role/arc",
	}
}

// newFake starts a fake holding the checkout plan.
func newFake(t *testing.T) *fakearc.Server {
	t.Helper()
	srv := fakearc.New(t)
	srv.AddPlan(checkoutPlan())
	return srv
}

// client returns a real SDK client for srv, signing for region.
func client(srv *fakearc.Server, region string) *arcregionswitch.Client {
	return arcregionswitch.New(arcregionswitch.Options{
		Region:           region,
		BaseEndpoint:     aws.String(srv.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
}

func start(ctx context.Context, c *arcregionswitch.Client, target, action, comment string) (*arcregionswitch.StartPlanExecutionOutput, error) {
	return c.StartPlanExecution(ctx, &arcregionswitch.StartPlanExecutionInput{
		PlanArn:      aws.String(planARN),
		TargetRegion: aws.String(target),
		Action:       types.ExecutionAction(action),
		Mode:         types.ExecutionModeGraceful,
		Comment:      aws.String(comment),
	})
}

func TestStartPlanExecution(t *testing.T) {
	tests := []struct {
		name, region, target, action string
		wantActivate, wantDeactivate string
	}{
		{"activate target", "us-west-2", "us-west-2", "activate", "us-west-2", "us-east-1"},
		{"deactivate target", "us-east-1", "us-east-1", "deactivate", "us-west-2", "us-east-1"},
		{"post recovery", "us-west-2", "us-east-1", "postRecovery", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			c := client(srv, tt.region)
			comment := "rid=01J9ZK " + strings.Repeat("é", 1000) // multibyte, within 1024 characters

			out, err := start(t.Context(), c, tt.target, tt.action, comment)
			if err != nil {
				t.Fatalf("StartPlanExecution: %v", err)
			}
			if got := aws.ToString(out.ExecutionId); got == "" {
				t.Errorf("got empty executionId")
			}
			for _, c := range []struct{ field, got, want string }{
				{"plan", aws.ToString(out.Plan), planARN},
				{"planVersion", aws.ToString(out.PlanVersion), "3"},
				{"activateRegion", aws.ToString(out.ActivateRegion), tt.wantActivate},
				{"deactivateRegion", aws.ToString(out.DeactivateRegion), tt.wantDeactivate},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}

			list, err := c.ListPlanExecutions(t.Context(), &arcregionswitch.ListPlanExecutionsInput{PlanArn: aws.String(planARN)})
			if err != nil {
				t.Fatalf("ListPlanExecutions: %v", err)
			}
			if len(list.Items) != 1 {
				t.Fatalf("got %d executions, want 1", len(list.Items))
			}
			item := list.Items[0]
			for _, c := range []struct{ field, got, want string }{
				{"executionId", aws.ToString(item.ExecutionId), aws.ToString(out.ExecutionId)},
				{"comment", aws.ToString(item.Comment), comment},
				{"executionRegion", aws.ToString(item.ExecutionRegion), tt.region},
				{"executionState", string(item.ExecutionState), "inProgress"},
				{"executionAction", string(item.ExecutionAction), tt.action},
				{"mode", string(item.Mode), "graceful"},
				{"planArn", aws.ToString(item.PlanArn), planARN},
				{"version", aws.ToString(item.Version), "3"},
			} {
				if c.got != c.want {
					t.Errorf("item %s: got %q, want %q", c.field, c.got, c.want)
				}
			}
			if item.StartTime == nil || item.StartTime.IsZero() {
				t.Errorf("item startTime: got %v, want set", item.StartTime)
			}

			execs := srv.Executions()
			if len(execs) != 1 || execs[0].TargetRegion != tt.target || execs[0].Region != tt.region {
				t.Errorf("Executions: got %+v, want one targeting %s started in %s", execs, tt.target, tt.region)
			}

			plans, err := c.ListPlansInRegion(t.Context(), &arcregionswitch.ListPlansInRegionInput{})
			if err != nil {
				t.Fatalf("ListPlansInRegion: %v", err)
			}
			if len(plans.Plans) != 1 || aws.ToString(plans.Plans[0].ActivePlanExecution) != aws.ToString(out.ExecutionId) {
				t.Errorf("ListPlansInRegion: got %+v, want the plan with activePlanExecution %s", plans.Plans, aws.ToString(out.ExecutionId))
			}
		})
	}
}

func TestModeledErrors(t *testing.T) {
	startIn := func(target string) *arcregionswitch.StartPlanExecutionInput {
		return &arcregionswitch.StartPlanExecutionInput{
			PlanArn: aws.String(planARN), TargetRegion: aws.String(target), Action: types.ExecutionActionActivate,
		}
	}
	tests := []struct {
		name       string
		setup      func(srv *fakearc.Server)
		call       func(ctx context.Context, c *arcregionswitch.Client) error
		wantStatus int
		check      func(err error) (msg string, ok bool) // the typed exception's ErrorMessage
		wantMsg    string
	}{
		{
			name: "injected access denied",
			setup: func(srv *fakearc.Server) {
				srv.FailNext("StartPlanExecution", fakearc.Error{Type: "AccessDeniedException", Message: "no arc:StartPlanExecution"})
			},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				_, err := c.StartPlanExecution(ctx, startIn("us-west-2"))
				return err
			},
			wantStatus: http.StatusForbidden,
			check:      as[*types.AccessDeniedException],
			wantMsg:    "no arc:StartPlanExecution",
		},
		{
			name:  "unknown plan",
			setup: func(*fakearc.Server) {},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				_, err := c.GetPlanInRegion(ctx, &arcregionswitch.GetPlanInRegionInput{Arn: aws.String(otherARN)})
				return err
			},
			wantStatus: http.StatusNotFound,
			check:      as[*types.ResourceNotFoundException],
			wantMsg:    "plan " + otherARN + " not found in us-west-2",
		},
		{
			name:  "target Region not in plan",
			setup: func(*fakearc.Server) {},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				_, err := c.StartPlanExecution(ctx, startIn("eu-west-1"))
				return err
			},
			wantStatus: http.StatusBadRequest,
			check:      as[*types.IllegalArgumentException],
			wantMsg:    "targetRegion eu-west-1 is not a Region of plan " + planARN,
		},
		{
			name: "plan already running",
			setup: func(srv *fakearc.Server) {
				srv.AddExecution(fakearc.Execution{ID: "exec-old", PlanARN: planARN, Region: "us-east-1"})
			},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				_, err := c.StartPlanExecution(ctx, startIn("us-west-2"))
				return err
			},
			wantStatus: http.StatusBadRequest,
			check:      as[*types.IllegalStateException],
			wantMsg:    "plan " + planARN + " already has an active execution exec-old",
		},
		{
			name: "comment too long",
			setup: func(*fakearc.Server) {
			},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				in := startIn("us-west-2")
				in.Comment = aws.String(strings.Repeat("x", 1025))
				_, err := c.StartPlanExecution(ctx, in)
				return err
			},
			wantStatus: http.StatusBadRequest,
			check:      as[*types.IllegalArgumentException],
			wantMsg:    "comment is longer than 1024 characters",
		},
		{
			name: "injected internal error with custom status",
			setup: func(srv *fakearc.Server) {
				srv.FailNext("ListTagsForResource", fakearc.Error{Type: "InternalServerException", Message: "boom", Status: 502})
			},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				_, err := c.ListTagsForResource(ctx, &arcregionswitch.ListTagsForResourceInput{Arn: aws.String(planARN)})
				return err
			},
			wantStatus: http.StatusBadGateway,
			check:      as[*types.InternalServerException],
			wantMsg:    "boom",
		},
		{
			name: "error not modeled for the operation",
			setup: func(srv *fakearc.Server) {
				srv.FailNext("GetPlan", fakearc.Error{Type: "ThrottlingException", Message: "slow down"})
			},
			call: func(ctx context.Context, c *arcregionswitch.Client) error {
				_, err := c.GetPlan(ctx, &arcregionswitch.GetPlanInput{Arn: aws.String(planARN)})
				return err
			},
			wantStatus: http.StatusBadRequest,
			check: func(err error) (string, bool) {
				var ge *smithy.GenericAPIError
				if !errors.As(err, &ge) || ge.ErrorCode() != "com.amazonaws.arcregionswitch#ThrottlingException" {
					return "", false
				}
				return ge.ErrorMessage(), true
			},
			wantMsg: "slow down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			tt.setup(srv)
			err := tt.call(t.Context(), client(srv, "us-west-2"))
			if err == nil {
				t.Fatal("got nil error, want an API error")
			}
			msg, ok := tt.check(err)
			if !ok {
				t.Fatalf("got error %T %v, want the modeled exception", err, err)
			}
			if msg != tt.wantMsg {
				t.Errorf("ErrorMessage: got %q, want %q", msg, tt.wantMsg)
			}
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tt.wantStatus {
				t.Errorf("HTTP status: got %v, want %d", err, tt.wantStatus)
			}
		})
	}
}

// as reports whether err holds a T and returns its ErrorMessage.
func as[T smithy.APIError](err error) (string, bool) {
	var target T
	if !errors.As(err, &target) {
		return "", false
	}
	return target.ErrorMessage(), true
}

func TestFailNextIsUsedOnce(t *testing.T) {
	srv := newFake(t)
	c := client(srv, "us-west-2")
	srv.FailNext("GetPlanInRegion", fakearc.Error{Type: "AccessDeniedException", Message: "first"})
	srv.FailNext("GetPlanInRegion", fakearc.Error{Type: "AccessDeniedException", Message: "second"})
	in := &arcregionswitch.GetPlanInRegionInput{Arn: aws.String(planARN)}
	for _, want := range []string{"first", "second", ""} {
		_, err := c.GetPlanInRegion(t.Context(), in)
		got, _ := as[*types.AccessDeniedException](err)
		if got != want {
			t.Errorf("got error message %q (err %v), want %q", got, err, want)
		}
	}
}

func TestRegionFromSigV4Scope(t *testing.T) {
	srv := newFake(t)
	for _, region := range []string{"us-west-2", "us-east-1", "eu-central-1"} {
		t.Run(region, func(t *testing.T) {
			if _, err := client(srv, region).ListPlansInRegion(t.Context(), &arcregionswitch.ListPlansInRegionInput{}); err != nil {
				t.Fatalf("ListPlansInRegion: %v", err)
			}
			calls := srv.CallsTo("ListPlansInRegion")
			if got := calls[len(calls)-1].Region; got != region {
				t.Errorf("got Region %q, want %q", got, region)
			}
		})
	}
	if got, want := len(srv.Calls()), 3; got != want {
		t.Errorf("got %d calls, want %d", got, want)
	}
}

func TestHold(t *testing.T) {
	t.Run("release", func(t *testing.T) {
		srv := newFake(t)
		release := srv.Hold("StartPlanExecution")
		type result struct {
			out *arcregionswitch.StartPlanExecutionOutput
			err error
		}
		done := make(chan result, 1)
		go func() {
			out, err := start(context.Background(), client(srv, "us-west-2"), "us-west-2", "activate", "rid=held")
			done <- result{out, err}
		}()

		calls := srv.WaitForCalls(t, "StartPlanExecution", 1, wait)
		if got := calls[0].Input["comment"]; got != "rid=held" {
			t.Errorf("recorded comment: got %v, want %q", got, "rid=held")
		}
		if got := len(srv.Executions()); got != 1 {
			t.Errorf("executions while held: got %d, want 1", got)
		}
		select {
		case r := <-done:
			t.Fatalf("call returned while held: %+v", r)
		default:
		}
		release()
		release() // idempotent
		r := <-done
		if r.err != nil {
			t.Fatalf("StartPlanExecution after release: %v", r.err)
		}
		if got, want := aws.ToString(r.out.ExecutionId), srv.Executions()[0].ID; got != want {
			t.Errorf("executionId: got %q, want %q", got, want)
		}
	})

	t.Run("client gives up", func(t *testing.T) {
		srv := newFake(t)
		srv.Hold("StartPlanExecution")
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := start(ctx, client(srv, "us-west-2"), "us-west-2", "activate", "rid=lost")
			done <- err
		}()
		srv.WaitForCalls(t, "StartPlanExecution", 1, wait)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("got error %v, want context.Canceled", err)
		}
		// The execution started although the caller never saw the answer.
		list, err := client(srv, "us-west-2").ListPlanExecutions(t.Context(), &arcregionswitch.ListPlanExecutionsInput{PlanArn: aws.String(planARN)})
		if err != nil {
			t.Fatalf("ListPlanExecutions: %v", err)
		}
		if len(list.Items) != 1 || aws.ToString(list.Items[0].Comment) != "rid=lost" {
			t.Errorf("got %+v, want one execution with comment rid=lost", list.Items)
		}
	})
}

func TestSetRegionDown(t *testing.T) {
	srv := newFake(t)
	srv.SetRegionDown("us-west-2", true)
	in := &arcregionswitch.GetPlanInRegionInput{Arn: aws.String(planARN)}

	_, err := client(srv, "us-west-2").GetPlanInRegion(t.Context(), in)
	var sendErr *smithyhttp.RequestSendError
	if !errors.As(err, &sendErr) {
		t.Fatalf("got error %T %v, want a *smithyhttp.RequestSendError", err, err)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("got API error %v, want a transport error", apiErr)
	}
	if got := len(srv.CallsTo("GetPlanInRegion")); got != 1 {
		t.Errorf("recorded calls: got %d, want 1", got)
	}

	if _, err := client(srv, "us-east-1").GetPlanInRegion(t.Context(), in); err != nil {
		t.Errorf("us-east-1 while us-west-2 is down: got %v, want nil", err)
	}
	srv.SetRegionDown("us-west-2", false)
	if _, err := client(srv, "us-west-2").GetPlanInRegion(t.Context(), in); err != nil {
		t.Errorf("us-west-2 back up: got %v, want nil", err)
	}
}

func TestSetControlPlaneDown(t *testing.T) {
	srv := newFake(t)
	srv.SetControlPlaneDown(true)
	c := client(srv, "us-east-1")

	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"GetPlan", func(ctx context.Context) error {
			_, err := c.GetPlan(ctx, &arcregionswitch.GetPlanInput{Arn: aws.String(planARN)})
			return err
		}},
		{"ListPlans", func(ctx context.Context) error {
			_, err := c.ListPlans(ctx, &arcregionswitch.ListPlansInput{})
			return err
		}},
		{"ListTagsForResource", func(ctx context.Context) error {
			_, err := c.ListTagsForResource(ctx, &arcregionswitch.ListTagsForResourceInput{Arn: aws.String(planARN)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || !strings.HasSuffix(apiErr.ErrorCode(), "InternalServerException") {
				t.Fatalf("got %v, want InternalServerException", err)
			}
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusServiceUnavailable {
				t.Errorf("got %v, want HTTP 503", err)
			}
		})
	}

	t.Run("data plane still up", func(t *testing.T) {
		out, err := c.GetPlanInRegion(t.Context(), &arcregionswitch.GetPlanInRegionInput{Arn: aws.String(planARN)})
		if err != nil {
			t.Fatalf("GetPlanInRegion: %v", err)
		}
		if got := aws.ToString(out.Plan.Name); got != "checkout" {
			t.Errorf("plan name: got %q, want %q", got, "checkout")
		}
	})

	srv.SetControlPlaneDown(false)
	if _, err := c.GetPlan(t.Context(), &arcregionswitch.GetPlanInput{Arn: aws.String(planARN)}); err != nil {
		t.Errorf("GetPlan after recovery: got %v, want nil", err)
	}
}

func TestTimestampsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
	}{
		{"whole seconds", time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC)},
		{"milliseconds", time.Date(2026, 12, 4, 10, 30, 1, 999_000_000, time.UTC)},
		{"one millisecond", time.Date(2026, 12, 4, 10, 30, 2, 1_000_000, time.UTC)},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			srv.AddExecution(fakearc.Execution{ID: "exec-1", PlanARN: planARN, Region: "us-west-2", State: "completed", Started: tt.at, Ended: tt.at.Add(time.Hour)})
			srv.AddExecutionEvent("exec-1", fakearc.Event{Type: "stepStarted", StepName: "routing", At: tt.at.Add(time.Second)})
			c := client(srv, "us-west-2")

			got, err := c.GetPlanExecution(t.Context(), &arcregionswitch.GetPlanExecutionInput{PlanArn: aws.String(planARN), ExecutionId: aws.String("exec-1")})
			if err != nil {
				t.Fatalf("GetPlanExecution: %v", err)
			}
			if !aws.ToTime(got.StartTime).Equal(tt.at) {
				t.Errorf("startTime: got %v, want %v", aws.ToTime(got.StartTime), tt.at)
			}
			if want := tt.at.Add(time.Hour); !aws.ToTime(got.EndTime).Equal(want) {
				t.Errorf("endTime: got %v, want %v", aws.ToTime(got.EndTime), want)
			}

			events, err := c.ListPlanExecutionEvents(t.Context(), &arcregionswitch.ListPlanExecutionEventsInput{PlanArn: aws.String(planARN), ExecutionId: aws.String("exec-1")})
			if err != nil {
				t.Fatalf("ListPlanExecutionEvents: %v", err)
			}
			if len(events.Items) != 1 {
				t.Fatalf("got %d events, want 1", len(events.Items))
			}
			if want := tt.at.Add(time.Second); !aws.ToTime(events.Items[0].Timestamp).Equal(want) {
				t.Errorf("event timestamp: got %v, want %v", aws.ToTime(events.Items[0].Timestamp), want)
			}
		})
	}
}
