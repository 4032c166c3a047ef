package fakeslack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

// testToken is what the clients authenticate with; failure output must
// never show more of it than its "xoxb-" prefix.
const testToken = "xoxb-test-secret-123"

// waitTimeout bounds every wait; tests finish long before it on success.
const waitTimeout = 10 * time.Second

func newClient(srv *fakeslack.Server) *slack.Client {
	return slack.New(testToken, slack.OptionAPIURL(srv.APIURL()))
}

// slackError returns the Slack error code carried by err, or "" if none.
func slackError(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		t.Fatalf("got error %v (%T), want a slack.SlackErrorResponse", err, err)
	}
	return se.Err
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

func TestPostUpdateMessages(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)

	ch, ts1, err := api.PostMessage("C1", slack.MsgOptionText("hello", false))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if ch != "C1" {
		t.Errorf("PostMessage channel: got %q, want %q", ch, "C1")
	}
	_, ts2, err := api.PostMessage("C1", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(section("*Approve?*")), slack.MsgOptionTS(ts1))
	if err != nil {
		t.Fatalf("PostMessage with blocks: %v", err)
	}
	_, ts3, err := api.PostMessage("C2", slack.MsgOptionText("elsewhere", false))
	if err != nil {
		t.Fatalf("PostMessage C2: %v", err)
	}
	if !(ts1 < ts2 && ts2 < ts3) {
		t.Errorf("timestamps: got %q, %q, %q, want strictly increasing", ts1, ts2, ts3)
	}

	_, uts, text, err := api.UpdateMessage("C1", ts1, slack.MsgOptionText("Approved by <@U2>", false), slack.MsgOptionBlocks(section("*Approved*")))
	if err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	if uts != ts1 || text != "Approved by <@U2>" {
		t.Errorf("UpdateMessage: got ts %q text %q, want %q %q", uts, text, ts1, "Approved by <@U2>")
	}

	msgs := srv.Messages("C1")
	if len(msgs) != 2 {
		t.Fatalf("Messages(C1): got %d messages, want 2: %+v", len(msgs), msgs)
	}
	first, second := msgs[0], msgs[1]
	if first.TS != ts1 || first.Text != "Approved by <@U2>" || first.Updates != 1 || first.Channel != "C1" {
		t.Errorf("updated message: got %+v, want ts %q, text %q, 1 update", first, ts1, "Approved by <@U2>")
	}
	if !json.Valid(first.Blocks) || !bytes.Contains(first.Blocks, []byte("*Approved*")) {
		t.Errorf("updated message blocks: got %s, want JSON with *Approved*", first.Blocks)
	}
	if second.TS != ts2 || second.ThreadTS != ts1 || second.Text != "fallback" || second.Updates != 0 {
		t.Errorf("threaded message: got %+v, want ts %q in thread %q, text fallback, 0 updates", second, ts2, ts1)
	}
	if !bytes.Contains(second.Blocks, []byte("*Approve?*")) {
		t.Errorf("threaded message blocks: got %s, want *Approve?*", second.Blocks)
	}
	if got := srv.Messages("C2"); len(got) != 1 || got[0].Text != "elsewhere" {
		t.Errorf("Messages(C2): got %+v, want one message %q", got, "elsewhere")
	}
	if m, ok := srv.Message("C1", ts2); !ok || m.Text != "fallback" {
		t.Errorf("Message(C1, ts2): got %+v, %v, want the threaded message", m, ok)
	}
	if _, ok := srv.Message("C2", ts1); ok {
		t.Errorf("Message(C2, ts1): got found, want not found (ts1 is in C1)")
	}

	// Updating with text only keeps the blocks; an empty blocks array clears them.
	if _, _, _, err := api.UpdateMessage("C1", ts1, slack.MsgOptionText("Started", false)); err != nil {
		t.Fatalf("UpdateMessage text only: %v", err)
	}
	if m, _ := srv.Message("C1", ts1); m.Text != "Started" || !bytes.Contains(m.Blocks, []byte("*Approved*")) || m.Updates != 2 {
		t.Errorf("after text-only update: got %+v, want text Started, blocks kept, 2 updates", m)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts1, slack.MsgOptionBlocks()); err != nil {
		t.Fatalf("UpdateMessage clearing blocks: %v", err)
	}
	if m, _ := srv.Message("C1", ts1); string(m.Blocks) != "[]" || m.Text != "Started" {
		t.Errorf("after clearing blocks: got text %q blocks %s, want Started and []", m.Text, m.Blocks)
	}

	for _, c := range srv.Calls() {
		if c.Token != testToken {
			t.Errorf("%s: got token %q, want the client's token", c.Method, fakeslack.Call{Token: c.Token}.String())
		}
		if _, ok := c.Params["token"]; ok {
			t.Errorf("%s: Params has the token, want it only in Call.Token", c.Method)
		}
	}
	if got := len(srv.CallsTo("chat.update")); got != 3 {
		t.Errorf("CallsTo(chat.update): got %d, want 3", got)
	}
}

