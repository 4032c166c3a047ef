package web_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/bot"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
	"github.com/regionswitch-bot/regionswitch-bot/web"
)

const (
	secret       = "8f742231b10e8888abcd99yyyzzz85a5" // the signing secret under test
	otherSecret  = "0000000000000000000000000000beef"
	commandsPath = "/slack/commands"
	actionsPath  = "/slack/interactions"
	testMaxBody  = 4 << 10
)

// fakeBot implements web.Bot with function fields. A nil field fails the
// test when called: the handler must not reach the bot.
type fakeBot struct {
	t           *testing.T
	command     func(ctx context.Context, cmd slack.SlashCommand) bot.Reply
	interaction func(ctx context.Context, cb slack.InteractionCallback) any

	mu           sync.Mutex
	commands     []slack.SlashCommand
	interactions []slack.InteractionCallback
}

func (f *fakeBot) Command(ctx context.Context, cmd slack.SlashCommand) bot.Reply {
	f.mu.Lock()
	f.commands = append(f.commands, cmd)
	f.mu.Unlock()
	if f.command == nil {
		f.t.Errorf("Bot.Command called with %+v; want no call", cmd)
		return bot.Reply{}
	}
	return f.command(ctx, cmd)
}

func (f *fakeBot) Interaction(ctx context.Context, cb slack.InteractionCallback) any {
	f.mu.Lock()
	f.interactions = append(f.interactions, cb)
	f.mu.Unlock()
	if f.interaction == nil {
		f.t.Errorf("Bot.Interaction called with type %q; want no call", cb.Type)
		return nil
	}
	return f.interaction(ctx, cb)
}

func (f *fakeBot) calls() (cmds []slack.SlashCommand, cbs []slack.InteractionCallback) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.commands), slices.Clone(f.interactions)
}

var _ web.Bot = (*fakeBot)(nil)

// observation is one call of Options.Observe.
type observation struct {
	kind, outcome string
	d             time.Duration
}

type observer struct {
	mu  sync.Mutex
	obs []observation
}

func (o *observer) observe(kind, outcome string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs = append(o.obs, observation{kind, outcome, d})
}

func (o *observer) all() []observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.obs)
}

// harness is a web.Handler with a recording bot, observer and log.
type harness struct {
	t       *testing.T
	bot     *fakeBot
	obs     *observer
	logs    *syncbuf.Buffer
	handler http.Handler
}

// newHarness builds the handler. opts.SigningSecret, MaxBody, Observe and
// Logger are filled in unless set by edit. At cleanup it asserts that the
// log never contains the signing secret.
func newHarness(t *testing.T, b *fakeBot, edit func(*web.Options)) *harness {
	t.Helper()
	b.t = t
	h := &harness{t: t, bot: b, obs: &observer{}, logs: &syncbuf.Buffer{}}
	opts := web.Options{
		SigningSecret: secret,
		MaxBody:       testMaxBody,
		Observe:       h.obs.observe,
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&opts)
	}
	h.handler = web.Handler(b, opts)
	t.Cleanup(func() {
		if s := opts.SigningSecret; s != "" && strings.Contains(h.logs.String(), s) {
			t.Errorf("log contains the signing secret:\n%s", h.logs.String())
		}
	})
	return h
}

