package approvals_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

func ids(rs []*approvals.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestDueOpenInState(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, clk := newStore(t, rdb)

	// One request in each state; created one minute apart.
	byState := map[string]string{}
	for _, st := range []string{"pending", "approved", "executing", "executed", "failed", "rejected", "expired"} {
		byState[st] = into(t, s, clk, st)
		clk.Advance(time.Minute)
	}
	// "expired" advanced the clock past the first requests' windows, which
	// made "pending" overdue: take a fresh clock position.
	late := create(t, s, newRequest())

	t.Run("Due", func(t *testing.T) {
		got, err := s.Due(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{byState["pending"]}; !slices.Equal(got, want) {
			t.Errorf("Due = %v, want %v", got, want)
		}
	})

	t.Run("Open", func(t *testing.T) {
		got, err := s.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{byState["pending"], byState["approved"], byState["executing"], late.ID}
		if !slices.Equal(ids(got), want) {
			t.Errorf("Open = %v, want %v (oldest first)", ids(got), want)
		}
	})

	for _, st := range []string{"approved", "executing", "executed", "failed", "rejected", "expired"} {
		t.Run("InState "+st, func(t *testing.T) {
			got, err := s.InState(ctx, approvals.Status(st))
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{byState[st]}; !slices.Equal(ids(got), want) {
				t.Errorf("InState(%s) = %v, want %v", st, ids(got), want)
			}
		})
	}

	t.Run("InState unknown", func(t *testing.T) {
		if _, err := s.InState(ctx, "bogus"); err == nil {
			t.Error("InState(bogus): got nil error, want one")
		}
	})

	t.Run("sweep", func(t *testing.T) {
		due, _ := s.Due(ctx)
		for _, id := range due {
			if d, err := s.Expire(ctx, id); err != nil || d.Outcome != approvals.OutcomeExpired {
				t.Errorf("Expire(%s) = %v, %v; want expired", id, d.Outcome, err)
			}
		}
		if due, err := s.Due(ctx); err != nil || len(due) != 0 {
			t.Errorf("Due after sweep = %v, %v; want none", due, err)
		}
		got, _ := s.InState(ctx, approvals.StatusExpired)
		if want := []string{byState["expired"], byState["pending"]}; !slices.Equal(ids(got), want) {
			t.Errorf("InState(expired) = %v, want %v", ids(got), want)
		}
	})

	t.Run("stale entries dropped", func(t *testing.T) {
		// A record that vanished and an index entry that lags behind.
		rdb.ZAdd(ctx, "rsbot:pending", redisZ(0, "rvanished"))
		rdb.ZAdd(ctx, "rsbot:approved", redisZ(0, byState["executed"]))
		if due, _ := s.Due(ctx); !slices.Contains(due, "rvanished") {
			t.Fatalf("Due = %v, want rvanished listed", due)
		}
		if d, err := s.Expire(ctx, "rvanished"); err != nil || d.Outcome != approvals.OutcomeNotFound {
			t.Errorf("Expire(rvanished) = %v, %v; want not_found", d.Outcome, err)
		}
		if due, _ := s.Due(ctx); len(due) != 0 {
			t.Errorf("Due = %v, want none", due)
		}
		got, _ := s.InState(ctx, approvals.StatusApproved)
		if want := []string{byState["approved"]}; !slices.Equal(ids(got), want) {
			t.Errorf("InState(approved) = %v, want %v", ids(got), want)
		}
		if n := rdb.ZCard(ctx, "rsbot:approved").Val(); n != 1 {
			t.Errorf("approved index size = %d, want 1", n)
		}
	})
}

func redisZ(score float64, member string) redis.Z {
	return redis.Z{Score: score, Member: member}
}