func TestMessageErrors(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"update unknown ts", func() error {
			_, _, _, err := api.UpdateMessage("C1", "1.000001", slack.MsgOptionText("y", false))
			return err
		}, "message_not_found"},
		{"update in the wrong channel", func() error {
			_, _, _, err := api.UpdateMessage("C2", ts, slack.MsgOptionText("y", false))
			return err
		}, "message_not_found"},
		{"update with nothing", func() error {
			_, _, _, err := api.UpdateMessage("C1", ts)
			return err
		}, "no_text"},
		{"post without channel", func() error {
			_, _, err := api.PostMessage("", slack.MsgOptionText("y", false))
			return err
		}, "channel_not_found"},
		{"post without text", func() error {
			_, _, err := api.PostMessage("C1")
			return err
		}, "no_text"},
		{"post with invalid blocks", func() error {
			resp, err := http.PostForm(srv.APIURL()+"chat.postMessage", url.Values{"token": {testToken}, "channel": {"C1"}, "blocks": {`[{"type":`}})
			if err != nil {
				return err
			}
			return decodeSlackResponse(t, resp).Err()
		}, "invalid_blocks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := slackError(t, tc.call()); got != tc.want {
				t.Errorf("got error %q, want %q", got, tc.want)
			}
		})
	}
	if m, _ := srv.Message("C1", ts); m.Text != "x" || m.Updates != 0 {
		t.Errorf("after failed updates: got %+v, want unchanged", m)
	}
	if got := len(srv.Messages("C1")); got != 1 {
		t.Errorf("Messages(C1): got %d, want 1", got)
	}
}

func decodeSlackResponse(t *testing.T, resp *http.Response) slack.SlackResponse {
	t.Helper()
	defer resp.Body.Close()
	var sr slack.SlackResponse
	if err := json.NewDecoder(resp.Body).Decode(&sr); err != nil {
		t.Fatalf("decoding answer (HTTP %d): %v", resp.StatusCode, err)
	}
	return sr
}

func TestPostEphemeral(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)

	ts, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("Usage: /regionswitch execute …", false))
	if err != nil {
		t.Fatalf("PostEphemeral: %v", err)
	}
	if ts == "" {
		t.Errorf("PostEphemeral: got empty message_ts, want one")
	}
	calls := srv.CallsTo("chat.postEphemeral")
	if len(calls) != 1 {
		t.Fatalf("CallsTo(chat.postEphemeral): got %d, want 1", len(calls))
	}
	for k, want := range map[string]string{"channel": "C1", "user": "U1", "text": "Usage: /regionswitch execute …"} {
		if got := calls[0].Params[k]; got != want {
			t.Errorf("Params[%q]: got %q, want %q", k, got, want)
		}
	}
	if got := srv.Messages("C1"); len(got) != 0 {
		t.Errorf("Messages(C1): got %+v, want none (ephemeral messages are not channel messages)", got)
	}
}

