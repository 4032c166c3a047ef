package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

// The execute form is `/regionswitch execute` without arguments: a modal
// (render.ExecuteForm) whose submission becomes the same slash.Execute the
// typed command would, and goes down the same path (Bot.request). Slack's
// 3-second budget shapes it: views.open and views.update run in the
// background; the plan list (block_suggestion) must be answered in the
// request, so its AWS call is bounded and falls back to the aliases alone;
// a submission is validated without AWS, so that mistakes come back inline.

const (
	// suggestTimeout bounds ListPlansInRegion while Slack waits for the plan
	// list (it gives up after 3 s); past it the list has the aliases only.
	suggestTimeout = 1500 * time.Millisecond
	// formViewTimeout bounds views.open (a trigger_id is valid for 3 s).
	formViewTimeout = 5 * time.Second
	// formLookupTimeout bounds the lookup (GetPlanInRegion) that fills in
	// the chosen plan's Regions.
	formLookupTimeout = 5 * time.Second
	// maxFormMetadata is Slack's limit on a view's private_metadata.
	maxFormMetadata = 3000
)

// formMeta is the form's private_metadata: where to answer. It comes back
// with every interaction on the form, and is trusted for nothing else: the
// channel must still be allowed, and the plan's Regions it may carry only
// let the form point out a wrong Region early (the request path checks the
// Region against ARC again).
type formMeta struct {
	Channel     string `json:"channel"`
	ResponseURL string `json:"response_url,omitempty"`
	// Plan is the option value (alias or ARN) whose Regions are below.
	Plan     string   `json:"plan,omitempty"`
	PlanName string   `json:"plan_name,omitempty"`
	Regions  []string `json:"regions,omitempty"`
}

func (m formMeta) encode() string {
	b, err := json.Marshal(m)
	if err != nil || len(b) > maxFormMetadata {
		// Only a response_url could make it long; the channel is enough.
		b, _ = json.Marshal(formMeta{Channel: m.Channel})
	}
	return string(b)
}

// decodeFormMeta reads private_metadata. ok is false when it names no
// plausible channel; a response_url that is not an http(s) URL and Regions
// that are not two Region codes are dropped.
func decodeFormMeta(s string) (m formMeta, ok bool) {
	if len(s) > maxFormMetadata || json.Unmarshal([]byte(s), &m) != nil || !slash.ValidSlackID(m.Channel) {
		return formMeta{}, false
	}
	if u, err := url.Parse(m.ResponseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		m.ResponseURL = ""
	}
	if len(m.Regions) != 2 || !slash.ValidRegionCode(m.Regions[0]) || !slash.ValidRegionCode(m.Regions[1]) {
		m.Plan, m.PlanName, m.Regions = "", "", nil
	}
	return m, true
}

// openForm answers `/regionswitch execute` without arguments: it opens the
// execute form with the command's trigger_id in the background and
// acknowledges at once.
func (b *Bot) openForm(_ context.Context, log *slog.Logger, cmd slack.SlashCommand) Reply {
	if cmd.TriggerID == "" {
		log.Warn("execute form not opened: the command has no trigger_id")
		return Reply{Text: ":warning: I can't open the execute form here. Type the command instead:\n" + slash.Usage("execute")}
	}
	view := render.ExecuteForm(render.Form{Metadata: formMeta{Channel: cmd.ChannelID, ResponseURL: cmd.ResponseURL}.encode()})
	to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
	trigger := cmd.TriggerID
	b.background("form", log, func(ctx context.Context) {
		octx, cancel := context.WithTimeout(ctx, formViewTimeout)
		defer cancel()
		if _, err := b.slack.OpenViewContext(octx, trigger, view); err != nil {
			log.Error("views.open failed", "err", err)
			b.tell(ctx, log, to, fmt.Sprintf(":warning: I could not open the execute form (%v). Nothing was created. Type the command instead:\n%s", err, slash.Usage("execute")))
			return
		}
		log.Info("execute form opened")
	})
	return Reply{Text: ":memo: Opening the execute form…"}
}

