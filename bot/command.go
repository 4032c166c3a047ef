package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

// Command answers a verified slash command at once. Bad input, a channel
// where the command is not enabled, and help are answered in the Reply with
// nothing stored; a valid execute is acknowledged and continues in the
// background (plan lookup in AWS, the request in Redis, the approval
// message).
func (b *Bot) Command(ctx context.Context, cmd slack.SlashCommand) Reply {
	id := approvals.NewID()
	log := b.log.With("request_id", id, "user", cmd.UserID, "channel", cmd.ChannelID)
	if !b.access.ChannelAllowed(cmd.ChannelID) {
		log.Info("command refused: channel not allowed")
		return Reply{Text: ":no_entry: `/regionswitch` is not enabled in this channel. Use it in one of the incident channels the bot is configured for (ALLOWED_CHANNEL_IDS). Nothing was done."}
	}
	parsed, err := b.parser.Parse(cmd.Text)
	if err != nil {
		var ue *slash.UsageError
		if errors.As(err, &ue) {
			log.Info("command refused: usage", "problem", ue.Problem)
			return Reply{Text: ue.UserMessage()}
		}
		log.Error("parser failed", "err", err)
		return Reply{Text: ":warning: I could not read that command. " + slash.HelpText()}
	}
	switch c := parsed.(type) {
	case slash.Help:
		return Reply{Text: slash.HelpText()}
	case slash.ExecuteForm:
		return b.openForm(ctx, log, cmd)
	case slash.Execute:
		to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		b.background("request", log, func(ctx context.Context) { b.request(ctx, log, id, to, c) })
		return Reply{Text: fmt.Sprintf(":mag: Checking plan `%s` before asking for approval (request `%s`)…", c.Plan.Raw, id)}
	case slash.Status:
		to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		b.background("status", log, func(ctx context.Context) { b.status(ctx, log, to, c.ExecutionID) })
		return Reply{Text: fmt.Sprintf(":mag: Looking up execution `%s`…", c.ExecutionID)}
	case slash.Control:
		to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		b.background("control", log, func(ctx context.Context) { b.requestControl(ctx, log, id, to, c) })
		return Reply{Text: fmt.Sprintf(":mag: Looking up execution `%s` before asking for approval to %s it (request `%s`)…", c.ExecutionID, c.Op, id)}
	case slash.Pending:
		to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		b.background("pending", log, func(ctx context.Context) { b.pending(ctx, log, to) })
		return Reply{Text: ":mag: Looking up open requests…"}
	case slash.Audit:
		to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		b.background("audit", log, func(ctx context.Context) { b.audit(ctx, log, to, c) })
		return Reply{Text: ":mag: Reading the audit trail…"}
	case slash.Plans:
		to := asker{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		b.background("plans", log, func(ctx context.Context) { b.plans(ctx, log, to) })
		return Reply{Text: ":mag: Listing plans…"}
	default:
		return Reply{Text: fmt.Sprintf(":construction: `%s` is not available in this version of the bot yet. %s", parsed.Name(), render.Escape(slash.Usage("execute")))}
	}
}

// request turns a valid execute into a stored request and an approval
// message. Any failure before the request is stored leaves nothing behind.
func (b *Bot) request(ctx context.Context, log *slog.Logger, id string, to asker, e slash.Execute) {
	if ok, err := b.access.CanRequest(ctx, to.user); err != nil {
		log.Error("requester check failed", "err", err)
		b.tell(ctx, log, to, ":warning: I could not check whether you may request Region switch executions (Slack user group lookup failed). Nothing was created; try again.")
		return
	} else if !ok {
		log.Info("request refused: not a requester")
		b.tell(ctx, log, to, ":no_entry: You are not allowed to request Region switch executions (REQUESTER_USER_IDS / REQUESTER_GROUP_IDS). Nothing was created.")
		return
	}
	if e.BreakGlass != "" && !b.access.CanBreakGlass(to.user) {
		log.Info("request refused: break-glass not allowed")
		b.tell(ctx, log, to, ":no_entry: You are not allowed to use `--break-glass` (BREAK_GLASS_USER_IDS). Nothing was created; request without it and ask a second person to approve.")
		return
	}
	plan, err := b.resolvePlan(ctx, e)
	if err != nil {
		log.Info("request refused: plan", "err", err)
		b.tell(ctx, log, to, planProblem(e, err))
		return
	}
	if !plan.HasRegion(e.Region) {
		msg := fmt.Sprintf(":warning: `%s` is not one of plan *%s*'s Regions (%s). Nothing was created.", e.Region, render.Escape(plan.Name), strings.Join(plan.Regions, ", "))
		if s := slash.Suggest(e.Region, plan.Regions); s != "" {
			msg += fmt.Sprintf(" Did you mean `%s`?", s)
		}
		b.tell(ctx, log, to, msg)
		return
	}
	required := b.approvalsFor(e.Mode)
	r := &approvals.Request{
		ID: id, PlanARN: plan.ARN, PlanName: plan.Name, PlanVersion: plan.Version, PlanRegions: plan.Regions,
		Action: string(e.Action), TargetRegion: e.Region, Mode: string(e.Mode), Comment: e.Comment,
		RequesterID: to.user, ChannelID: to.channel, ApprovalsRequired: required,
		BreakGlassReason: e.BreakGlass, DryRun: e.DryRun || b.cfg.DryRun,
		PlanSource: answeredBy(plan),
	}
	b.evaluate(ctx, log, plan, r)
	if n := worstCaseCommentLen(r); n > slash.MaxCommentLen {
		b.tell(ctx, log, to, fmt.Sprintf(":warning: The comment is too long: with the bot's attribution it would be %d characters, and ARC accepts %d. Shorten it by %d characters. Nothing was created.", n, slash.MaxCommentLen, n-slash.MaxCommentLen))
		return
	}
	b.post(ctx, log, to, r)
}

// post stores a new request and posts its approval message; the requester
// is told, and the incident channels are notified. Any failure leaves
// nothing that could be approved.
func (b *Bot) post(ctx context.Context, log *slog.Logger, to asker, r *approvals.Request) {
	id := r.ID
	if err := b.store.Create(ctx, r); err != nil {
		var busy *approvals.PlanBusyError
		if errors.As(err, &busy) {
			b.tell(ctx, log, to, fmt.Sprintf(":no_entry: Plan *%s* already has an open request (`%s`) %s. One operation per plan: decide that one first. Nothing was created.",
				render.Escape(r.PlanName), busy.RequestID, render.MessageLink(busy.ChannelID, busy.MessageTS)))
			return
		}
		log.Error("could not store the request", "err", err)
		b.tell(ctx, log, to, storeDown)
		return
	}
	log = log.With("plan", r.PlanARN, "action", r.Action, "region", r.TargetRegion)
	_, ts, err := b.slack.PostMessageContext(ctx, to.channel, render.Approval(r).Options()...)
	if err != nil {
		log.Error("could not post the approval message; closing the request", "err", err)
		if _, rerr := b.store.Reject(ctx, id, "system", "the approval message could not be posted"); rerr != nil {
			log.Error("could not close the request", "err", rerr)
		}
		b.tell(ctx, log, to, fmt.Sprintf(":warning: I could not post the approval message in this channel (%v). Invite me with `/invite @regionswitch` or use another channel. The request was closed; nothing will run.", err))
		return
	}
	r.MessageTS = ts
	if err := b.store.SetMessage(ctx, id, to.channel, ts); err != nil {
		log.Error("could not record the approval message", "err", err)
	}
	log.Info("request posted for approval")
	b.tell(ctx, log, to, fmt.Sprintf(":white_check_mark: Request `%s` is posted for approval: %s. It needs %d approval(s) from someone other than you and expires %s.",
		id, render.What(r), r.ApprovalsRequired, r.ExpiresAt.UTC().Format("15:04 UTC")))
	if r.BreakGlassReason != "" {
		b.notify(ctx, r, fmt.Sprintf(":rotating_light: *BREAK-GLASS* request `%s` by %s: *%s* %s `%s` (%s), which they may approve alone. Reason: %s. Approvers: %s %s",
			id, render.Mention(r.RequesterID), render.Escape(r.PlanName), r.Action, r.TargetRegion, r.Mode, render.Escape(r.BreakGlassReason), b.approverMentions(), render.MessageLink(to.channel, ts)))
		return
	}
	b.notify(ctx, r, fmt.Sprintf(":rotating_light: %s requests Region switch %s in <#%s>: request `%s` %s",
		render.Mention(r.RequesterID), render.What(r), r.ChannelID, id, render.MessageLink(to.channel, ts)))
}

// approvalsFor is the number of approvals a request in mode needs.
func (b *Bot) approvalsFor(mode slash.Mode) int {
	if mode == slash.ModeUngraceful {
		return b.cfg.ApprovalsRequiredUngraceful
	}
	return b.cfg.ApprovalsRequired
}

// evaluate adds ARC's evaluation of the plan (GetPlanEvaluationStatus) to
// the request, for the approval message. It is advice for the approvers:
// when it cannot be read, the message says so and the request goes on.
func (b *Bot) evaluate(ctx context.Context, log *slog.Logger, plan session.Plan, r *approvals.Request) {
	region := plan.AnsweredBy
	if region == "" || region == session.AnsweredByCache {
		region = b.arc.QueryRegion(r.Action, r.TargetRegion)
	}
	ev, err := b.arc.EvaluationStatus(ctx, plan.ARN, region)
	if err != nil {
		log.Warn("plan evaluation status unavailable", "err", err)
		r.Evaluation = "unavailable"
		return
	}
	r.Evaluation, r.Warnings = ev.State, ev.Warnings
}

// approverMentions names everyone who may approve, for break-glass notices.
func (b *Bot) approverMentions() string {
	var out []string
	users, groups := b.access.Approvers()
	for _, u := range users {
		out = append(out, render.Mention(u))
	}
	for _, g := range groups {
		out = append(out, "<!subteam^"+g+">")
	}
	if len(out) == 0 {
		return "(no approver list is configured)"
	}
	return strings.Join(out, " ")
}

// resolvePlan finds the plan through the data plane of the Region chosen for
// the action, never through the us-east-1 control plane. When that Region
// does not answer, the plan's other Region, the default Region and finally
// the plan cache in Redis answer (session.GetPlanAnywhere).
func (b *Bot) resolvePlan(ctx context.Context, e slash.Execute) (session.Plan, error) {
	region := b.arc.QueryRegion(string(e.Action), e.Region)
	if e.Plan.Kind == slash.PlanByName {
		return b.arc.FindPlanByNameAnywhere(ctx, e.Plan.Name, region)
	}
	return b.arc.GetPlanAnywhere(ctx, e.Plan.ARN, region)
}

func planProblem(e slash.Execute, err error) string {
	var nf *session.PlanNotFoundError
	if errors.As(err, &nf) {
		msg := fmt.Sprintf(":warning: No plan `%s` is known in %s. Nothing was created.", render.Escape(e.Plan.Raw), nf.Region)
		if s := slash.Suggest(e.Plan.Raw, nf.Known); s != "" {
			msg += fmt.Sprintf(" Did you mean `%s`?", s)
		}
		return msg
	}
	code, message := session.Describe(err)
	return fmt.Sprintf(":warning: I could not read plan `%s` from ARC Region switch: `%s` %s. Nothing was created.", render.Escape(e.Plan.Raw), code, render.Escape(message))
}