func TestUserGroups(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)
	srv.SetUserGroup("S1", "U1", "U2")
	srv.SetUserGroup("S2")
	srv.SetUserGroup("S3", "U9")
	srv.SetUserGroup("S3", "U3") // replaces

	tests := []struct {
		name    string
		group   string
		want    []string
		wantErr string
	}{
		{"members", "S1", []string{"U1", "U2"}, ""},
		{"empty group", "S2", []string{}, ""},
		{"set again", "S3", []string{"U3"}, ""},
		{"unknown group", "S404", nil, "no_such_subteam"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := api.GetUserGroupMembers(tc.group)
			if e := slackError(t, err); e != tc.wantErr {
				t.Fatalf("got error %q, want %q", e, tc.wantErr)
			}
			if tc.wantErr == "" && !slices.Equal(got, tc.want) {
				t.Errorf("got members %q, want %q", got, tc.want)
			}
		})
	}
	if got := srv.CallsTo("usergroups.users.list")[0].Params["usergroup"]; got != "S1" {
		t.Errorf("Params[usergroup]: got %q, want S1", got)
	}
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		method string
		call   func(api *slack.Client) error
	}{
		{"auth.test", func(api *slack.Client) error { _, err := api.AuthTest(); return err }},
		{"chat.postMessage", func(api *slack.Client) error {
			_, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
			return err
		}},
		{"chat.postEphemeral", func(api *slack.Client) error {
			_, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("x", false))
			return err
		}},
		{"usergroups.users.list", func(api *slack.Client) error { _, err := api.GetUserGroupMembers("S1"); return err }},
		{"views.open", func(api *slack.Client) error {
			_, err := api.OpenView("trig", slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "t", false, false)})
			return err
		}},
		{"users.info", func(api *slack.Client) error { _, err := api.GetUserInfo("U1"); return err }},
		{"conversations.info", func(api *slack.Client) error {
			_, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C1"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			srv := fakeslack.New(t)
			api := newClient(srv)
			srv.SetUserGroup("S1", "U1")
			srv.FailNext(tc.method, "missing_scope")
			srv.FailNext(tc.method, "channel_not_found")

			if got := slackError(t, tc.call(api)); got != "missing_scope" {
				t.Errorf("first call: got error %q, want missing_scope", got)
			}
			if got := slackError(t, tc.call(api)); got != "channel_not_found" {
				t.Errorf("second call: got error %q, want channel_not_found", got)
			}
			if err := tc.call(api); err != nil {
				t.Errorf("third call: got %v, want success", err)
			}
			if got := len(srv.CallsTo(tc.method)); got != 3 {
				t.Errorf("CallsTo: got %d calls, want 3 (failed calls are recorded)", got)
			}
		})
	}

	t.Run("failed post stores nothing", func(t *testing.T) {
		srv := fakeslack.New(t)
		srv.FailNext("chat.postMessage", "is_archived")
		if _, _, err := newClient(srv).PostMessage("C1", slack.MsgOptionText("x", false)); err == nil {
			t.Fatal("got success, want is_archived")
		}
		if got := srv.Messages("C1"); len(got) != 0 {
			t.Errorf("Messages: got %+v, want none", got)
		}
	})

	t.Run("ratelimited answers 429", func(t *testing.T) {
		srv := fakeslack.New(t)
		srv.FailNext("chat.postMessage", "ratelimited")
		_, _, err := newClient(srv).PostMessage("C1", slack.MsgOptionText("x", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
			t.Errorf("got %v, want a RateLimitedError retrying after 1s", err)
		}
	})
}

