package fakeslack

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// ViewRef is the modal an interaction happens in, as Slack describes it in
// the payload: the view's ID and hash (views.update takes both), its
// callback_id and private_metadata, and its state.values (block ID ->
// action ID -> action, as in ViewSubmissionBodyWithState; nil: empty).
type ViewRef struct {
	ID, Hash, CallbackID, PrivateMetadata string
	State                                 map[string]map[string]slack.BlockAction
}

func (v ViewRef) payload(userID string) map[string]any {
	state := v.State
	if state == nil {
		state = map[string]map[string]slack.BlockAction{}
	}
	id := v.ID
	if id == "" {
		id = SubmittedViewID
	}
	return map[string]any{
		"id":                    id,
		"team_id":               TeamID,
		"type":                  "modal",
		"blocks":                []any{},
		"private_metadata":      v.PrivateMetadata,
		"callback_id":           v.CallbackID,
		"state":                 map[string]any{"values": state},
		"hash":                  v.Hash,
		"title":                 map[string]any{"type": "plain_text", "text": "Region switch"},
		"root_view_id":          id,
		"app_id":                AppID,
		"app_installed_team_id": TeamID,
		"bot_id":                BotID,
	}
}

// BlockSuggestionBody returns the form body (payload=<JSON>) Slack posts
// when userID types value into the external_select actionID (in block
// blockID) of view: a block_suggestion, which wants {"options":[...]} in
// the response.
func BlockSuggestionBody(userID string, view ViewRef, blockID, actionID, value string) []byte {
	name := strings.ToLower(userID)
	return payloadBody(map[string]any{
		"type":       string(slack.InteractionTypeBlockSuggestion),
		"user":       payloadUser{ID: userID, Username: name, Name: name, TeamID: TeamID},
		"container":  map[string]any{"type": "view", "view_id": view.ID},
		"api_app_id": AppID,
		"token":      VerificationToken,
		"action_id":  actionID,
		"block_id":   blockID,
		"value":      value,
		"team":       payloadTeam{ID: TeamID, Domain: TeamDomain},
		"view":       view.payload(userID),
	})
}

// ViewSelectBody returns the form body (payload=<JSON>) Slack posts when
// userID chooses the option value (shown as text) in a select of view
// whose input block has dispatch_action set: a block_actions with the view
// and no channel or message.
func ViewSelectBody(userID string, view ViewRef, blockID, actionID, selectType, value, text string) []byte {
	name := strings.ToLower(userID)
	now := time.Now()
	return payloadBody(map[string]any{
		"type":       string(slack.InteractionTypeBlockActions),
		"user":       payloadUser{ID: userID, Username: name, Name: name, TeamID: TeamID},
		"api_app_id": AppID,
		"token":      VerificationToken,
		"container":  map[string]any{"type": "view", "view_id": view.ID},
		"trigger_id": "fake-trigger-select",
		"team":       payloadTeam{ID: TeamID, Domain: TeamDomain},
		"view":       view.payload(userID),
		"actions": []any{map[string]any{
			"type":            selectType,
			"action_id":       actionID,
			"block_id":        blockID,
			"selected_option": map[string]any{"text": map[string]any{"type": "plain_text", "text": text, "emoji": true}, "value": value},
			"action_ts":       fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000),
		}},
		"state": map[string]any{"values": map[string]any{}},
	})
}
