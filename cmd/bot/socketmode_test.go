package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
)

// testAppToken is the app-level token the Socket Mode tests connect with.
const testAppToken = "xapp-1-A1-test-app-token-do-not-leak"

// newSocketHarness starts a bot in Socket Mode (SLACK_APP_TOKEN set, no
// signing secret) and waits until it is connected to the fake.
func newSocketHarness(t *testing.T) (*harness, *fakeslack.Socket) {
	t.Helper()
	var h *harness
	// Registered before the harness, so it runs after the bot has stopped.
	t.Cleanup(func() {
		if h != nil && strings.Contains(h.logs.String(), testAppToken) {
			t.Errorf("the app-level token appears in the bot's logs")
		}
	})
	h = newHarness(t, map[string]string{"SLACK_APP_TOKEN": testAppToken, "SLACK_SIGNING_SECRET": ""})
	sock := h.slack.Socket()
	sock.WaitConnections(t, waitFor, 1)
	return h, sock
}

// sendCommand delivers /regionswitch text over Socket Mode and returns the
// envelope ID.
func sendCommand(t *testing.T, h *harness, sock *fakeslack.Socket, user, text string) string {
	t.Helper()
	return sock.SendCommand(t, fakeslack.Command{Text: text, UserID: user, UserName: strings.ToLower(user), ChannelID: testChannel,
		ChannelName: "incident", ResponseURL: h.slack.ResponseURL(user), TriggerID: "trig-1"})
}

// ephemeralAck reads a slash command's ack: it must be an ephemeral reply.
func ephemeralAck(t *testing.T, ack fakeslack.Ack) string {
	t.Helper()
	var reply struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(ack.Payload, &reply); err != nil {
		t.Fatalf("ack payload %s: %v", ack.Payload, err)
	}
	if reply.ResponseType != "ephemeral" {
		t.Errorf("ack response_type = %q, want ephemeral", reply.ResponseType)
	}
	return reply.Text
}

func approveBody(h *harness, user, ts, id string) []byte {
	return fakeslack.BlockActionBody(user, strings.ToLower(user), testChannel, ts, "rs_approve", id, h.slack.ResponseURL("click-"+user), "trig-2")
}

func TestSocketModeEndToEnd(t *testing.T) {
	h, sock := newSocketHarness(t)

	opens := h.slack.CallsTo("apps.connections.open")
	if len(opens) != 1 || opens[0].Token != testAppToken {
		t.Errorf("apps.connections.open: %d calls, want 1 with the app-level token", len(opens))
	}

	// Slack endpoints are not served over HTTP in Socket Mode; probes are.
	for _, path := range []string{"/slack/commands", "/slack/interactions"} {
		body := fakeslack.Command{Text: "help", UserID: "UREQ1", ChannelID: testChannel}.Encode()
		if status, _ := h.post(path, body, testSecret, time.Now()); status != http.StatusNotFound {
			t.Errorf("POST %s in Socket Mode = %d, want 404", path, status)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _ := h.do(mustGet(t, h.url+path)); status != http.StatusOK {
			t.Errorf("GET %s in Socket Mode = %d, want 200", path, status)
		}
	}

	env := sendCommand(t, h, sock, "UREQ1", `execute checkout activate us-west-2 --comment “us-east-1 impaired, INC-42”`)
	if text := ephemeralAck(t, sock.WaitAck(t, waitFor, env)); !strings.Contains(text, "Checking plan") {
		t.Errorf("ack text = %q, want it to say the plan is being checked", text)
	}
	ts, id := h.approvalMessage(testChannel)
	h.told("UREQ1", id)

	click := sock.SendInteraction(t, approveBody(h, "UAPPROVER", ts, id))
	if ack := sock.WaitAck(t, waitFor, click); ack.Payload != nil {
		t.Errorf("button ack payload = %s, want none", ack.Payload)
	}
	result := h.posted(testChannel, "Started")
	starts := h.arc.CallsTo("StartPlanExecution")
	if len(starts) != 1 {
		t.Fatalf("StartPlanExecution calls = %d, want 1", len(starts))
	}
	for field, want := range map[string]any{"planArn": testPlanARN, "targetRegion": "us-west-2", "action": "activate", "mode": "graceful"} {
		if starts[0].Input[field] != want {
			t.Errorf("StartPlanExecution %s = %v, want %v", field, starts[0].Input[field], want)
		}
	}
	if exec := h.arc.Executions(); len(exec) != 1 || !strings.Contains(result, exec[0].ID) {
		t.Errorf("result %q does not name the one execution (%d executions)", result, len(exec))
	}
	h.updated(testChannel, ts, "Approved by <@UAPPROVER>")

	for _, c := range h.slack.Calls() {
		if c.Method != "apps.connections.open" && c.Token == testAppToken {
			t.Errorf("%s was called with the app-level token; Web API calls use the bot token", c.Method)
		}
	}
	if n := len(sock.Acks("")); n != 2 {
		t.Errorf("acks = %d, want 2 (one per envelope)", n)
	}
}

func TestSocketModeReconnects(t *testing.T) {
	h, sock := newSocketHarness(t)
	sock.SetDisconnectGrace(time.Minute) // the bot must leave by itself

	if n := sock.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("disconnect sent to %d connections, want 1", n)
	}
	h.slack.WaitFor(t, waitFor, "the bot to reconnect after a disconnect message", func(calls []fakeslack.Call) bool {
		return socketEvents(calls, fakeslack.MethodSocketConnect, "") == 2 &&
			socketEvents(calls, fakeslack.MethodSocketClose, "disconnect") == 1 && len(sock.Connections()) == 1
	})
	env := sendCommand(t, h, sock, "UREQ1", "execute checkout activate us-west-2")
	if ack := sock.WaitAck(t, waitFor, env); ack.Connection != "2" {
		t.Errorf("ack came on connection %s, want 2 (the new one)", ack.Connection)
	}
	h.approvalMessage(testChannel)

	// A connection lost without a word is replaced too.
	sock.Drop()
	h.slack.WaitFor(t, waitFor, "the bot to reconnect after a dropped connection", func(calls []fakeslack.Call) bool {
		return socketEvents(calls, fakeslack.MethodSocketConnect, "") == 3 && len(sock.Connections()) == 1
	})
	env = sendCommand(t, h, sock, "UREQ2", "help")
	if text := ephemeralAck(t, sock.WaitAck(t, waitFor, env)); !strings.Contains(text, "execute") {
		t.Errorf("help over the third connection = %q", text)
	}
}

