package main

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

// controlPlane are the ARC operations served only from us-east-1.
var controlPlane = []string{"GetPlan", "ListPlans", "CreatePlan", "UpdatePlan", "DeletePlan", "TagResource", "UntagResource", "ListTagsForResource", "ListRoute53HealthChecks"}

func TestExecuteApproveStartEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name, plan string
	}{
		{"by alias", "checkout"},
		{"by ARN", testPlanARN},
		{"by name", "checkout-prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			ack := h.command("UREQ1", testChannel, `execute `+tc.plan+` activate us-west-2 --comment “us-east-1 impaired, INC-42”`)
			if !strings.Contains(ack, "Checking plan") {
				t.Errorf("ack = %q, want it to say the plan is being checked", ack)
			}
			ts, id := h.approvalMessage(testChannel)
			msg, _ := h.slack.Message(testChannel, ts)
			for _, want := range []string{`"text":"Approve"`, `"text":"Reject"`, "rs_reject", "UREQ1", "checkout-prod", "us-west-2", "graceful", "INC-42", "v3"} {
				if !strings.Contains(string(msg.Blocks), want) {
					t.Errorf("approval message lacks %q:\n%s", want, msg.Blocks)
				}
			}
			h.told("UREQ1", id)

			h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
			result := h.posted(testChannel, "Started")
			starts := h.arc.CallsTo("StartPlanExecution")
			if len(starts) != 1 {
				t.Fatalf("StartPlanExecution calls = %d, want 1", len(starts))
			}
			in := starts[0].Input
			for field, want := range map[string]any{"planArn": testPlanARN, "targetRegion": "us-west-2", "action": "activate", "mode": "graceful"} {
				if in[field] != want {
					t.Errorf("StartPlanExecution %s = %v, want %v", field, in[field], want)
				}
			}
			comment, _ := in["comment"].(string)
			for _, want := range []string{"us-east-1 impaired, INC-42", "UREQ1", "UAPPROVER", id} {
				if !strings.Contains(comment, want) {
					t.Errorf("comment %q lacks %q", comment, want)
				}
			}
			if len(comment) > 1024 {
				t.Errorf("comment is %d characters, ARC allows 1024", len(comment))
			}
			exec := h.arc.Executions()
			if len(exec) != 1 {
				t.Fatalf("executions = %d, want 1", len(exec))
			}
			for _, want := range []string{exec[0].ID, "us-west-2", "us-east-1", "checkout-prod", "v3"} {
				if !strings.Contains(result, want) {
					t.Errorf("result %q lacks %q", result, want)
				}
			}
			h.posted(notifyChannel, "Started", exec[0].ID)
			h.updated(testChannel, ts, "Approved by <@UAPPROVER>")
			h.threadReply(ts, "Started", exec[0].ID)

			for _, c := range h.arc.Calls() {
				if c.Region != "us-west-2" {
					t.Errorf("%s went to %s, want us-west-2 (the Region being activated)", c.Operation, c.Region)
				}
				if slices.Contains(controlPlane, c.Operation) {
					t.Errorf("control-plane call %s on the failover path", c.Operation)
				}
			}
		})
	}
}

func TestDeactivateRunsInTheOtherRegion(t *testing.T) {
	h := newHarness(t, map[string]string{"AWS_REGION": "us-west-2"})
	h.command("UREQ1", testChannel, "execute checkout deactivate us-east-1")
	ts, id := h.approvalMessage(testChannel)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started", "activate *us-west-2*", "deactivate *us-east-1*")
	for _, c := range h.arc.Calls() {
		if c.Region != "us-west-2" {
			t.Errorf("%s went to %s, want us-west-2 (not the Region being deactivated)", c.Operation, c.Region)
		}
	}
}

func TestSelfApprovalRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.click("UREQ1", testChannel, ts, "rs_approve", id)
	h.told("UREQ1", "can't approve")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution calls = %d after self-approval, want 0", n)
	}
	// The request is still pending: a second person can approve it.
	h.click("UOTHER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Fatalf("StartPlanExecution calls = %d, want 1", n)
	}
}

func TestRejectThenApproveRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.click("UREJECT", testChannel, ts, "rs_reject", id)
	h.updated(testChannel, ts, "Rejected by <@UREJECT>")
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.told("UAPPROVER", "already rejected")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution calls = %d, want 0", n)
	}
}

