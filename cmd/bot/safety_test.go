package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

// storedRequest reads a request straight from the test's Redis.
func (h *harness) storedRequest(id string) *approvals.Request {
	h.t.Helper()
	r, err := approvals.NewStore(h.redis.Client(h.t), approvals.Options{}).Get(context.Background(), id)
	if err != nil {
		h.t.Fatalf("reading request %s: %v", id, err)
	}
	return r
}

func TestQuorumNeedsDistinctApprovers(t *testing.T) {
	h := newHarness(t, map[string]string{"APPROVALS_REQUIRED": "2", "APPROVALS_REQUIRED_UNGRACEFUL": "3"})
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.click("UAPPR1", testChannel, ts, "rs_approve", id)
	h.told("UAPPR1", "1 of 2")
	h.updated(testChannel, ts, "Waiting for 2 approvals")
	h.click("UAPPR1", testChannel, ts, "rs_approve", id)
	h.told("UAPPR1", "already approved")
	h.click("UREQ1", testChannel, ts, "rs_approve", id)
	h.told("UREQ1", "can't approve")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution after 1 of 2 approvals = %d, want 0", n)
	}
	h.click("UAPPR2", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started", "approved by <@UAPPR1>, <@UAPPR2>")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Fatalf("StartPlanExecution = %d, want 1", n)
	}
	if r := h.storedRequest(id); len(r.Approvers) != 2 || r.Status != approvals.StatusExecuted {
		t.Errorf("stored request = %s with approvers %v, want executed with 2 approvers", r.Status, r.Approvers)
	}

	// Ungraceful needs 3.
	h.command("UREQ1", testChannel, "execute checkout activate us-east-1 --mode ungraceful")
	id2 := h.nextApprovalID(testChannel, id)
	if r := h.storedRequest(id2); r.ApprovalsRequired != 3 {
		t.Errorf("ungraceful request needs %d approvals, want 3", r.ApprovalsRequired)
	}
}

func TestOneOpenRequestPerPlan(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.told("UREQ1", "is posted for approval")
	h.command("UREQ2", testChannel, "execute checkout-prod activate us-east-1")
	h.told("UREQ2", "already has an open request (`"+id+"`)")
	h.told("UREQ2", "https://slack.com/archives/"+testChannel+"/p")
	// Once the first is rejected, the plan is free again.
	h.click("UAPPROVER", testChannel, ts, "rs_reject", id)
	h.updated(testChannel, ts, "Rejected")
	h.command("UREQ2", testChannel, "execute checkout-prod activate us-east-1")
	h.told("UREQ2", "is posted for approval")
}

func TestPlanChangedSinceRequestIsNotStarted(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.arc.SetPlanVersion(testPlanARN, "v4")
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Failed", "PlanChanged", "v3", "v4")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution = %d after the plan changed, want 0", n)
	}
	if r := h.storedRequest(id); r.Status != approvals.StatusFailed {
		t.Errorf("status = %s, want failed", r.Status)
	}
}

func TestExecutionInProgressIsNotStarted(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.arc.AddExecution(fakearc.Execution{ID: "exec-console", PlanARN: testPlanARN, Region: "us-west-2", State: "inProgress", Comment: "started from the console"})
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Failed", "ExecutionInProgress", "exec-console")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution = %d with an execution in progress, want 0", n)
	}
}

func TestEvaluationWarningsShown(t *testing.T) {
	h := newHarness(t, nil)
	h.arc.Handle("GetPlanEvaluationStatus", func(region string, in map[string]any) (map[string]any, *fakearc.Error) {
		return map[string]any{
			"planArn": testPlanARN, "evaluationState": "actionRequired", "region": region,
			"warnings": []any{map[string]any{"workflow": map[string]any{"action": "activate", "workflowTargetRegion": "us-west-2"}, "version": "v3", "stepName": "scale-asg", "warningStatus": "active", "warningMessage": "ASG capacity below target"}},
		}, nil
	})
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, _ := h.approvalMessage(testChannel)
	msg, _ := h.slack.Message(testChannel, ts)
	for _, want := range []string{"actionRequired", "scale-asg: ASG capacity below target"} {
		if !strings.Contains(string(msg.Blocks), want) {
			t.Errorf("approval message lacks %q", want)
		}
	}
}