func TestHold(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)
	release := srv.Hold("chat.postMessage")
	defer release()

	type result struct {
		ts  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		_, ts, err := api.PostMessage("C1", slack.MsgOptionText("held", false))
		done <- result{ts, err}
	}()

	srv.WaitFor(t, waitTimeout, "the held chat.postMessage to arrive", func(calls []fakeslack.Call) bool {
		return len(calls) == 1
	})
	// The call is recorded before it blocks, so it cannot have been answered.
	select {
	case r := <-done:
		t.Fatalf("held PostMessage returned before release: %+v", r)
	default:
	}
	if got := srv.Messages("C1"); len(got) != 0 {
		t.Errorf("Messages while held: got %+v, want none", got)
	}

	// Other methods are not held.
	if _, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("ack", false)); err != nil {
		t.Errorf("PostEphemeral while chat.postMessage is held: %v", err)
	}

	release()
	release() // idempotent
	r := <-done
	if r.err != nil {
		t.Fatalf("PostMessage after release: %v", r.err)
	}
	if got := srv.Messages("C1"); len(got) != 1 || got[0].TS != r.ts {
		t.Errorf("Messages after release: got %+v, want the message %q", got, r.ts)
	}
	// Released: new calls go straight through.
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("free", false)); err != nil {
		t.Errorf("PostMessage after release: %v", err)
	}
}

func TestHoldGivesUpWithCaller(t *testing.T) {
	srv := fakeslack.New(t)
	release := srv.Hold("auth.test")
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := newClient(srv).AuthTestContext(ctx)
		done <- err
	}()
	srv.WaitFor(t, waitTimeout, "auth.test to arrive", func(calls []fakeslack.Call) bool { return len(calls) == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestWaitFor(t *testing.T) {
	t.Run("wakes on a call", func(t *testing.T) {
		srv := fakeslack.New(t)
		go func() {
			for _, text := range []string{"one", "two", "three"} {
				_, _, _ = newClient(srv).PostMessage("C1", slack.MsgOptionText(text, false))
			}
		}()
		calls := srv.WaitFor(t, waitTimeout, "three posts", func(calls []fakeslack.Call) bool {
			return len(calls) >= 3
		})
		if got := len(calls); got != 3 {
			t.Errorf("got %d calls, want 3", got)
		}
		// State is in place once the call is seen.
		if got := len(srv.Messages("C1")); got != 3 {
			t.Errorf("Messages: got %d, want 3", got)
		}
	})

	t.Run("condition already true", func(t *testing.T) {
		srv := fakeslack.New(t)
		calls := srv.WaitFor(t, waitTimeout, "nothing", func([]fakeslack.Call) bool { return true })
		if len(calls) != 0 {
			t.Errorf("got %d calls, want 0", len(calls))
		}
	})

	t.Run("timeout reports calls without tokens", func(t *testing.T) {
		srv := fakeslack.New(t)
		if _, _, err := newClient(srv).PostMessage("C1", slack.MsgOptionText("visible text", false)); err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		ftb := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.WaitFor(ftb, time.Millisecond, "the impossible", func([]fakeslack.Call) bool { return false })
		}()
		<-done
		for _, want := range []string{"the impossible", "chat.postMessage", "visible text", "xoxb-…"} {
			if !strings.Contains(ftb.msg, want) {
				t.Errorf("failure message %q: want it to contain %q", ftb.msg, want)
			}
		}
		if strings.Contains(ftb.msg, "secret-123") {
			t.Errorf("failure message %q: contains the token", ftb.msg)
		}
	})
}

// fatalTB captures Fatalf and stops the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestCallString(t *testing.T) {
	tests := []struct {
		token, want, notWant string
	}{
		{"xoxb-1234-5678-abcdef", "token=xoxb-…", "1234"},
		{"xapp-1-A1-secret", "token=xapp-…", "secret"},
		{"", "token=(none)", ""},
		{"plainsecret", "token=…", "plainsecret"},
		{"-secret", "token=…", "secret"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			got := fakeslack.Call{Method: "auth.test", Token: tc.token, Params: map[string]string{"a": "b"}}.String()
			if !strings.Contains(got, tc.want) || (tc.notWant != "" && strings.Contains(got, tc.notWant)) {
				t.Errorf("got %q, want %q and no %q", got, tc.want, tc.notWant)
			}
		})
	}
}

