package approvals_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

// testLogger logs warnings and errors into the test output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func TestStateMachine(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()

	// Each op returns a token to compare: the outcome, the boolean, or the
	// error's sentinel.
	ops := map[string]func(s *approvals.Store, id string) string{
		"Approve": func(s *approvals.Store, id string) string {
			d, err := s.Approve(ctx, id, "UAPP2")
			if err != nil {
				return err.Error()
			}
			return string(d.Outcome)
		},
		"Reject": func(s *approvals.Store, id string) string {
			d, err := s.Reject(ctx, id, "UAPP2", "no")
			if err != nil {
				return err.Error()
			}
			return string(d.Outcome)
		},
		"Expire": func(s *approvals.Store, id string) string {
			d, err := s.Expire(ctx, id)
			if err != nil {
				return err.Error()
			}
			return string(d.Outcome)
		},
		"MarkExecuting": func(s *approvals.Store, id string) string {
			ok, err := s.MarkExecuting(ctx, id)
			return strconv.FormatBool(ok) + "," + errName(err)
		},
		"MarkExecuted": func(s *approvals.Store, id string) string {
			return errName(s.MarkExecuted(ctx, id, approvals.Result{ExecutionID: "exec-1"}))
		},
		"MarkExecuted(other)": func(s *approvals.Store, id string) string {
			return errName(s.MarkExecuted(ctx, id, approvals.Result{ExecutionID: "exec-2"}))
		},
		"MarkFailed": func(s *approvals.Store, id string) string {
			return errName(s.MarkFailed(ctx, id, "InternalServerException", "boom"))
		},
	}

	type want struct {
		result string
		status approvals.Status // "" when the request does not exist
	}
	const (
		pending, approved, executing = approvals.StatusPending, approvals.StatusApproved, approvals.StatusExecuting
		executed, failed             = approvals.StatusExecuted, approvals.StatusFailed
		rejected, expired            = approvals.StatusRejected, approvals.StatusExpired
	)
	// from state → op → want.
	table := map[string]map[string]want{
		"pending": {
			"Approve":             {"approved", approved},
			"Reject":              {"rejected", rejected},
			"Expire":              {"not_due", pending},
			"MarkExecuting":       {"false,nil", pending},
			"MarkExecuted":        {"ErrWrongState", pending},
			"MarkExecuted(other)": {"ErrWrongState", pending},
			"MarkFailed":          {"ErrWrongState", pending},
		},
		"overdue": {
			"Approve":             {"expired", expired},
			"Reject":              {"expired", expired},
			"Expire":              {"expired", expired},
			"MarkExecuting":       {"false,nil", pending},
			"MarkExecuted":        {"ErrWrongState", pending},
			"MarkExecuted(other)": {"ErrWrongState", pending},
			"MarkFailed":          {"ErrWrongState", pending},
		},
		"approved": {
			"Approve":             {"not_pending", approved},
			"Reject":              {"not_pending", approved},
			"Expire":              {"not_pending", approved},
			"MarkExecuting":       {"true,nil", executing},
			"MarkExecuted":        {"ErrWrongState", approved},
			"MarkExecuted(other)": {"ErrWrongState", approved},
			"MarkFailed":          {"nil", failed},
		},
		"executing": {
			"Approve":             {"not_pending", executing},
			"Reject":              {"not_pending", executing},
			"Expire":              {"not_pending", executing},
			"MarkExecuting":       {"false,nil", executing},
			"MarkExecuted":        {"nil", executed},
			"MarkExecuted(other)": {"nil", executed},
			"MarkFailed":          {"nil", failed},
		},
		"executed": {
			"Approve":             {"not_pending", executed},
			"Reject":              {"not_pending", executed},
			"Expire":              {"not_pending", executed},
			"MarkExecuting":       {"false,nil", executed},
			"MarkExecuted":        {"nil", executed}, // same execution: harmless repeat
			"MarkExecuted(other)": {"ErrWrongState", executed},
			"MarkFailed":          {"ErrWrongState", executed},
		},
		"failed": {
			"Approve":             {"not_pending", failed},
			"Reject":              {"not_pending", failed},
			"Expire":              {"not_pending", failed},
			"MarkExecuting":       {"false,nil", failed},
			"MarkExecuted":        {"ErrWrongState", failed},
			"MarkExecuted(other)": {"ErrWrongState", failed},
			"MarkFailed":          {"nil", failed}, // harmless repeat
		},
		"rejected": {
			"Approve":             {"not_pending", rejected},
			"Reject":              {"not_pending", rejected},
			"Expire":              {"not_pending", rejected},
			"MarkExecuting":       {"false,nil", rejected},
			"MarkExecuted":        {"ErrWrongState", rejected},
			"MarkExecuted(other)": {"ErrWrongState", rejected},
			"MarkFailed":          {"ErrWrongState", rejected},
		},
		"expired": {
			"Approve":             {"expired", expired},
			"Reject":              {"expired", expired},
			"Expire":              {"expired", expired},
			"MarkExecuting":       {"false,nil", expired},
			"MarkExecuted":        {"ErrWrongState", expired},
			"MarkExecuted(other)": {"ErrWrongState", expired},
			"MarkFailed":          {"ErrWrongState", expired},
		},
		"missing": {
			"Approve":             {"not_found", ""},
			"Reject":              {"not_found", ""},
			"Expire":              {"not_found", ""},
			"MarkExecuting":       {"false,ErrNotFound", ""},
			"MarkExecuted":        {"ErrNotFound", ""},
			"MarkExecuted(other)": {"ErrNotFound", ""},
			"MarkFailed":          {"ErrNotFound", ""},
		},
	}

	froms := []string{"pending", "overdue", "approved", "executing", "executed", "failed", "rejected", "expired", "missing"}
	opNames := []string{"Approve", "Reject", "Expire", "MarkExecuting", "MarkExecuted", "MarkExecuted(other)", "MarkFailed"}
	for _, from := range froms {
		for _, op := range opNames {
			w, ok := table[from][op]
			if !ok {
				t.Fatalf("table misses %s/%s", from, op)
			}
			t.Run(from+"/"+op, func(t *testing.T) {
				s, clk := newStore(t, rdb)
				id := into(t, s, clk, from)
				before, _ := s.Get(ctx, id)

				if got := ops[op](s, id); got != w.result {
					t.Errorf("%s on %s = %q, want %q", op, from, got, w.result)
				}
				after, err := s.Get(ctx, id)
				if w.status == "" {
					if !errors.Is(err, approvals.ErrNotFound) {
						t.Errorf("Get after %s = %v, %v; want ErrNotFound", op, after, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Get after %s: %v", op, err)
				}
				if after.Status != w.status {
					t.Errorf("status after %s on %s = %s, want %s", op, from, after.Status, w.status)
				}
				if after.Status == before.Status && !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("refused %s changed updated_at from %v to %v", op, before.UpdatedAt, after.UpdatedAt)
				}
			})
		}
	}
}

