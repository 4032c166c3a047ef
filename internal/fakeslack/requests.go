package fakeslack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// Values that the payloads built here carry where Slack sends a value the
// caller does not choose.
const (
	// VerificationToken is the deprecated verification token that Slack
	// still sends in the token field of commands and interactions.
	VerificationToken = "fake-verification-token"
	// TeamDomain is the team_domain / team.domain of the payloads.
	TeamDomain = "fake"
	// ActionBlockID is the block_id of the action in BlockActionBody.
	ActionBlockID = "actions"
	// SubmittedViewID is the view.id of the view in ViewSubmissionBody.
	SubmittedViewID = "VSUBMITTED"
)

// Sign signs body as Slack does (v0): it returns the values of the
// X-Slack-Request-Timestamp and X-Slack-Signature headers, the latter
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func Sign(secret string, ts time.Time, body []byte) (timestampHeader, signatureHeader string) {
	timestampHeader = strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", timestampHeader)
	mac.Write(body)
	return timestampHeader, "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// NewSignedRequest returns a POST of body to url, as Slack sends it: form
// content type, signed with secret at time ts (use time.Now() for a request
// that verifies, an older ts to test replay protection). The request is a
// client request bound to tb.Context(): send it with an http.Client, or pass
// it to a handler's ServeHTTP. It fails the test if url is invalid.
func NewSignedRequest(tb testing.TB, secret, url string, body []byte, ts time.Time) *http.Request {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("fakeslack: new signed request: %v", err)
	}
	timestamp, signature := Sign(secret, ts, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", timestamp)
	req.Header.Set("X-Slack-Signature", signature)
	return req
}

// Command is a slash command invocation.
// Empty fields are sent empty, except TeamID and Command, which have
// defaults.
type Command struct {
	Text        string // what the user typed after the command
	UserID      string // who typed it
	UserName    string // their user name
	ChannelID   string // where
	ChannelName string // the channel's name
	TeamID      string // workspace; default TeamID
	TriggerID   string // for views.open
	ResponseURL string // for replies; see Server.ResponseURL
	Command     string // default "/regionswitch"
}

// Encode returns the form body Slack posts for the command, with the fields
// in Slack's order: token, team_id, team_domain, channel_id, channel_name,
// user_id, user_name, command, text, api_app_id, is_enterprise_install,
// response_url, trigger_id.
func (c Command) Encode() []byte {
	if c.Command == "" {
		c.Command = "/regionswitch"
	}
	if c.TeamID == "" {
		c.TeamID = TeamID
	}
	fields := [][2]string{
		{"token", VerificationToken},
		{"team_id", c.TeamID},
		{"team_domain", TeamDomain},
		{"channel_id", c.ChannelID},
		{"channel_name", c.ChannelName},
		{"user_id", c.UserID},
		{"user_name", c.UserName},
		{"command", c.Command},
		{"text", c.Text},
		{"api_app_id", AppID},
		{"is_enterprise_install", "false"},
		{"response_url", c.ResponseURL},
		{"trigger_id", c.TriggerID},
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f[1]))
	}
	return []byte(b.String())
}

type payloadUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	TeamID   string `json:"team_id"`
}

type payloadTeam struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
}

type blockActionPayload struct {
	Type      string      `json:"type"`
	User      payloadUser `json:"user"`
	APIAppID  string      `json:"api_app_id"`
	Token     string      `json:"token"`
	Container struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	TriggerID           string      `json:"trigger_id"`
	Team                payloadTeam `json:"team"`
	Enterprise          *struct{}   `json:"enterprise"`
	IsEnterpriseInstall bool        `json:"is_enterprise_install"`
	Channel             struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	Message     map[string]any  `json:"message"`
	State       json.RawMessage `json:"state"`
	ResponseURL string          `json:"response_url"`
	Actions     []any           `json:"actions"`
}