func TestResponseURL(t *testing.T) {
	srv := fakeslack.New(t)
	blocks := &slack.Blocks{BlockSet: []slack.Block{section("*Rejected* by <@U2>")}}

	tests := []struct {
		name       string
		id         string
		post       func(url string) error
		wantParams map[string]string
	}{
		{
			name: "webhook replacing the original",
			id:   "T1/1234/abc",
			post: func(u string) error {
				return slack.PostWebhook(u, &slack.WebhookMessage{Text: "Rejected", ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: true, Blocks: blocks})
			},
			wantParams: map[string]string{"id": "T1/1234/abc", "text": "Rejected", "response_type": "ephemeral", "replace_original": "true"},
		},
		{
			name: "client MsgOptionResponseURL",
			id:   "cmd 2",
			post: func(u string) error {
				_, _, err := newClient(srv).PostMessage("", slack.MsgOptionResponseURL(u, slack.ResponseTypeInChannel), slack.MsgOptionText("Started", false), slack.MsgOptionBlocks(section("x")))
				return err
			},
			wantParams: map[string]string{"id": "cmd 2", "text": "Started", "response_type": "in_channel", "replace_original": "false"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.post(srv.ResponseURL(tc.id)); err != nil {
				t.Fatalf("post: %v", err)
			}
			var got *fakeslack.Call
			for _, c := range srv.CallsTo(fakeslack.MethodResponseURL) {
				if c.Params["id"] == tc.id {
					got = &c
				}
			}
			if got == nil {
				t.Fatalf("no response_url call with id %q in %v", tc.id, srv.Calls())
			}
			for k, want := range tc.wantParams {
				if got.Params[k] != want {
					t.Errorf("Params[%q]: got %q, want %q", k, got.Params[k], want)
				}
			}
			var parsed []json.RawMessage
			if err := json.Unmarshal([]byte(got.Params["blocks"]), &parsed); err != nil || len(parsed) != 1 {
				t.Errorf("Params[blocks]: got %q, want a JSON array of one block", got.Params["blocks"])
			}
		})
	}

	t.Run("FailNext", func(t *testing.T) {
		srv.FailNext(fakeslack.MethodResponseURL, "expired_url")
		if err := slack.PostWebhook(srv.ResponseURL("old"), &slack.WebhookMessage{Text: "late"}); err == nil {
			t.Errorf("got success, want an error for an expired response URL")
		}
		if err := slack.PostWebhook(srv.ResponseURL("old"), &slack.WebhookMessage{Text: "late"}); err != nil {
			t.Errorf("second post: got %v, want success", err)
		}
	})

	t.Run("invalid payload", func(t *testing.T) {
		resp, err := http.Post(srv.ResponseURL("bad"), "application/json", strings.NewReader("not json"))
		if err != nil {
			t.Fatal(err)
		}
		if sr := decodeSlackResponse(t, resp); resp.StatusCode != http.StatusBadRequest || sr.Error != "invalid_payload" {
			t.Errorf("got HTTP %d %q, want 400 invalid_payload", resp.StatusCode, sr.Error)
		}
	})
}

func TestViews(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)
	view := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Region switch", false, false),
		CallbackID:      "execute",
		PrivateMetadata: "C1",
		Blocks:          slack.Blocks{BlockSet: []slack.Block{section("Pick a plan")}},
	}

	opened, err := api.OpenView("trig-1", view)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	if opened.View.ID == "" || opened.View.CallbackID != "execute" || opened.View.PrivateMetadata != "C1" {
		t.Errorf("OpenView: got id %q callback %q metadata %q, want an id, execute, C1", opened.View.ID, opened.View.CallbackID, opened.View.PrivateMetadata)
	}
	pushed, err := api.PushView("trig-2", view)
	if err != nil {
		t.Fatalf("PushView: %v", err)
	}
	if pushed.View.ID == "" || pushed.View.ID == opened.View.ID {
		t.Errorf("PushView: got id %q, want a new id (opened %q)", pushed.View.ID, opened.View.ID)
	}
	updated, err := api.UpdateView(view, "", opened.View.Hash, opened.View.ID)
	if err != nil {
		t.Fatalf("UpdateView: %v", err)
	}
	if updated.View.ID != opened.View.ID {
		t.Errorf("UpdateView: got id %q, want %q", updated.View.ID, opened.View.ID)
	}

	call := srv.CallsTo("views.open")[0]
	if call.Token != testToken {
		t.Errorf("views.open token: got %s, want the client's bearer token", call)
	}
	if call.Params["trigger_id"] != "trig-1" || !strings.Contains(call.Params["view"], `"callback_id":"execute"`) {
		t.Errorf("views.open params: got %v, want trigger_id trig-1 and the view as JSON", call.Params)
	}
}

