package session_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
	"github.com/regionswitch-bot/regionswitch-bot/plancache"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

// TestPlansResolveWithoutUSEast1OrTheControlPlane takes us-east-1's data
// plane and the control plane down and resolves the plan by ARN and by
// name through us-west-2.
func TestPlansResolveWithoutUSEast1OrTheControlPlane(t *testing.T) {
	for _, tc := range []struct {
		name          string
		defaultRegion string
		prefer        string
		byName        bool
		warmCache     bool
	}{
		{"by ARN, activating us-west-2", east, west, false, false},
		{"by ARN, default Region us-west-2", west, east, false, false},
		{"by ARN, other Region from the cache", east, east, false, true},
		{"by name, activating us-west-2", east, west, true, false},
		{"by name, default Region us-west-2", west, east, true, false},
		{"by name, other Region from the cache", east, east, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fake := newFake(t)
			su := setup{defaultRegion: tc.defaultRegion}
			if tc.warmCache {
				su.opts.Cache = newCache(t, fakeclock.New(time.Now()))
			}
			s := su.start(t, fake)
			if tc.warmCache {
				if _, err := s.GetPlan(ctx, west, planARN); err != nil {
					t.Fatalf("warming the cache: %v", err)
				}
			}
			fake.SetControlPlaneDown(true)
			fake.SetRegionDown(east, true)
			op := "GetPlanInRegion"
			if tc.byName {
				op = "ListPlansInRegion"
			}
			before := len(fake.CallsTo(op))

			var p session.Plan
			var err error
			if tc.byName {
				p, err = s.FindPlanByNameAnywhere(ctx, "checkout-prod", tc.prefer)
			} else {
				p, err = s.GetPlanAnywhere(ctx, planARN, tc.prefer)
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if p.ARN != planARN || p.AnsweredBy != west || p.Version != "v7" || !p.HasRegion(east) {
				t.Errorf("got %+v, want plan %s answered by %s", p, planARN, west)
			}
			if ops := controlPlaneCalls(fake); len(ops) != 0 {
				t.Errorf("control-plane calls %v, want none", ops)
			}
			called := regionsCalled(fake, op)[before:]
			if tc.prefer == east && (len(called) == 0 || called[0] != east) {
				t.Errorf("%s went to %v, want us-east-1 asked first", op, called)
			}
		})
	}
}

