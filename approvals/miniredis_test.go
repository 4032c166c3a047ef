package approvals_test

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

// The bot runs on an in-process miniredis when REDIS_URL is empty: the
// scripts must work there too.
func TestMiniredisSmoke(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	s, clk := newStore(t, rdb)

	in := newRequest()
	in.ApprovalsRequired = 2
	r := create(t, s, in)
	approve(t, s, r.ID, r.RequesterID, approvals.OutcomeSelfApproval)
	approve(t, s, r.ID, "UAPP1", approvals.OutcomeRecorded)
	approve(t, s, r.ID, "UAPP1", approvals.OutcomeDuplicate)
	got := approve(t, s, r.ID, "UAPP2", approvals.OutcomeApproved)
	if got.DecidedBy != "UAPP2" || len(got.Approvers) != 2 {
		t.Errorf("decided by %q, approvers %v; want UAPP2, [UAPP1 UAPP2]", got.DecidedBy, got.Approvers)
	}
	for i, want := range []bool{true, false} {
		if ok, err := s.MarkExecuting(ctx, r.ID); ok != want || err != nil {
			t.Errorf("MarkExecuting #%d = %v, %v; want %v, nil", i+1, ok, err, want)
		}
	}
	if err := s.MarkExecuted(ctx, r.ID, approvals.Result{ExecutionID: "exec-1"}); err != nil {
		t.Fatalf("MarkExecuted: %v", err)
	}
	mustStatus(t, s, r.ID, approvals.StatusExecuted)

	// Expiry and the plan lock.
	old := create(t, s, newRequest())
	clk.Advance(testTTL)
	next := newRequest()
	next.PlanARN = old.PlanARN
	create(t, s, next)
	mustStatus(t, s, old.ID, approvals.StatusExpired)

	if entries, err := s.Audit(ctx, "", 100); err != nil || len(entries) != 8 {
		t.Errorf("Audit = %d entries, %v; want 8, nil", len(entries), err)
	}
}