// BlockActionBody returns the form body (payload=<JSON>) Slack posts when
// userID clicks a button (action actionID, value value, block ActionBlockID)
// on the message messageTS in channelID. The channel's name is the
// lower-cased ID; action_ts is the current time.
func BlockActionBody(userID, userName, channelID, messageTS, actionID, value, responseURL, triggerID string) []byte {
	var p blockActionPayload
	p.Type = string(slack.InteractionTypeBlockActions)
	p.User = payloadUser{ID: userID, Username: userName, Name: userName, TeamID: TeamID}
	p.APIAppID = AppID
	p.Token = VerificationToken
	p.Container.Type = "message"
	p.Container.MessageTS = messageTS
	p.Container.ChannelID = channelID
	p.TriggerID = triggerID
	p.Team = payloadTeam{ID: TeamID, Domain: TeamDomain}
	p.Channel.ID = channelID
	p.Channel.Name = strings.ToLower(channelID)
	p.Message = map[string]any{"type": "message", "user": BotUserID, "bot_id": BotID, "app_id": AppID, "team": TeamID, "text": "", "ts": messageTS}
	p.State = json.RawMessage(`{"values":{}}`)
	p.ResponseURL = responseURL
	now := time.Now()
	p.Actions = []any{map[string]any{
		"action_id": actionID,
		"block_id":  ActionBlockID,
		"text":      map[string]any{"type": "plain_text", "text": actionID, "emoji": true},
		"value":     value,
		"type":      "button",
		"action_ts": fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000),
	}}
	return payloadBody(p)
}

// ViewSubmissionBody returns the form body (payload=<JSON>) Slack posts when
// userID submits the modal callbackID carrying privateMetadata. values maps
// block ID to action ID to the entered value. Since a plain string cannot
// say which kind of input it came from, each value is set both as a
// plain_text_input's value and as a select's selected_option.value; use
// ViewSubmissionBodyWithState to give each input its exact shape.
func ViewSubmissionBody(userID, callbackID, privateMetadata string, values map[string]map[string]string) []byte {
	state := make(map[string]map[string]any, len(values))
	for blockID, actions := range values {
		state[blockID] = make(map[string]any, len(actions))
		for actionID, v := range actions {
			state[blockID][actionID] = map[string]any{
				"type":  "plain_text_input",
				"value": v,
				"selected_option": map[string]any{
					"text":  map[string]any{"type": "plain_text", "text": v, "emoji": true},
					"value": v,
				},
			}
		}
	}
	return viewSubmissionBody(userID, callbackID, privateMetadata, state)
}

// ViewSubmissionBodyWithState is ViewSubmissionBody with the view's
// state.values given as slack-go block actions (block ID -> action ID ->
// action, encoded by slack-go), for inputs whose exact shape matters.
func ViewSubmissionBodyWithState(userID, callbackID, privateMetadata string, state map[string]map[string]slack.BlockAction) []byte {
	if state == nil {
		state = map[string]map[string]slack.BlockAction{}
	}
	return viewSubmissionBody(userID, callbackID, privateMetadata, state)
}

func viewSubmissionBody(userID, callbackID, privateMetadata string, state any) []byte {
	name := strings.ToLower(userID)
	p := map[string]any{
		"type":       string(slack.InteractionTypeViewSubmission),
		"team":       payloadTeam{ID: TeamID, Domain: TeamDomain},
		"user":       payloadUser{ID: userID, Username: name, Name: name, TeamID: TeamID},
		"api_app_id": AppID,
		"token":      VerificationToken,
		"trigger_id": "fake-trigger-" + SubmittedViewID,
		"view": map[string]any{
			"id":                    SubmittedViewID,
			"team_id":               TeamID,
			"type":                  "modal",
			"blocks":                []any{},
			"private_metadata":      privateMetadata,
			"callback_id":           callbackID,
			"state":                 map[string]any{"values": state},
			"hash":                  "fake-hash",
			"title":                 map[string]any{"type": "plain_text", "text": "Region switch"},
			"clear_on_close":        false,
			"notify_on_close":       false,
			"close":                 nil,
			"submit":                nil,
			"previous_view_id":      nil,
			"root_view_id":          SubmittedViewID,
			"app_id":                AppID,
			"external_id":           "",
			"app_installed_team_id": TeamID,
			"bot_id":                BotID,
		},
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	return payloadBody(p)
}

func payloadBody(p any) []byte {
	b, err := json.Marshal(p)
	if err != nil {
		// The payloads are built from strings and slack-go types only.
		panic(fmt.Sprintf("fakeslack: encoding payload: %v", err))
	}
	return []byte("payload=" + url.QueryEscape(string(b)))
}