// serve runs req through the handler synchronously.
func (h *harness) serve(req *http.Request) *httptest.ResponseRecorder {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// assertNoBotCalls fails the test if the bot was reached.
func (h *harness) assertNoBotCalls() {
	h.t.Helper()
	cmds, cbs := h.bot.calls()
	if len(cmds) != 0 || len(cbs) != 0 {
		h.t.Errorf("bot got %d commands and %d interactions; want none", len(cmds), len(cbs))
	}
}

// assertObserved fails the test unless Observe was called exactly once,
// with kind and outcome.
func (h *harness) assertObserved(kind, outcome string) {
	h.t.Helper()
	obs := h.obs.all()
	if len(obs) != 1 {
		h.t.Errorf("Observe called %d times (%v); want once with (%s, %s)", len(obs), obs, kind, outcome)
		return
	}
	if obs[0].kind != kind || obs[0].outcome != outcome {
		h.t.Errorf("Observe(%q, %q); want (%q, %q)", obs[0].kind, obs[0].outcome, kind, outcome)
	}
}

// signRaw computes a v0 signature over an arbitrary timestamp header value.
func signRaw(key, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%s:", timestamp)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func commandBody() []byte {
	return fakeslack.Command{
		Text:        "execute checkout activate us-west-2",
		UserID:      "UREQ",
		UserName:    "req",
		ChannelID:   "COPS",
		ChannelName: "ops",
	}.Encode()
}

func actionBody() []byte {
	return fakeslack.BlockActionBody("UAPP", "app", "COPS", "1733331111.000100", "rs_approve", "req-1", "https://hooks.example/r", "trig-1")
}

func TestCommandSignedOK(t *testing.T) {
	var gotCtx context.Context
	b := &fakeBot{command: func(ctx context.Context, cmd slack.SlashCommand) bot.Reply {
		gotCtx = ctx
		return bot.Reply{Text: "Request `abc` <@UREQ> & co: \"done\""}
	}}
	h := newHarness(t, b, nil)
	cmd := fakeslack.Command{
		Text:        `execute checkout activate us-west-2 --comment “a&b=c <!channel>”`,
		UserID:      "UREQ",
		UserName:    "req.user",
		ChannelID:   "COPS",
		ChannelName: "ops",
		TeamID:      "T9",
		TriggerID:   "trig-42",
		ResponseURL: "https://hooks.slack.com/commands/T9/1/xyz",
	}
	req := fakeslack.NewSignedRequest(t, secret, commandsPath, cmd.Encode(), time.Now())
	rec := h.serve(req)

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d (%s); want 200", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body, err)
	}
	want := map[string]any{"response_type": "ephemeral", "text": "Request `abc` <@UREQ> & co: \"done\""}
	if len(body) != len(want) || body["response_type"] != want["response_type"] || body["text"] != want["text"] {
		t.Errorf("body = %v; want %v", body, want)
	}

	cmds, cbs := b.calls()
	if len(cmds) != 1 || len(cbs) != 0 {
		t.Fatalf("bot got %d commands, %d interactions; want 1, 0", len(cmds), len(cbs))
	}
	got := cmds[0]
	for _, f := range []struct{ name, got, want string }{
		{"Text", got.Text, cmd.Text},
		{"UserID", got.UserID, cmd.UserID},
		{"UserName", got.UserName, cmd.UserName},
		{"ChannelID", got.ChannelID, cmd.ChannelID},
		{"ChannelName", got.ChannelName, cmd.ChannelName},
		{"TeamID", got.TeamID, cmd.TeamID},
		{"TriggerID", got.TriggerID, cmd.TriggerID},
		{"ResponseURL", got.ResponseURL, cmd.ResponseURL},
		{"Command", got.Command, "/regionswitch"},
		{"APIAppID", got.APIAppID, fakeslack.AppID},
	} {
		if f.got != f.want {
			t.Errorf("SlashCommand.%s = %q; want %q", f.name, f.got, f.want)
		}
	}
	if gotCtx == nil {
		t.Error("Bot.Command got a nil context")
	}
	h.assertObserved("command", "ok")
}

// TestSignatureWindow checks that requests signed correctly within the
// 5-minute window are accepted on both Slack endpoints.
func TestSignatureWindow(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset time.Duration
	}{
		{"now", 0},
		{"4 minutes old", -4 * time.Minute},
		{"4 minutes ahead", 4 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &fakeBot{
				command:     func(context.Context, slack.SlashCommand) bot.Reply { return bot.Reply{Text: "ok"} },
				interaction: func(context.Context, slack.InteractionCallback) any { return nil },
			}
			h := newHarness(t, b, nil)
			ts := time.Now().Add(tc.offset)
			if rec := h.serve(fakeslack.NewSignedRequest(t, secret, commandsPath, commandBody(), ts)); rec.Code != http.StatusOK {
				t.Errorf("command: status = %d (%s); want 200", rec.Code, rec.Body)
			}
			if rec := h.serve(fakeslack.NewSignedRequest(t, secret, actionsPath, actionBody(), ts)); rec.Code != http.StatusOK {
				t.Errorf("interaction: status = %d (%s); want 200", rec.Code, rec.Body)
			}
			cmds, cbs := b.calls()
			if len(cmds) != 1 || len(cbs) != 1 {
				t.Errorf("bot got %d commands, %d interactions; want 1, 1", len(cmds), len(cbs))
			}
		})
	}
}

