package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

// startExecution runs a request through approval and returns the
// execution's ID and the ts of the result message in the channel.
func (h *harness) startExecution(text string) (execID, resultTS string) {
	h.t.Helper()
	h.command("UREQ1", testChannel, text)
	ts, id := h.approvalMessage(testChannel)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
	exec := h.arc.Executions()
	if len(exec) != 1 {
		h.t.Fatalf("executions = %d, want 1", len(exec))
	}
	for _, m := range h.slack.Messages(testChannel) {
		if strings.Contains(m.Text, "Started") && strings.Contains(m.Text, exec[0].ID) && m.ThreadTS == "" && !strings.Contains(string(m.Blocks), "rs_approve") {
			resultTS = m.TS
		}
	}
	if resultTS == "" {
		h.t.Fatal("no result message")
	}
	return exec[0].ID, resultTS
}

// threadReply waits for a reply in the thread of ts containing want.
func (h *harness) threadReply(ts string, want ...string) fakeslack.Call {
	h.t.Helper()
	var found fakeslack.Call
	h.slack.WaitFor(h.t, waitFor, "thread reply containing "+strings.Join(want, ", "), func(calls []fakeslack.Call) bool {
		for _, c := range calls {
			if c.Method == "chat.postMessage" && c.Params["thread_ts"] == ts && containsAll(c.Params["text"]+c.Params["blocks"], want) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

func TestWhileUSEast1AndTheControlPlaneAreDown(t *testing.T) {
	for _, plan := range []string{"checkout", "checkout-prod"} {
		t.Run(plan, func(t *testing.T) {
			h := newHarness(t, nil) // AWS_REGION is us-east-1, the Region that is down
			h.arc.SetRegionDown("us-east-1", true)
			h.arc.SetControlPlaneDown(true)
			h.command("UREQ1", testChannel, "execute "+plan+" activate us-west-2 --comment \"us-east-1 down\"")
			ts, id := h.approvalMessage(testChannel)
			h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
			h.posted(testChannel, "Started", "activate *us-west-2*")
			if m, _ := h.slack.Message(testChannel, ts); !strings.Contains(string(m.Blocks), "plan read from us-west-2") {
				t.Errorf("approval message does not say which Region answered")
			}
			starts := h.arc.CallsTo("StartPlanExecution")
			if len(starts) != 1 || starts[0].Region != "us-west-2" {
				t.Fatalf("StartPlanExecution calls = %+v, want one, in us-west-2", starts)
			}
			for _, c := range h.arc.Calls() {
				if slices.Contains(controlPlane, c.Operation) {
					t.Errorf("control-plane call %s", c.Operation)
				}
			}
		})
	}
}

func TestTrackingPostsStepsAndTheEnd(t *testing.T) {
	h := newHarness(t, nil)
	execID, resultTS := h.startExecution("execute checkout activate us-west-2")
	h.arc.AddExecutionEvent(execID, fakearc.Event{Type: "stepStarted", StepName: "scale-up-asg", Description: "Scaling us-west-2"})
	h.threadReply(resultTS, "scale-up-asg")
	h.arc.AddExecutionEvent(execID, fakearc.Event{Type: "stepSucceeded", StepName: "scale-up-asg"})
	h.arc.AddExecutionEvent(execID, fakearc.Event{Type: "stepStarted", StepName: "route53-shift"})
	h.threadReply(resultTS, "route53-shift")
	h.arc.SetExecutionState(execID, "completed")
	h.posted(testChannel, "ended", "Completed", execID)
	h.posted(notifyChannel, "ended", "Completed", execID)

	// Each event was posted exactly once, in order.
	var steps []string
	for _, c := range h.slack.CallsTo("chat.postMessage") {
		if c.Params["thread_ts"] == resultTS && strings.Contains(c.Params["text"], "scale-up-asg") {
			steps = append(steps, c.Params["text"])
		}
	}
	if len(steps) != 2 {
		t.Errorf("thread replies about scale-up-asg = %d, want 2 (started, succeeded): %q", len(steps), steps)
	}
}

func TestManualApprovalStepFromSlack(t *testing.T) {
	h := newHarness(t, map[string]string{"APPROVER_USER_IDS": "UAPPROVER,USTEP"})
	execID, resultTS := h.startExecution("execute checkout activate us-west-2")
	h.arc.AddExecutionEvent(execID, fakearc.Event{Type: "stepPendingApproval", StepName: "approve-db-failover"})
	h.arc.SetExecutionState(execID, "pendingManualApproval")
	prompt := h.threadReply(resultTS, "rs_step_approve", "approve-db-failover")
	value := execID + "|approve-db-failover"
	if !strings.Contains(prompt.Params["blocks"], value) {
		t.Fatalf("step prompt lacks the button value %q: %s", value, prompt.Params["blocks"])
	}
	// Someone who is not an approver is refused.
	h.click("UOUTSIDER", testChannel, resultTS, "rs_step_approve", value)
	h.told("UOUTSIDER", "Only approvers")
	if n := len(h.arc.CallsTo("ApprovePlanExecutionStep")); n != 0 {
		t.Fatalf("ApprovePlanExecutionStep = %d after a refused click, want 0", n)
	}
	h.click("USTEP", testChannel, resultTS, "rs_step_approve", value)
	calls := h.arc.WaitForCalls(t, "ApprovePlanExecutionStep", 1, waitFor)
	if calls[0].Region != "us-west-2" || calls[0].Input["stepName"] != "approve-db-failover" || calls[0].Input["approval"] != "approve" {
		t.Errorf("ApprovePlanExecutionStep = %s %v, want us-west-2 approve of approve-db-failover", calls[0].Region, calls[0].Input)
	}
	if c, _ := calls[0].Input["comment"].(string); !strings.Contains(c, "USTEP") {
		t.Errorf("step approval comment %q does not name the Slack approver", c)
	}
}

func TestStatusAndOperatorCommands(t *testing.T) {
	for _, tc := range []struct {
		op, before, wantState, wantCall, wantAction string
	}{
		{"cancel", "inProgress", "canceled", "CancelPlanExecution", ""},
		{"pause", "inProgress", "pausedByOperator", "UpdatePlanExecution", "pause"},
		{"resume", "pausedByOperator", "inProgress", "UpdatePlanExecution", "resume"},
	} {
		t.Run(tc.op, func(t *testing.T) {
			h := newHarness(t, nil)
			execID, _ := h.startExecution("execute checkout activate us-west-2")
			h.arc.SetExecutionState(execID, tc.before)
			h.command("UREQ1", testChannel, "status "+execID)
			h.told("UREQ1", "*Execution `"+execID+"`* of *checkout-prod*: *"+tc.before+"*")

			h.command("UREQ2", testChannel, tc.op+" "+execID)
			ts, id := h.approvalMessage2(testChannel, tc.op)
			// The requester cannot approve their own operator action either.
			h.click("UREQ2", testChannel, ts, "rs_approve", id)
			h.told("UREQ2", "can't approve")
			if n := len(h.arc.CallsTo(tc.wantCall)); n != 0 {
				t.Fatalf("%s before approval = %d, want 0", tc.wantCall, n)
			}
			h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
			calls := h.arc.WaitForCalls(t, tc.wantCall, 1, waitFor)
			if calls[0].Region != "us-west-2" || calls[0].Input["executionId"] != execID {
				t.Errorf("%s = %s %v, want us-west-2 and execution %s", tc.wantCall, calls[0].Region, calls[0].Input, execID)
			}
			if tc.wantAction != "" && calls[0].Input["action"] != tc.wantAction {
				t.Errorf("%s action = %v, want %s", tc.wantCall, calls[0].Input["action"], tc.wantAction)
			}
			h.posted(testChannel, execID, strings.ToUpper(tc.op[:1]))
			if got := h.arc.Executions()[0].State; got != tc.wantState {
				t.Errorf("execution state = %s, want %s", got, tc.wantState)
			}
		})
	}
}

// approvalMessage2 waits for the approval message of an operator action.
func (h *harness) approvalMessage2(channel, op string) (ts, requestID string) {
	h.t.Helper()
	h.slack.WaitFor(h.t, waitFor, op+" approval message", func([]fakeslack.Call) bool {
		for _, m := range h.slack.Messages(channel) {
			if sm := requestIDInBlocks.FindStringSubmatch(string(m.Blocks)); sm != nil && strings.Contains(m.Text, "*"+op+"* execution") {
				ts, requestID = m.TS, sm[1]+sm[2]
				return true
			}
		}
		return false
	})
	return ts, requestID
}

func TestDryRunCoversOperatorActions(t *testing.T) {
	h := newHarness(t, map[string]string{"DRY_RUN": "true"})
	// The execution exists in ARC already (started outside the bot).
	h.arc.AddExecution(fakearc.Execution{ID: "exec-console", PlanARN: testPlanARN, Region: "us-west-2", State: "inProgress"})
	h.command("UREQ2", testChannel, "cancel exec-console")
	ts, id := h.approvalMessage2(testChannel, "cancel")
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Dry run", "nothing was sent to ARC")
	if n := len(h.arc.CallsTo("CancelPlanExecution")); n != 0 {
		t.Fatalf("CancelPlanExecution = %d under DRY_RUN, want 0", n)
	}
	if got := h.arc.Executions()[0].State; got != "inProgress" {
		t.Errorf("execution state = %s, want inProgress", got)
	}
}
