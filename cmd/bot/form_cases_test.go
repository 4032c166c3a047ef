package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/render"
)

// The execute form's edge cases, driven through the real wiring: signed
// HTTP into the bot, fakeslack as the Slack Web API, the AWS SDK against
// fakearc and a real Redis. TestExecuteFormEndToEnd (form_e2e_test.go)
// covers the happy path and the form/typed-command equivalence.

// paymentsPlanARN is a second plan, visible in AWS_REGION (us-east-1) so
// that ListPlansInRegion there lists it, and not behind any alias.
const paymentsPlanARN = "arn:aws:arc-region-switch::123456789012:plan/payments:d4e5f6"

func addPaymentsPlan(h *harness) {
	h.arc.AddPlan(fakearc.Plan{
		ARN: paymentsPlanARN, Name: "payments", Owner: "123456789012", Version: "v1",
		Regions: []string{"us-east-1", "eu-central-1"}, PrimaryRegion: "us-east-1",
	})
}

// formView is the execute form as the user sees it after views.open.
func formView(meta string) fakeslack.ViewRef {
	return fakeslack.ViewRef{ID: "VFORM1", Hash: "hash-1", CallbackID: render.FormCallbackID, PrivateMetadata: meta}
}

// commandNoTrigger sends `/regionswitch text` without a trigger_id (as
// some clients and replays do) and returns the ack's text.
func (h *harness) commandNoTrigger(user, channel, text string) string {
	h.t.Helper()
	body := fakeslack.Command{Text: text, UserID: user, UserName: strings.ToLower(user), ChannelID: channel,
		ChannelName: "incident", ResponseURL: h.slack.ResponseURL(user)}.Encode()
	status, resp := h.post("/slack/commands", body, testSecret, time.Now())
	if status != http.StatusOK {
		h.t.Fatalf("command %q: status %d, want 200 (body %q)", text, status, resp)
	}
	var ack struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(resp), &ack); err != nil {
		h.t.Fatalf("command ack %q is not JSON: %v", resp, err)
	}
	return ack.Text
}

