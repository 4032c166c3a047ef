package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
)

const (
	testPlanARN   = "arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3"
	testBotToken  = "xoxb-test-0000-bot-token-do-not-leak"
	testSecret    = "test-signing-secret-do-not-leak"
	testChannel   = "CINCIDENT1"
	notifyChannel = "CNOTIFY01"
	waitFor       = 10 * time.Second
)

// harness is one bot wired to a real redis-server, a fake Slack Web API and
// a fake ARC endpoint, all on loopback.
type harness struct {
	t     *testing.T
	redis *redistest.Server
	slack *fakeslack.Server
	arc   *fakearc.Server
	clock *fakeclock.Clock // injectable clock for expiry
	logs  *syncbuf.Buffer
	url   string
	stop  func()
	// grace is the bots' shutdown grace period (0: the default).
	grace time.Duration
	// sweep is the replicas' expiry sweep period (0: an hour, i.e. never
	// during a test).
	sweep time.Duration
}

// newHarness sets the environment (t.Setenv: these tests are not parallel),
// starts the fakes and a bot. extra overrides environment variables.
func newHarness(t *testing.T, extra map[string]string) *harness {
	t.Helper()
	h := &harness{
		t: t, redis: redistest.Start(t), slack: fakeslack.New(t), arc: fakearc.New(t),
		clock: fakeclock.New(time.Now()), logs: &syncbuf.Buffer{},
	}
	h.arc.AddPlan(fakearc.Plan{
		ARN: testPlanARN, Name: "checkout-prod", Owner: "123456789012", Version: "v3",
		Regions: []string{"us-east-1", "us-west-2"}, PrimaryRegion: "us-east-1",
	})
	env := map[string]string{
		"SLACK_BOT_TOKEN":                    testBotToken,
		"SLACK_SIGNING_SECRET":               testSecret,
		"SLACK_APP_TOKEN":                    "",
		"SLACK_API_URL":                      h.slack.APIURL(),
		"LISTEN_ADDR":                        "127.0.0.1:0",
		"REDIS_URL":                          h.redis.URL(),
		"PLAN_ALIASES":                       "checkout=" + testPlanARN,
		"NOTIFY_CHANNEL_IDS":                 notifyChannel,
		"APPROVAL_TTL":                       "30m",
		"LOG_FORMAT":                         "text",
		"LOG_LEVEL":                          "debug",
		"AWS_REGION":                         "us-east-1",
		"AWS_ACCESS_KEY_ID":                  "AKIDTESTEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":              "aws-secret-do-not-leak",
		"AWS_SESSION_TOKEN":                  "",
		"AWS_PROFILE":                        "",
		"AWS_CONFIG_FILE":                    "/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE":        "/nonexistent/aws-credentials",
		"AWS_EC2_METADATA_DISABLED":          "true",
		"AWS_ENDPOINT_URL_ARC_REGION_SWITCH": h.arc.URL(),
	}
	for k, v := range extra {
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Cleanup(func() {
		logs := h.logs.String()
		for _, s := range []string{testBotToken, testSecret, "aws-secret-do-not-leak"} {
			if strings.Contains(logs, s) {
				t.Errorf("a secret appears in the bot's logs")
			}
		}
		if t.Failed() {
			t.Logf("bot logs:\n%s", logs)
		}
	})
	h.start()
	return h
}

// start runs the harness's main bot (in-process) on a fresh port.
func (h *harness) start() {
	h.t.Helper()
	h.url, h.stop = h.launch()
}

// launch runs one more bot replica on the same Redis and fakes, and returns
// its base URL and a function that stops it (also called at cleanup).
func (h *harness) launch() (url string, stop func()) {
	h.t.Helper()
	cfg, err := loadConfig()
	if err != nil {
		h.t.Fatalf("loadConfig: %v", err)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	sweep := h.sweep
	if sweep == 0 {
		sweep = time.Hour
	}
	m, err := newMain(ctx, cfg, log, mainDeps{Now: h.clock.Now, SweepInterval: sweep, ReconcileInterval: 50 * time.Millisecond, ShutdownGrace: h.grace, PollInterval: 20 * time.Millisecond})
	if err != nil {
		cancel()
		h.t.Fatalf("newMain: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx); m.Close() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("bot Run: %v", err)
			}
		})
	}
	h.t.Cleanup(stop)
	return "http://" + m.Addr(), stop
}

