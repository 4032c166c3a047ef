package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

// Changed tells exactly the caller whose step changed the request, so that
// one replica announces each change.
func TestDecisionChangedOnlyForTheCallerThatChanged(t *testing.T) {
	ctx := context.Background()
	s, clk := newStore(t, redisClient(t))
	r := newRequest()
	r.ApprovalsRequired = 2
	r = create(t, s, r)
	r2 := create(t, s, newRequest())
	r3 := create(t, s, newRequest())
	steps := []struct {
		name    string
		do      func() (approvals.Decision, error)
		outcome approvals.Outcome
		changed bool
	}{
		{"self-approval", func() (approvals.Decision, error) { return s.Approve(ctx, r.ID, r.RequesterID) }, approvals.OutcomeSelfApproval, false},
		{"first approval", func() (approvals.Decision, error) { return s.Approve(ctx, r.ID, "UA") }, approvals.OutcomeRecorded, true},
		{"duplicate", func() (approvals.Decision, error) { return s.Approve(ctx, r.ID, "UA") }, approvals.OutcomeDuplicate, false},
		{"reject", func() (approvals.Decision, error) { return s.Reject(ctx, r2.ID, "UA", "") }, approvals.OutcomeRejected, true},
		{"reject again", func() (approvals.Decision, error) { return s.Reject(ctx, r2.ID, "UB", "") }, approvals.OutcomeNotPending, false},
		{"quorum approval", func() (approvals.Decision, error) { return s.Approve(ctx, r3.ID, "UA") }, approvals.OutcomeApproved, true},
		{"expiry", func() (approvals.Decision, error) { clk.Advance(time.Hour); return s.Expire(ctx, r.ID) }, approvals.OutcomeExpired, true},
		{"expiry again", func() (approvals.Decision, error) { return s.Expire(ctx, r.ID) }, approvals.OutcomeExpired, false},
		{"approval after expiry", func() (approvals.Decision, error) { return s.Approve(ctx, r.ID, "UB") }, approvals.OutcomeExpired, false},
	}
	for _, st := range steps {
		d, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if d.Outcome != st.outcome || d.Changed != st.changed {
			t.Errorf("%s: got %s changed=%v, want %s changed=%v", st.name, d.Outcome, d.Changed, st.outcome, st.changed)
		}
	}

}