// TestUnverifiedRequestsRefused sends forged, stale and malformed requests
// to both Slack endpoints: each gets 401 and the bot is never called.
func TestUnverifiedRequestsRefused(t *testing.T) {
	type forge func(t *testing.T, url string, body []byte) *http.Request
	cases := []struct {
		name  string
		forge forge
	}{
		{"wrong secret", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, otherSecret, u, body, time.Now())
		}},
		{"secret with different case", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, strings.ToUpper(secret), u, body, time.Now())
		}},
		{"no signature header", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Del("X-Slack-Signature")
			return req
		}},
		{"no timestamp header", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Del("X-Slack-Request-Timestamp")
			return req
		}},
		{"unsigned", func(t *testing.T, u string, body []byte) *http.Request {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}},
		{"non-numeric timestamp, signed over it", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			ts := "now"
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", signRaw(secret, ts, body))
			return req
		}},
		{"fractional timestamp, signed over it", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			ts := strconv.FormatInt(time.Now().Unix(), 10) + ".5"
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", signRaw(secret, ts, body))
			return req
		}},
		{"stale: 6 minutes old", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, secret, u, body, time.Now().Add(-6*time.Minute))
		}},
		{"stale: a day old", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, secret, u, body, time.Now().Add(-24*time.Hour))
		}},
		{"stale: epoch", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, secret, u, body, time.Unix(0, 0))
		}},
		{"future: 6 minutes ahead", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, secret, u, body, time.Now().Add(6*time.Minute))
		}},
		{"future: a year ahead", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, secret, u, body, time.Now().AddDate(1, 0, 0))
		}},
		{"timestamp header changed after signing", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(time.Now().Unix()-1, 10))
			return req
		}},
		{"tampered body", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			tampered := bytes.Replace(body, []byte("UREQ"), []byte("UEVIL"), 1)
			tampered = bytes.Replace(tampered, []byte("UAPP"), []byte("UEVIL"), 1)
			if bytes.Equal(tampered, body) {
				t.Fatal("test bug: body not tampered")
			}
			req.Body = io.NopCloser(bytes.NewReader(tampered))
			req.ContentLength = int64(len(tampered))
			return req
		}},
		{"body with bytes appended", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			longer := append(slices.Clone(body), "&user_id=UEVIL"...)
			req.Body = io.NopCloser(bytes.NewReader(longer))
			req.ContentLength = int64(len(longer))
			return req
		}},
		{"signature of another body", func(t *testing.T, u string, body []byte) *http.Request {
			now := time.Now()
			_, sig := fakeslack.Sign(secret, now, []byte("text=help"))
			req := fakeslack.NewSignedRequest(t, secret, u, body, now)
			req.Header.Set("X-Slack-Signature", sig)
			return req
		}},
		{"signature without v0 prefix", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Set("X-Slack-Signature", strings.TrimPrefix(req.Header.Get("X-Slack-Signature"), "v0="))
			return req
		}},
		{"signature with v1 prefix", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Set("X-Slack-Signature", "v1="+strings.TrimPrefix(req.Header.Get("X-Slack-Signature"), "v0="))
			return req
		}},
		{"signature not hex", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("zz", 32))
			return req
		}},
		{"signature truncated", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Set("X-Slack-Signature", req.Header.Get("X-Slack-Signature")[:20])
			return req
		}},
		{"signature is the secret", func(t *testing.T, u string, body []byte) *http.Request {
			req := fakeslack.NewSignedRequest(t, secret, u, body, time.Now())
			req.Header.Set("X-Slack-Signature", "v0="+secret)
			return req
		}},
		{"empty-secret signature", func(t *testing.T, u string, body []byte) *http.Request {
			return fakeslack.NewSignedRequest(t, "", u, body, time.Now())
		}},
	}
	endpoints := []struct {
		kind, path string
		body       []byte
	}{
		{"command", commandsPath, commandBody()},
		{"interaction", actionsPath, actionBody()},
	}
	for _, ep := range endpoints {
		for _, tc := range cases {
			t.Run(ep.kind+"/"+tc.name, func(t *testing.T) {
				h := newHarness(t, &fakeBot{}, nil)
				rec := h.serve(tc.forge(t, ep.path, ep.body))
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("status = %d (%s); want 401", rec.Code, rec.Body)
				}
				h.assertNoBotCalls()
				h.assertObserved(ep.kind, "unauthorized")
				if h.logs.String() == "" {
					t.Error("nothing logged for a refused request; want a warning (and the secret check above is vacuous without it)")
				}
			})
		}
	}
}