// planChoices asks for the plan list of the select actionID in view as the
// user types query, and returns each option as "value=text". The answer
// must be {"options":[...]}, even when empty.
func (h *harness) planChoices(view fakeslack.ViewRef, actionID, query string) []string {
	h.t.Helper()
	resp := h.interact(fakeslack.BlockSuggestionBody("UREQ1", view, render.FormBlockPlan, actionID, query))
	var opts struct {
		Options *[]struct {
			Value string `json:"value"`
			Text  struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"options"`
	}
	if err := json.Unmarshal([]byte(resp), &opts); err != nil || opts.Options == nil {
		h.t.Fatalf("block_suggestion answer %q: want {\"options\":[...]} (err %v)", resp, err)
	}
	var out []string
	for _, o := range *opts.Options {
		out = append(out, o.Value+"="+o.Text.Text)
	}
	return out
}

// chooseFormPlan chooses value in the form's plan select, waits for the
// resulting views.update, checks that it targets the view at its hash, and
// returns the updated view (JSON) and its private_metadata.
func (h *harness) chooseFormPlan(view fakeslack.ViewRef, value string) (viewJSON, meta string) {
	h.t.Helper()
	before := len(h.slack.CallsTo("views.update"))
	h.interact(fakeslack.ViewSelectBody("UREQ1", view, render.FormBlockPlan, render.FormActionPlan, "external_select", value, value))
	calls := h.slack.WaitFor(h.t, waitFor, "views.update after choosing "+value, func(calls []fakeslack.Call) bool {
		return len(filterMethod(calls, "views.update")) == before+1
	})
	up := filterMethod(calls, "views.update")[before]
	if up.Params["view_id"] != view.ID || up.Params["hash"] != view.Hash {
		h.t.Errorf("views.update view_id %q hash %q, want %s and %s", up.Params["view_id"], up.Params["hash"], view.ID, view.Hash)
	}
	var v struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal([]byte(up.Params["view"]), &v); err != nil {
		h.t.Fatalf("views.update view %q: %v", up.Params["view"], err)
	}
	return up.Params["view"], v.PrivateMetadata
}

// formSubmission is a view_submission of the execute form. Empty values
// are left out of the state, as Slack does for untouched inputs.
type formSubmission struct {
	meta                           string
	plan, action, region, regionOf string // region: the text field; regionOf: the select of the plan's Regions
	mode, comment                  string
	stateless                      bool // no state at all, not even empty
}

func (s formSubmission) body(t *testing.T) []byte {
	t.Helper()
	state := map[string]map[string]slack.BlockAction{}
	sel := func(block, action, typ, v string) {
		if v != "" {
			state[block] = map[string]slack.BlockAction{action: {Type: slack.ActionType(typ), ActionID: action, BlockID: block,
				SelectedOption: slack.OptionBlockObject{Value: v, Text: &slack.TextBlockObject{Type: "plain_text", Text: v}}}}
		}
	}
	text := func(block, action, v string) {
		if v != "" {
			state[block] = map[string]slack.BlockAction{action: {Type: "plain_text_input", ActionID: action, BlockID: block, Value: v}}
		}
	}
	sel(render.FormBlockPlan, render.FormActionPlan, "external_select", s.plan)
	sel(render.FormBlockAction, render.FormActionAction, "radio_buttons", s.action)
	text(render.FormBlockRegion, render.FormActionRegion, s.region)
	sel(render.FormBlockRegion, render.FormActionRegionOf, "static_select", s.regionOf)
	sel(render.FormBlockMode, render.FormActionMode, "radio_buttons", s.mode)
	text(render.FormBlockComment, render.FormActionComment, s.comment)
	body := fakeslack.ViewSubmissionBodyWithState("UREQ1", render.FormCallbackID, s.meta, state)
	if s.stateless {
		body = withoutViewState(t, body)
	}
	return body
}

// withoutViewState removes view.state from an interaction body.
func withoutViewState(t *testing.T, body []byte) []byte {
	t.Helper()
	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(form.Get("payload")), &p); err != nil {
		t.Fatal(err)
	}
	view, ok := p["view"].(map[string]any)
	if !ok {
		t.Fatalf("payload without a view: %s", form.Get("payload"))
	}
	delete(view, "state")
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return []byte("payload=" + url.QueryEscape(string(b)))
}

// in returns h for use in the subtest t, so that its helpers fail t from
// t's own goroutine.
func (h *harness) in(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

func withSubmission(s formSubmission, f func(*formSubmission)) formSubmission { f(&s); return s }

// TestFormOpenCarriesWhereToAnswer: the form remembers the channel and the
// command's response_url in its private_metadata, and opening it asks AWS
// nothing.
func TestFormOpenCarriesWhereToAnswer(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute")
	meta := h.openedForm("trig-1")
	var m map[string]any
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		t.Fatalf("private_metadata %q: %v", meta, err)
	}
	if m["channel"] != testChannel || m["response_url"] != h.slack.ResponseURL("UREQ1") {
		t.Errorf("private_metadata = %v, want the channel %s and the command's response_url", m, testChannel)
	}
	h.stop()
	if calls := h.arc.Calls(); len(calls) != 0 {
		t.Errorf("opening the form called AWS %d times, want 0: %v", len(calls), calls)
	}
	if n := h.redisKeys(); n != 0 {
		t.Errorf("Redis keys after opening the form = %d, want 0", n)
	}
}

func TestFormOpenFailures(t *testing.T) {
	t.Run("no trigger", func(t *testing.T) {
		h := newHarness(t, nil)
		if ack := h.commandNoTrigger("UREQ1", testChannel, "execute"); !strings.Contains(ack, "execute <plan>") {
			t.Errorf("ack = %q, want the usage", ack)
		}
		h.stop()
		if n := len(h.slack.CallsTo("views.open")); n != 0 {
			t.Errorf("views.open calls = %d, want 0", n)
		}
		if n := h.redisKeys(); n != 0 {
			t.Errorf("Redis keys = %d, want 0", n)
		}
	})
	t.Run("views.open fails", func(t *testing.T) {
		h := newHarness(t, nil)
		h.slack.FailNext("views.open", "expired_trigger_id")
		if ack := h.command("UREQ1", testChannel, "execute"); !strings.Contains(ack, "form") {
			t.Errorf("ack = %q, want it to say the form is opening", ack)
		}
		h.told("UREQ1", "expired_trigger_id")
		h.stop()
		var told []string
		for _, c := range h.slack.CallsTo(fakeslack.MethodResponseURL) {
			told = append(told, c.Params["text"])
		}
		for _, c := range h.slack.CallsTo("chat.postEphemeral") {
			told = append(told, c.Params["text"])
		}
		if len(told) != 1 || !strings.Contains(told[0], "expired_trigger_id") || !strings.Contains(told[0], "execute <plan>") {
			t.Errorf("told %q, want once, the error and the usage", told)
		}
		if n := len(h.slack.CallsTo("chat.postMessage")); n != 0 {
			t.Errorf("chat.postMessage calls = %d, want 0", n)
		}
		if n := h.redisKeys(); n != 0 {
			t.Errorf("Redis keys = %d, want 0", n)
		}
	})
}

func TestFormPlanSuggestions(t *testing.T) {
	h := newHarness(t, nil)
	addPaymentsPlan(h)
	view := formView(`{"channel":"` + testChannel + `"}`)
	alias := "checkout=checkout → plan checkout-prod (us-east-1, us-west-2)"
	plan := testPlanARN + "=checkout-prod (us-east-1, us-west-2)"
	other := paymentsPlanARN + "=payments (us-east-1, eu-central-1)"
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{alias, plan, other}},
		{"CHECK", []string{alias, plan}},
		{"pay", []string{other}},
		{"d4e5f6", []string{other}},
		{"zzz", nil},
		{`"><script>`, nil},
		{strings.Repeat("a", 5000), nil},
	} {
		t.Run(tc.query[:min(len(tc.query), 20)], func(t *testing.T) {
			if got := h.in(t).planChoices(view, render.FormActionPlan, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("options for %q = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
	t.Run("other view", func(t *testing.T) {
		other := view
		other.CallbackID = "someone_elses_modal"
		if got := h.in(t).planChoices(other, render.FormActionPlan, ""); got != nil {
			t.Errorf("options = %v, want none", got)
		}
	})
}

func TestFormPlanSuggestionsWithoutAWS(t *testing.T) {
	// Without an answer from ARC the alias still shows, named after its ARN.
	want := []string{"checkout=checkout → plan checkout-prod"}
	view := formView(`{"channel":"` + testChannel + `"}`)
	t.Run("ListPlansInRegion fails", func(t *testing.T) {
		h := newHarness(t, nil)
		h.arc.Handle("ListPlansInRegion", func(string, map[string]any) (map[string]any, *fakearc.Error) {
			return nil, &fakearc.Error{Type: "AccessDeniedException", Message: "not allowed"}
		})
		if got := h.planChoices(view, render.FormActionPlan, ""); !slices.Equal(got, want) {
			t.Errorf("options = %v, want the aliases only: %v", got, want)
		}
		if len(h.arc.CallsTo("ListPlansInRegion")) == 0 {
			t.Errorf("the plan list did not ask ListPlansInRegion")
		}
	})
	t.Run("ListPlansInRegion hangs", func(t *testing.T) {
		h := newHarness(t, nil)
		release := h.arc.Hold("ListPlansInRegion")
		defer release()
		start := time.Now()
		got := h.planChoices(view, render.FormActionPlan, "check")
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("answered after %v; Slack gives up after 3 s", d)
		}
		if !slices.Equal(got, want) {
			t.Errorf("options = %v, want the aliases only: %v", got, want)
		}
		if len(h.arc.CallsTo("ListPlansInRegion")) == 0 {
			t.Errorf("the plan list did not ask ListPlansInRegion")
		}
	})
}

func TestFormPlanChoiceFillsRegions(t *testing.T) {
	h := newHarness(t, nil)
	h.command("UREQ1", testChannel, "execute")
	view := formView(h.openedForm("trig-1"))
	raw, updated := h.chooseFormPlan(view, "checkout")
	for _, want := range []string{`"action_id":"` + render.FormActionRegionOf + `"`, `"value":"us-east-1"`, `"value":"us-west-2"`, `"callback_id":"` + render.FormCallbackID + `"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("updated view lacks %s: %s", want, raw)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(updated), &m); err != nil {
		t.Fatal(err)
	}
	if m["channel"] != testChannel || m["plan"] != "checkout" || fmt.Sprint(m["regions"]) != "[us-east-1 us-west-2]" {
		t.Errorf("metadata after the choice = %v", m)
	}
	gets := h.arc.CallsTo("GetPlanInRegion")
	if len(gets) != 1 || gets[0].Region != "us-east-1" || gets[0].Input["arn"] != testPlanARN {
		t.Errorf("GetPlanInRegion calls = %v, want one for the alias's ARN in AWS_REGION us-east-1", gets)
	}

	// A plan value that is neither an alias nor a plan ARN is ignored: no
	// lookup, no views.update (checked once the bot has stopped).
	h.interact(fakeslack.ViewSelectBody("UREQ1", fakeslack.ViewRef{ID: "VFORM1", Hash: "h", CallbackID: render.FormCallbackID, PrivateMetadata: view.PrivateMetadata},
		render.FormBlockPlan, render.FormActionPlan, "external_select", "not a plan", "not a plan"))
	h.stop()
	if n := len(h.slack.CallsTo("views.update")); n != 1 {
		t.Errorf("views.update calls after choosing an unknown plan value = %d, want still 1", n)
	}
	if n := len(h.arc.CallsTo("GetPlanInRegion")); n != 1 {
		t.Errorf("GetPlanInRegion calls after choosing an unknown plan value = %d, want still 1", n)
	}

	t.Run("Regions unknown", func(t *testing.T) {
		h := newHarness(t, nil)
		h.arc.Handle("GetPlanInRegion", func(string, map[string]any) (map[string]any, *fakearc.Error) {
			return nil, &fakearc.Error{Type: "AccessDeniedException", Message: "not allowed"}
		})
		h.command("UREQ1", testChannel, "execute")
		raw, meta := h.chooseFormPlan(formView(h.openedForm("trig-1")), testPlanARN)
		if !strings.Contains(raw, `"action_id":"`+render.FormActionRegion+`"`) || !strings.Contains(raw, "could not read this plan") {
			t.Errorf("view without the plan's Regions should keep the text field with a note: %s", raw)
		}
		if strings.Contains(raw, render.FormActionRegionOf) {
			t.Errorf("view without the plan's Regions offers a Region select: %s", raw)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			t.Fatal(err)
		}
		if m["channel"] != testChannel || m["regions"] != nil {
			t.Errorf("metadata = %v, want the channel and no Regions", m)
		}
	})
}

// TestFormSubmissionErrors: hostile and mistaken submissions are answered
// in the request itself with response_action errors on the right blocks,
// and go no further: nothing stored, posted or asked of AWS.
func TestFormSubmissionErrors(t *testing.T) {
	h := newHarness(t, map[string]string{"ALLOWED_CHANNEL_IDS": testChannel})
	h.command("UREQ1", testChannel, "execute")
	view := formView(h.openedForm("trig-1"))
	meta := view.PrivateMetadata
	// After choosing the alias, the metadata knows the plan's Regions.
	_, known := h.chooseFormPlan(view, "checkout")
	arcCalls := len(h.arc.Calls())
	valid := formSubmission{meta: meta, plan: "checkout", action: "activate", region: "us-west-2"}

	for _, tc := range []struct {
		name string
		s    formSubmission
		want map[string]string // block ID -> part of the message
	}{
		{"empty", formSubmission{meta: meta}, map[string]string{
			render.FormBlockPlan: "Choose a plan", render.FormBlockAction: "activate or deactivate", render.FormBlockRegion: "Region"}},
		{"no state at all", formSubmission{meta: meta, stateless: true}, map[string]string{
			render.FormBlockPlan: "Choose a plan", render.FormBlockAction: "activate or deactivate", render.FormBlockRegion: "Region"}},
		{"unknown plan", withSubmission(valid, func(s *formSubmission) { s.plan = "nope" }), map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"plan smuggling arguments", withSubmission(valid, func(s *formSubmission) { s.plan = "checkout deactivate us-east-1 --mode ungraceful" }),
			map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"alias in the wrong case", withSubmission(valid, func(s *formSubmission) { s.plan = "CHECKOUT" }), map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"invalid ARN", withSubmission(valid, func(s *formSubmission) { s.plan = "arn:aws:arc-region-switch::1:plan/x:y" }), map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"action", withSubmission(valid, func(s *formSubmission) { s.action = "destroy" }), map[string]string{render.FormBlockAction: "activate or deactivate"}},
		{"region not a code", withSubmission(valid, func(s *formSubmission) { s.region = "us-west2" }), map[string]string{render.FormBlockRegion: "not an AWS Region code"}},
		{"region with spaces", withSubmission(valid, func(s *formSubmission) { s.region = "us-west-2 --mode ungraceful" }), map[string]string{render.FormBlockRegion: "not an AWS Region code"}},
		{"region outside the plan", formSubmission{meta: known, plan: "checkout", action: "activate", regionOf: "eu-west-1"},
			map[string]string{render.FormBlockRegion: "not one of plan checkout-prod's Regions (us-east-1, us-west-2)"}},
		{"region typo with suggestion", formSubmission{meta: known, plan: "checkout", action: "activate", region: "us-wset-2"},
			map[string]string{render.FormBlockRegion: "Did you mean us-west-2?"}},
		{"mode", withSubmission(valid, func(s *formSubmission) { s.mode = "chaotic" }), map[string]string{render.FormBlockMode: "graceful or ungraceful"}},
		{"comment of 2000 characters", withSubmission(valid, func(s *formSubmission) { s.comment = strings.Repeat("x", 2000) }),
			map[string]string{render.FormBlockComment: "2000 characters; at most 1024"}},
		{"comment without room for the attribution", withSubmission(valid, func(s *formSubmission) { s.comment = strings.Repeat("x", 1000) }),
			map[string]string{render.FormBlockComment: "attribution"}},
		{"comment with a text-direction override", withSubmission(valid, func(s *formSubmission) { s.comment = "fine\u202Eenif" }),
			map[string]string{render.FormBlockComment: "text-direction"}},
		{"comment with a control character", withSubmission(valid, func(s *formSubmission) { s.comment = "bell\a" }),
			map[string]string{render.FormBlockComment: "control character"}},
		{"no metadata", withSubmission(valid, func(s *formSubmission) { s.meta = "" }), map[string]string{render.FormBlockPlan: "lost track"}},
		{"garbage metadata", withSubmission(valid, func(s *formSubmission) { s.meta = "{not json" }), map[string]string{render.FormBlockPlan: "lost track"}},
		{"metadata with a bad channel", withSubmission(valid, func(s *formSubmission) { s.meta = `{"channel":"C1 <!channel>"}` }), map[string]string{render.FormBlockPlan: "lost track"}},
		{"channel not allowed", withSubmission(valid, func(s *formSubmission) { s.meta = `{"channel":"CELSEWHERE"}` }), map[string]string{render.FormBlockPlan: "not enabled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.in(t).interact(tc.s.body(t))
			if !strings.Contains(resp, `"response_action":"errors"`) {
				t.Fatalf("ack %q lacks response_action errors", resp)
			}
			var ack struct {
				ResponseAction string            `json:"response_action"`
				Errors         map[string]string `json:"errors"`
			}
			if err := json.Unmarshal([]byte(resp), &ack); err != nil || ack.ResponseAction != "errors" {
				t.Fatalf("ack %q, want response_action errors (%v)", resp, err)
			}
			for block, want := range tc.want {
				if !strings.Contains(ack.Errors[block], want) {
					t.Errorf("error on %s = %q, want it to contain %q (all: %v)", block, ack.Errors[block], want, ack.Errors)
				}
			}
			if len(ack.Errors) != len(tc.want) {
				t.Errorf("errors = %v, want only on the blocks of %v", ack.Errors, tc.want)
			}
		})
	}

	// Nothing of the above went further than validation: once the bot has
	// finished its background work, nothing is stored, posted or asked.
	h.stop()
	if n := h.redisKeys(); n != 0 {
		t.Errorf("Redis keys after refused submissions = %d, want 0", n)
	}
	for _, method := range []string{"chat.postMessage", "chat.postEphemeral", fakeslack.MethodResponseURL} {
		if n := len(h.slack.CallsTo(method)); n != 0 {
			t.Errorf("%s calls after refused submissions = %d, want 0", method, n)
		}
	}
	if calls := h.arc.Calls(); len(calls) != arcCalls {
		t.Errorf("ARC calls after refused submissions: %v, want only the GetPlanInRegion that filled in the Regions", calls)
	}
	if n := len(h.arc.CallsTo("GetPlanInRegion")); n != 1 {
		t.Errorf("GetPlanInRegion calls = %d, want only the one that filled in the Regions", n)
	}
}

// TestFormSubmissionIgnoresHostileResponseURL: a response_url in the
// private_metadata that is not a plain http(s) URL is dropped, and the
// requester is answered by chat.postEphemeral instead.
func TestFormSubmissionIgnoresHostileResponseURL(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(h *harness) string
	}{
		{"file URL", func(*harness) string { return "file:///etc/passwd" }},
		// Were it used, the fake would record it as a response_url call.
		{"URL with credentials", func(h *harness) string {
			u, err := url.Parse(h.slack.ResponseURL("UREQ1"))
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword("attacker", "pw")
			return u.String()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, map[string]string{"ALLOWED_CHANNEL_IDS": testChannel})
			meta, err := json.Marshal(map[string]string{"channel": testChannel, "response_url": tc.url(h)})
			if err != nil {
				t.Fatal(err)
			}
			s := formSubmission{meta: string(meta), plan: "checkout", action: "activate", regionOf: "us-west-2"}
			if resp := h.interact(s.body(t)); strings.TrimSpace(resp) != "" {
				t.Fatalf("ack = %q, want empty (the form closes)", resp)
			}
			_, id := h.approvalMessage(testChannel)
			h.slack.WaitFor(t, waitFor, "the requester told by chat.postEphemeral", func(calls []fakeslack.Call) bool {
				for _, c := range filterMethod(calls, "chat.postEphemeral") {
					if c.Params["user"] == "UREQ1" && c.Params["channel"] == testChannel && strings.Contains(c.Params["text"], id) {
						return true
					}
				}
				return false
			})
			h.stop()
			if n := len(h.slack.CallsTo(fakeslack.MethodResponseURL)); n != 0 {
				t.Errorf("posted to a response_url %d times, want 0", n)
			}
			var approvals []string
			for _, c := range h.slack.CallsTo("chat.postMessage") {
				if strings.Contains(c.Params["blocks"], "rs_approve") {
					approvals = append(approvals, c.Params["channel"])
				}
			}
			if !slices.Equal(approvals, []string{testChannel}) {
				t.Errorf("approval messages posted in %v, want one in %s", approvals, testChannel)
			}
		})
	}
}

// The form and the typed command make the same request, field for field.
func TestFormAndTypedCommandMakeTheSameRequest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		form  formSubmission
		typed string
	}{
		{"ARN, deactivate, ungraceful, no comment",
			formSubmission{plan: testPlanARN, action: "deactivate", region: "us-east-1", mode: "ungraceful"},
			"execute " + testPlanARN + " deactivate us-east-1 --mode ungraceful"},
		{"alias, Region typed loosely, comment with markup",
			formSubmission{plan: "checkout", action: "activate", region: " US-WEST-2 ", mode: "graceful", comment: "  a & b <c>  "},
			// Slack escapes &, < and > in slash command text.
			`execute checkout activate us-west-2 --comment "a &amp; b &lt;c&gt;"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil).in(t)
			meta, err := json.Marshal(map[string]string{"channel": testChannel})
			if err != nil {
				t.Fatal(err)
			}
			tc.form.meta = string(meta)
			if resp := h.interact(tc.form.body(t)); strings.TrimSpace(resp) != "" {
				t.Fatalf("ack = %q, want empty (the form closes)", resp)
			}
			ts, fromForm := h.approvalMessage(testChannel)
			// One open request per plan: close the first before typing.
			h.click("UAPPROVER", testChannel, ts, "rs_reject", fromForm)
			h.updated(testChannel, ts, "Rejected")
			h.command("UREQ1", testChannel, tc.typed)
			typed := h.nextApprovalID(testChannel, fromForm)
			a, b := h.storedRequest(fromForm), h.storedRequest(typed)
			for _, f := range []struct{ name, form, typed string }{
				{"plan", a.PlanARN, b.PlanARN},
				{"plan name", a.PlanName, b.PlanName},
				{"plan Regions", strings.Join(a.PlanRegions, ","), strings.Join(b.PlanRegions, ",")},
				{"action", a.Action, b.Action},
				{"Region", a.TargetRegion, b.TargetRegion},
				{"mode", a.Mode, b.Mode},
				{"comment", a.Comment, b.Comment},
				{"approvals required", fmt.Sprint(a.ApprovalsRequired), fmt.Sprint(b.ApprovalsRequired)},
				{"requester", a.RequesterID, b.RequesterID},
			} {
				if f.form != f.typed {
					t.Errorf("%s: form %q, typed %q", f.name, f.form, f.typed)
				}
			}
			if a.Comment != strings.TrimSpace(a.Comment) || (tc.form.comment != "" && a.Comment != "a & b <c>") {
				t.Errorf("comment stored as %q", a.Comment)
			}
		})
	}
}
