package render

import (
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

// The execute form: a modal that asks for what `/regionswitch execute`
// takes as arguments. Its block IDs are what inline errors are keyed by
// (response_action "errors"); each input has one action ID, except the
// Region, which is a text input until the plan's Regions are known and a
// select afterwards.
const (
	// FormCallbackID is the callback_id of the execute form.
	FormCallbackID = "rs_execute_form"

	FormBlockPlan      = "rs_plan"
	FormActionPlan     = "rs_plan_select" // external_select; choosing dispatches block_actions
	FormBlockAction    = "rs_action"
	FormActionAction   = "rs_action_choice" // radio buttons: activate, deactivate
	FormBlockRegion    = "rs_region"
	FormActionRegion   = "rs_region_text"   // plain_text_input, before the plan's Regions are known
	FormActionRegionOf = "rs_region_select" // static_select of the chosen plan's two Regions
	FormBlockMode      = "rs_mode"
	FormActionMode     = "rs_mode_choice" // radio buttons: graceful (initial), ungraceful
	FormBlockComment   = "rs_comment"
	FormActionComment  = "rs_comment_text" // multiline plain_text_input
)

// FormCommentMax is the most characters the form's comment field accepts:
// ARC's limit on an execution's comment.
const FormCommentMax = slash.MaxCommentLen

// Slack's limits on the texts of a modal and its options.
const (
	maxTitle      = 24
	maxOptionText = 75
	maxOptions    = 100
	// maxOptionsJSON bounds a block_suggestion answer (Socket Mode acks
	// must stay under 20 KB).
	maxOptionsJSON = 16 << 10
)

// PlanChoice is one plan the form offers.
type PlanChoice struct {
	// Value is what the option submits: an alias from PLAN_ALIASES or a
	// plan ARN.
	Value string
	// Alias is the alias when Value is one.
	Alias string
	// Name is the plan's name, when known.
	Name string
	// Regions are the plan's two Regions, when known.
	Regions []string
}

// Label is the option's text, at most 75 characters: "checkout → plan
// checkout-prod" for an alias, "checkout-prod (us-east-1, us-west-2)" for
// a plan.
func (c PlanChoice) Label() string {
	var s string
	switch {
	case c.Alias != "" && c.Name != "":
		s = c.Alias + " → plan " + c.Name
	case c.Alias != "":
		s = c.Alias
	case c.Name != "":
		s = c.Name
	default:
		s = c.Value
	}
	if len(c.Regions) > 0 {
		s += " (" + strings.Join(c.Regions, ", ") + ")"
	}
	return Truncate(s, maxOptionText)
}

// Option is c as a select option.
func (c PlanChoice) Option() *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(c.Value, formText(c.Label()), nil)
}

// OptionsResponse is the answer to a block_suggestion request: {"options":[...]}.
// Unlike slack.OptionsResponse, an empty list is sent as [] rather than
// left out.
type OptionsResponse struct {
	Options []*slack.OptionBlockObject `json:"options"`
}

// PlanOptions renders the plans offered for the typed query, in the order
// given: at most the 100 Slack shows, and no more than fit in 16 KB of
// JSON, since Socket Mode drops an ack of 20 KB or more (100 plan ARNs
// would not fit).
func PlanOptions(choices []PlanChoice) OptionsResponse {
	out := OptionsResponse{Options: []*slack.OptionBlockObject{}}
	size := len(`{"options":[]}`)
	for _, c := range choices {
		o := c.Option()
		b, err := json.Marshal(o)
		if err != nil || len(out.Options) == maxOptions || size+len(b)+1 > maxOptionsJSON {
			break
		}
		size += len(b) + 1
		out.Options = append(out.Options, o)
	}
	return out
}

// Form is the state the execute form is drawn in.
type Form struct {
	// Metadata is the view's private_metadata, as the bot encodes it.
	Metadata string
	// Plan is the chosen plan, once block_actions reported it; nil before.
	// When its Regions are known the Region field is a select of them.
	Plan *PlanChoice
	// RegionNote replaces the Region field's hint, to say why the plan's
	// Regions are not offered (they could not be read).
	RegionNote string
}