// paddedCommand returns a signed-command body of exactly n bytes.
func paddedCommand(t *testing.T, n int) []byte {
	t.Helper()
	base := len(fakeslack.Command{UserID: "UREQ", ChannelID: "COPS"}.Encode())
	if n < base {
		t.Fatalf("test bug: %d < minimal body %d", n, base)
	}
	body := fakeslack.Command{UserID: "UREQ", ChannelID: "COPS", Text: strings.Repeat("a", n-base)}.Encode()
	if len(body) != n {
		t.Fatalf("test bug: body is %d bytes; want %d", len(body), n)
	}
	return body
}

// paddedAction returns a signed-interaction body of at least n bytes.
func paddedAction(n int) []byte {
	return fakeslack.BlockActionBody("UAPP", "app", "COPS", "1.1", "rs_approve", strings.Repeat("v", n), "", "")
}

func TestBodyCap(t *testing.T) {
	t.Run("command of exactly MaxBody bytes is served", func(t *testing.T) {
		b := &fakeBot{command: func(context.Context, slack.SlashCommand) bot.Reply { return bot.Reply{Text: "ok"} }}
		h := newHarness(t, b, nil)
		rec := h.serve(fakeslack.NewSignedRequest(t, secret, commandsPath, paddedCommand(t, testMaxBody), time.Now()))
		if rec.Code != http.StatusOK {
			t.Errorf("status = %d (%s); want 200", rec.Code, rec.Body)
		}
		if cmds, _ := b.calls(); len(cmds) != 1 {
			t.Errorf("bot got %d commands; want 1", len(cmds))
		}
		h.assertObserved("command", "ok")
	})
	for _, tc := range []struct {
		kind, path string
		body       func(t *testing.T) []byte
	}{
		{"command", commandsPath, func(t *testing.T) []byte { return paddedCommand(t, testMaxBody+1) }},
		{"command", commandsPath, func(t *testing.T) []byte { return paddedCommand(t, 10*testMaxBody) }},
		{"interaction", actionsPath, func(*testing.T) []byte { return paddedAction(testMaxBody + 1) }},
		{"interaction", actionsPath, func(*testing.T) []byte { return paddedAction(1 << 20) }},
	} {
		body := tc.body(t)
		t.Run(fmt.Sprintf("signed %s of %d bytes", tc.kind, len(body)), func(t *testing.T) {
			h := newHarness(t, &fakeBot{}, nil)
			rec := h.serve(fakeslack.NewSignedRequest(t, secret, tc.path, body, time.Now()))
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("status = %d; want 413", rec.Code)
			}
			h.assertNoBotCalls()
			h.assertObserved(tc.kind, "too_large")
		})
	}
	t.Run("oversized and forged", func(t *testing.T) {
		h := newHarness(t, &fakeBot{}, nil)
		rec := h.serve(fakeslack.NewSignedRequest(t, otherSecret, commandsPath, paddedCommand(t, 2*testMaxBody), time.Now()))
		if rec.Code != http.StatusRequestEntityTooLarge && rec.Code != http.StatusUnauthorized {
			t.Errorf("status = %d; want 413 or 401", rec.Code)
		}
		h.assertNoBotCalls()
	})
	t.Run("default cap applies when MaxBody is zero", func(t *testing.T) {
		h := newHarness(t, &fakeBot{}, func(o *web.Options) { o.MaxBody = 0 })
		rec := h.serve(fakeslack.NewSignedRequest(t, secret, commandsPath, paddedCommand(t, 1<<20), time.Now()))
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("1 MiB body with default cap: status = %d; want 413", rec.Code)
		}
		h.assertNoBotCalls()
	})
}

func TestCommandMalformedForm(t *testing.T) {
	h := newHarness(t, &fakeBot{}, nil)
	rec := h.serve(fakeslack.NewSignedRequest(t, secret, commandsPath, []byte("text=%zz&user_id=U1"), time.Now()))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d; want 400", rec.Code)
	}
	h.assertNoBotCalls()
	h.assertObserved("command", "bad_request")
}

