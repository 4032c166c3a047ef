package fakeslack_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

func TestSign(t *testing.T) {
	// The example from Slack's "Verifying requests from Slack" guide.
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	ts, sig := fakeslack.Sign("8f742231b10e8888abcd99yyyzzz85a5", time.Unix(1531420618, 0), body)
	if want := "1531420618"; ts != want {
		t.Errorf("timestamp: got %q, want %q", ts, want)
	}
	if want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; sig != want {
		t.Errorf("signature: got %q, want %q", sig, want)
	}
}

func TestNewSignedRequestVerifies(t *testing.T) {
	const secret = "signing-secret"
	body := fakeslack.Command{Text: "help", UserID: "U1", ChannelID: "C1"}.Encode()
	now := time.Now()

	tests := []struct {
		name         string
		signSecret   string
		verifySecret string
		ts           time.Time
		tamper       bool
		want         error
	}{
		{"valid", secret, secret, now, false, nil},
		{"valid 4 minutes old", secret, secret, now.Add(-4 * time.Minute), false, nil},
		{"wrong secret", "other-secret", secret, now, false, slack.ErrInvalidSignature},
		{"old timestamp", secret, secret, now.Add(-10 * time.Minute), false, slack.ErrExpiredTimestamp},
		{"future timestamp", secret, secret, now.Add(10 * time.Minute), false, slack.ErrExpiredTimestamp},
		{"tampered body", secret, secret, now, true, slack.ErrInvalidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := fakeslack.NewSignedRequest(t, tc.signSecret, "http://bot.invalid/slack/commands", body, tc.ts)
			if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Errorf("got %s with content type %q, want a form POST", req.Method, req.Header.Get("Content-Type"))
			}
			if tc.tamper {
				req.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte("help"), []byte("exec"), 1)))
			}
			sv, err := slack.NewSecretsVerifier(req.Header, tc.verifySecret)
			if err == nil {
				if _, err = io.Copy(&sv, req.Body); err != nil {
					t.Fatal(err)
				}
				err = sv.Ensure()
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCommandEncode(t *testing.T) {
	tests := []struct {
		name string
		cmd  fakeslack.Command
	}{
		{"execute", fakeslack.Command{Text: "execute web activate us-west-2", UserID: "U1", UserName: "alice", ChannelID: "C1", ChannelName: "incident", TriggerID: "123.456.abc", ResponseURL: "https://hooks.slack.com/commands/T1/1/x"}},
		{"curly quotes", fakeslack.Command{Text: "execute web activate us-west-2 --comment “fail over now” ‘x’", UserID: "U1"}},
		{"form metacharacters", fakeslack.Command{Text: "a&b=c+d%20e;f?g#h", UserID: "U1&user_id=U2"}},
		{"newlines and unicode", fakeslack.Command{Text: "line1\nline2\r\n\t✓ ünïcode 🚨", UserName: "名前"}},
		{"empty", fakeslack.Command{}},
		{"custom command and team", fakeslack.Command{Command: "/rs", TeamID: "T9", Text: "help"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.cmd.Encode()
			req := fakeslack.NewSignedRequest(t, "s", "http://bot.invalid/slack/commands", body, time.Now())
			got, err := slack.SlashCommandParse(req)
			if err != nil {
				t.Fatalf("SlashCommandParse: %v", err)
			}
			wantCommand, wantTeam := tc.cmd.Command, tc.cmd.TeamID
			if wantCommand == "" {
				wantCommand = "/regionswitch"
			}
			if wantTeam == "" {
				wantTeam = "T1"
			}
			want := slack.SlashCommand{
				Token: fakeslack.VerificationToken, TeamID: wantTeam, TeamDomain: fakeslack.TeamDomain,
				ChannelID: tc.cmd.ChannelID, ChannelName: tc.cmd.ChannelName, UserID: tc.cmd.UserID, UserName: tc.cmd.UserName,
				Command: wantCommand, Text: tc.cmd.Text, ResponseURL: tc.cmd.ResponseURL, TriggerID: tc.cmd.TriggerID, APIAppID: fakeslack.AppID,
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}

			var keys []string
			for field := range strings.SplitSeq(string(body), "&") {
				k, _, _ := strings.Cut(field, "=")
				keys = append(keys, k)
			}
			wantKeys := []string{"token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name", "command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id"}
			if !slices.Equal(keys, wantKeys) {
				t.Errorf("field order: got %q, want %q", keys, wantKeys)
			}
		})
	}
}

func TestBlockActionBody(t *testing.T) {
	tests := []struct {
		name, userID, userName, channelID, messageTS, actionID, value string
	}{
		{"approve", "U2", "bob", "C1", "1733331111.000100", "approve", "req-01J"},
		{"reject", "U3", "carol", "C1", "1733331111.000200", "reject", "req-01J"},
		{"hostile value", "U4", `d"ave`, "C1", "1.1", "approve", "\"}],\"type\":\"view_submission\"&payload=x\n✓"},
		{"empty value", "U5", "", "C2", "", "approve", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := fakeslack.BlockActionBody(tc.userID, tc.userName, tc.channelID, tc.messageTS, tc.actionID, tc.value, "https://hooks.invalid/r/1", "trig-9")
			req := fakeslack.NewSignedRequest(t, "s", "http://bot.invalid/slack/interactions", body, time.Now())
			ic, err := slack.InteractionCallbackParse(req)
			if err != nil {
				t.Fatalf("InteractionCallbackParse: %v", err)
			}
			checks := []struct{ field, got, want string }{
				{"type", string(ic.Type), string(slack.InteractionTypeBlockActions)},
				{"user.id", ic.User.ID, tc.userID},
				{"user.name", ic.User.Name, tc.userName},
				{"user.team_id", ic.User.TeamID, fakeslack.TeamID},
				{"team.id", ic.Team.ID, fakeslack.TeamID},
				{"channel.id", ic.Channel.ID, tc.channelID},
				{"container.type", ic.Container.Type, "message"},
				{"container.message_ts", ic.Container.MessageTs, tc.messageTS},
				{"container.channel_id", ic.Container.ChannelID, tc.channelID},
				{"message.ts", ic.Message.Timestamp, tc.messageTS},
				{"response_url", ic.ResponseURL, "https://hooks.invalid/r/1"},
				{"trigger_id", ic.TriggerID, "trig-9"},
				{"api_app_id", ic.APIAppID, fakeslack.AppID},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
			actions := ic.ActionCallback.BlockActions
			if len(actions) != 1 {
				t.Fatalf("block actions: got %d, want 1 (attachment actions: %d)", len(actions), len(ic.ActionCallback.AttachmentActions))
			}
			a := actions[0]
			if a.ActionID != tc.actionID || a.Value != tc.value || a.Type != "button" || a.BlockID != fakeslack.ActionBlockID || a.ActionTs == "" {
				t.Errorf("action: got %+v, want action_id %q value %q type button block %q and an action_ts", a, tc.actionID, tc.value, fakeslack.ActionBlockID)
			}
		})
	}
}

func TestViewSubmissionBody(t *testing.T) {
	t.Run("string values", func(t *testing.T) {
		values := map[string]map[string]string{
			"plan":    {"plan_select": "web"},
			"region":  {"region_input": "us-west-2"},
			"comment": {"comment_input": "“quoted” & <b>\n"},
		}
		ic := parseInteraction(t, fakeslack.ViewSubmissionBody("U1", "execute", `{"channel":"C1"}`, values))
		if ic.Type != slack.InteractionTypeViewSubmission || ic.User.ID != "U1" || ic.View.CallbackID != "execute" || ic.View.PrivateMetadata != `{"channel":"C1"}` {
			t.Errorf("got type %q user %q callback %q metadata %q, want view_submission U1 execute and the metadata", ic.Type, ic.User.ID, ic.View.CallbackID, ic.View.PrivateMetadata)
		}
		if ic.View.State == nil {
			t.Fatal("view.state: got nil")
		}
		for blockID, actions := range values {
			for actionID, want := range actions {
				a := ic.View.State.Values[blockID][actionID]
				if a.Value != want || a.SelectedOption.Value != want {
					t.Errorf("%s/%s: got value %q selected %q, want %q for both", blockID, actionID, a.Value, a.SelectedOption.Value, want)
				}
			}
		}
	})

	t.Run("exact state", func(t *testing.T) {
		state := map[string]map[string]slack.BlockAction{
			"action": {"action_select": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "activate", Text: slack.NewTextBlockObject(slack.PlainTextType, "Activate", false, false)}}},
			"mode":   {"mode_radio": {Type: "radio_buttons", SelectedOption: slack.OptionBlockObject{Value: "ungraceful"}}},
		}
		ic := parseInteraction(t, fakeslack.ViewSubmissionBodyWithState("U1", "execute", "", state))
		sel := ic.View.State.Values["action"]["action_select"]
		if sel.Type != "static_select" || sel.SelectedOption.Value != "activate" || sel.Value != "" {
			t.Errorf("action_select: got type %q selected %q value %q, want static_select activate and no value", sel.Type, sel.SelectedOption.Value, sel.Value)
		}
		if got := ic.View.State.Values["mode"]["mode_radio"].SelectedOption.Value; got != "ungraceful" {
			t.Errorf("mode_radio: got %q, want ungraceful", got)
		}
	})

	t.Run("no values", func(t *testing.T) {
		ic := parseInteraction(t, fakeslack.ViewSubmissionBody("U1", "execute", "", nil))
		if ic.View.State == nil || len(ic.View.State.Values) != 0 {
			t.Errorf("view.state: got %+v, want empty values", ic.View.State)
		}
	})
}

func parseInteraction(t *testing.T, body []byte) slack.InteractionCallback {
	t.Helper()
	req := fakeslack.NewSignedRequest(t, "s", "http://bot.invalid/slack/interactions", body, time.Now())
	ic, err := slack.InteractionCallbackParse(req)
	if err != nil {
		t.Fatalf("InteractionCallbackParse: %v", err)
	}
	return ic
}