func TestInfoMethods(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)

	auth, err := api.AuthTest()
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if auth.UserID != "UBOT" || auth.BotID != "BBOT" || auth.TeamID != "T1" {
		t.Errorf("AuthTest: got user %q bot %q team %q, want UBOT BBOT T1", auth.UserID, auth.BotID, auth.TeamID)
	}

	user, err := api.GetUserInfo("U2ALICE")
	if err != nil {
		t.Fatalf("GetUserInfo: %v", err)
	}
	if user.ID != "U2ALICE" || user.Name != "u2alice" || user.IsBot {
		t.Errorf("GetUserInfo: got id %q name %q bot %v, want U2ALICE u2alice false", user.ID, user.Name, user.IsBot)
	}
	if bot, err := api.GetUserInfo("UBOT"); err != nil || !bot.IsBot {
		t.Errorf("GetUserInfo(UBOT): got %+v, %v, want the bot user", bot, err)
	}

	ch, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C0INCIDENT"})
	if err != nil {
		t.Fatalf("GetConversationInfo: %v", err)
	}
	if ch.ID != "C0INCIDENT" || ch.Name != "c0incident" {
		t.Errorf("GetConversationInfo: got id %q name %q, want C0INCIDENT c0incident", ch.ID, ch.Name)
	}
}

func TestRejectedCalls(t *testing.T) {
	srv := fakeslack.New(t)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		auth        string
		want        string
	}{
		{"unknown method", "chat.nope", "application/x-www-form-urlencoded", "token=xoxb-1&channel=C1", "", "unknown_method"},
		{"no token", "auth.test", "application/x-www-form-urlencoded", "", "", "not_authed"},
		{"bad JSON", "views.open", "application/json", "{", "Bearer xoxb-1", "invalid_json"},
		{"view not an object", "views.open", "application/json", `{"trigger_id":"t","view":"x"}`, "Bearer xoxb-1", "invalid_arguments"},
		{"views.open without trigger", "views.open", "application/json", `{"view":{}}`, "Bearer xoxb-1", "invalid_trigger_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.APIURL()+tc.method, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.contentType)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if sr := decodeSlackResponse(t, resp); sr.Ok || sr.Error != tc.want {
				t.Errorf("got ok=%v error %q, want error %q", sr.Ok, sr.Error, tc.want)
			}
		})
	}
	if got := len(srv.Calls()); got != len(tests) {
		t.Errorf("Calls: got %d, want %d (rejected calls are recorded)", got, len(tests))
	}
}

func TestConcurrentPosts(t *testing.T) {
	srv := fakeslack.New(t)
	api := newClient(srv)
	const n = 25
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, _, err := api.PostMessage("C1", slack.MsgOptionText(fmt.Sprint(i), false)); err != nil {
				t.Errorf("PostMessage %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	msgs := srv.Messages("C1")
	seen := map[string]bool{}
	for i, m := range msgs {
		if seen[m.TS] {
			t.Errorf("duplicate ts %q", m.TS)
		}
		seen[m.TS] = true
		if i > 0 && msgs[i-1].TS >= m.TS {
			t.Errorf("ts not increasing: %q then %q", msgs[i-1].TS, m.TS)
		}
	}
	if len(msgs) != n {
		t.Errorf("Messages: got %d, want %d", len(msgs), n)
	}
}