func TestInteractionBlockActions(t *testing.T) {
	b := &fakeBot{interaction: func(context.Context, slack.InteractionCallback) any { return nil }}
	h := newHarness(t, b, nil)
	body := fakeslack.BlockActionBody("UAPP", "app.user", "COPS", "1733331111.000100", "rs_approve", "req-1", "https://hooks.slack.com/actions/T1/2/abc", "trig-7")
	rec := h.serve(fakeslack.NewSignedRequest(t, secret, actionsPath, body, time.Now()))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d (%s); want 200", rec.Code, rec.Body)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("body = %q; want empty for a nil response", rec.Body)
	}
	_, cbs := b.calls()
	if len(cbs) != 1 {
		t.Fatalf("bot got %d interactions; want 1", len(cbs))
	}
	cb := cbs[0]
	for _, f := range []struct{ name, got, want string }{
		{"Type", string(cb.Type), string(slack.InteractionTypeBlockActions)},
		{"User.ID", cb.User.ID, "UAPP"},
		{"Channel.ID", cb.Channel.ID, "COPS"},
		{"Container.MessageTs", cb.Container.MessageTs, "1733331111.000100"},
		{"ResponseURL", cb.ResponseURL, "https://hooks.slack.com/actions/T1/2/abc"},
		{"TriggerID", cb.TriggerID, "trig-7"},
		{"Team.ID", cb.Team.ID, fakeslack.TeamID},
	} {
		if f.got != f.want {
			t.Errorf("callback %s = %q; want %q", f.name, f.got, f.want)
		}
	}
	if acts := cb.ActionCallback.BlockActions; len(acts) != 1 {
		t.Errorf("got %d block actions; want 1", len(acts))
	} else if acts[0].ActionID != "rs_approve" || acts[0].Value != "req-1" || acts[0].BlockID != fakeslack.ActionBlockID {
		t.Errorf("block action = {ActionID:%q Value:%q BlockID:%q}; want {rs_approve req-1 %s}", acts[0].ActionID, acts[0].Value, acts[0].BlockID, fakeslack.ActionBlockID)
	}
	h.assertObserved("interaction", "ok")
}

func TestInteractionResponseBody(t *testing.T) {
	resp := slack.NewErrorsViewSubmissionResponse(map[string]string{"plan": "No plan <checkout> & co"})
	b := &fakeBot{interaction: func(_ context.Context, cb slack.InteractionCallback) any {
		if cb.Type != slack.InteractionTypeViewSubmission || cb.View.CallbackID != "rs_execute" || cb.View.PrivateMetadata != "COPS" {
			t.Errorf("callback = {Type:%q CallbackID:%q PrivateMetadata:%q}; want {view_submission rs_execute COPS}", cb.Type, cb.View.CallbackID, cb.View.PrivateMetadata)
		}
		if v := cb.View.State.Values["plan"]["plan"].Value; v != "checkout" {
			t.Errorf("submitted plan = %q; want checkout", v)
		}
		return resp
	}}
	h := newHarness(t, b, nil)
	body := fakeslack.ViewSubmissionBody("UREQ", "rs_execute", "COPS", map[string]map[string]string{"plan": {"plan": "checkout"}})
	rec := h.serve(fakeslack.NewSignedRequest(t, secret, actionsPath, body, time.Now()))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d (%s); want 200", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	var got slack.ViewSubmissionResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body, err)
	}
	if got.ResponseAction != slack.RAErrors || got.Errors["plan"] != "No plan <checkout> & co" {
		t.Errorf("response = %+v; want %+v", got, *resp)
	}
	if _, cbs := b.calls(); len(cbs) != 1 {
		t.Errorf("bot got %d interactions; want 1", len(cbs))
	}
	h.assertObserved("interaction", "ok")
}

func TestInteractionMalformed(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"payload not JSON", "payload=" + url.QueryEscape("{not json")},
		{"payload plain text", "payload=hello"},
		{"payload empty", "payload="},
		{"no payload field", "foo=bar"},
		{"empty body", ""},
		{"payload is a JSON string", "payload=" + url.QueryEscape(`"block_actions"`)},
		{"bad form encoding", "payload=%zz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, &fakeBot{}, nil)
			rec := h.serve(fakeslack.NewSignedRequest(t, secret, actionsPath, []byte(tc.body), time.Now()))
			if rec.Code != http.StatusBadRequest {
				t.Errorf("status = %d (%s); want 400", rec.Code, rec.Body)
			}
			h.assertNoBotCalls()
			h.assertObserved("interaction", "bad_request")
		})
	}
}

