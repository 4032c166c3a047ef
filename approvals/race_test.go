package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

// race runs f(i) in n goroutines released together and returns the results.
func race[T any](n int, f func(i int) T) []T {
	out := make([]T, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// approveRace lets 50 distinct approvers click at once and checks the
// outcomes: exactly one approved, required-1 recorded, the rest not pending.
func approveRace(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	const clicks = 50
	for _, required := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("quorum %d", required), func(t *testing.T) {
			s, _ := newStore(t, rdb)
			in := newRequest()
			in.ApprovalsRequired = required
			r := create(t, s, in)

			type result struct {
				out approvals.Outcome
				err error
			}
			results := race(clicks, func(i int) result {
				d, err := s.Approve(ctx, r.ID, fmt.Sprintf("UAPP%d", i))
				return result{d.Outcome, err}
			})
			counts := map[approvals.Outcome]int{}
			for _, res := range results {
				if res.err != nil {
					t.Fatalf("Approve: %v", res.err)
				}
				counts[res.out]++
			}
			want := map[approvals.Outcome]int{
				approvals.OutcomeApproved:   1,
				approvals.OutcomeRecorded:   required - 1,
				approvals.OutcomeNotPending: clicks - required,
			}
			for o, n := range want {
				if counts[o] != n {
					t.Errorf("%s outcomes = %d, want %d (all: %v)", o, counts[o], n, counts)
				}
			}
			got := mustStatus(t, s, r.ID, approvals.StatusApproved)
			if len(got.Approvers) != required || got.DecidedBy != got.Approvers[required-1] {
				t.Errorf("approvers %v, decided by %q; want %d approvers, the last deciding", got.Approvers, got.DecidedBy, required)
			}
		})
	}
}

func TestApproveRace(t *testing.T) {
	approveRace(t, redisClient(t))
}

func TestApproveRaceCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	rdb := c.Client(t)
	approveRace(t, rdb)

	// The whole flow, lock and audit included, works on the cluster.
	ctx := context.Background()
	s, _ := newStore(t, rdb)
	r := create(t, s, newRequest())
	approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)
	if ok, err := s.MarkExecuting(ctx, r.ID); err != nil || !ok {
		t.Fatalf("MarkExecuting = %v, %v; want true, nil", ok, err)
	}
	if err := s.MarkExecuted(ctx, r.ID, approvals.Result{ExecutionID: "exec-1"}); err != nil {
		t.Fatalf("MarkExecuted: %v", err)
	}
	if n := rdb.Exists(ctx, "rsbot:lock:"+r.PlanARN).Val(); n != 0 {
		t.Errorf("plan lock still exists after executed")
	}
	entries, err := s.Audit(ctx, r.PlanARN, 10)
	if err != nil || len(entries) != 4 {
		t.Errorf("Audit = %d entries, %v; want 4, nil", len(entries), err)
	}
}

func TestMarkExecutingRace(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, _ := newStore(t, rdb)
	r := create(t, s, newRequest())
	approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)

	wins := 0
	for _, res := range race(50, func(int) error {
		ok, err := s.MarkExecuting(ctx, r.ID)
		if err == nil && !ok {
			return errors.New("lost")
		}
		return err
	}) {
		switch {
		case res == nil:
			wins++
		case res.Error() != "lost":
			t.Fatalf("MarkExecuting: %v", res)
		}
	}
	if wins != 1 {
		t.Errorf("MarkExecuting winners = %d, want 1", wins)
	}
	mustStatus(t, s, r.ID, approvals.StatusExecuting)
}

func TestCreateRaceOnePlan(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, _ := newStore(t, rdb)
	plan := newPlanARN()

	results := race(20, func(i int) error {
		r := newRequest()
		r.PlanARN = plan
		return s.Create(ctx, r)
	})
	created := 0
	for _, err := range results {
		var busy *approvals.PlanBusyError
		switch {
		case err == nil:
			created++
		case !errors.As(err, &busy):
			t.Fatalf("Create: got %v, want nil or a PlanBusyError", err)
		}
	}
	if created != 1 {
		t.Errorf("created = %d, want 1", created)
	}
	open, err := s.Open(ctx)
	if err != nil || len(open) != 1 {
		t.Errorf("Open = %d requests, %v; want 1 (refused requests are not stored)", len(open), err)
	}
}