// TestReadsMoveOnFromARegionThatDoesNotAnswer checks every read-only call
// against a first Region that holds the call, refuses the connection or
// drops it: the answer comes from us-west-2 within the per-Region timeout.
func TestReadsMoveOnFromARegionThatDoesNotAnswer(t *testing.T) {
	ops := []struct {
		op   string // the ARC operation
		call func(ctx context.Context, s *session.Session) (answeredBy string, err error)
	}{
		{"GetPlanInRegion", func(ctx context.Context, s *session.Session) (string, error) {
			p, err := s.GetPlanAnywhere(ctx, planARN, east)
			return p.AnsweredBy, err
		}},
		{"ListPlansInRegion", func(ctx context.Context, s *session.Session) (string, error) {
			p, err := s.FindPlanByNameAnywhere(ctx, "checkout-prod", east)
			return p.AnsweredBy, err
		}},
		{"GetPlanExecution", func(ctx context.Context, s *session.Session) (string, error) {
			e, err := s.GetExecution(ctx, planARN, "exec-1", east, west)
			if err == nil && (e.ID != "exec-1" || e.State != "inProgress" || len(e.Steps) != 0) {
				return "", errors.New("wrong execution")
			}
			return e.AnsweredBy, err
		}},
		{"ListPlanExecutionEvents", func(ctx context.Context, s *session.Session) (string, error) {
			evs, err := s.ListExecutionEvents(ctx, planARN, "exec-1", east, west)
			if err == nil && (len(evs.Events) != 1 || evs.Events[0].StepName != "shift-traffic") {
				return "", errors.New("wrong events")
			}
			return evs.AnsweredBy, err
		}},
		{"GetPlanEvaluationStatus", func(ctx context.Context, s *session.Session) (string, error) {
			ev, err := s.EvaluationStatus(ctx, planARN, east)
			if err == nil && (ev.State != "passed" || ev.Region != west) {
				return "", errors.New("wrong evaluation")
			}
			return ev.AnsweredBy, err
		}},
	}
	faults := []struct {
		name string
		// apply makes us-east-1 fail for op; it returns the fake that
		// should have seen the call in us-east-1, if any.
		apply func(t *testing.T, good *fakearc.Server, su *setup, op string) *fakearc.Server
	}{
		{"holds the call", func(t *testing.T, _ *fakearc.Server, su *setup, op string) *fakearc.Server {
			hung := newFake(t)
			hung.Hold(op)
			su.byRegion = map[string]string{east: hung.URL()}
			return hung
		}},
		{"refuses connections", func(t *testing.T, _ *fakearc.Server, su *setup, _ string) *fakearc.Server {
			su.byRegion = map[string]string{east: refusing(t)}
			return nil
		}},
		{"drops connections", func(_ *testing.T, good *fakearc.Server, _ *setup, _ string) *fakearc.Server {
			good.SetRegionDown(east, true)
			return good
		}},
	}
	for _, f := range faults {
		for _, o := range ops {
			t.Run(o.op+"/us-east-1 "+f.name, func(t *testing.T) {
				good := newFake(t)
				good.AddExecution(fakearc.Execution{ID: "exec-1", PlanARN: planARN, TargetRegion: west, Comment: "c",
					Events: []fakearc.Event{{Type: "stepStarted", StepName: "shift-traffic"}}})
				su := setup{defaultRegion: west}
				saw := f.apply(t, good, &su, o.op)
				s := su.start(t, good)

				begin := time.Now()
				answeredBy, err := o.call(context.Background(), s)
				elapsed := time.Since(begin)
				if err != nil {
					t.Fatalf("%s: %v", o.op, err)
				}
				if answeredBy != west {
					t.Errorf("answered by %q, want %s", answeredBy, west)
				}
				if elapsed > attempt+slack {
					t.Errorf("took %v, want at most the per-Region timeout %v (+%v)", elapsed, attempt, slack)
				}
				if saw != nil {
					if got := regionsCalled(saw, o.op); len(got) == 0 || got[0] != east {
						t.Errorf("%s calls in us-east-1's endpoint: %v, want us-east-1 asked first", o.op, got)
					}
				}
				if ops := controlPlaneCalls(good); len(ops) != 0 {
					t.Errorf("control-plane calls %v, want none", ops)
				}
			})
		}
	}
}

