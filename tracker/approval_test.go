package tracker_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

// buttons returns the action ID and value of each button in blocks.
func buttons(t *testing.T, blocks []byte) map[string]string {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if len(blocks) > 0 {
		if err := json.Unmarshal(blocks, &bs); err != nil {
			t.Fatalf("blocks %s: %v", blocks, err)
		}
	}
	out := map[string]string{}
	for _, b := range bs {
		if b.Type != "actions" {
			continue
		}
		if b.BlockID != tracker.BlockStepDecision {
			t.Errorf("actions block ID: got %q, want %q", b.BlockID, tracker.BlockStepDecision)
		}
		for _, el := range b.Elements {
			out[el.ActionID] = el.Value
		}
	}
	return out
}

// prompts returns the thread replies that carry step buttons.
func prompts(t *testing.T, replies []fakeslack.Message) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range replies {
		if len(buttons(t, m.Blocks)) > 0 {
			out = append(out, m)
		}
	}
	return out
}

func TestManualApprovalStep(t *testing.T) {
	for _, tc := range []struct {
		name      string
		approve   bool
		wantState string // the fake's state after the decision
		wantWord  string
	}{
		{"approve", true, "inProgress", "*approved* by <@UAPPROVER>"},
		{"decline", false, "canceled", "*declined* by <@UAPPROVER>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			reg := e.execution("exec-approval", west, time.Now(),
				event("e1", "stepSucceeded", "scale-up"),
				event("e2", "stepPendingApproval", "approve-failover"))
			e.arc.SetExecutionState(reg.ExecutionID, "pendingManualApproval")
			tr := e.newTracker()
			e.run(tr)
			e.track(tr, reg)

			e.waitThread(reg, "the approval prompt", func(r []fakeslack.Message) bool { return len(prompts(t, r)) > 0 })
			// A few more polls: still one prompt, after the event that asked.
			polled := len(e.arc.CallsTo("GetPlanExecution"))
			e.arc.WaitForCalls(t, "GetPlanExecution", polled+3, waitTime)
			replies := e.thread(reg)
			ps := prompts(t, replies)
			if len(ps) != 1 {
				t.Fatalf("approval prompts: got %d, want 1", len(ps))
			}
			if last := replies[len(replies)-1]; last.TS != ps[0].TS || !has(replies[len(replies)-2].Text, "desc-e2") {
				t.Errorf("prompt position: got it before the event that asked for it, want it after")
			}
			if !strings.Contains(ps[0].Text, "*approve-failover*") || !strings.Contains(ps[0].Text, "waits for manual approval") {
				t.Errorf("prompt text: got %q", ps[0].Text)
			}
			bs := buttons(t, ps[0].Blocks)
			for _, action := range []string{tracker.ActionStepApprove, tracker.ActionStepDecline} {
				id, step, err := tracker.ParseStepValue(bs[action])
				if err != nil || id != reg.ExecutionID || step != "approve-failover" {
					t.Errorf("%s button value %q: got %q, %q, %v; want %s, approve-failover", action, bs[action], id, step, err, reg.ExecutionID)
				}
			}

			if err := tr.ApproveStep(ctx, reg.ExecutionID, "approve-failover", "UAPPROVER", tc.approve); err != nil {
				t.Fatalf("ApproveStep: %v", err)
			}
			calls := e.arc.CallsTo("ApprovePlanExecutionStep")
			if len(calls) != 1 {
				t.Fatalf("ApprovePlanExecutionStep calls: got %d, want 1", len(calls))
			}
			in := calls[0].Input
			wantApproval := map[bool]string{true: "approve", false: "decline"}[tc.approve]
			if calls[0].Region != west || in["approval"] != wantApproval || in["stepName"] != "approve-failover" ||
				in["planArn"] != planARN || in["executionId"] != reg.ExecutionID || !strings.Contains(in["comment"].(string), "UAPPROVER") {
				t.Errorf("ApprovePlanExecutionStep: got Region %s input %v, want %s, %s of approve-failover, comment naming UAPPROVER", calls[0].Region, in, west, wantApproval)
			}
			if got := e.approvers(); !slices.Equal(got, []string{"UAPPROVER"}) {
				t.Errorf("approvers of the clients used: got %v, want the decision's client only, for UAPPROVER", got)
			}
			if got := e.arc.Executions()[0].State; got != tc.wantState {
				t.Errorf("execution state after the decision: got %s, want %s", got, tc.wantState)
			}
			e.waitThread(reg, "the decision in the thread", func(r []fakeslack.Message) bool { return count(r, tc.wantWord) >= 2 })
			if p, _ := e.slack.Message(channel, ps[0].TS); len(buttons(t, p.Blocks)) != 0 || !strings.Contains(p.Text, tc.wantWord) {
				t.Errorf("prompt after the decision: got %q with buttons %v, want the decision and no buttons", p.Text, buttons(t, p.Blocks))
			}
			if tc.approve {
				e.arc.AddExecutionEvent(reg.ExecutionID, event("e3", "stepSucceeded", "approve-failover"))
				e.arc.SetExecutionState(reg.ExecutionID, "completed")
				e.waitSummary(channel, "*Completed*")
			} else {
				e.waitSummary(channel, "*Canceled*")
			}
			if ps := prompts(t, e.thread(reg)); len(ps) != 0 {
				t.Errorf("prompts with buttons at the end: got %d, want 0", len(ps))
			}
		})
	}
}

