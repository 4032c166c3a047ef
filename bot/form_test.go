package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/bot"
	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const (
	formPlanARN  = "arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3"
	otherPlanARN = "arn:aws:arc-region-switch::123456789012:plan/payments:d4e5f6"
	formChannel  = "CINCIDENT1"
	formWait     = 10 * time.Second
)

// formRec records what the fakes were asked, in order, and wakes waiters.
type formRec struct {
	mu      sync.Mutex
	calls   []formCall
	changed chan struct{}
}

type formCall struct {
	what string
	args map[string]any
}

func newFormRec() *formRec { return &formRec{changed: make(chan struct{})} }

func (r *formRec) add(what string, args map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, formCall{what, args})
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *formRec) all(what string) []formCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []formCall
	for _, c := range r.calls {
		if what == "" || c.what == what {
			out = append(out, c)
		}
	}
	return out
}

// wait waits until cond holds for the calls so far; never a sleep.
func (r *formRec) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timer := time.NewTimer(formWait)
	defer timer.Stop()
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("timed out waiting for %s; calls: %v", what, r.all(""))
		}
	}
}

// formSlack fakes the Slack Web API calls of the form and request paths.
// The embedded interface is nil: any other call panics.
type formSlack struct {
	bot.Slack
	rec      *formRec
	openGate chan struct{} // if set, views.open waits for it
	openErr  error
}