// TestCacheAnswersWhenNoRegionDoes takes both Regions and the control plane
// down after the plan was resolved once.
func TestCacheAnswersWhenNoRegionDoes(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	fake := newFake(t)
	s := setup{defaultRegion: east, opts: session.Options{Cache: newCache(t, clk), Now: clk.Now}}.start(t, fake)
	if _, err := s.GetPlanAnywhere(ctx, planARN, west); err != nil {
		t.Fatalf("resolving while AWS answers: %v", err)
	}
	clk.Advance(10 * time.Minute)
	fake.SetControlPlaneDown(true)
	fake.SetRegionDown(east, true)
	fake.SetRegionDown(west, true)

	for _, tc := range []struct {
		name    string
		resolve func() (session.Plan, error)
	}{
		{"by ARN (or alias)", func() (session.Plan, error) { return s.GetPlanAnywhere(ctx, planARN, west) }},
		{"by name", func() (session.Plan, error) { return s.FindPlanByNameAnywhere(ctx, "checkout-prod", east) }},
		{"by name, other case", func() (session.Plan, error) { return s.FindPlanByNameAnywhere(ctx, "Checkout-Prod", west) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.resolve()
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if p.AnsweredBy != session.AnsweredByCache || p.Age != 10*time.Minute || p.ARN != planARN || p.Version != "v7" || len(p.Regions) != 2 {
				t.Errorf("got %+v, want plan %s answered by the cache, 10m old", p, planARN)
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		plans, err := s.ListKnownPlans(ctx)
		if err != nil || len(plans) != 1 || plans[0].AnsweredBy != session.AnsweredByCache || plans[0].Age != 10*time.Minute {
			t.Errorf("ListKnownPlans = %+v, %v; want checkout-prod from the cache", plans, err)
		}
	})
	t.Run("uncached plan", func(t *testing.T) {
		_, err := s.GetPlanAnywhere(ctx, "arn:aws:arc-region-switch::123456789012:plan/other:zzzzzz", west)
		var ue *session.UnavailableError
		if !errors.As(err, &ue) || len(ue.Attempts) != 2 {
			t.Fatalf("got %v, want an UnavailableError with both Regions", err)
		}
		if code, _ := session.Describe(err); code != "RegionsUnavailable" {
			t.Errorf("Describe code = %s, want RegionsUnavailable", code)
		}
	})
	if ops := controlPlaneCalls(fake); len(ops) != 0 {
		t.Errorf("control-plane calls %v, want none", ops)
	}
}

// TestCacheNeverRevivesADeletedPlan: when one of the plan's own Regions says
// the plan does not exist, the cache is not asked to contradict it.
func TestCacheNeverRevivesADeletedPlan(t *testing.T) {
	ctx := context.Background()
	const gone = "arn:aws:arc-region-switch::123456789012:plan/gone:gggggg"
	clk := fakeclock.New(time.Now())
	cache := newCache(t, clk)
	if err := cache.Put(ctx, session.Plan{ARN: gone, Name: "gone", Regions: []string{east, west}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		eastDown bool
	}{
		{"both Regions answer", false},
		{"us-east-1 down, us-west-2 answers", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t)
			fake.SetRegionDown(east, tc.eastDown)
			s := setup{defaultRegion: east, opts: session.Options{Cache: cache}}.start(t, fake)
			var nf *session.PlanNotFoundError
			if p, err := s.GetPlanAnywhere(ctx, gone, west); !errors.As(err, &nf) {
				t.Errorf("GetPlanAnywhere = %+v, %v; want PlanNotFoundError", p, err)
			}
			if p, err := s.FindPlanByNameAnywhere(ctx, "gone", west); !errors.As(err, &nf) {
				t.Errorf("FindPlanByNameAnywhere = %+v, %v; want PlanNotFoundError", p, err)
			} else if len(nf.Known) != 1 || nf.Known[0] != "checkout-prod" {
				t.Errorf("Known = %v, want [checkout-prod]", nf.Known)
			}
			plans, err := s.ListKnownPlans(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range plans {
				if p.ARN == gone {
					t.Errorf("ListKnownPlans lists the deleted plan: %+v", p)
				}
			}
		})
	}
}

// scriptCounter counts the scripts (plancache writes) a client sends.
type scriptCounter struct{ n atomic.Int64 }

func (c *scriptCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *scriptCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *scriptCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func TestCacheErrorsNeverFailAResolution(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	fake.SetRegionDown(east, true) // so that the cache is asked for the other Region too
	// The real plan cache, on a Redis that has gone away.
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	writes := &scriptCounter{}
	rdb.AddHook(writes)
	srv.Stop(t)
	cache := plancache.New(rdb, plancache.Options{})
	s := setup{defaultRegion: west, opts: session.Options{Cache: cache}}.start(t, fake)
	for _, tc := range []struct {
		name    string
		resolve func() (session.Plan, error)
	}{
		{"GetPlan", func() (session.Plan, error) { return s.GetPlan(ctx, west, planARN) }},
		{"FindPlanByName", func() (session.Plan, error) { return s.FindPlanByName(ctx, west, "checkout-prod") }},
		{"GetPlanAnywhere", func() (session.Plan, error) { return s.GetPlanAnywhere(ctx, planARN, east) }},
		{"FindPlanByNameAnywhere", func() (session.Plan, error) { return s.FindPlanByNameAnywhere(ctx, "checkout-prod", east) }},
		{"ListKnownPlans", func() (session.Plan, error) {
			plans, err := s.ListKnownPlans(ctx)
			if len(plans) != 1 {
				return session.Plan{}, errors.Join(err, errors.New("want one plan"))
			}
			return plans[0], err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := writes.n.Load()
			p, err := tc.resolve()
			if err != nil || p.ARN != planARN || p.AnsweredBy != west {
				t.Errorf("got %+v, %v; want the plan from us-west-2", p, err)
			}
			if writes.n.Load() == before {
				t.Error("no write to the cache was attempted")
			}
		})
	}
}

func TestListKnownPlans(t *testing.T) {
	const paymentsARN = "arn:aws:arc-region-switch::123456789012:plan/payments:p4y5m6"
	eu := []string{"eu-west-1", "eu-central-1"}
	for _, tc := range []struct {
		name     string
		down     []string
		hangEast bool
		noCache  bool
		want     map[string]string // plan name → AnsweredBy
		wantErr  bool
	}{
		{name: "all Regions answer", want: map[string]string{"checkout-prod": east, "payments": "eu-central-1"}},
		{name: "us-east-1 down", down: []string{east}, want: map[string]string{"checkout-prod": west, "payments": "eu-central-1"}},
		{name: "us-east-1 hangs", hangEast: true, want: map[string]string{"checkout-prod": west, "payments": "eu-central-1"}},
		{name: "eu Regions down", down: eu, want: map[string]string{"checkout-prod": east, "payments": session.AnsweredByCache}},
		{name: "everything down", down: []string{east, west, eu[0], eu[1]}, want: map[string]string{"checkout-prod": session.AnsweredByCache, "payments": session.AnsweredByCache}},
		{name: "everything down, no cache", down: []string{east, west, eu[0], eu[1]}, noCache: true, wantErr: true},
		{name: "us-east-1 down, no cache", down: []string{east}, noCache: true, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fake := newFake(t)
			fake.AddPlan(fakearc.Plan{ARN: paymentsARN, Name: "payments", Version: "v2", Regions: eu})
			su := setup{defaultRegion: east}
			if !tc.noCache {
				su.opts.Cache = newCache(t, fakeclock.New(time.Now()))
			}
			if tc.hangEast {
				hung := newFake(t)
				hung.Hold("ListPlansInRegion")
				su.byRegion = map[string]string{east: hung.URL()}
			}
			s := su.start(t, fake)
			if !tc.noCache {
				// Resolutions while AWS answers fill the cache.
				if _, err := s.GetPlan(ctx, west, planARN); err != nil {
					t.Fatal(err)
				}
				if _, err := s.GetPlan(ctx, "eu-west-1", paymentsARN); err != nil {
					t.Fatal(err)
				}
			}
			for _, r := range tc.down {
				fake.SetRegionDown(r, true)
			}
			fake.SetControlPlaneDown(true)

			begin := time.Now()
			plans, err := s.ListKnownPlans(ctx)
			if elapsed := time.Since(begin); elapsed > attempt+slack {
				t.Errorf("took %v, want about one per-Region timeout (%v)", elapsed, attempt)
			}
			if tc.wantErr {
				var ue *session.UnavailableError
				if !errors.As(err, &ue) {
					t.Errorf("got %+v, %v; want an UnavailableError", plans, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ListKnownPlans: %v", err)
			}
			got := map[string]string{}
			for _, p := range plans {
				got[p.Name] = p.AnsweredBy
			}
			if len(got) != len(tc.want) || len(plans) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for name, by := range tc.want {
				if got[name] != by {
					t.Errorf("%s answered by %q, want %q", name, got[name], by)
				}
			}
			if plans[0].Name != "checkout-prod" {
				t.Errorf("first plan %s, want the list sorted by name", plans[0].Name)
			}
			if ops := controlPlaneCalls(fake); len(ops) != 0 {
				t.Errorf("control-plane calls %v, want none", ops)
			}
		})
	}
}

// TestExecutionReadsStopAtADefiniteAnswer: a Region that answers that it
// does not know the execution is believed; the fallback is not asked.
func TestExecutionReadsStopAtADefiniteAnswer(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	fake.AddExecution(fakearc.Execution{ID: "exec-9", PlanARN: planARN, Region: east, TargetRegion: east})
	s := setup{defaultRegion: east}.start(t, fake)
	_, err := s.GetExecution(ctx, planARN, "exec-9", west, east)
	if code, _ := session.Describe(err); code != "ResourceNotFoundException" {
		t.Errorf("GetExecution in the wrong Region = %v, want ResourceNotFoundException", err)
	}
	if got := regionsCalled(fake, "GetPlanExecution"); len(got) != 1 || got[0] != west {
		t.Errorf("GetPlanExecution went to %v, want only us-west-2", got)
	}
	e, err := s.GetExecution(ctx, planARN, "exec-9", east, west)
	if err != nil || e.ID != "exec-9" || e.Region != east || e.AnsweredBy != east {
		t.Errorf("GetExecution = %+v, %v; want exec-9 from us-east-1", e, err)
	}
}