// ExecuteForm renders the execute form: plan (options loaded from the bot
// as the user types), action, Region, mode and comment. Submitting it asks
// for approval exactly as the typed command does.
func ExecuteForm(f Form) slack.ModalViewRequest {
	minQuery := 0
	planSelect := &slack.SelectBlockElement{
		Type:           slack.OptTypeExternal,
		ActionID:       FormActionPlan,
		Placeholder:    formText("Search plans and aliases"),
		MinQueryLength: &minQuery,
	}
	if f.Plan != nil {
		planSelect.InitialOption = f.Plan.Option()
	}
	plan := slack.NewInputBlock(FormBlockPlan, formText("Plan"),
		formText("Aliases from PLAN_ALIASES and the plans ARC knows in the bot's default Region."), planSelect)
	plan.DispatchAction = true

	action := slack.NewInputBlock(FormBlockAction, formText("Action"), nil,
		slack.NewRadioButtonsBlockElement(FormActionAction,
			slack.NewOptionBlockObject("activate", formText("activate"), formText("Make the Region below the active one")),
			slack.NewOptionBlockObject("deactivate", formText("deactivate"), formText("Take the Region below out of service")),
		))

	blocks := []slack.Block{plan, action, regionBlock(f), modeBlock(), commentBlock(),
		ContextLine(":busts_in_silhouette: Nothing runs until someone else approves the request in the channel."),
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      FormCallbackID,
		Title:           formText(Truncate("Region switch", maxTitle)),
		Submit:          formText("Request approval"),
		Close:           formText("Cancel"),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: f.Metadata,
	}
}

func regionBlock(f Form) *slack.InputBlock {
	if f.Plan != nil && len(f.Plan.Regions) > 0 {
		opts := make([]*slack.OptionBlockObject, len(f.Plan.Regions))
		for i, r := range f.Plan.Regions {
			opts[i] = slack.NewOptionBlockObject(r, formText(r), nil)
		}
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, formText("Choose a Region"), FormActionRegionOf, opts...)
		return slack.NewInputBlock(FormBlockRegion, formText("Region"),
			formText(Truncate("The Region to activate or deactivate: one of plan "+planTitle(*f.Plan)+"'s two Regions.", 150)), sel)
	}
	hint := "The Region to activate or deactivate, such as us-west-2. Choose the plan first to pick from its Regions."
	if f.RegionNote != "" {
		hint = f.RegionNote
	}
	in := slack.NewPlainTextInputBlockElement(formText("us-west-2"), FormActionRegion).WithMaxLength(32)
	return slack.NewInputBlock(FormBlockRegion, formText("Region"), formText(Truncate(hint, 150)), in)
}

func modeBlock() *slack.InputBlock {
	graceful := slack.NewOptionBlockObject("graceful", formText("graceful"), formText("The plan's normal steps (default)"))
	ungraceful := slack.NewOptionBlockObject("ungraceful", formText("ungraceful"), formText("Skips graceful steps; can drop in-flight work"))
	radio := slack.NewRadioButtonsBlockElement(FormActionMode, graceful, ungraceful)
	radio.InitialOption = graceful
	return slack.NewInputBlock(FormBlockMode, formText("Mode"), nil, radio)
}

func commentBlock() *slack.InputBlock {
	in := slack.NewPlainTextInputBlockElement(formText("us-east-1 is impaired, INC-4211"), FormActionComment).
		WithMultiline(true).WithMaxLength(FormCommentMax)
	return slack.NewInputBlock(FormBlockComment, formText("Comment"),
		formText("Why: it goes into ARC's execution history and CloudTrail, with who requested and who approved."), in).
		WithOptional(true)
}

func planTitle(c PlanChoice) string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Alias != "":
		return c.Alias
	}
	return c.Value
}

func formText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}