func TestCreate(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, clk := newStore(t, rdb)

	t.Run("fields", func(t *testing.T) {
		in := newRequest()
		in.BreakGlassReason = "us-east-1 down"
		in.DryRun = true
		in.DecidedBy = "UFORGED" // output fields are not taken from the caller
		in.Approvers = []string{"UFORGED"}
		create(t, s, in)
		if len(in.ID) != 13 || in.ID[0] != 'r' {
			t.Errorf("ID = %q, want r + 12 characters", in.ID)
		}
		now := clk.Now()
		got := mustStatus(t, s, in.ID, approvals.StatusPending)
		want := *in
		want.CreatedAt, want.UpdatedAt, want.ExpiresAt = now, now, now.Add(testTTL)
		want.ApprovalsRequired = 1
		want.DecidedBy, want.Approvers = "", nil
		if !equalRequest(got, &want) {
			t.Errorf("Get = %+v\nwant %+v", got, &want)
		}
		if !equalRequest(in, &want) {
			t.Errorf("Create left r = %+v\nwant %+v", in, &want)
		}
		ttl := rdb.PTTL(ctx, "rsbot:{"+in.ID+"}:req").Val()
		if want := testTTL + approvals.DefaultRetention; ttl <= 0 || ttl > want {
			t.Errorf("PTTL of the request hash = %v, want in (0, %v]", ttl, want)
		}
	})

	t.Run("ID exists", func(t *testing.T) {
		r := create(t, s, newRequest())
		again := newRequest()
		again.ID = r.ID
		err := s.Create(ctx, again)
		if !errors.Is(err, approvals.ErrExists) {
			t.Errorf("Create with a taken ID: got %v, want ErrExists", err)
		}
		mustStatus(t, s, r.ID, approvals.StatusPending)
	})

	for _, tc := range []struct {
		name string
		edit func(r *approvals.Request)
	}{
		{"empty plan", func(r *approvals.Request) { r.PlanARN = "" }},
		{"empty requester", func(r *approvals.Request) { r.RequesterID = "" }},
		{"requester with comma", func(r *approvals.Request) { r.RequesterID = "U1,U2" }},
		{"ID with hash tag", func(r *approvals.Request) { r.ID = "a}b{c" }},
		{"ID with colon", func(r *approvals.Request) { r.ID = "x:req" }},
		{"ID too long", func(r *approvals.Request) { r.ID = string(make([]byte, 65)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest()
			tc.edit(r)
			if err := s.Create(ctx, r); err == nil {
				t.Errorf("Create: got nil error, want one")
			}
		})
	}
}

// equalRequest compares requests, times with Equal.
func equalRequest(a, b *approvals.Request) bool {
	norm := func(r *approvals.Request) approvals.Request {
		c := *r
		for _, p := range []*time.Time{&c.CreatedAt, &c.ExpiresAt, &c.DecidedAt, &c.UpdatedAt} {
			*p = p.UTC()
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestGetAndSetMessage(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	s, _ := newStore(t, rdb)
	r := create(t, s, newRequest())

	if err := s.SetMessage(ctx, r.ID, "CINC", "1700000000.000100"); err != nil {
		t.Fatalf("SetMessage: %v", err)
	}
	got := mustStatus(t, s, r.ID, approvals.StatusPending)
	if got.ChannelID != "CINC" || got.MessageTS != "1700000000.000100" {
		t.Errorf("channel, ts = %q, %q; want %q, %q", got.ChannelID, got.MessageTS, "CINC", "1700000000.000100")
	}

	for _, id := range []string{"rmissing", "", "a}b{", "rsbot:{x}:req", "../../etc"} {
		t.Run("missing "+id, func(t *testing.T) {
			if _, err := s.Get(ctx, id); !errors.Is(err, approvals.ErrNotFound) {
				t.Errorf("Get(%q): got %v, want ErrNotFound", id, err)
			}
			if err := s.SetMessage(ctx, id, "C", "1"); !errors.Is(err, approvals.ErrNotFound) {
				t.Errorf("SetMessage(%q): got %v, want ErrNotFound", id, err)
			}
			if d, err := s.Approve(ctx, id, "UAPP1"); err != nil || d.Outcome != approvals.OutcomeNotFound || d.Request != nil {
				t.Errorf("Approve(%q) = %+v, %v; want not_found, nil request, nil", id, d, err)
			}
			if n := rdb.Exists(ctx, "rsbot:{"+id+"}:req").Val(); n != 0 {
				t.Errorf("a refused call created a key for %q", id)
			}
		})
	}
}

func TestApproveRules(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()

	t.Run("self-approval refused", func(t *testing.T) {
		s, _ := newStore(t, rdb)
		r := create(t, s, newRequest())
		got := approve(t, s, r.ID, r.RequesterID, approvals.OutcomeSelfApproval)
		if got.Status != approvals.StatusPending || len(got.Approvers) != 0 {
			t.Errorf("after self-approval: status %s, approvers %v; want pending, none", got.Status, got.Approvers)
		}
	})

	t.Run("break-glass self-approval counts", func(t *testing.T) {
		s, _ := newStore(t, rdb)
		in := newRequest()
		in.BreakGlassReason = "Slack approvers unreachable"
		r := create(t, s, in)
		got := approve(t, s, r.ID, r.RequesterID, approvals.OutcomeApproved)
		if got.DecidedBy != r.RequesterID || !slices.Equal(got.Approvers, []string{r.RequesterID}) {
			t.Errorf("decided by %q, approvers %v; want %q, [%s]", got.DecidedBy, got.Approvers, r.RequesterID, r.RequesterID)
		}
	})

	t.Run("break-glass with quorum 2 still needs another person", func(t *testing.T) {
		s, _ := newStore(t, rdb)
		in := newRequest()
		in.BreakGlassReason = "reason"
		in.ApprovalsRequired = 2
		r := create(t, s, in)
		approve(t, s, r.ID, r.RequesterID, approvals.OutcomeRecorded)
		approve(t, s, r.ID, r.RequesterID, approvals.OutcomeDuplicate)
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeApproved)
	})

	t.Run("reject then approve refused", func(t *testing.T) {
		s, clk := newStore(t, rdb)
		r := create(t, s, newRequest())
		clk.Advance(time.Minute)
		d, err := s.Reject(ctx, r.ID, "UAPP1", "wrong Region")
		if err != nil || d.Outcome != approvals.OutcomeRejected {
			t.Fatalf("Reject = %v, %v; want rejected", d.Outcome, err)
		}
		got := approve(t, s, r.ID, "UAPP2", approvals.OutcomeNotPending)
		if got.Status != approvals.StatusRejected || got.DecidedBy != "UAPP1" || got.Reason != "wrong Region" {
			t.Errorf("request = %s by %q (%q), want rejected by UAPP1 (wrong Region)", got.Status, got.DecidedBy, got.Reason)
		}
		if !got.DecidedAt.Equal(clk.Now()) {
			t.Errorf("DecidedAt = %v, want %v", got.DecidedAt, clk.Now())
		}
	})

	t.Run("expired refused", func(t *testing.T) {
		s, clk := newStore(t, rdb)
		in := newRequest()
		in.ApprovalsRequired = 2
		r := create(t, s, in)
		clk.Advance(testTTL - time.Millisecond)
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeRecorded) // last moment of the window
		clk.Advance(time.Millisecond)
		got := approve(t, s, r.ID, "UAPP2", approvals.OutcomeExpired)
		if got.Status != approvals.StatusExpired || got.DecidedBy != "system" || got.Reason == "" {
			t.Errorf("request = %s by %q (%q), want expired by system with a reason", got.Status, got.DecidedBy, got.Reason)
		}
		approve(t, s, r.ID, "UAPP2", approvals.OutcomeExpired)
		if d, err := s.Expire(ctx, r.ID); err != nil || d.Outcome != approvals.OutcomeExpired {
			t.Errorf("Expire after = %v, %v; want expired", d.Outcome, err)
		}
	})

	t.Run("quorum 2", func(t *testing.T) {
		s, clk := newStore(t, rdb)
		in := newRequest()
		in.ApprovalsRequired = 2
		r := create(t, s, in)
		got := approve(t, s, r.ID, "UAPP1", approvals.OutcomeRecorded)
		if got.Status != approvals.StatusPending || !slices.Equal(got.Approvers, []string{"UAPP1"}) {
			t.Errorf("after first: %s %v, want pending [UAPP1]", got.Status, got.Approvers)
		}
		approve(t, s, r.ID, "UAPP1", approvals.OutcomeDuplicate)
		approve(t, s, r.ID, r.RequesterID, approvals.OutcomeSelfApproval)
		clk.Advance(time.Second)
		got = approve(t, s, r.ID, "UAPP2", approvals.OutcomeApproved)
		if got.Status != approvals.StatusApproved || got.DecidedBy != "UAPP2" || !got.DecidedAt.Equal(clk.Now()) {
			t.Errorf("after second: %s by %q at %v, want approved by UAPP2 at %v", got.Status, got.DecidedBy, got.DecidedAt, clk.Now())
		}
		if !slices.Equal(got.Approvers, []string{"UAPP1", "UAPP2"}) {
			t.Errorf("approvers = %v, want [UAPP1 UAPP2]", got.Approvers)
		}
		got = approve(t, s, r.ID, "UAPP3", approvals.OutcomeNotPending)
		if got.DecidedBy != "UAPP2" {
			t.Errorf("third sees decided by %q, want UAPP2", got.DecidedBy)
		}
	})

	t.Run("invalid approver ID", func(t *testing.T) {
		s, _ := newStore(t, rdb)
		r := create(t, s, newRequest())
		for _, u := range []string{"", "U1,U2", "U1 U2", "U\n"} {
			if _, err := s.Approve(ctx, r.ID, u); err == nil {
				t.Errorf("Approve by %q: got nil error, want one", u)
			}
		}
		mustStatus(t, s, r.ID, approvals.StatusPending)
	})
}
