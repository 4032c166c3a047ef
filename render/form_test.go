package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/render"
)

// viewJSON is the part of a modal's JSON the tests read.
type viewJSON struct {
	Type            string `json:"type"`
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Title, Submit   struct {
		Text string `json:"text"`
	}
	Blocks []struct {
		Type           string `json:"type"`
		BlockID        string `json:"block_id"`
		DispatchAction bool   `json:"dispatch_action"`
		Optional       bool   `json:"optional"`
		Hint           *struct {
			Text string `json:"text"`
		} `json:"hint"`
		Element *struct {
			Type           string `json:"type"`
			ActionID       string `json:"action_id"`
			MinQueryLength *int   `json:"min_query_length"`
			Multiline      bool   `json:"multiline"`
			MaxLength      int    `json:"max_length"`
			Options        []struct {
				Value string `json:"value"`
			} `json:"options"`
			InitialOption *struct {
				Value string `json:"value"`
				Text  struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"initial_option"`
		} `json:"element"`
	} `json:"blocks"`
}

func decodeView(t *testing.T, v slack.ModalViewRequest) (viewJSON, string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal view: %v", err)
	}
	var out viewJSON
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal view: %v", err)
	}
	return out, string(b)
}

// inputs maps block ID to (element type, action ID).
func inputs(v viewJSON) map[string][2]string {
	out := map[string][2]string{}
	for _, b := range v.Blocks {
		if b.Type == "input" && b.Element != nil {
			out[b.BlockID] = [2]string{b.Element.Type, b.Element.ActionID}
		}
	}
	return out
}

func TestExecuteFormBeforePlan(t *testing.T) {
	v, raw := decodeView(t, render.ExecuteForm(render.Form{Metadata: `{"channel":"C1"}`}))
	if v.Type != "modal" || v.CallbackID != render.FormCallbackID || v.PrivateMetadata != `{"channel":"C1"}` {
		t.Errorf("type %q callback %q metadata %q", v.Type, v.CallbackID, v.PrivateMetadata)
	}
	if n := utf8.RuneCountInString(v.Title.Text); n == 0 || n > 24 {
		t.Errorf("title %q: %d characters, Slack allows 1-24", v.Title.Text, n)
	}
	if n := utf8.RuneCountInString(v.Submit.Text); n == 0 || n > 24 {
		t.Errorf("submit %q: %d characters, Slack allows 1-24", v.Submit.Text, n)
	}
	want := map[string][2]string{
		render.FormBlockPlan:    {"external_select", render.FormActionPlan},
		render.FormBlockAction:  {"radio_buttons", render.FormActionAction},
		render.FormBlockRegion:  {"plain_text_input", render.FormActionRegion},
		render.FormBlockMode:    {"radio_buttons", render.FormActionMode},
		render.FormBlockComment: {"plain_text_input", render.FormActionComment},
	}
	got := inputs(v)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("block %s: got %v, want %v", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("input blocks = %v, want exactly %v", got, want)
	}
	for _, b := range v.Blocks {
		switch b.BlockID {
		case render.FormBlockPlan:
			if !b.DispatchAction {
				t.Error("plan block: dispatch_action is off, so choosing a plan cannot fill in its Regions")
			}
			if b.Element.MinQueryLength == nil || *b.Element.MinQueryLength != 0 {
				t.Error("plan select: min_query_length should be 0 so the list loads before typing")
			}
			if b.Element.InitialOption != nil {
				t.Error("plan select has an initial option before a plan was chosen")
			}
		case render.FormBlockAction:
			if b.Element.InitialOption != nil {
				t.Error("action has a default; the user must choose activate or deactivate")
			}
			if vals := optionValues(b.Element.Options); vals != "activate,deactivate" {
				t.Errorf("action options = %s", vals)
			}
		case render.FormBlockMode:
			if b.Element.InitialOption == nil || b.Element.InitialOption.Value != "graceful" {
				t.Error("mode: graceful should be preselected, as for the typed command")
			}
			if vals := optionValues(b.Element.Options); vals != "graceful,ungraceful" {
				t.Errorf("mode options = %s", vals)
			}
		case render.FormBlockComment:
			if !b.Element.Multiline || b.Element.MaxLength != 1024 || !b.Optional {
				t.Errorf("comment: multiline %v, max_length %d, optional %v; want true, 1024, true", b.Element.Multiline, b.Element.MaxLength, b.Optional)
			}
		}
	}
	if !strings.Contains(raw, "approves") {
		t.Error("the form does not say a second person must approve")
	}
}

func optionValues(opts []struct {
	Value string `json:"value"`
}) string {
	var vals []string
	for _, o := range opts {
		vals = append(vals, o.Value)
	}
	return strings.Join(vals, ",")
}

func TestExecuteFormWithPlan(t *testing.T) {
	plan := render.PlanChoice{Value: "checkout", Alias: "checkout", Name: "checkout-prod", Regions: []string{"us-east-1", "us-west-2"}}
	v, _ := decodeView(t, render.ExecuteForm(render.Form{Metadata: "m", Plan: &plan}))
	if got := inputs(v)[render.FormBlockRegion]; got != [2]string{"static_select", render.FormActionRegionOf} {
		t.Fatalf("region block = %v, want a static_select of the plan's Regions", got)
	}
	for _, b := range v.Blocks {
		switch b.BlockID {
		case render.FormBlockRegion:
			if vals := optionValues(b.Element.Options); vals != "us-east-1,us-west-2" {
				t.Errorf("region options = %s, want us-east-1,us-west-2", vals)
			}
		case render.FormBlockPlan:
			if b.Element.InitialOption == nil || b.Element.InitialOption.Value != "checkout" {
				t.Errorf("plan select initial option = %+v, want the chosen plan", b.Element.InitialOption)
			}
		}
	}

	// Regions unknown: the text field stays, with the note as its hint.
	plan.Regions = nil
	v, _ = decodeView(t, render.ExecuteForm(render.Form{Plan: &plan, RegionNote: "I could not read this plan's Regions"}))
	if got := inputs(v)[render.FormBlockRegion]; got != [2]string{"plain_text_input", render.FormActionRegion} {
		t.Fatalf("region block = %v, want the text input", got)
	}
	for _, b := range v.Blocks {
		if b.BlockID == render.FormBlockRegion && (b.Hint == nil || !strings.Contains(b.Hint.Text, "could not read")) {
			t.Errorf("region hint = %+v, want the note", b.Hint)
		}
	}
}

func TestPlanOptions(t *testing.T) {
	long := strings.Repeat("x", 32)
	for _, tc := range []struct {
		name    string
		choices []render.PlanChoice
		want    string
	}{
		{"none", nil, `{"options":[]}`},
		{"alias", []render.PlanChoice{{Value: "checkout", Alias: "checkout", Name: "checkout-prod"}},
			`{"options":[{"text":{"type":"plain_text","text":"checkout → plan checkout-prod","emoji":false},"value":"checkout"}]}`},
		{"plan", []render.PlanChoice{{Value: "arn:aws:arc-region-switch::123456789012:plan/p:abc123", Name: "p", Regions: []string{"us-east-1", "us-west-2"}}},
			`{"options":[{"text":{"type":"plain_text","text":"p (us-east-1, us-west-2)","emoji":false},"value":"arn:aws:arc-region-switch::123456789012:plan/p:abc123"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(render.PlanOptions(tc.choices))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got %s\nwant %s", b, tc.want)
			}
		})
	}

	t.Run("limits", func(t *testing.T) {
		var many []render.PlanChoice
		for range 150 {
			many = append(many, render.PlanChoice{Value: "a", Alias: long, Name: long, Regions: []string{"ap-southeast-1", "ap-northeast-1"}})
		}
		opts := render.PlanOptions(many).Options
		if len(opts) != 100 {
			t.Errorf("options = %d, want Slack's 100", len(opts))
		}
		if n := utf8.RuneCountInString(opts[0].Text.Text); n > 75 {
			t.Errorf("option text is %d characters, Slack allows 75: %q", n, opts[0].Text.Text)
		}
	})

	t.Run("fits a Socket Mode ack", func(t *testing.T) {
		var arns []render.PlanChoice
		for i := range 100 {
			name := fmt.Sprintf("%s-%02d", strings.Repeat("p", 29), i)
			arns = append(arns, render.PlanChoice{Value: "arn:aws-us-gov:arc-region-switch::123456789012:plan/" + name + ":abc123",
				Name: name, Regions: []string{"us-gov-west-1", "us-gov-east-1"}})
		}
		opts := render.PlanOptions(arns)
		b, _ := json.Marshal(opts)
		if len(b) >= 16<<10 {
			t.Errorf("options JSON is %d bytes; a Socket Mode ack must stay under 20 KB, with room for the envelope", len(b))
		}
		if len(opts.Options) < 40 {
			t.Errorf("only %d options fit; want as many as fit", len(opts.Options))
		}
	})
}