func TestExpiredRefused(t *testing.T) {
	h := newHarness(t, map[string]string{"APPROVAL_TTL": "5m"})
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.clock.Advance(5*time.Minute + time.Second)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.told("UAPPROVER", "expired")
	h.updated(testChannel, ts, "Expired")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 0 {
		t.Fatalf("StartPlanExecution calls = %d, want 0", n)
	}
}

func TestUnverifiedRequestsRefused(t *testing.T) {
	h := newHarness(t, nil)
	cmd := fakeslack.Command{Text: "execute checkout activate us-west-2", UserID: "UREQ1", ChannelID: testChannel, ResponseURL: h.slack.ResponseURL("UREQ1")}.Encode()
	click := fakeslack.BlockActionBody("UAPPROVER", "approver", testChannel, "1.0", "rs_approve", "rabcdefabcdef", h.slack.ResponseURL("x"), "trig")
	unsigned := func(path string, body []byte) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, h.url+path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	tampered := func(path string, body []byte) *http.Request {
		req := fakeslack.NewSignedRequest(t, testSecret, h.url+path, body, time.Now())
		tampered := strings.Replace(string(body), "us-west-2", "us-east-1", 1) + "&x=1"
		req2, _ := http.NewRequest(http.MethodPost, h.url+path, strings.NewReader(tampered))
		req2.Header = req.Header.Clone()
		return req2
	}
	for _, path := range []string{"/slack/commands", "/slack/interactions"} {
		body := cmd
		if path == "/slack/interactions" {
			body = click
		}
		for _, tc := range []struct {
			name string
			req  *http.Request
		}{
			{"wrong secret", fakeslack.NewSignedRequest(t, "not-the-secret", h.url+path, body, time.Now())},
			{"missing signature", unsigned(path, body)},
			{"stale timestamp", fakeslack.NewSignedRequest(t, testSecret, h.url+path, body, time.Now().Add(-6*time.Minute))},
			{"future timestamp", fakeslack.NewSignedRequest(t, testSecret, h.url+path, body, time.Now().Add(6*time.Minute))},
			{"tampered body", tampered(path, body)},
		} {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				status, _ := h.do(tc.req)
				if status != http.StatusUnauthorized {
					t.Errorf("status = %d, want 401", status)
				}
			})
		}
	}
	// The refused ones left nothing behind.
	if n := len(h.slack.Calls()); n != 0 {
		t.Errorf("Slack API calls after refused requests = %d, want 0: %v", n, h.slack.Calls())
	}
	if n := h.redisKeys(); n != 0 {
		t.Errorf("Redis keys after refused requests = %d, want 0", n)
	}
	if n := len(h.arc.Calls()); n != 0 {
		t.Errorf("ARC calls after refused requests = %d, want 0", n)
	}
	// And the handlers still serve a correctly signed request.
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	h.approvalMessage(testChannel)
}

func TestAccessDeniedIsShownAndFinal(t *testing.T) {
	h := newHarness(t, nil)
	h.arc.FailNext("StartPlanExecution", fakearc.Error{Type: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/bot is not authorized to perform: arc-region-switch:StartPlanExecution"})
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Failed", "AccessDeniedException", "is not authorized to perform")
	h.posted(notifyChannel, "Failed", "AccessDeniedException")
	h.updated(testChannel, ts, "Failed", "AccessDeniedException")
	h.click("USECOND", testChannel, ts, "rs_approve", id)
	h.told("USECOND", "already failed")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Fatalf("StartPlanExecution calls = %d, want exactly 1 (no retry, no second run)", n)
	}
}

func TestConcurrentApprovalsStartOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	const clickers = 20
	var wg sync.WaitGroup
	for i := range clickers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.click(fmt.Sprintf("UAPPR%02d", i), testChannel, ts, "rs_approve", id)
		}()
	}
	wg.Wait()
	h.posted(testChannel, "Started")
	// Every losing click is answered; once all are, no click is in flight.
	h.slack.WaitFor(t, waitFor, "an answer to each losing click", func(calls []fakeslack.Call) bool {
		return countTold(calls, "UAPPR", "already") == clickers-1
	})
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Fatalf("StartPlanExecution calls = %d after %d concurrent approvals, want 1", n, clickers)
	}
}