// restart stops the bot and starts a new one on the same Redis.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// post sends a signed Slack request to path and returns the status and body.
func (h *harness) post(path string, body []byte, secret string, ts time.Time) (int, string) {
	h.t.Helper()
	req := fakeslack.NewSignedRequest(h.t, secret, h.url+path, body, ts)
	return h.do(req)
}

func (h *harness) do(req *http.Request) (int, string) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// command sends /regionswitch text as user in channel and returns the ack's
// ephemeral text.
func (h *harness) command(user, channel, text string) string {
	h.t.Helper()
	body := fakeslack.Command{Text: text, UserID: user, UserName: strings.ToLower(user), ChannelID: channel,
		ChannelName: "incident", ResponseURL: h.slack.ResponseURL(user), TriggerID: "trig-1"}.Encode()
	status, resp := h.post("/slack/commands", body, testSecret, time.Now())
	if status != http.StatusOK {
		h.t.Fatalf("command %q: status %d, want 200 (body %q)", text, status, resp)
	}
	var ack struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(resp), &ack); err != nil {
		h.t.Fatalf("command ack %q is not JSON: %v", resp, err)
	}
	if ack.ResponseType != "ephemeral" {
		h.t.Errorf("ack response_type = %q, want ephemeral", ack.ResponseType)
	}
	return ack.Text
}

// click presses a button of the approval message as user.
func (h *harness) click(user, channel, ts, actionID, requestID string) {
	h.t.Helper()
	h.clickAt(h.url, user, channel, ts, actionID, requestID)
}

// clickAt presses a button through the replica at base.
func (h *harness) clickAt(base, user, channel, ts, actionID, requestID string) {
	h.t.Helper()
	body := fakeslack.BlockActionBody(user, strings.ToLower(user), channel, ts, actionID, requestID, h.slack.ResponseURL("click-"+user), "trig-2")
	req := fakeslack.NewSignedRequest(h.t, testSecret, base+"/slack/interactions", body, time.Now())
	status, resp := h.do(req)
	if status != http.StatusOK {
		h.t.Fatalf("click %s by %s: status %d, want 200 (%q)", actionID, user, status, resp)
	}
}

var requestIDInBlocks = regexp.MustCompile(`"action_id":"rs_approve"[^}]*?"value":"([a-z0-9]+)"|"value":"([a-z0-9]+)"[^}]*?"action_id":"rs_approve"`)

// approvalMessage waits for the approval message in channel and returns its
// ts and the request ID carried by its Approve button.
func (h *harness) approvalMessage(channel string) (ts, requestID string) {
	h.t.Helper()
	calls := h.slack.WaitFor(h.t, waitFor, "approval message in "+channel, func(calls []fakeslack.Call) bool {
		return findApproval(calls, channel) != nil
	})
	c := findApproval(calls, channel)
	m := requestIDInBlocks.FindStringSubmatch(c.Params["blocks"])
	if m == nil {
		h.t.Fatalf("approval message has no Approve button with a request ID: %s", c.Params["blocks"])
	}
	id := m[1] + m[2]
	h.slack.WaitFor(h.t, waitFor, "approval message "+id+" in the fake's state", func([]fakeslack.Call) bool {
		ts = messageWith(h.slack.Messages(channel), id)
		return ts != ""
	})
	return ts, id
}

// nextApprovalID waits for an approval message in channel for a request
// other than seen, and returns that request's ID.
func (h *harness) nextApprovalID(channel, seen string) string {
	h.t.Helper()
	var id string
	h.slack.WaitFor(h.t, waitFor, "an approval message for a request other than "+seen, func([]fakeslack.Call) bool {
		for _, m := range h.slack.Messages(channel) {
			if sm := requestIDInBlocks.FindStringSubmatch(string(m.Blocks)); sm != nil && sm[1]+sm[2] != seen {
				id = sm[1] + sm[2]
			}
		}
		return id != ""
	})
	return id
}

