package approvals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
)

func lockHolder(t *testing.T, rdb *redis.Client, plan string) string {
	t.Helper()
	v, err := rdb.Get(context.Background(), "rsbot:lock:"+plan).Result()
	if errors.Is(err, redis.Nil) {
		return ""
	}
	if err != nil {
		t.Fatalf("GET lock: %v", err)
	}
	return v
}

// createOn creates a request for plan and returns it and Create's error.
func createOn(s *approvals.Store, plan string) (*approvals.Request, error) {
	r := newRequest()
	r.PlanARN = plan
	return r, s.Create(context.Background(), r)
}

func TestPlanLockBusyWhileOpen(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()

	for _, st := range []string{"pending", "approved", "executing"} {
		t.Run(st, func(t *testing.T) {
			s, clk := newStore(t, rdb)
			id := into(t, s, clk, st)
			if err := s.SetMessage(ctx, id, "COPS", "123.456"); err != nil {
				t.Fatal(err)
			}
			holder := mustStatus(t, s, id, approvals.Status(st))
			if got := lockHolder(t, rdb, holder.PlanARN); got != id {
				t.Fatalf("lock holder = %q, want %q", got, id)
			}
			if st != "pending" {
				// Approved and executing requests stay busy after the window.
				clk.Advance(2 * testTTL)
			}
			second, err := createOn(s, holder.PlanARN)
			var busy *approvals.PlanBusyError
			if !errors.As(err, &busy) {
				t.Fatalf("second Create: got %v, want a PlanBusyError", err)
			}
			want := approvals.PlanBusyError{PlanARN: holder.PlanARN, RequestID: id, Status: approvals.Status(st), ChannelID: "COPS", MessageTS: "123.456"}
			if *busy != want {
				t.Errorf("PlanBusyError = %+v, want %+v", *busy, want)
			}
			if _, err := s.Get(ctx, second.ID); !errors.Is(err, approvals.ErrNotFound) {
				t.Errorf("refused request stored: Get = %v, want ErrNotFound", err)
			}
			if got := lockHolder(t, rdb, holder.PlanARN); got != id {
				t.Errorf("lock holder after refusal = %q, want %q", got, id)
			}
		})
	}
}

func TestPlanLockExpiry(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()

	t.Run("PX while pending", func(t *testing.T) {
		s, _ := newStore(t, rdb)
		r := create(t, s, newRequest())
		if px := rdb.PTTL(ctx, "rsbot:lock:"+r.PlanARN).Val(); px <= testTTL || px > testTTL+time.Hour {
			t.Errorf("lock PTTL = %v, want in (%v, %v]", px, testTTL, testTTL+time.Hour)
		}
	})

	t.Run("extended to 6h while executing", func(t *testing.T) {
		s, clk := newStore(t, rdb)
		id := into(t, s, clk, "executing")
		r := mustStatus(t, s, id, approvals.StatusExecuting)
		if px := rdb.PTTL(ctx, "rsbot:lock:"+r.PlanARN).Val(); px <= 5*time.Hour || px > 6*time.Hour {
			t.Errorf("lock PTTL = %v, want about 6h", px)
		}
		if px := rdb.PTTL(ctx, "rsbot:{"+id+"}:req").Val(); px < 6*time.Hour {
			t.Errorf("request PTTL = %v, want at least 6h while executing", px)
		}
	})

	t.Run("retaken when it lapsed before executing", func(t *testing.T) {
		s, clk := newStore(t, rdb)
		id := into(t, s, clk, "approved")
		r := mustStatus(t, s, id, approvals.StatusApproved)
		rdb.Del(ctx, "rsbot:lock:"+r.PlanARN)
		if ok, err := s.MarkExecuting(ctx, id); !ok || err != nil {
			t.Fatalf("MarkExecuting = %v, %v", ok, err)
		}
		if got := lockHolder(t, rdb, r.PlanARN); got != id {
			t.Errorf("lock holder = %q, want %q", got, id)
		}
	})
}

func TestPlanLockReleasedOnFinal(t *testing.T) {
	rdb := redisClient(t)
	for _, st := range []string{"rejected", "expired", "executed", "failed"} {
		t.Run(st, func(t *testing.T) {
			s, clk := newStore(t, rdb)
			id := into(t, s, clk, st)
			r := mustStatus(t, s, id, approvals.Status(st))
			if got := lockHolder(t, rdb, r.PlanARN); got != "" {
				t.Errorf("lock holder = %q, want none", got)
			}
			next, err := createOn(s, r.PlanARN)
			if err != nil {
				t.Fatalf("Create after %s: %v", st, err)
			}
			if got := lockHolder(t, rdb, r.PlanARN); got != next.ID {
				t.Errorf("lock holder = %q, want %q", got, next.ID)
			}
		})
	}
}

func TestPlanLockTakeOver(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()

	t.Run("pending past expiry", func(t *testing.T) {
		s, clk := newStore(t, rdb)
		old := create(t, s, newRequest())
		clk.Advance(testTTL)
		next, err := createOn(s, old.PlanARN)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		got := mustStatus(t, s, old.ID, approvals.StatusExpired)
		if got.DecidedBy != "system" {
			t.Errorf("old request decided by %q, want system", got.DecidedBy)
		}
		if h := lockHolder(t, rdb, old.PlanARN); h != next.ID {
			t.Errorf("lock holder = %q, want %q", h, next.ID)
		}
	})

	// A lock left behind (its release failed) by a request that is final
	// or gone is taken over.
	for _, tc := range []struct {
		name   string
		holder func(t *testing.T, s *approvals.Store, clk *fakeclock.Clock) string
	}{
		{"final holder", func(t *testing.T, s *approvals.Store, clk *fakeclock.Clock) string {
			return into(t, s, clk, "rejected")
		}},
		{"missing holder", func(*testing.T, *approvals.Store, *fakeclock.Clock) string { return "rgone" }},
		{"hostile holder", func(*testing.T, *approvals.Store, *fakeclock.Clock) string { return "}{" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newStore(t, rdb)
			plan := newPlanARN()
			holder := tc.holder(t, s, clk)
			rdb.Set(ctx, "rsbot:lock:"+plan, holder, time.Hour)
			next, err := createOn(s, plan)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if h := lockHolder(t, rdb, plan); h != next.ID {
				t.Errorf("lock holder = %q, want %q", h, next.ID)
			}
		})
	}
}