func TestRestartBetweenRequestAndApproval(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.told("UREQ1", id)
	h.restart()
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
	h.click("UAPPROVER2", testChannel, ts, "rs_approve", id)
	h.told("UAPPROVER2", "already")
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Fatalf("StartPlanExecution calls = %d, want 1", n)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ text, want string }{
		{"execute checkout activte us-west-2", "activate"},
		{"execute checkout activate us-west2", "Region"},
		{"execute checkout activate us-west-2 --mode sideways", "mode"},
		{`execute checkout activate us-west-2 --comment "unterminated`, "quote"},
		{"execute", ""},
		{"frobnicate", "execute"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			ack := h.command("UREQ1", testChannel, tc.text)
			if !strings.Contains(strings.ToLower(ack), strings.ToLower(tc.want)) {
				t.Errorf("ack %q does not mention %q", ack, tc.want)
			}
		})
	}
	if n := h.redisKeys(); n != 0 {
		t.Errorf("Redis keys after bad input = %d, want 0", n)
	}
	for _, c := range h.slack.Calls() {
		if c.Method == "chat.postMessage" {
			t.Errorf("bad input posted in a channel: %v", c)
		}
	}
}

func TestRegionNotInPlanRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute checkout activate eu-west-1")
	h.told("UREQ1", "not one of plan")
	if n := h.redisKeys(); n != 0 {
		t.Errorf("Redis keys = %d, want 0", n)
	}
	if n := len(h.slack.CallsTo("chat.postMessage")); n != 0 {
		t.Errorf("chat.postMessage calls = %d, want 0", n)
	}
}

func TestAckDoesNotWaitOnAWSOrSlack(t *testing.T) {
	h := newHarness(t, nil)
	releaseARC := h.arc.Hold("GetPlanInRegion")
	releaseSlack := h.slack.Hold("chat.postMessage")
	// The ack comes back while both AWS and Slack are held.
	ack := h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	if !strings.Contains(ack, "Checking plan") {
		t.Errorf("ack = %q", ack)
	}
	h.arc.WaitForCalls(t, "GetPlanInRegion", 1, waitFor)
	releaseARC()
	h.slack.WaitFor(t, waitFor, "approval message attempt", func(calls []fakeslack.Call) bool { return findApproval(calls, testChannel) != nil })
	releaseSlack()
	h.approvalMessage(testChannel)
}

func TestRedisOutage(t *testing.T) {
	h := newHarness(t, nil)
	h.redis.Stop(t)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	h.told("UREQ1", "can't be recorded")
	status, _ := h.do(mustGet(t, h.url+"/readyz"))
	if status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down = %d, want 503", status)
	}
	h.redis.Restart(t)
	h.waitReady()
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
}

func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t, nil)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		status, body := h.do(mustGet(t, h.url+path))
		if status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, status)
		}
		if path == "/metrics" && !strings.Contains(body, "regionswitch_slack_requests_total") {
			t.Errorf("/metrics lacks regionswitch_slack_requests_total")
		}
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestMetricsAfterAFlow(t *testing.T) {
	h := newHarness(t, nil)
	h.startExecution("execute checkout activate us-west-2")
	h.redis.Stop(t)
	h.command("UREQ1", testChannel, "pending")
	h.told("UREQ1", "can't be recorded")
	_, body := h.do(mustGet(t, h.url+"/metrics"))
	for _, want := range []string{
		`regionswitch_slack_requests_total{kind="command",outcome="ok"} 2`,
		`regionswitch_slack_requests_total{kind="interaction",outcome="ok"} 1`,
		`regionswitch_approval_decisions_total{decision="approved"} 1`,
		`regionswitch_executions_total{outcome="started"} 1`,
		`regionswitch_arc_call_seconds_count{operation="StartPlanExecution",outcome="ok",region="us-west-2"} 1`,
		`regionswitch_slack_ack_seconds_count{kind="command"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "regionswitch_") && !strings.Contains(l, "_bucket") {
				t.Log(l)
			}
		}
	}
	if !regexp.MustCompile(`regionswitch_redis_errors_total\{kind="(command|dial)"\} [1-9]`).MatchString(body) {
		t.Errorf("/metrics counts no Redis error during the outage")
	}
}