func (s *formSlack) OpenViewContext(ctx context.Context, trigger string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	s.rec.add("views.open", map[string]any{"trigger": trigger, "view": view})
	if s.openGate != nil {
		select {
		case <-s.openGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.openErr != nil {
		return nil, s.openErr
	}
	return &slack.ViewResponse{}, nil
}

func (s *formSlack) UpdateViewContext(_ context.Context, view slack.ModalViewRequest, externalID, hash, viewID string) (*slack.ViewResponse, error) {
	s.rec.add("views.update", map[string]any{"view": view, "hash": hash, "view_id": viewID, "external_id": externalID})
	return &slack.ViewResponse{}, nil
}

func (s *formSlack) PostMessageContext(_ context.Context, channel string, options ...slack.MsgOption) (string, string, error) {
	_, values, err := slack.UnsafeApplyMsgOptions("", channel, "", options...)
	if err != nil {
		return "", "", err
	}
	s.rec.add("chat.postMessage", map[string]any{"channel": channel, "text": values.Get("text"), "blocks": values.Get("blocks")})
	return channel, fmt.Sprintf("1700000000.%06d", len(s.rec.all("chat.postMessage"))), nil
}

func (s *formSlack) PostEphemeralContext(_ context.Context, channel, user string, options ...slack.MsgOption) (string, error) {
	_, values, _ := slack.UnsafeApplyMsgOptions("", channel, "", options...)
	s.rec.add("chat.postEphemeral", map[string]any{"channel": channel, "user": user, "text": values.Get("text")})
	return "1.0", nil
}

func (s *formSlack) UpdateMessageContext(_ context.Context, channel, ts string, _ ...slack.MsgOption) (string, string, string, error) {
	s.rec.add("chat.update", map[string]any{"channel": channel, "ts": ts})
	return channel, ts, "", nil
}

// formARC fakes the AWS side: the plans of the default Region us-east-1.
type formARC struct {
	bot.ARC
	rec      *formRec
	plans    []session.Plan
	slowList bool  // ListPlans answers only when its context ends
	listErr  error // ListPlans fails
	getErr   error // GetPlan fails
}

func (a *formARC) DefaultRegion() string { return "us-east-1" }

func (a *formARC) QueryRegion(action, target string) string {
	if action == "deactivate" && target != "us-east-1" {
		return "us-east-1"
	}
	return target
}

func (a *formARC) ListPlans(ctx context.Context, region string) ([]session.Plan, error) {
	a.rec.add("ListPlans", map[string]any{"region": region})
	if a.slowList {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if a.listErr != nil {
		return nil, a.listErr
	}
	return a.plans, nil
}

func (a *formARC) GetPlan(_ context.Context, region, arn string) (session.Plan, error) {
	a.rec.add("GetPlan", map[string]any{"region": region, "arn": arn})
	if a.getErr != nil {
		return session.Plan{}, a.getErr
	}
	for _, p := range a.plans {
		if p.ARN == arn {
			p.AnsweredBy = region
			return p, nil
		}
	}
	return session.Plan{}, &session.PlanNotFoundError{Ref: arn, Region: region}
}

func (a *formARC) GetPlanAnywhere(ctx context.Context, arn, prefer string) (session.Plan, error) {
	return a.GetPlan(ctx, prefer, arn)
}

func (a *formARC) FindPlanByNameAnywhere(ctx context.Context, name, prefer string) (session.Plan, error) {
	return a.FindPlanByName(ctx, prefer, name)
}

func (a *formARC) ListKnownPlans(ctx context.Context) ([]session.Plan, error) {
	return a.ListPlans(ctx, a.DefaultRegion())
}

func (a *formARC) FindPlanByName(_ context.Context, region, name string) (session.Plan, error) {
	a.rec.add("FindPlanByName", map[string]any{"region": region, "name": name})
	for _, p := range a.plans {
		if p.Name == name {
			return p, nil
		}
	}
	return session.Plan{}, &session.PlanNotFoundError{Ref: name, Region: region}
}

func (a *formARC) EvaluationStatus(context.Context, string, string) (session.RegionEvaluation, error) {
	return session.RegionEvaluation{Evaluation: session.Evaluation{State: "passed"}}, nil
}

func (a *formARC) ActiveExecution(context.Context, string, string) (string, error) { return "", nil }

// formStore records the requests created.
type formStore struct {
	bot.Store
	rec *formRec
}

func (s *formStore) Create(_ context.Context, r *approvals.Request) error {
	r.Status = approvals.StatusPending
	r.ApprovalsRequired = max(r.ApprovalsRequired, 1)
	r.ExpiresAt = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	c := *r
	s.rec.add("Create", map[string]any{"request": c})
	return nil
}

func (s *formStore) SetMessage(_ context.Context, id, channel, ts string) error {
	s.rec.add("SetMessage", map[string]any{"id": id, "channel": channel, "ts": ts})
	return nil
}

// formAccess allows the channels listed (all when none), and everyone to
// request and approve.
type formAccess struct{ channels []string }

func (a formAccess) ChannelAllowed(ch string) bool {
	if len(a.channels) == 0 {
		return true
	}
	for _, c := range a.channels {
		if c == ch {
			return true
		}
	}
	return false
}
func (formAccess) CanRequest(context.Context, string) (bool, error) { return true, nil }
func (formAccess) CanApprove(context.Context, string) (bool, error) { return true, nil }
func (formAccess) CanBreakGlass(string) bool                        { return false }

// formLogs collects the bot's logs, shown when a test fails.
type formLogs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *formLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *formLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type formEnv struct {
	bot   *bot.Bot
	rec   *formRec
	slack *formSlack
	arc   *formARC
}

func newFormEnv(t *testing.T, tweak func(*formEnv)) *formEnv {
	t.Helper()
	rec := newFormRec()
	logs := &formLogs{}
	e := &formEnv{rec: rec, slack: &formSlack{rec: rec}, arc: &formARC{rec: rec, plans: []session.Plan{
		{ARN: formPlanARN, Name: "checkout-prod", Version: "v3", Regions: []string{"us-east-1", "us-west-2"}},
		{ARN: otherPlanARN, Name: "payments", Version: "v1", Regions: []string{"eu-west-1", "eu-central-1"}},
	}}}
	if tweak != nil {
		tweak(e)
	}
	e.bot = bot.New(bot.Config{Aliases: map[string]string{"checkout": formPlanARN}, ApprovalsRequired: 1, ApprovalsRequiredUngraceful: 2},
		bot.Deps{
			Slack: e.slack, ARC: e.arc, Store: &formStore{rec: rec}, Access: formAccess{channels: []string{formChannel}},
			Webhook: func(_ context.Context, url string, msg *slack.WebhookMessage) error {
				rec.add("response_url", map[string]any{"url": url, "text": msg.Text})
				return nil
			},
			Logger: slog.New(slog.NewTextHandler(logs, nil)),
		})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bot logs:\n%s", logs)
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), formWait)
		defer cancel()
		if err := e.bot.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func formCommand(user, text string) slack.SlashCommand {
	return slack.SlashCommand{Command: "/regionswitch", Text: text, UserID: user, ChannelID: formChannel,
		ResponseURL: "https://hooks.slack.com/commands/T1/1/" + user, TriggerID: "trig-9"}
}

// openForm runs `/regionswitch execute` and returns the view it opened.
func (e *formEnv) openForm(t *testing.T) slack.ModalViewRequest {
	t.Helper()
	reply := e.bot.Command(context.Background(), formCommand("UREQ1", "execute"))
	if !strings.Contains(reply.Text, "form") {
		t.Errorf("ack = %q, want it to say the form is opening", reply.Text)
	}
	e.rec.wait(t, "views.open", func() bool { return len(e.rec.all("views.open")) == 1 })
	return e.rec.all("views.open")[0].args["view"].(slack.ModalViewRequest)
}

// submission is a view_submission of the execute form. Empty values are
// left out of the state, as Slack does for untouched inputs.
type submission struct {
	meta                           string
	plan, action, region, regionOf string
	mode, comment                  string
	userID                         string
	callbackID                     string
	stateless                      bool // no state at all, not even empty
}

func (s submission) callback() slack.InteractionCallback {
	values := map[string]map[string]slack.BlockAction{}
	sel := func(block, action, v string) {
		if v != "" {
			values[block] = map[string]slack.BlockAction{action: {ActionID: action, BlockID: block, SelectedOption: slack.OptionBlockObject{Value: v}}}
		}
	}
	text := func(block, action, v string) {
		if v != "" {
			values[block] = map[string]slack.BlockAction{action: {ActionID: action, BlockID: block, Value: v}}
		}
	}
	sel(render.FormBlockPlan, render.FormActionPlan, s.plan)
	sel(render.FormBlockAction, render.FormActionAction, s.action)
	text(render.FormBlockRegion, render.FormActionRegion, s.region)
	sel(render.FormBlockRegion, render.FormActionRegionOf, s.regionOf)
	sel(render.FormBlockMode, render.FormActionMode, s.mode)
	text(render.FormBlockComment, render.FormActionComment, s.comment)
	user, cbID := s.userID, s.callbackID
	if user == "" {
		user = "UREQ1"
	}
	if cbID == "" {
		cbID = render.FormCallbackID
	}
	cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
		View: slack.View{ID: "V1", CallbackID: cbID, PrivateMetadata: s.meta}}
	if !s.stateless {
		cb.View.State = &slack.ViewState{Values: values}
	}
	return cb
}

func TestFormOpensInTheBackground(t *testing.T) {
	gate := make(chan struct{})
	e := newFormEnv(t, func(e *formEnv) { e.slack.openGate = gate })
	// views.open is held: the ack must come back anyway.
	reply := e.bot.Command(context.Background(), formCommand("UREQ1", "execute"))
	if !strings.Contains(reply.Text, "form") {
		t.Errorf("ack = %q", reply.Text)
	}
	e.rec.wait(t, "views.open", func() bool { return len(e.rec.all("views.open")) == 1 })
	close(gate)
	open := e.rec.all("views.open")[0]
	if open.args["trigger"] != "trig-9" {
		t.Errorf("views.open trigger_id = %v, want the command's trig-9", open.args["trigger"])
	}
	view := open.args["view"].(slack.ModalViewRequest)
	if view.CallbackID != render.FormCallbackID {
		t.Errorf("callback_id = %q", view.CallbackID)
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(view.PrivateMetadata), &meta); err != nil {
		t.Fatalf("private_metadata %q: %v", view.PrivateMetadata, err)
	}
	if meta["channel"] != formChannel || meta["response_url"] != "https://hooks.slack.com/commands/T1/1/UREQ1" {
		t.Errorf("private_metadata = %v, want the channel and the response_url", meta)
	}
	if n := len(e.rec.all("ListPlans")) + len(e.rec.all("GetPlan")); n != 0 {
		t.Errorf("opening the form called AWS %d times, want 0", n)
	}
}

func TestFormOpenFailures(t *testing.T) {
	t.Run("no trigger", func(t *testing.T) {
		e := newFormEnv(t, nil)
		cmd := formCommand("UREQ1", "execute")
		cmd.TriggerID = ""
		if reply := e.bot.Command(context.Background(), cmd); !strings.Contains(reply.Text, "execute <plan>") {
			t.Errorf("ack = %q, want the usage", reply.Text)
		}
		if n := len(e.rec.all("views.open")); n != 0 {
			t.Errorf("views.open calls = %d, want 0", n)
		}
	})
	t.Run("views.open fails", func(t *testing.T) {
		e := newFormEnv(t, func(e *formEnv) { e.slack.openErr = errors.New("expired_trigger_id") })
		e.bot.Command(context.Background(), formCommand("UREQ1", "execute"))
		e.rec.wait(t, "the user to be told", func() bool { return len(e.rec.all("response_url")) == 1 })
		if text := e.rec.all("response_url")[0].args["text"].(string); !strings.Contains(text, "expired_trigger_id") || !strings.Contains(text, "execute <plan>") {
			t.Errorf("told %q, want the error and the usage", text)
		}
	})
}

func suggest(t *testing.T, b *bot.Bot, callbackID, actionID, query string) []string {
	t.Helper()
	resp := b.Interaction(context.Background(), slack.InteractionCallback{
		Type: slack.InteractionTypeBlockSuggestion, User: slack.User{ID: "UREQ1"},
		ActionID: actionID, BlockID: render.FormBlockPlan, Value: query,
		View: slack.View{ID: "V1", CallbackID: callbackID},
	})
	raw, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		Options *[]struct {
			Value string `json:"value"`
			Text  struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"options"`
	}
	if err := json.Unmarshal(raw, &opts); err != nil || opts.Options == nil {
		t.Fatalf("block_suggestion answer %s: want {\"options\":[...]} (err %v)", raw, err)
	}
	var out []string
	for _, o := range *opts.Options {
		out = append(out, o.Value+"="+o.Text.Text)
	}
	return out
}

func TestFormPlanSuggestions(t *testing.T) {
	alias := "checkout=checkout → plan checkout-prod (us-east-1, us-west-2)"
	plan := formPlanARN + "=checkout-prod (us-east-1, us-west-2)"
	other := otherPlanARN + "=payments (eu-west-1, eu-central-1)"
	e := newFormEnv(t, nil)
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
			if got := suggest(t, e.bot, render.FormCallbackID, render.FormActionPlan, tc.query); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("options for %q = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
	t.Run("other view", func(t *testing.T) {
		if got := suggest(t, e.bot, "someone_elses_modal", render.FormActionPlan, ""); got != nil {
			t.Errorf("options = %v, want none", got)
		}
	})
}

func TestFormPlanSuggestionsWithoutAWS(t *testing.T) {
	want := []string{"checkout=checkout → plan checkout-prod"}
	t.Run("ListPlans fails", func(t *testing.T) {
		e := newFormEnv(t, func(e *formEnv) { e.arc.listErr = errors.New("AccessDeniedException") })
		if got := suggest(t, e.bot, render.FormCallbackID, render.FormActionPlan, ""); !reflect.DeepEqual(got, want) {
			t.Errorf("options = %v, want the aliases only: %v", got, want)
		}
	})
	t.Run("ListPlans hangs", func(t *testing.T) {
		e := newFormEnv(t, func(e *formEnv) { e.arc.slowList = true })
		start := time.Now()
		got := suggest(t, e.bot, render.FormCallbackID, render.FormActionPlan, "check")
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("answered after %v; Slack gives up after 3 s", d)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("options = %v, want the aliases only: %v", got, want)
		}
	})
}

func TestFormSubmissionErrors(t *testing.T) {
	e := newFormEnv(t, nil)
	meta := e.openForm(t).PrivateMetadata
	// After choosing the alias, the metadata knows the plan's Regions.
	known := e.choosePlan(t, meta, "checkout")
	valid := submission{meta: meta, plan: "checkout", action: "activate", region: "us-west-2"}

	for _, tc := range []struct {
		name string
		s    submission
		want map[string]string // block ID -> part of the message
	}{
		{"empty", submission{meta: meta}, map[string]string{
			render.FormBlockPlan: "Choose a plan", render.FormBlockAction: "activate or deactivate", render.FormBlockRegion: "Region"}},
		{"no state at all", submission{meta: meta, stateless: true}, map[string]string{
			render.FormBlockPlan: "Choose a plan", render.FormBlockAction: "activate or deactivate", render.FormBlockRegion: "Region"}},
		{"unknown plan", with(valid, func(s *submission) { s.plan = "nope" }), map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"plan smuggling arguments", with(valid, func(s *submission) { s.plan = "checkout deactivate us-east-1 --mode ungraceful" }),
			map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"alias in the wrong case", with(valid, func(s *submission) { s.plan = "CHECKOUT" }), map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"invalid ARN", with(valid, func(s *submission) { s.plan = "arn:aws:arc-region-switch::1:plan/x:y" }), map[string]string{render.FormBlockPlan: "Unknown plan"}},
		{"action", with(valid, func(s *submission) { s.action = "destroy" }), map[string]string{render.FormBlockAction: "activate or deactivate"}},
		{"region not a code", with(valid, func(s *submission) { s.region = "us-west2" }), map[string]string{render.FormBlockRegion: "not an AWS Region code"}},
		{"region with spaces", with(valid, func(s *submission) { s.region = "us-west-2 --mode ungraceful" }), map[string]string{render.FormBlockRegion: "not an AWS Region code"}},
		{"region outside the plan", submission{meta: known, plan: "checkout", action: "activate", regionOf: "eu-west-1"},
			map[string]string{render.FormBlockRegion: "not one of plan checkout-prod's Regions (us-east-1, us-west-2)"}},
		{"region typo with suggestion", submission{meta: known, plan: "checkout", action: "activate", region: "us-wset-2"},
			map[string]string{render.FormBlockRegion: "Did you mean us-west-2?"}},
		{"mode", with(valid, func(s *submission) { s.mode = "chaotic" }), map[string]string{render.FormBlockMode: "graceful or ungraceful"}},
		{"comment of 2000 characters", with(valid, func(s *submission) { s.comment = strings.Repeat("x", 2000) }),
			map[string]string{render.FormBlockComment: "2000 characters; at most 1024"}},
		{"comment without room for the attribution", with(valid, func(s *submission) { s.comment = strings.Repeat("x", 1000) }),
			map[string]string{render.FormBlockComment: "attribution"}},
		{"comment with a text-direction override", with(valid, func(s *submission) { s.comment = "fine\u202Eenif" }),
			map[string]string{render.FormBlockComment: "text-direction"}},
		{"comment with a control character", with(valid, func(s *submission) { s.comment = "bell\a" }),
			map[string]string{render.FormBlockComment: "control character"}},
		{"no metadata", with(valid, func(s *submission) { s.meta = "" }), map[string]string{render.FormBlockPlan: "lost track"}},
		{"garbage metadata", with(valid, func(s *submission) { s.meta = "{not json" }), map[string]string{render.FormBlockPlan: "lost track"}},
		{"metadata with a bad channel", with(valid, func(s *submission) { s.meta = `{"channel":"C1 <!channel>"}` }), map[string]string{render.FormBlockPlan: "lost track"}},
		{"channel not allowed", with(valid, func(s *submission) { s.meta = `{"channel":"CELSEWHERE"}` }), map[string]string{render.FormBlockPlan: "not enabled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.bot.Interaction(context.Background(), tc.s.callback())
			vr, ok := resp.(*slack.ViewSubmissionResponse)
			if !ok || vr.ResponseAction != slack.RAErrors {
				t.Fatalf("answer = %#v, want response_action errors", resp)
			}
			for block, want := range tc.want {
				if !strings.Contains(vr.Errors[block], want) {
					t.Errorf("error on %s = %q, want it to contain %q (all: %v)", block, vr.Errors[block], want, vr.Errors)
				}
			}
			if len(vr.Errors) != len(tc.want) {
				t.Errorf("errors = %v, want only on %v", vr.Errors, keys(tc.want))
			}
			raw, _ := json.Marshal(vr)
			if !strings.Contains(string(raw), `"response_action":"errors"`) {
				t.Errorf("JSON %s lacks response_action errors", raw)
			}
		})
	}
	// Nothing of the above went further than validation.
	for _, what := range []string{"Create", "chat.postMessage", "response_url", "chat.postEphemeral", "ListPlans", "FindPlanByName"} {
		if n := len(e.rec.all(what)); n != 0 {
			t.Errorf("%s calls after refused submissions = %d, want 0", what, n)
		}
	}
	if n := len(e.rec.all("GetPlan")); n != 1 {
		t.Errorf("GetPlan calls = %d, want only the one that filled in the Regions", n)
	}
}

func with(s submission, f func(*submission)) submission { f(&s); return s }

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// choosePlan sends the block_actions of choosing value in the plan select,
// waits for the views.update, checks it, and returns its metadata.
func (e *formEnv) choosePlan(t *testing.T, meta, value string) string {
	t.Helper()
	before := len(e.rec.all("views.update"))
	e.bot.Interaction(context.Background(), slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "UREQ1"},
		View: slack.View{ID: "V1", Hash: "hash-1", CallbackID: render.FormCallbackID, PrivateMetadata: meta},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
			ActionID: render.FormActionPlan, BlockID: render.FormBlockPlan, SelectedOption: slack.OptionBlockObject{Value: value},
		}}},
	})
	e.rec.wait(t, "views.update", func() bool { return len(e.rec.all("views.update")) == before+1 })
	up := e.rec.all("views.update")[before]
	if up.args["view_id"] != "V1" || up.args["hash"] != "hash-1" {
		t.Errorf("views.update view_id %v hash %v, want V1 and hash-1", up.args["view_id"], up.args["hash"])
	}
	return up.args["view"].(slack.ModalViewRequest).PrivateMetadata
}

func TestFormPlanChoiceFillsRegions(t *testing.T) {
	e := newFormEnv(t, nil)
	meta := e.openForm(t).PrivateMetadata
	updated := e.choosePlan(t, meta, "checkout")
	view := e.rec.all("views.update")[0].args["view"].(slack.ModalViewRequest)
	raw, _ := json.Marshal(view)
	for _, want := range []string{`"action_id":"` + render.FormActionRegionOf + `"`, `"value":"us-east-1"`, `"value":"us-west-2"`, `"callback_id":"` + render.FormCallbackID + `"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("updated view lacks %s: %s", want, raw)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(updated), &m); err != nil {
		t.Fatal(err)
	}
	if m["channel"] != formChannel || m["plan"] != "checkout" || fmt.Sprint(m["regions"]) != "[us-east-1 us-west-2]" {
		t.Errorf("metadata after the choice = %v", m)
	}
	if got := e.rec.all("GetPlan"); len(got) != 1 || got[0].args["region"] != "us-east-1" || got[0].args["arn"] != formPlanARN {
		t.Errorf("GetPlan calls = %v, want one for the alias's ARN in the default Region", got)
	}

	t.Run("Regions unknown", func(t *testing.T) {
		e := newFormEnv(t, func(e *formEnv) { e.arc.getErr = errors.New("throttled") })
		meta := e.openForm(t).PrivateMetadata
		e.choosePlan(t, meta, formPlanARN)
		view := e.rec.all("views.update")[0].args["view"].(slack.ModalViewRequest)
		raw, _ := json.Marshal(view)
		if !strings.Contains(string(raw), render.FormActionRegion+`"`) || !strings.Contains(string(raw), "could not read this plan") {
			t.Errorf("view without the plan's Regions should keep the text field with a note: %s", raw)
		}
	})
	t.Run("unknown plan value ignored", func(t *testing.T) {
		e.bot.Interaction(context.Background(), slack.InteractionCallback{
			Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "UREQ1"},
			View: slack.View{ID: "V1", Hash: "h", CallbackID: render.FormCallbackID, PrivateMetadata: meta},
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
				ActionID: render.FormActionPlan, SelectedOption: slack.OptionBlockObject{Value: "not a plan"},
			}}},
		})
		if err := e.bot.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(e.rec.all("views.update")); n != 1 {
			t.Errorf("views.update calls = %d, want still 1", n)
		}
	})
}

