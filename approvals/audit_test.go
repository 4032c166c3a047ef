package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

func TestAudit(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, clk := newStore(t, rdb)

	in := newRequest()
	in.PlanName = "payments"
	in.ApprovalsRequired = 2
	r := create(t, s, in)
	t0 := clk.Now()

	// Another plan's request in between, to test the filter.
	other := newRequest()
	other.PlanName = "search"
	create(t, s, other)
	clk.Advance(time.Second)
	if d, err := s.Reject(ctx, other.ID, "UAPP9", "duplicate"); err != nil || d.Outcome != approvals.OutcomeRejected {
		t.Fatalf("Reject = %v, %v", d.Outcome, err)
	}

	clk.Advance(time.Second)
	approve(t, s, r.ID, "UAPP1", approvals.OutcomeRecorded)
	approve(t, s, r.ID, "UAPP1", approvals.OutcomeDuplicate) // refused: no entry
	clk.Advance(time.Second)
	approve(t, s, r.ID, "UAPP2", approvals.OutcomeApproved)
	if ok, err := s.MarkExecuting(ctx, r.ID); !ok || err != nil {
		t.Fatalf("MarkExecuting = %v, %v", ok, err)
	}
	clk.Advance(time.Second)
	if err := s.MarkExecuted(ctx, r.ID, approvals.Result{ExecutionID: "exec-42"}); err != nil {
		t.Fatal(err)
	}

	base := approvals.AuditEntry{RequestID: r.ID, PlanARN: r.PlanARN, PlanName: "payments", Action: "activate", Region: "us-west-2", Mode: "graceful"}
	entry := func(ev approvals.Event, actor string, at time.Time, edit func(*approvals.AuditEntry)) approvals.AuditEntry {
		e := base
		e.Event, e.Actor, e.At = ev, actor, at
		if edit != nil {
			edit(&e)
		}
		return e
	}
	want := []approvals.AuditEntry{
		entry(approvals.EventExecuted, "system", t0.Add(4*time.Second), func(e *approvals.AuditEntry) { e.ExecutionID = "exec-42" }),
		entry(approvals.EventExecuting, "system", t0.Add(3*time.Second), nil),
		entry(approvals.EventApproved, "UAPP2", t0.Add(3*time.Second), nil),
		entry(approvals.EventApproval, "UAPP1", t0.Add(2*time.Second), nil),
		entry(approvals.EventRequested, "UREQ", t0, func(e *approvals.AuditEntry) { e.Reason = "us-east-1 impaired" }),
	}

	for _, tc := range []struct {
		name, plan string
		limit      int
		want       []approvals.AuditEntry
	}{
		{"by ARN", r.PlanARN, 0, want},
		{"by name", "payments", 10, want},
		{"limit", "payments", 2, want[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Audit(ctx, tc.plan, tc.limit)
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Audit returned %d entries, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				if got[i].ID == "" {
					t.Errorf("entry %d has no stream ID", i)
				}
				got[i].ID = ""
				if !got[i].At.Equal(tc.want[i].At) {
					t.Errorf("entry %d at %v, want %v", i, got[i].At, tc.want[i].At)
				}
				got[i].At = tc.want[i].At
				if got[i] != tc.want[i] {
					t.Errorf("entry %d = %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
		})
	}

	t.Run("all plans", func(t *testing.T) {
		got, err := s.Audit(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var events []approvals.Event
		for _, e := range got {
			events = append(events, e.Event)
		}
		wantEvents := []approvals.Event{"executed", "executing", "approved", "approval", "rejected", "requested", "requested"}
		if len(events) != len(wantEvents) {
			t.Fatalf("events = %v, want %v", events, wantEvents)
		}
		for i := range events {
			if events[i] != wantEvents[i] {
				t.Fatalf("events = %v, want %v", events, wantEvents)
			}
		}
		rej := got[4]
		if rej.Actor != "UAPP9" || rej.Reason != "duplicate" || rej.PlanName != "search" {
			t.Errorf("rejected entry = %+v, want actor UAPP9, reason duplicate, plan search", rej)
		}
	})

	t.Run("unknown plan", func(t *testing.T) {
		got, err := s.Audit(ctx, "nope", 10)
		if err != nil || len(got) != 0 {
			t.Errorf("Audit(nope) = %v, %v; want none", got, err)
		}
	})
}

func TestAuditBreakGlassExpiryFailure(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, clk := newStore(t, rdb)

	bg := newRequest()
	bg.BreakGlassReason = "approvers unreachable"
	create(t, s, bg)
	approve(t, s, bg.ID, bg.RequesterID, approvals.OutcomeApproved)
	if err := s.MarkFailed(ctx, bg.ID, "AccessDeniedException", "not allowed"); err != nil {
		t.Fatal(err)
	}

	exp := create(t, s, newRequest())
	clk.Advance(testTTL)
	if d, err := s.Expire(ctx, exp.ID); err != nil || d.Outcome != approvals.OutcomeExpired {
		t.Fatalf("Expire = %v, %v", d.Outcome, err)
	}
	// Repeating the expiry writes nothing.
	if _, err := s.Expire(ctx, exp.ID); err != nil {
		t.Fatal(err)
	}

	got, err := s.Audit(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		event               approvals.Event
		actor, reason, code string
		breakGlass          bool
	}
	want := []row{
		{"expired", "system", "approval window ended", "", false},
		{"requested", "UREQ", "us-east-1 impaired", "", false},
		{"failed", "system", "not allowed", "AccessDeniedException", true},
		{"approved", "UREQ", "approvers unreachable", "", true},
		{"requested", "UREQ", "approvers unreachable", "", true},
	}
	if len(got) != len(want) {
		t.Fatalf("Audit returned %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, e := range got {
		if g := (row{e.Event, e.Actor, e.Reason, e.ErrorCode, e.BreakGlass}); g != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, g, want[i])
		}
	}
}

func TestAuditMaxLen(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s := approvals.NewStore(rdb, approvals.Options{AuditMaxLen: 10})
	for range 300 {
		create(t, s, newRequest())
	}
	// MAXLEN ~ trims whole stream nodes (100 entries by default), so the
	// stream stays near, not at, the cap.
	if n := rdb.XLen(ctx, "rsbot:audit").Val(); n >= 300 {
		t.Errorf("XLEN = %d, want the stream trimmed", n)
	}
}