func messageWith(msgs []fakeslack.Message, id string) string {
	for _, msg := range msgs {
		if strings.Contains(string(msg.Blocks), id) {
			return msg.TS
		}
	}
	return ""
}

func findApproval(calls []fakeslack.Call, channel string) *fakeslack.Call {
	for i, c := range calls {
		if c.Method == "chat.postMessage" && c.Params["channel"] == channel && strings.Contains(c.Params["blocks"], "rs_approve") {
			return &calls[i]
		}
	}
	return nil
}

// told waits for a private message to user (or, in countTold, any user
// whose ID starts with user) containing want: ephemeral via response_url or
// chat.postEphemeral.
func (h *harness) told(user, want string) {
	h.t.Helper()
	h.slack.WaitFor(h.t, waitFor, "ephemeral to "+user+" containing "+want, func(calls []fakeslack.Call) bool {
		return countTold(calls, user, want) > 0
	})
}

func countTold(calls []fakeslack.Call, user, want string) int {
	n := 0
	for _, c := range calls {
		switch {
		case c.Method == "chat.postEphemeral" && strings.HasPrefix(c.Params["user"], user) && strings.Contains(c.Params["text"], want):
			n++
		case c.Method == fakeslack.MethodResponseURL && strings.HasSuffix(c.Params["id"], user) && strings.Contains(c.Params["text"], want):
			n++
		}
	}
	return n
}

// posted waits for a chat.postMessage in channel whose text contains all of
// want, and returns its text.
func (h *harness) posted(channel string, want ...string) string {
	h.t.Helper()
	var text string
	h.slack.WaitFor(h.t, waitFor, "message in "+channel+" containing "+strings.Join(want, ", "), func(calls []fakeslack.Call) bool {
		for _, c := range calls {
			if c.Method != "chat.postMessage" || c.Params["channel"] != channel {
				continue
			}
			if containsAll(c.Params["text"], want) {
				text = c.Params["text"]
				return true
			}
		}
		return false
	})
	return text
}

// updated waits until the message (channel, ts) says all of want.
func (h *harness) updated(channel, ts string, want ...string) {
	h.t.Helper()
	h.slack.WaitFor(h.t, waitFor, "approval message update containing "+strings.Join(want, ", "), func([]fakeslack.Call) bool {
		m, ok := h.slack.Message(channel, ts)
		return ok && containsAll(m.Text, want)
	})
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// redisKeys counts the keys in the test's Redis that hold requests or
// their traces: everything but the replicas' short-lived job leases and the
// plan metadata cache (which a plan lookup fills, by design).
func (h *harness) redisKeys() int64 {
	h.t.Helper()
	keys, err := h.redis.Client(h.t).Keys(context.Background(), "*").Result()
	if err != nil {
		h.t.Fatalf("KEYS: %v", err)
	}
	var n int64
	for _, k := range keys {
		if !strings.HasPrefix(k, "rsbot:lease:") && !strings.HasPrefix(k, "rsbot:{plancache}") {
			n++
		}
	}
	return n
}

// waitReady waits until /readyz answers 200: after Redis comes back, the
// client's connection pool reconnects within about a second.
func (h *harness) waitReady() {
	h.t.Helper()
	if got := pollReadyz(h.url, http.StatusOK, 20*time.Millisecond, nil); got != http.StatusOK {
		h.t.Fatalf("/readyz = %d %s after Redis came back, want 200", got, waitFor)
	}
}

// pollReadyz asks base's /readyz every interval until it answers want,
// gone reports that the process serving it has exited, or waitFor passes
// (polling an external readiness probe). It returns the last status, 0 for
// no answer.
func pollReadyz(base string, want int, every time.Duration, gone func() bool) int {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(waitFor)
	got := 0
	for {
		if resp, err := client.Get(base + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			got = resp.StatusCode
		}
		if got == want || (gone != nil && gone()) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(every)
	}
}
