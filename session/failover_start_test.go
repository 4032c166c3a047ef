package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const marker = "[regionswitch-bot request=rtest1 "

func startInput(action, target string) session.StartInput {
	return session.StartInput{
		PlanARN: planARN, PlanRegions: []string{east, west}, Action: action, TargetRegion: target,
		Mode: "graceful", Comment: "failover " + marker + "requester=U1 approvers=U2]",
	}
}

func TestStartWithFailover(t *testing.T) {
	type want struct {
		region         string // where the execution runs; "" when none started
		failedOverFrom string
		fromHistory    bool
		starts         int // StartPlanExecution calls the fake received
		unknown        bool
		code           string // Describe code of the error
		// lookedUp says whether ListPlanExecutions was asked: never when
		// the failures surely sent nothing.
		lookedUp bool
	}
	for _, tc := range []struct {
		name   string
		action string
		target string
		marker string
		fault  func(t *testing.T, fake *fakearc.Server, su *setup)
		want   want
	}{
		{
			name: "execution Region answers", action: "activate", target: west, marker: marker,
			fault: func(*testing.T, *fakearc.Server, *setup) {},
			want:  want{region: west, starts: 1},
		},
		{
			name: "dial failure: started in the other Region", action: "activate", target: west, marker: marker,
			fault: func(t *testing.T, _ *fakearc.Server, su *setup) { su.byRegion = map[string]string{west: refusing(t)} },
			want:  want{region: east, failedOverFrom: west, starts: 1},
		},
		{
			name: "dial failure on deactivate: started in the Region being deactivated", action: "deactivate", target: east, marker: marker,
			fault: func(t *testing.T, _ *fakearc.Server, su *setup) { su.byRegion = map[string]string{west: refusing(t)} },
			want:  want{region: east, failedOverFrom: west, starts: 1},
		},
		{
			name: "connection dropped after sending, no execution found: retried", action: "activate", target: west, marker: marker,
			fault: func(_ *testing.T, fake *fakearc.Server, _ *setup) { fake.SetRegionDown(west, true) },
			want:  want{region: east, failedOverFrom: west, starts: 2, lookedUp: true},
		},
		{
			name: "500, no execution found: retried", action: "activate", target: west, marker: marker,
			fault: func(_ *testing.T, fake *fakearc.Server, _ *setup) {
				fake.FailNext("StartPlanExecution", fakearc.Error{Type: "InternalServerException", Message: "boom"})
			},
			want: want{region: east, failedOverFrom: west, starts: 2, lookedUp: true},
		},
		{
			name: "timeout after the execution started: found, not retried", action: "activate", target: west, marker: marker,
			fault: func(_ *testing.T, fake *fakearc.Server, su *setup) {
				fake.Hold("StartPlanExecution")
				su.opts.StartTimeout = attempt
			},
			want: want{region: west, fromHistory: true, starts: 1, lookedUp: true},
		},
		{
			name: "403: not retried", action: "activate", target: west, marker: marker,
			fault: func(_ *testing.T, fake *fakearc.Server, _ *setup) {
				fake.FailNext("StartPlanExecution", fakearc.Error{Type: "AccessDeniedException", Message: "no"})
			},
			want: want{starts: 1, code: "AccessDeniedException"},
		},
		{
			name: "400 IllegalState: not retried", action: "activate", target: west, marker: marker,
			fault: func(_ *testing.T, fake *fakearc.Server, _ *setup) {
				fake.FailNext("StartPlanExecution", fakearc.Error{Type: "IllegalStateException", Message: "an execution is in progress"})
			},
			want: want{starts: 1, code: "IllegalStateException"},
		},
		{
			name: "both Regions refuse connections", action: "activate", target: west, marker: marker,
			fault: func(t *testing.T, _ *fakearc.Server, su *setup) {
				su.byRegion = map[string]string{west: refusing(t), east: refusing(t)}
			},
			want: want{starts: 0, code: "NetworkError"},
		},
		{
			name: "ambiguous and no Region can list executions: unknown, not retried", action: "activate", target: west, marker: marker,
			fault: func(_ *testing.T, fake *fakearc.Server, _ *setup) {
				fake.SetRegionDown(west, true)
				fake.Handle("ListPlanExecutions", func(string, map[string]any) (map[string]any, *fakearc.Error) {
					return nil, &fakearc.Error{Type: "InternalServerException", Message: "listing is down"}
				})
			},
			want: want{starts: 1, unknown: true, code: "NetworkError", lookedUp: true},
		},
		{
			name: "ambiguous without a marker: unknown, not retried", action: "activate", target: west, marker: "",
			fault: func(_ *testing.T, fake *fakearc.Server, _ *setup) {
				fake.FailNext("StartPlanExecution", fakearc.Error{Type: "InternalServerException", Message: "boom"})
			},
			want: want{starts: 1, unknown: true, code: "InternalServerException"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t)
			su := setup{defaultRegion: east}
			tc.fault(t, fake, &su)
			s := su.start(t, fake)
			in := startInput(tc.action, tc.target)

			begin := time.Now()
			res, err := s.StartWithFailover(context.Background(), in, tc.marker)
			if elapsed := time.Since(begin); elapsed > 2*attempt+slack {
				t.Errorf("took %v", elapsed)
			}

			if n := len(fake.CallsTo("StartPlanExecution")); n != tc.want.starts {
				t.Errorf("StartPlanExecution calls = %d, want %d", n, tc.want.starts)
			}
			if n := len(fake.CallsTo("ListPlanExecutions")); (n > 0) != tc.want.lookedUp {
				t.Errorf("ListPlanExecutions calls = %d, want some: %v", n, tc.want.lookedUp)
			}
			execs := fake.Executions()
			if tc.want.region == "" {
				if err == nil {
					t.Fatalf("StartWithFailover = %+v, want an error", res)
				}
				if len(execs) != 0 {
					t.Errorf("executions = %+v, want none", execs)
				}
				var se *session.StartError
				if !errors.As(err, &se) || se.Unknown != tc.want.unknown {
					t.Errorf("error %v, want a StartError with Unknown %v", err, tc.want.unknown)
				}
				code, msg := session.Describe(err)
				if code != tc.want.code {
					t.Errorf("Describe code = %s, want %s (message %q)", code, tc.want.code, msg)
				}
				if want := map[bool]string{true: "unknown", false: "nothing was started"}[tc.want.unknown]; !strings.Contains(msg, want) {
					t.Errorf("Describe message %q does not say %q", msg, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("StartWithFailover: %v", err)
			}
			if len(execs) != 1 {
				t.Fatalf("executions = %+v, want exactly one", execs)
			}
			e := execs[0]
			if e.Region != tc.want.region || e.TargetRegion != tc.target || e.Action != tc.action || !strings.Contains(e.Comment, marker) {
				t.Errorf("execution runs in %s, target %s, action %s; want %s, %s, %s", e.Region, e.TargetRegion, e.Action, tc.want.region, tc.target, tc.action)
			}
			if res.ExecutionID != e.ID || res.Region != tc.want.region || res.FailedOverFrom != tc.want.failedOverFrom || res.FromHistory != tc.want.fromHistory {
				t.Errorf("result %+v, want execution %s in %s, FailedOverFrom %q, FromHistory %v", res, e.ID, tc.want.region, tc.want.failedOverFrom, tc.want.fromHistory)
			}
			wantActivate, wantDeactivate := tc.target, east
			if tc.action == "deactivate" {
				wantActivate, wantDeactivate = west, tc.target
			}
			if res.ActivateRegion != wantActivate || res.DeactivateRegion != wantDeactivate || res.PlanVersion != "v7" {
				t.Errorf("result %+v, want activate %s, deactivate %s, version v7", res, wantActivate, wantDeactivate)
			}
		})
	}
}

// TestStartStaysSingleAttempt: Start never moves to another Region.
func TestStartStaysSingleAttempt(t *testing.T) {
	fake := newFake(t)
	s := setup{defaultRegion: east, byRegion: map[string]string{west: refusing(t)}}.start(t, fake)
	_, err := s.Start(context.Background(), startInput("activate", west))
	if err == nil || session.Definite(err) {
		t.Fatalf("Start = %v, want an ambiguous network error", err)
	}
	if n := len(fake.CallsTo("StartPlanExecution")); n != 0 {
		t.Errorf("StartPlanExecution calls in the other Region = %d, want 0", n)
	}
}
