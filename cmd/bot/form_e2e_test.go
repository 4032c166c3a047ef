package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/render"
)

// formComment is what the form's tests type into the comment field, and
// formCommentTyped the same comment as the typed command carries it.
const (
	formComment      = "us-east-1 impaired,\nINC-42 & <friends>"
	formCommentTyped = "us-east-1 impaired, INC-42 & <friends>"
)

// openedForm waits for the views.open of the execute form and returns the
// view's private_metadata.
func (h *harness) openedForm(trigger string) string {
	h.t.Helper()
	calls := h.slack.WaitFor(h.t, waitFor, "views.open of the execute form", func(calls []fakeslack.Call) bool {
		return len(filterMethod(calls, "views.open")) == 1
	})
	open := filterMethod(calls, "views.open")[0]
	if open.Params["trigger_id"] != trigger {
		h.t.Errorf("views.open trigger_id = %q, want the command's %q", open.Params["trigger_id"], trigger)
	}
	if open.Token != testBotToken {
		h.t.Errorf("views.open was not called with the bot token")
	}
	var view struct {
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal([]byte(open.Params["view"]), &view); err != nil {
		h.t.Fatalf("views.open view %q: %v", open.Params["view"], err)
	}
	if view.CallbackID != render.FormCallbackID {
		h.t.Errorf("callback_id = %q, want %q", view.CallbackID, render.FormCallbackID)
	}
	return view.PrivateMetadata
}

func filterMethod(calls []fakeslack.Call, method string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// interact posts a signed interaction and returns the ack body.
func (h *harness) interact(body []byte) string {
	h.t.Helper()
	status, resp := h.post("/slack/interactions", body, testSecret, time.Now())
	if status != http.StatusOK {
		h.t.Fatalf("interaction: status %d, want 200 (%q)", status, resp)
	}
	return resp
}

// planOptions asks for the plan list as the user types query.
func (h *harness) planOptions(view fakeslack.ViewRef, query string) []string {
	h.t.Helper()
	resp := h.interact(fakeslack.BlockSuggestionBody("UREQ1", view, render.FormBlockPlan, render.FormActionPlan, query))
	var opts struct {
		Options []struct {
			Value string `json:"value"`
		} `json:"options"`
	}
	if err := json.Unmarshal([]byte(resp), &opts); err != nil || !strings.Contains(resp, `"options":[`) {
		h.t.Fatalf("block_suggestion answer %q: want {\"options\":[...]} (%v)", resp, err)
	}
	var values []string
	for _, o := range opts.Options {
		values = append(values, o.Value)
	}
	return values
}

// formState is a submitted form's state.values: selects for the plan,
// action, Region (once the plan's Regions are offered) and mode, text for
// the comment.
func formState(plan, action, region, mode, comment string) map[string]map[string]slack.BlockAction {
	state := map[string]map[string]slack.BlockAction{}
	sel := func(block, action, typ, v string) {
		if v != "" {
			state[block] = map[string]slack.BlockAction{action: {Type: slack.ActionType(typ), ActionID: action, BlockID: block,
				SelectedOption: slack.OptionBlockObject{Value: v, Text: &slack.TextBlockObject{Type: "plain_text", Text: v}}}}
		}
	}
	sel(render.FormBlockPlan, render.FormActionPlan, "external_select", plan)
	sel(render.FormBlockAction, render.FormActionAction, "radio_buttons", action)
	sel(render.FormBlockRegion, render.FormActionRegionOf, "static_select", region)
	sel(render.FormBlockMode, render.FormActionMode, "radio_buttons", mode)
	state[render.FormBlockComment] = map[string]slack.BlockAction{render.FormActionComment: {Type: "plain_text_input", ActionID: render.FormActionComment, BlockID: render.FormBlockComment, Value: comment}}
	return state
}

func TestExecuteFormEndToEnd(t *testing.T) {
	h := newHarness(t, nil)

	// `/regionswitch execute` opens the form with the command's trigger;
	// the ack does not wait for views.open (held here).
	release := h.slack.Hold("views.open")
	if ack := h.command("UREQ1", testChannel, "execute"); !strings.Contains(ack, "form") {
		t.Errorf("ack = %q, want it to say the form is opening", ack)
	}
	meta := h.openedForm("trig-1")
	release()
	view := fakeslack.ViewRef{ID: "VFORM1", Hash: "hash-1", CallbackID: render.FormCallbackID, PrivateMetadata: meta}

	// The plan list: the alias and the plan ARC knows in AWS_REGION.
	if got := h.planOptions(view, ""); !slices.Contains(got, "checkout") || !slices.Contains(got, testPlanARN) {
		t.Errorf("plan options = %v, want the alias checkout and %s", got, testPlanARN)
	}
	if got := h.planOptions(view, "nothing-like-it"); len(got) != 0 {
		t.Errorf("plan options for a query matching nothing = %v, want none", got)
	}
	// The list comes from the data plane, AWS_REGION's among others; never
	// from the us-east-1 control plane's ListPlans.
	if !slices.ContainsFunc(h.arc.CallsTo("ListPlansInRegion"), func(c fakearc.Call) bool { return c.Region == "us-east-1" }) {
		t.Errorf("no ListPlansInRegion in AWS_REGION us-east-1: %v", h.arc.CallsTo("ListPlansInRegion"))
	}
	for _, c := range h.arc.Calls() {
		if slices.Contains(controlPlane, c.Operation) {
			t.Errorf("the form called the control plane: %s", c.Operation)
		}
	}

	// Choosing the plan turns the Region field into its two Regions.
	h.interact(fakeslack.ViewSelectBody("UREQ1", view, render.FormBlockPlan, render.FormActionPlan, "external_select", "checkout", "checkout"))
	calls := h.slack.WaitFor(t, waitFor, "views.update with the plan's Regions", func(calls []fakeslack.Call) bool {
		return len(filterMethod(calls, "views.update")) == 1
	})
	up := filterMethod(calls, "views.update")[0]
	if up.Params["view_id"] != "VFORM1" || up.Params["hash"] != "hash-1" {
		t.Errorf("views.update view_id %q hash %q, want VFORM1 and hash-1", up.Params["view_id"], up.Params["hash"])
	}
	for _, want := range []string{render.FormActionRegionOf, `"value":"us-east-1"`, `"value":"us-west-2"`} {
		if !strings.Contains(up.Params["view"], want) {
			t.Errorf("updated view lacks %s", want)
		}
	}
	var updated struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal([]byte(up.Params["view"]), &updated); err != nil {
		t.Fatal(err)
	}
	view.PrivateMetadata = updated.PrivateMetadata

	// Bad submissions come back inline, and change nothing.
	for _, tc := range []struct {
		name   string
		state  map[string]map[string]slack.BlockAction
		blocks []string
	}{
		{"empty", nil, []string{render.FormBlockPlan, render.FormBlockAction, render.FormBlockRegion}},
		{"unknown plan", formState("no-such-plan", "activate", "us-west-2", "graceful", ""), []string{render.FormBlockPlan}},
		{"Region outside the plan", formState("checkout", "activate", "eu-west-1", "graceful", ""), []string{render.FormBlockRegion}},
		{"comment of 2000 characters", formState("checkout", "activate", "us-west-2", "graceful", strings.Repeat("é", 2000)), []string{render.FormBlockComment}},
		{"everything wrong", formState("checkout'; --", "explode", "mars-1", "sideways", strings.Repeat("x", 2000)),
			[]string{render.FormBlockPlan, render.FormBlockAction, render.FormBlockRegion, render.FormBlockMode, render.FormBlockComment}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.interact(fakeslack.ViewSubmissionBodyWithState("UREQ1", render.FormCallbackID, view.PrivateMetadata, tc.state))
			var ack struct {
				ResponseAction string            `json:"response_action"`
				Errors         map[string]string `json:"errors"`
			}
			if err := json.Unmarshal([]byte(resp), &ack); err != nil || ack.ResponseAction != "errors" {
				t.Fatalf("ack %q, want response_action errors", resp)
			}
			var got []string
			for block := range ack.Errors {
				got = append(got, block)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.blocks))
			if !slices.Equal(got, want) {
				t.Errorf("errors on %v, want on %v: %v", got, want, ack.Errors)
			}
		})
	}
	if n := h.redisKeys(); n != 0 {
		t.Errorf("Redis keys after refused submissions = %d, want 0", n)
	}
	if n := len(h.slack.CallsTo("chat.postMessage")); n != 0 {
		t.Errorf("chat.postMessage calls after refused submissions = %d, want 0", n)
	}

	// A valid submission closes the form and asks for approval.
	resp := h.interact(fakeslack.ViewSubmissionBodyWithState("UREQ1", render.FormCallbackID, view.PrivateMetadata,
		formState("checkout", "activate", "us-west-2", "graceful", formComment)))
	if strings.TrimSpace(resp) != "" {
		t.Errorf("ack of a valid submission = %q, want empty (the form closes)", resp)
	}
	ts, id := h.approvalMessage(testChannel)
	h.told("UREQ1", id)
	formMsg, _ := h.slack.Message(testChannel, ts)
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.posted(testChannel, "Started")
	starts := h.arc.CallsTo("StartPlanExecution")
	if len(starts) != 1 {
		t.Fatalf("StartPlanExecution calls = %d, want 1", len(starts))
	}

	// The typed command with the same values, on a bot of its own (one open
	// request per plan) at the same clock, creates the same request.
	h2 := newHarness(t, nil)
	h2.clock.Advance(h.clock.Now().Sub(h2.clock.Now()))
	h2.command("UREQ1", testChannel, `execute checkout activate us-west-2 --comment "`+formCommentTyped+`"`)
	ts2, id2 := h2.approvalMessage(testChannel)
	typedMsg, _ := h2.slack.Message(testChannel, ts2)
	if got, want := strings.ReplaceAll(string(formMsg.Blocks), id, "<id>"), strings.ReplaceAll(string(typedMsg.Blocks), id2, "<id>"); got != want {
		t.Errorf("approval message from the form:\n%s\nfrom the typed command:\n%s", got, want)
	}
	if got, want := strings.ReplaceAll(formMsg.Text, id, "<id>"), strings.ReplaceAll(typedMsg.Text, id2, "<id>"); got != want {
		t.Errorf("approval text from the form %q, from the typed command %q", got, want)
	}
	h2.click("UAPPROVER", testChannel, ts2, "rs_approve", id2)
	h2.posted(testChannel, "Started")
	typedStarts := h2.arc.CallsTo("StartPlanExecution")
	if len(typedStarts) != 1 {
		t.Fatalf("typed StartPlanExecution calls = %d, want 1", len(typedStarts))
	}
	formIn, typedIn := starts[0].Input, typedStarts[0].Input
	for _, field := range []string{"planArn", "targetRegion", "action", "mode"} {
		if formIn[field] != typedIn[field] {
			t.Errorf("StartPlanExecution %s: form %v, typed %v", field, formIn[field], typedIn[field])
		}
	}
	formSent, _ := formIn["comment"].(string)
	typedComment, _ := typedIn["comment"].(string)
	if strings.ReplaceAll(formSent, id, "<id>") != strings.ReplaceAll(typedComment, id2, "<id>") || !strings.Contains(formSent, formCommentTyped) {
		t.Errorf("StartPlanExecution comment: form %q, typed %q", formSent, typedComment)
	}
	if len(formIn) != len(typedIn) {
		t.Errorf("StartPlanExecution input: form %v, typed %v", formIn, typedIn)
	}
}