func TestCrashDuringStartIsReconciled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		started bool
		want    []string
	}{
		{"execution started", true, []string{"Started", "exec-"}},
		{"nothing started", false, []string{"Failed", "NotStarted", "nothing was started"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.grace = 200 * time.Millisecond
			h.restart()
			held, entered := make(chan struct{}), make(chan struct{}, 1)
			t.Cleanup(func() { close(held) })
			if tc.started {
				h.t.Cleanup(h.arc.Hold("StartPlanExecution"))
			} else {
				// ARC takes the call and never answers, starting nothing.
				h.arc.Handle("StartPlanExecution", func(string, map[string]any) (map[string]any, *fakearc.Error) {
					entered <- struct{}{}
					<-held
					return nil, &fakearc.Error{Type: "InternalServerException", Message: "lost"}
				})
			}
			h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
			ts, id := h.approvalMessage(testChannel)
			h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
			if tc.started {
				h.arc.WaitForCalls(t, "StartPlanExecution", 1, waitFor)
			} else {
				select {
				case <-entered:
				case <-time.After(waitFor):
					t.Fatal("StartPlanExecution never arrived")
				}
			}
			// The bot is stopped while StartPlanExecution hangs: what a
			// killed process leaves behind.
			h.stop()
			if r := h.storedRequest(id); r.Status != approvals.StatusExecuting {
				t.Fatalf("after the crash the request is %s, want executing", r.Status)
			}
			h.grace = 0
			h.start()
			h.clock.Advance(3 * time.Minute)
			h.posted(testChannel, tc.want...)
			// A blocking Handle is never recorded, but a second call would
			// fill entered: either way a second start is counted.
			want := 0
			if tc.started {
				want = 1
			}
			if n := len(h.arc.CallsTo("StartPlanExecution")) + len(entered); n != want {
				t.Fatalf("StartPlanExecution after the restart = %d, want %d: the reconciler never starts again", n, want)
			}
			if n := len(h.arc.Executions()); tc.started != (n == 1) {
				t.Fatalf("executions = %d, want %d", n, map[bool]int{true: 1, false: 0}[tc.started])
			}
			wantStatus := approvals.StatusFailed
			if tc.started {
				wantStatus = approvals.StatusExecuted
			}
			if r := h.storedRequest(id); r.Status != wantStatus {
				t.Errorf("reconciled status = %s, want %s", r.Status, wantStatus)
			}
		})
	}
}

func TestTwoReplicasFiftyApprovals(t *testing.T) {
	h := newHarness(t, nil)
	second, _ := h.launch()
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	var wg sync.WaitGroup
	var clicks atomic.Int32
	for i := range 50 {
		base := h.url
		if i%2 == 1 {
			base = second
		}
		wg.Go(func() {
			h.clickAt(base, fmt.Sprintf("UAPPR%02d", i), testChannel, ts, "rs_approve", id)
			clicks.Add(1)
		})
	}
	wg.Wait()
	h.posted(testChannel, "Started")
	h.slack.WaitFor(t, waitFor, "an answer to each losing click", func(calls []fakeslack.Call) bool {
		return countTold(calls, "UAPPR", "already") == 49
	})
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Fatalf("StartPlanExecution = %d after 50 approvals on 2 replicas, want 1", n)
	}
	results := 0
	for _, c := range h.slack.CallsTo("chat.postMessage") {
		if c.Params["channel"] == testChannel && strings.Contains(c.Params["text"], "Started") && c.Params["thread_ts"] == "" {
			results++
		}
	}
	if results != 1 {
		t.Errorf("result messages in the channel = %d, want 1", results)
	}
}

func TestRedisOutageRefusesClicks(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.redis.Stop(t)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.told("UAPPROVER", "can't be recorded")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution = %d during a Redis outage, want 0", n)
	}
}