// viewSubmission handles a submitted execute form. It validates the form
// without calling AWS: mistakes come back as inline errors (response_action
// "errors", keyed by block ID) and nothing is started. A valid form closes
// (nil) and continues in the background exactly as the typed command does.
func (b *Bot) viewSubmission(_ context.Context, cb slack.InteractionCallback) any {
	if cb.View.CallbackID != render.FormCallbackID {
		return nil
	}
	id := approvals.NewID()
	log := b.log.With("request_id", id, "user", cb.User.ID, "form", true)
	e, to, problems := b.readForm(id, cb)
	if len(problems) > 0 {
		log.Info("form refused", "problems", problems)
		return slack.NewErrorsViewSubmissionResponse(problems)
	}
	log = log.With("channel", to.channel)
	log.Info("form submitted", "plan", e.Plan.Raw, "action", e.Action, "region", e.Region, "mode", e.Mode)
	b.background("request", log, func(ctx context.Context) { b.request(ctx, log, id, to, e) })
	return nil
}

// readForm turns a submitted form into the command the typed text would
// have given, or into inline errors keyed by block ID.
func (b *Bot) readForm(id string, cb slack.InteractionCallback) (slash.Execute, asker, map[string]string) {
	problems := map[string]string{}
	var values map[string]map[string]slack.BlockAction
	if cb.View.State != nil {
		values = cb.View.State.Values
	}
	get := func(block, action string, selected bool) string {
		a, ok := values[block][action]
		if !ok {
			return ""
		}
		if selected {
			return strings.TrimSpace(a.SelectedOption.Value)
		}
		return a.Value
	}

	meta, ok := decodeFormMeta(cb.View.PrivateMetadata)
	switch {
	case !ok:
		problems[render.FormBlockPlan] = "This form lost track of its channel. Close it and run /regionswitch execute again."
	case !b.access.ChannelAllowed(meta.Channel):
		problems[render.FormBlockPlan] = "/regionswitch is not enabled in the channel this form was opened in (ALLOWED_CHANNEL_IDS). Nothing was done."
	}

	plan := get(render.FormBlockPlan, render.FormActionPlan, true)
	if _, dup := problems[render.FormBlockPlan]; !dup {
		switch {
		case plan == "":
			problems[render.FormBlockPlan] = "Choose a plan."
		case !b.knownPlanValue(plan):
			problems[render.FormBlockPlan] = "Unknown plan: choose one from the list."
		}
	}

	action := get(render.FormBlockAction, render.FormActionAction, true)
	if action != string(slash.ActionActivate) && action != string(slash.ActionDeactivate) {
		problems[render.FormBlockAction] = "Choose activate or deactivate."
	}

	region := get(render.FormBlockRegion, render.FormActionRegionOf, true)
	if region == "" {
		region = get(render.FormBlockRegion, render.FormActionRegion, false)
	}
	region = strings.ToLower(strings.TrimSpace(region))
	known := meta.Plan != "" && meta.Plan == plan
	switch {
	case region == "":
		problems[render.FormBlockRegion] = "Enter the Region to " + formActionWord(action) + ", such as us-west-2."
	case !slash.ValidRegionCode(region):
		msg := fmt.Sprintf("%q is not an AWS Region code (like us-west-2).", render.Truncate(region, 40))
		if s := slash.Suggest(region, meta.Regions); known && s != "" {
			msg += " Did you mean " + s + "?"
		}
		problems[render.FormBlockRegion] = msg
	case known && !slices.Contains(meta.Regions, region):
		name := meta.PlanName
		if name == "" {
			name = plan
		}
		problems[render.FormBlockRegion] = fmt.Sprintf("%s is not one of plan %s's Regions (%s).", region, name, strings.Join(meta.Regions, ", "))
	}

	mode := get(render.FormBlockMode, render.FormActionMode, true)
	switch mode {
	case "":
		mode = string(slash.ModeGraceful)
	case string(slash.ModeGraceful), string(slash.ModeUngraceful):
	default:
		problems[render.FormBlockMode] = "Choose graceful or ungraceful."
	}

	comment, problem := formComment(get(render.FormBlockComment, render.FormActionComment, false))
	if problem == "" {
		problem = b.commentFits(id, comment, slash.Mode(mode))
	}
	if problem != "" {
		problems[render.FormBlockComment] = problem
	}

	if len(problems) > 0 {
		return slash.Execute{}, asker{}, problems
	}
	// The plan, action and Region are checked tokens without spaces or
	// quotes: the command's own parser resolves them exactly as typed text.
	parsed, err := b.parser.Parse(fmt.Sprintf("execute %s %s %s", plan, action, region))
	e, isExecute := parsed.(slash.Execute)
	if err != nil || !isExecute {
		b.log.Error("form values did not parse", "plan", plan, "action", action, "region", region, "err", err)
		return slash.Execute{}, asker{}, map[string]string{render.FormBlockPlan: "I could not read this plan. Choose it again from the list."}
	}
	e.Mode = slash.Mode(mode)
	e.Comment = comment
	return e, asker{user: cb.User.ID, channel: meta.Channel, responseURL: meta.ResponseURL}, nil
}