func socketEvents(calls []fakeslack.Call, method, reason string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method && (reason == "" || c.Params["reason"] == reason) {
			n++
		}
	}
	return n
}

func TestSocketModeTwoReplicas(t *testing.T) {
	h, sock := newSocketHarness(t)
	h.launch()
	sock.WaitConnections(t, waitFor, 2)

	env := sendCommand(t, h, sock, "UREQ1", "execute checkout activate us-west-2")
	cmdAck := sock.WaitAck(t, waitFor, env)
	ts, id := h.approvalMessage(testChannel)
	h.told("UREQ1", id)

	// Round robin: the click goes to the other replica, which knows the
	// request only from Redis.
	click := sock.SendInteraction(t, approveBody(h, "UAPPROVER", ts, id))
	clickAck := sock.WaitAck(t, waitFor, click)
	if clickAck.Connection == cmdAck.Connection {
		t.Errorf("command and click were both handled on connection %s; want one each", cmdAck.Connection)
	}
	h.posted(testChannel, "Started")
	late := sock.SendInteraction(t, approveBody(h, "ULATE", ts, id))
	sock.WaitAck(t, waitFor, late)
	h.told("ULATE", "already")

	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Errorf("StartPlanExecution calls = %d, want 1", n)
	}
	approvals := 0
	for _, c := range h.slack.CallsTo("chat.postMessage") {
		if c.Params["channel"] == testChannel && strings.Contains(c.Params["blocks"], "rs_approve") {
			approvals++
		}
	}
	if approvals != 1 {
		t.Errorf("approval messages = %d, want 1", approvals)
	}
	for _, e := range []string{env, click, late} {
		if n := len(sock.Acks(e)); n != 1 {
			t.Errorf("envelope %s acked %d times, want once", e, n)
		}
	}
}

// TestSocketModeRefusedToken: an app-level token Slack refuses stops Socket
// Mode at once with the error, instead of retrying forever.
func TestSocketModeRefusedToken(t *testing.T) {
	fake := fakeslack.New(t)
	fake.Socket().RequireAppToken(testAppToken)
	api := slack.New(testBotToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken("xapp-1-A1-revoked"))
	var logs syncbuf.Buffer
	s := newSocketMode(api, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	err := s.run(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || ctx.Err() != nil {
		t.Errorf("run = %v (context %v), want invalid_auth at once", err, ctx.Err())
	}
	if strings.Contains(logs.String(), "revoked") {
		t.Errorf("the app-level token appears in the logs: %s", logs.String())
	}
}