func TestBreakGlass(t *testing.T) {
	h := newHarness(t, map[string]string{"BREAK_GLASS_USER_IDS": "UBREAK", "APPROVER_USER_IDS": "UAPPR1,UBREAK", "APPROVER_GROUP_IDS": "SAPPROVERS"})
	h.slack.SetUserGroup("SAPPROVERS", "UAPPR2")
	// Not allowed: nothing is created.
	h.command("UREQ1", testChannel, `execute checkout activate us-west-2 --break-glass "pager down"`)
	h.told("UREQ1", "not allowed to use `--break-glass`")
	if n := h.redisKeys(); n != 0 {
		t.Fatalf("Redis keys after a refused break-glass = %d, want 0", n)
	}
	h.command("UBREAK", testChannel, `execute checkout activate us-west-2 --break-glass "approvers unreachable, INC-7"`)
	ts, id := h.approvalMessage(testChannel)
	msg, _ := h.slack.Message(testChannel, ts)
	if !strings.Contains(string(msg.Blocks), "BREAK-GLASS") {
		t.Errorf("approval message does not say BREAK-GLASS loudly")
	}
	h.posted(notifyChannel, "BREAK-GLASS", "<@UAPPR1>", "<!subteam^SAPPROVERS>", "approvers unreachable")
	h.click("UBREAK", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
	starts := h.arc.CallsTo("StartPlanExecution")
	if len(starts) != 1 || !strings.Contains(fmt.Sprint(starts[0].Input["comment"]), "BREAK-GLASS") {
		t.Fatalf("want one StartPlanExecution whose comment marks the break-glass; got %d", len(starts))
	}
	entries, err := approvals.NewStore(h.redis.Client(t), approvals.Options{}).Audit(context.Background(), "", 20)
	if err != nil {
		t.Fatal(err)
	}
	marked := false
	for _, e := range entries {
		marked = marked || (e.RequestID == id && e.BreakGlass)
	}
	if !marked {
		t.Errorf("audit trail does not mark request %s as break-glass: %+v", id, entries)
	}
}

func TestApproverGroupsAndChannels(t *testing.T) {
	h := newHarness(t, map[string]string{"APPROVER_GROUP_IDS": "SONCALL", "ALLOWED_CHANNEL_IDS": testChannel})
	h.slack.SetUserGroup("SONCALL", "UONCALL")
	ack := h.command("UREQ1", "COTHER", "execute checkout activate us-west-2")
	if !strings.Contains(ack, "not enabled in this channel") {
		t.Errorf("ack in a channel not allowed = %q", ack)
	}
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.click("UOUTSIDER", testChannel, ts, "rs_approve", id)
	h.told("UOUTSIDER", "not an approver")
	h.click("UOUTSIDER", testChannel, ts, "rs_reject", id)
	h.told("UOUTSIDER", "Only approvers")
	h.click("UONCALL", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
}

func TestAuditAndPendingCommands(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2 --comment \"drill\"")
	_, id := h.approvalMessage(testChannel)
	h.command("UREQ1", testChannel, "pending")
	h.told("UREQ1", "1 open request(s)")
	h.command("UREQ1", testChannel, "audit checkout")
	h.told("UREQ1", "*requested* by <@UREQ1>")
	h.told("UREQ1", id)
	// An alias in another case finds the same entries.
	before := countTold(h.slack.Calls(), "UREQ1", "Audit trail for "+testPlanARN)
	h.command("UREQ1", testChannel, "audit CHECKOUT")
	h.slack.WaitFor(t, waitFor, "a second audit answer for the plan", func(calls []fakeslack.Call) bool {
		return countTold(calls, "UREQ1", "Audit trail for "+testPlanARN) == before+1
	})
}

func TestDryRunNeverStarts(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2 --dry-run")
	ts, id := h.approvalMessage(testChannel)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Dry run", "StartPlanExecution was not called", testPlanARN, "us-west-2")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution = %d in a dry run, want 0", n)
	}
}

func TestExpirySweptByExactlyOneReplica(t *testing.T) {
	h := newHarness(t, map[string]string{"APPROVAL_TTL": "1m"})
	h.sweep = 20 * time.Millisecond
	h.restart()
	h.launch()
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.told("UREQ1", "is posted for approval")
	h.clock.Advance(time.Minute + time.Second)
	h.updated(testChannel, ts, "Expired")
	h.posted(notifyChannel, "expired without approval")
	if r := h.storedRequest(id); r.Status != approvals.StatusExpired {
		t.Fatalf("status = %s, want expired", r.Status)
	}
	// Both replicas keep sweeping; wait for a few more sweeps to have run
	// (each sweep lists due requests) before counting the announcements.
	before := len(h.slack.Calls())
	h.command("UREQ1", testChannel, "pending")
	h.told("UREQ1", "No open Region switch requests")
	if len(h.slack.Calls()) <= before {
		t.Fatal("no further calls observed")
	}
	n := 0
	for _, c := range h.slack.CallsTo("chat.postMessage") {
		if c.Params["channel"] == notifyChannel && strings.Contains(c.Params["text"], "expired without approval") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("expiry announcements = %d, want exactly 1 from 2 replicas", n)
	}
}