// requestFor runs one request (typed or through the form) in a fresh bot
// and returns what was created and the approval message's text.
func requestFor(t *testing.T, run func(e *formEnv)) (approvals.Request, string, *formEnv) {
	t.Helper()
	e := newFormEnv(t, nil)
	run(e)
	e.rec.wait(t, "the approval message and the requester told", func() bool {
		return len(e.rec.all("chat.postMessage")) == 1 && len(e.rec.all("response_url")) >= 1
	})
	r := e.rec.all("Create")[0].args["request"].(approvals.Request)
	post := e.rec.all("chat.postMessage")[0]
	text := post.args["text"].(string) + post.args["blocks"].(string)
	return r, strings.ReplaceAll(text, r.ID, "<id>"), e
}

func TestFormSubmissionMatchesTypedCommand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		typed string
		form  submission
	}{
		{"alias", `execute checkout activate us-west-2 --comment “us-east-1 impaired, INC-42”`,
			submission{plan: "checkout", action: "activate", region: "us-west-2", comment: "us-east-1 impaired, INC-42"}},
		{"ARN, deactivate, ungraceful", "execute " + formPlanARN + " deactivate us-east-1 --mode ungraceful --comment 'a & b <c>'",
			submission{plan: formPlanARN, action: "deactivate", regionOf: "us-east-1", mode: "ungraceful", comment: "  a & b <c>\n"}},
		{"multiline comment", `execute checkout activate US-WEST-2 --comment "line one line two"`,
			submission{plan: "checkout", action: "activate", region: " US-WEST-2 ", mode: "graceful", comment: "line one\r\n\r\n  line two\t"}},
		{"no comment", "execute checkout activate us-east-1",
			submission{plan: "checkout", action: "activate", region: "us-east-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typed, typedMsg, _ := requestFor(t, func(e *formEnv) {
				e.bot.Command(context.Background(), formCommand("UREQ1", tc.typed))
			})
			form, formMsg, e := requestFor(t, func(e *formEnv) {
				s := tc.form
				s.meta = e.openForm(t).PrivateMetadata
				if resp := e.bot.Interaction(context.Background(), s.callback()); resp != nil {
					t.Fatalf("valid submission answered %#v, want nil (close the form)", resp)
				}
			})
			typed.ID, form.ID = "", ""
			if !reflect.DeepEqual(form, typed) {
				t.Errorf("the form created\n%+v\nthe typed command created\n%+v", form, typed)
			}
			if formMsg != typedMsg {
				t.Errorf("approval messages differ:\nform:  %s\ntyped: %s", formMsg, typedMsg)
			}
			// The requester hears back where the command came from.
			if told := e.rec.all("response_url"); told[len(told)-1].args["url"] != "https://hooks.slack.com/commands/T1/1/UREQ1" {
				t.Errorf("told through %v, want the command's response_url", told[len(told)-1].args["url"])
			}
		})
	}
}

func TestFormSubmissionIgnoresHostileResponseURL(t *testing.T) {
	e := newFormEnv(t, nil)
	s := submission{meta: `{"channel":"` + formChannel + `","response_url":"file:///etc/passwd"}`, plan: "checkout", action: "activate", region: "us-west-2"}
	if resp := e.bot.Interaction(context.Background(), s.callback()); resp != nil {
		t.Fatalf("answer = %#v, want nil", resp)
	}
	e.rec.wait(t, "the requester told by chat.postEphemeral", func() bool { return len(e.rec.all("chat.postEphemeral")) >= 1 })
	if n := len(e.rec.all("response_url")); n != 0 {
		t.Errorf("posted to a non-http response_url %d times", n)
	}
	if got := e.rec.all("chat.postMessage"); len(got) != 1 || got[0].args["channel"] != formChannel {
		t.Errorf("approval message posts = %v, want one in %s", got, formChannel)
	}
}