func TestApprovalPromptFromStateAlone(t *testing.T) {
	for _, tc := range []struct {
		name       string
		steps      func(e *env, id string)
		wantButton bool
		want       string
	}{
		{"step named by ARC's step states", func(e *env, id string) {
			e.arc.Handle("GetPlanExecution", func(region string, in map[string]any) (map[string]any, *fakearc.Error) {
				return map[string]any{
					"planArn": planARN, "executionId": id, "executionRegion": west, "executionAction": "activate",
					"mode": "graceful", "executionState": "pendingManualApproval", "startTime": time.Now(),
					"stepStates": []any{map[string]any{"name": "gate", "status": "pendingApproval"}},
				}, nil
			})
		}, true, "Step *gate* of plan execution"},
		{"no step known", func(e *env, id string) {
			e.arc.SetExecutionState(id, "pendingManualApproval")
		}, false, "did not say which step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			reg := e.execution("exec-gate", west, time.Now())
			tc.steps(e, reg.ExecutionID)
			tr := e.newTracker()
			e.run(tr)
			e.track(tr, reg)
			e.waitThread(reg, "the approval prompt", func(r []fakeslack.Message) bool { return count(r, tc.want) > 0 })
			polled := len(e.arc.CallsTo("GetPlanExecution"))
			e.arc.WaitForCalls(t, "GetPlanExecution", polled+3, waitTime)
			replies := e.thread(reg)
			if n := count(replies, tc.want); n != 1 {
				t.Errorf("prompts: got %d, want 1", n)
			}
			if got := len(prompts(t, replies)) == 1; got != tc.wantButton {
				t.Errorf("prompt has buttons: got %v, want %v", got, tc.wantButton)
			}
			e.waitMessage(channel, reg.MessageTS, "*State:* Waiting for manual approval")
		})
	}
}

func TestApproveStepErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reg := e.execution("exec-busy", west, time.Now(), event("e1", "stepStarted", "a"))
	tr := e.newTracker()
	e.track(tr, reg)

	err := tr.ApproveStep(ctx, "exec-unknown", "gate", "UAPPROVER", true)
	if !errors.Is(err, tracker.ErrNotTracked) {
		t.Errorf("unknown execution: got %v, want ErrNotTracked", err)
	}
	if err := tr.ApproveStep(ctx, reg.ExecutionID, "", "UAPPROVER", true); err == nil {
		t.Error("no step name: got nil, want an error")
	}
	if n := len(e.arc.CallsTo("ApprovePlanExecutionStep")); n != 0 {
		t.Errorf("ApprovePlanExecutionStep calls for refused input: got %d, want 0", n)
	}

	// ARC refuses: the execution does not wait for an approval.
	err = tr.ApproveStep(ctx, reg.ExecutionID, "gate", "UAPPROVER", true)
	if code, _ := session.Describe(err); code != "IllegalStateException" {
		t.Errorf("ApproveStep on a running execution: got %v (code %s), want IllegalStateException", err, code)
	}
	replies := e.thread(reg)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Could not approve step *gate* for <@UAPPROVER>: `IllegalStateException`") {
		t.Errorf("thread after a refused approval: got %v, want the refusal with AWS's code", replies)
	}
}