// TestExecuteFormOverSocketMode runs the form's round trips over Socket
// Mode: the acks carry the options and the inline errors.
func TestExecuteFormOverSocketMode(t *testing.T) {
	h, sock := newSocketHarness(t)
	env := sendCommand(t, h, sock, "UREQ1", "execute")
	if text := ephemeralAck(t, sock.WaitAck(t, waitFor, env)); !strings.Contains(text, "form") {
		t.Errorf("ack = %q", text)
	}
	meta := h.openedForm("trig-1")
	view := fakeslack.ViewRef{ID: "VFORM1", Hash: "hash-1", CallbackID: render.FormCallbackID, PrivateMetadata: meta}

	ack := sock.WaitAck(t, waitFor, sock.SendInteraction(t, fakeslack.BlockSuggestionBody("UREQ1", view, render.FormBlockPlan, render.FormActionPlan, "check")))
	if !strings.Contains(string(ack.Payload), `"value":"checkout"`) || !strings.Contains(string(ack.Payload), testPlanARN) {
		t.Errorf("options ack = %s, want the alias and the plan", ack.Payload)
	}
	bad := fakeslack.ViewSubmissionBodyWithState("UREQ1", render.FormCallbackID, meta, formState("checkout", "activate", "", "graceful", ""))
	ack = sock.WaitAck(t, waitFor, sock.SendInteraction(t, bad))
	if !strings.Contains(string(ack.Payload), `"response_action":"errors"`) || !strings.Contains(string(ack.Payload), render.FormBlockRegion) {
		t.Errorf("errors ack = %s, want response_action errors on the Region", ack.Payload)
	}
	good := fakeslack.ViewSubmissionBodyWithState("UREQ1", render.FormCallbackID, meta, formState("checkout", "activate", "us-west-2", "", ""))
	if ack := sock.WaitAck(t, waitFor, sock.SendInteraction(t, good)); ack.Payload != nil {
		t.Errorf("valid submission ack = %s, want none (the form closes)", ack.Payload)
	}
	_, id := h.approvalMessage(testChannel)
	h.told("UREQ1", id)
}
