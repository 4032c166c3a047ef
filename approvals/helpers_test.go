package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

const testTTL = 30 * time.Minute

// newClock returns a test clock that moves only when told.
func newClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

// redisClient starts a redis-server for the test and returns a client.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	return redistest.Start(t).Client(t)
}

// newStore returns a Store with its own clock over rdb.
func newStore(t *testing.T, rdb redis.UniversalClient) (*approvals.Store, *fakeclock.Clock) {
	t.Helper()
	clk := newClock()
	return approvals.NewStore(rdb, approvals.Options{TTL: testTTL, Now: clk.Now, Logger: testLogger(t)}), clk
}

var planSeq atomic.Int64

// newPlanARN returns a plan ARN no other test uses.
func newPlanARN() string {
	return fmt.Sprintf("arn:aws:arc-region-switch::123456789012:plan/test-%d:abc123", planSeq.Add(1))
}

// newRequest returns a request for a fresh plan, ready for Create.
func newRequest() *approvals.Request {
	return &approvals.Request{
		PlanARN:      newPlanARN(),
		PlanName:     "checkout",
		PlanVersion:  "3",
		PlanRegions:  []string{"us-east-1", "us-west-2"},
		Action:       "activate",
		TargetRegion: "us-west-2",
		Mode:         "graceful",
		Comment:      "us-east-1 impaired",
		RequesterID:  "UREQ",
		ChannelID:    "COPS",
	}
}

// create stores a new request and fails the test on error.
func create(t *testing.T, s *approvals.Store, r *approvals.Request) *approvals.Request {
	t.Helper()
	if err := s.Create(context.Background(), r); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return r
}

// mustStatus fails the test unless the stored request is in want.
func mustStatus(t *testing.T, s *approvals.Store, id string, want approvals.Status) *approvals.Request {
	t.Helper()
	r, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	if r.Status != want {
		t.Fatalf("status of %s = %s, want %s", id, r.Status, want)
	}
	return r
}

// approve approves and fails the test unless the outcome is want.
func approve(t *testing.T, s *approvals.Store, id, user string, want approvals.Outcome) *approvals.Request {
	t.Helper()
	d, err := s.Approve(context.Background(), id, user)
	if err != nil {
		t.Fatalf("Approve(%s, %s): %v", id, user, err)
	}
	if d.Outcome != want {
		t.Fatalf("Approve(%s, %s) = %s, want %s", id, user, d.Outcome, want)
	}
	return d.Request
}

// into creates a request and brings it into state st: one of the statuses,
// "overdue" (pending past its expiry) or "missing" (never created).
func into(t *testing.T, s *approvals.Store, clk *fakeclock.Clock, st string) string {
	t.Helper()
	ctx := context.Background()
	if st == "missing" {
		return approvals.NewID()
	}
	r := create(t, s, newRequest())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	markExecuting := func() {
		t.Helper()
		if ok, err := s.MarkExecuting(ctx, r.ID); err != nil || !ok {
			t.Fatalf("MarkExecuting = %v, %v; want true, nil", ok, err)
		}
	}
	switch st {
	case "pending":
	case "overdue":
		clk.Advance(testTTL)
	case "approved":
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)
	case "executing":
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)
		markExecuting()
	case "executed":
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)
		markExecuting()
		must(s.MarkExecuted(ctx, r.ID, approvals.Result{ExecutionID: "exec-1"}))
	case "failed":
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)
		must(s.MarkFailed(ctx, r.ID, "AccessDeniedException", "no"))
	case "rejected":
		d, err := s.Reject(ctx, r.ID, "UAPP1", "not now")
		if err != nil || d.Outcome != approvals.OutcomeRejected {
			t.Fatalf("Reject = %v, %v; want %s", d.Outcome, err, approvals.OutcomeRejected)
		}
	case "expired":
		clk.Advance(testTTL)
		d, err := s.Expire(ctx, r.ID)
		if err != nil || d.Outcome != approvals.OutcomeExpired {
			t.Fatalf("Expire = %v, %v; want %s", d.Outcome, err, approvals.OutcomeExpired)
		}
	default:
		t.Fatalf("into: unknown state %q", st)
	}
	return r.ID
}

// errName names the sentinel error err wraps, for tables.
func errName(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, approvals.ErrNotFound):
		return "ErrNotFound"
	case errors.Is(err, approvals.ErrWrongState):
		return "ErrWrongState"
	case errors.Is(err, approvals.ErrExists):
		return "ErrExists"
	}
	return err.Error()
}