func formActionWord(action string) string {
	if action == string(slash.ActionActivate) || action == string(slash.ActionDeactivate) {
		return action
	}
	return "activate or deactivate"
}

// knownPlanValue reports whether v can be a plan option: an alias, or a
// plan ARN (from ListPlansInRegion; whether it exists is for the request
// path to find out).
func (b *Bot) knownPlanValue(v string) bool {
	if _, ok := b.cfg.Aliases[v]; ok {
		return true
	}
	return slash.ValidPlanARN(v)
}

// formComment reads the form's comment as --comment would be: surrounding
// space trimmed, at most slash.MaxCommentLen characters, no control or
// text-direction characters. The field is multiline; its line breaks (and
// tabs) become spaces, since the comment is one line in ARC's history and
// a typed --comment cannot hold them either.
func formComment(raw string) (string, string) {
	var lines []string
	for _, l := range strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' }) {
		if l = strings.TrimSpace(strings.ReplaceAll(l, "\t", " ")); l != "" {
			lines = append(lines, l)
		}
	}
	s := strings.Join(lines, " ")
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "", "The comment is not valid text; retype it."
		case unicode.IsControl(r):
			return "", fmt.Sprintf("The comment contains an invisible control character (%U); retype it.", r)
		case slash.IsBidiControl(r):
			return "", fmt.Sprintf("The comment contains an invisible text-direction character (%U); retype it instead of pasting it.", r)
		}
	}
	if n := utf8.RuneCountInString(s); n > slash.MaxCommentLen {
		return "", fmt.Sprintf("The comment is %d characters; at most %d. Shorten it by %d.", n, slash.MaxCommentLen, n-slash.MaxCommentLen)
	}
	return s, ""
}

// commentFits checks, as the request path will, that the comment leaves
// room in ARC's 1024 characters for the bot's attribution.
func (b *Bot) commentFits(id, comment string, mode slash.Mode) string {
	n := worstCaseCommentLen(&approvals.Request{ID: id, Comment: comment, ApprovalsRequired: b.approvalsFor(mode)})
	if n <= slash.MaxCommentLen {
		return ""
	}
	return fmt.Sprintf("With the bot's attribution (requester, approvers, request ID) the comment would be %d characters, and ARC accepts %d. Shorten it by %d.", n, slash.MaxCommentLen, n-slash.MaxCommentLen)
}

// blockSuggestion answers the plan select's options request: the aliases
// and the plans ARC knows whose alias, name or ARN contains what the user
// typed. The plans come from ListKnownPlans: ListPlansInRegion in the
// default Region (and in the Regions of plans seen before, with the plan
// cache filling in for Regions that do not answer), all within
// suggestTimeout; if nothing answers in time, the aliases alone are
// offered.
func (b *Bot) blockSuggestion(ctx context.Context, cb slack.InteractionCallback) any {
	if cb.View.CallbackID != render.FormCallbackID || cb.ActionID != render.FormActionPlan {
		return render.PlanOptions(nil)
	}
	return render.PlanOptions(b.planChoices(ctx, cb.Value))
}