func TestWrongMethod(t *testing.T) {
	for _, path := range []string{commandsPath, actionsPath} {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			t.Run(method+" "+path, func(t *testing.T) {
				h := newHarness(t, &fakeBot{}, nil)
				req := fakeslack.NewSignedRequest(t, secret, path, commandBody(), time.Now())
				req.Method = method
				rec := h.serve(req)
				if rec.Code != http.StatusMethodNotAllowed {
					t.Errorf("status = %d; want 405", rec.Code)
				}
				if allow := rec.Header().Get("Allow"); !strings.Contains(allow, http.MethodPost) {
					t.Errorf("Allow = %q; want it to list POST", allow)
				}
				h.assertNoBotCalls()
			})
		}
	}
}

func TestNoSigningSecretNoSlackEndpoints(t *testing.T) {
	for _, path := range []string{commandsPath, actionsPath} {
		t.Run(path, func(t *testing.T) {
			h := newHarness(t, &fakeBot{}, func(o *web.Options) { o.SigningSecret = "" })
			// Signed with the empty key: the only signature an attacker could
			// compute if an empty secret were accepted.
			rec := h.serve(fakeslack.NewSignedRequest(t, "", path, commandBody(), time.Now()))
			if rec.Code != http.StatusNotFound {
				t.Errorf("status = %d; want 404", rec.Code)
			}
			h.assertNoBotCalls()
			if rec := h.serve(httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != http.StatusOK {
				t.Errorf("/healthz status = %d; want 200 in Socket Mode too", rec.Code)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	h := newHarness(t, &fakeBot{}, func(o *web.Options) {
		o.Ready = func(context.Context) error { return errors.New("redis down") }
	})
	rec := h.serve(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("status = %d; want 200 (liveness does not depend on Redis)", rec.Code)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != "ok" {
		t.Errorf("body = %q; want ok", got)
	}
	if len(h.obs.all()) != 0 {
		t.Errorf("Observe called for /healthz: %v; want no calls", h.obs.all())
	}
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ready func(context.Context) error
		want  int
	}{
		{"no check", nil, http.StatusOK},
		{"ready", func(context.Context) error { return nil }, http.StatusOK},
		{"redis down", func(context.Context) error { return errors.New("dial tcp 10.0.0.1:6379: connection refused") }, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls int
			var hadDeadline bool
			h := newHarness(t, &fakeBot{}, func(o *web.Options) {
				if tc.ready != nil {
					o.Ready = func(ctx context.Context) error {
						calls++
						_, hadDeadline = ctx.Deadline()
						return tc.ready(ctx)
					}
				}
			})
			rec := h.serve(httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.want {
				t.Errorf("status = %d (%s); want %d", rec.Code, rec.Body, tc.want)
			}
			if tc.ready != nil {
				if calls != 1 {
					t.Errorf("Ready called %d times; want 1", calls)
				}
				if !hadDeadline {
					t.Error("Ready got a context without deadline; a hung Redis would hang the probe")
				}
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Run("served when given", func(t *testing.T) {
		metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "regionswitch_requests_total 3\n")
		})
		h := newHarness(t, &fakeBot{}, func(o *web.Options) { o.Metrics = metrics })
		rec := h.serve(httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "regionswitch_requests_total 3") {
			t.Errorf("GET /metrics = %d %q; want 200 with the metrics handler's body", rec.Code, rec.Body)
		}
	})
	t.Run("not served when nil", func(t *testing.T) {
		h := newHarness(t, &fakeBot{}, nil)
		rec := h.serve(httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET /metrics = %d; want 404", rec.Code)
		}
	})
}

// TestOverHTTP runs a signed command and a forged one through a real HTTP
// server and client.
func TestOverHTTP(t *testing.T) {
	b := &fakeBot{command: func(_ context.Context, cmd slack.SlashCommand) bot.Reply {
		return bot.Reply{Text: "hello " + cmd.UserID}
	}}
	h := newHarness(t, b, nil)
	srv := httptest.NewServer(h.handler)
	t.Cleanup(srv.Close)

	resp, err := srv.Client().Do(fakeslack.NewSignedRequest(t, secret, srv.URL+commandsPath, commandBody(), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || got["text"] != "hello UREQ" || got["response_type"] != "ephemeral" {
		t.Errorf("signed command: %d %v (decode err %v); want 200 ephemeral \"hello UREQ\"", resp.StatusCode, got, err)
	}

	resp, err = srv.Client().Do(fakeslack.NewSignedRequest(t, otherSecret, srv.URL+commandsPath, commandBody(), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged command: status = %d; want 401", resp.StatusCode)
	}
	if cmds, _ := b.calls(); len(cmds) != 1 {
		t.Errorf("bot got %d commands; want 1 (the signed one)", len(cmds))
	}
}