func (b *Bot) planChoices(ctx context.Context, query string) []render.PlanChoice {
	lctx, cancel := context.WithTimeout(ctx, suggestTimeout)
	plans, err := b.arc.ListKnownPlans(lctx)
	cancel()
	if err != nil {
		b.log.Warn("plan list for the form: offering aliases only", "default_region", b.arc.DefaultRegion(), "err", err)
		plans = nil
	}
	byARN := make(map[string]session.Plan, len(plans))
	for _, p := range plans {
		byARN[p.ARN] = p
	}
	q := strings.ToLower(strings.TrimSpace(query))
	match := func(fields ...string) bool {
		for _, f := range fields {
			if f != "" && strings.Contains(strings.ToLower(f), q) {
				return true
			}
		}
		return false
	}
	var out []render.PlanChoice
	names := make([]string, 0, len(b.cfg.Aliases))
	for name := range b.cfg.Aliases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		arn := b.cfg.Aliases[name]
		c := render.PlanChoice{Value: name, Alias: name, Name: slash.PlanNameOf(arn)}
		if p, ok := byARN[arn]; ok {
			c.Name, c.Regions = p.Name, p.Regions
		}
		if match(name, c.Name, arn) {
			out = append(out, c)
		}
	}
	for _, p := range plans {
		if !slash.ValidPlanARN(p.ARN) {
			continue
		}
		if match(p.Name, p.ARN) {
			out = append(out, render.PlanChoice{Value: p.ARN, Name: p.Name, Regions: p.Regions})
		}
	}
	return out
}

// formAction handles block_actions inside the form: choosing a plan
// replaces the Region text field with a select of the plan's two Regions
// (views.update, in the background, guarded by the view's hash so that a
// newer change wins).
func (b *Bot) formAction(_ context.Context, cb slack.InteractionCallback) {
	if cb.View.CallbackID != render.FormCallbackID {
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || a.ActionID != render.FormActionPlan {
			continue
		}
		value := strings.TrimSpace(a.SelectedOption.Value)
		log := b.log.With("user", cb.User.ID, "form", true, "plan", value)
		meta, ok := decodeFormMeta(cb.View.PrivateMetadata)
		if !ok || !b.knownPlanValue(value) {
			log.Warn("form: plan choice ignored", "metadata_ok", ok)
			continue
		}
		viewID, hash := cb.View.ID, cb.View.Hash
		b.background("form-plan", log, func(ctx context.Context) {
			form := b.planForm(ctx, log, meta, value)
			uctx, cancel := context.WithTimeout(ctx, formViewTimeout)
			defer cancel()
			if _, err := b.slack.UpdateViewContext(uctx, render.ExecuteForm(form), "", hash, viewID); err != nil {
				// hash_conflict: the user changed the form again; that
				// change's own update carries on.
				log.Warn("views.update failed", "err", err)
			}
		})
	}
}

// planForm draws the form for the chosen plan: with its Regions when a
// data plane (the default Region's first, see GetPlanAnywhere) or the plan
// cache can tell them, else with the Region text field and a note why.
func (b *Bot) planForm(ctx context.Context, log *slog.Logger, meta formMeta, value string) render.Form {
	arn, alias := value, ""
	if a, ok := b.cfg.Aliases[value]; ok {
		arn, alias = a, value
	}
	choice := render.PlanChoice{Value: value, Alias: alias, Name: slash.PlanNameOf(arn)}
	meta.Plan, meta.PlanName, meta.Regions = "", "", nil
	region := b.arc.DefaultRegion()
	lctx, cancel := context.WithTimeout(ctx, formLookupTimeout)
	plan, err := b.arc.GetPlanAnywhere(lctx, arn, region)
	cancel()
	if err == nil && len(plan.Regions) != 2 {
		err = fmt.Errorf("the plan has %d Regions, not 2", len(plan.Regions))
	}
	if err == nil {
		choice.Name, choice.Regions = plan.Name, plan.Regions
		meta.Plan, meta.PlanName, meta.Regions = value, plan.Name, plan.Regions
		return render.Form{Metadata: meta.encode(), Plan: &choice}
	}
	log.Warn("form: could not read the plan's Regions", "region", region, "err", err)
	code, _ := session.Describe(err)
	note := "I could not read this plan's Regions from ARC (" + code + ")"
	return render.Form{Metadata: meta.encode(), Plan: &choice, RegionNote: note + ". Type the Region code, such as us-west-2; it is checked against the plan before anything is posted."}
}
