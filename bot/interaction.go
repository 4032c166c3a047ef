package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

var requestIDPattern = regexp.MustCompile(`^[a-z0-9]{4,40}$`)

// Interaction takes a verified interaction payload and returns the body of
// the acknowledgement (nil: an empty 200). It returns at once; the decision
// (Redis) and anything after it (Slack, AWS) run in the background. Only the
// request ID is taken from a button: the stored request is the source of
// truth.
func (b *Bot) Interaction(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		b.blockActions(ctx, cb)
	case slack.InteractionTypeViewSubmission:
		return b.viewSubmission(ctx, cb)
	case slack.InteractionTypeBlockSuggestion:
		return b.blockSuggestion(ctx, cb)
	}
	return nil
}

// blockActions handles button clicks: the approval message's Approve and
// Reject, and the execute form's dynamic fields.
func (b *Bot) blockActions(ctx context.Context, cb slack.InteractionCallback) {
	if cb.View.ID != "" {
		b.formAction(ctx, cb)
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a != nil && (a.ActionID == tracker.ActionStepApprove || a.ActionID == tracker.ActionStepDecline) {
			b.stepDecision(cb, a)
			continue
		}
		if a == nil || (a.ActionID != render.ActionApprove && a.ActionID != render.ActionReject) {
			continue
		}
		id, actionID := a.Value, a.ActionID
		log := b.log.With("request_id", id, "user", cb.User.ID, "action", actionID)
		to := clicker(cb)
		at := messageRef{channel: cb.Container.ChannelID, ts: cb.Container.MessageTs}
		if at.channel == "" {
			at.channel = to.channel
		}
		b.decide("decision", log, func(ctx context.Context) {
			if !requestIDPattern.MatchString(id) {
				log.Warn("button with a malformed request ID")
				b.tellClicker(ctx, log, to, cb.ResponseURL, ":warning: That button does not belong to a request I know. Nothing changed.")
				return
			}
			if actionID == render.ActionApprove {
				b.approve(ctx, log, id, to, at, cb.ResponseURL)
			} else {
				b.reject(ctx, log, id, to, at, cb.ResponseURL)
			}
		})
	}
}

// clicker is who clicked, and in which channel (the message's, when the
// payload names no channel).
func clicker(cb slack.InteractionCallback) asker {
	to := asker{user: cb.User.ID, channel: cb.Channel.ID}
	if to.channel == "" {
		to.channel = cb.Container.ChannelID
	}
	return to
}

// tellClicker answers a click privately: chat.postEphemeral in the channel
// of the message, else the interaction's response_url.
func (b *Bot) tellClicker(ctx context.Context, log *slog.Logger, to asker, responseURL, text string) {
	_, err := b.slack.PostEphemeralContext(ctx, to.channel, to.user, slack.MsgOptionText(text, false))
	if err == nil {
		return
	}
	if responseURL != "" {
		err = b.hook(ctx, responseURL, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false})
	}
	if err != nil {
		log.Error("could not tell the clicker", "err", err)
	}
}

// messageRef locates the message a button was clicked on.
type messageRef struct{ channel, ts string }

// locate fills in where r's approval message is when the store does not
// know yet: a fast click can land before the message's ts is recorded.
func locate(r *approvals.Request, at messageRef) {
	if r != nil && r.MessageTS == "" && at.ts != "" {
		r.ChannelID, r.MessageTS = at.channel, at.ts
	}
}

func (b *Bot) approve(ctx context.Context, log *slog.Logger, id string, to asker, at messageRef, responseURL string) {
	ok, err := b.access.CanApprove(ctx, to.user)
	if err != nil {
		log.Error("approver check failed", "err", err)
		b.tellClicker(ctx, log, to, responseURL, ":warning: I could not check whether you may approve (Slack user group lookup failed). Nothing changed; try again.")
		return
	}
	if !ok {
		b.met.Decision("unauthorized")
		log.Info("approval refused: not an approver")
		b.tellClicker(ctx, log, to, responseURL, ":no_entry: You are not an approver for Region switch executions (APPROVER_USER_IDS / APPROVER_GROUP_IDS). Nothing changed.")
		return
	}
	d, err := b.store.Approve(ctx, id, to.user)
	if err != nil {
		b.met.Decision("store_error")
		log.Error("approval could not be recorded", "err", err)
		b.tellClicker(ctx, log, to, responseURL, storeDown)
		return
	}
	r := d.Request
	locate(r, at)
	b.met.Decision(string(d.Outcome))
	switch d.Outcome {
	case approvals.OutcomeApproved:
		log.Info("request approved; executing", "approvers", r.Approvers)
		b.execute(ctx, log, r)
	case approvals.OutcomeRecorded:
		log.Info("approval recorded", "approvers", r.Approvers, "required", r.ApprovalsRequired)
		b.refreshApproval(ctx, r)
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":ballot_box_with_check: Your approval of `%s` is recorded: %d of %d.", id, len(r.Approvers), r.ApprovalsRequired))
	case approvals.OutcomeSelfApproval:
		log.Info("approval refused: self-approval")
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":no_entry: You requested `%s`, so you can't approve it: the two-person rule needs someone else. Nothing changed.", id))
	case approvals.OutcomeDuplicate:
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":information_source: You already approved `%s`; it needs approval from someone else too. Nothing changed.", id))
	case approvals.OutcomeExpired:
		log.Info("approval refused: expired")
		b.refreshApproval(ctx, r)
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":hourglass: Request `%s` expired and can't be approved. Nothing was executed; request it again if it is still needed.", id))
	case approvals.OutcomeNotFound:
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":warning: Request `%s` no longer exists. Nothing changed.", id))
	default:
		log.Info("approval refused: not pending", "status", r.Status)
		b.tellClicker(ctx, log, to, responseURL, closedText(r))
	}
}

func (b *Bot) reject(ctx context.Context, log *slog.Logger, id string, to asker, at messageRef, responseURL string) {
	// Approvers may reject; anyone else only their own request, which
	// needs the stored requester (one read, only in that case).
	allowed, err := b.access.CanApprove(ctx, to.user)
	if err != nil || !allowed {
		current, gerr := b.store.Get(ctx, id)
		switch {
		case errors.Is(gerr, approvals.ErrNotFound):
			b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":warning: Request `%s` no longer exists. Nothing changed.", id))
			return
		case gerr != nil:
			log.Error("reject: reading the request", "err", gerr)
			b.tellClicker(ctx, log, to, responseURL, storeDown)
			return
		}
		allowed = current.RequesterID == to.user
	}
	if !allowed {
		log.Info("reject refused", "err", err)
		b.tellClicker(ctx, log, to, responseURL, ":no_entry: Only approvers, or the requester withdrawing it, may reject a request. Nothing changed.")
		return
	}
	d, err := b.store.Reject(ctx, id, to.user, "")
	if err != nil {
		log.Error("reject could not be recorded", "err", err)
		b.tellClicker(ctx, log, to, responseURL, storeDown)
		return
	}
	locate(d.Request, at)
	b.met.Decision(string(d.Outcome))
	switch d.Outcome {
	case approvals.OutcomeRejected:
		log.Info("request rejected")
		b.refreshApproval(ctx, d.Request)
		b.notify(ctx, d.Request, fmt.Sprintf(":no_entry_sign: Request `%s` (%s %s `%s`) was Rejected by %s. Nothing was executed.", id, render.Escape(d.Request.PlanName), d.Request.Action, d.Request.TargetRegion, render.Mention(to.user)))
	case approvals.OutcomeExpired:
		b.refreshApproval(ctx, d.Request)
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":hourglass: Request `%s` had already expired. Nothing was executed.", id))
	case approvals.OutcomeNotFound:
		b.tellClicker(ctx, log, to, responseURL, fmt.Sprintf(":warning: Request `%s` no longer exists. Nothing changed.", id))
	default:
		b.tellClicker(ctx, log, to, responseURL, closedText(d.Request))
	}
}

// closedText explains that a request was already decided.
func closedText(r *approvals.Request) string {
	if r == nil {
		return ":warning: That request no longer exists. Nothing changed."
	}
	by := ""
	switch r.Status {
	case approvals.StatusRejected:
		by = " by " + render.Mention(r.DecidedBy)
	case approvals.StatusApproved, approvals.StatusExecuting, approvals.StatusExecuted, approvals.StatusFailed:
		if len(r.Approvers) > 0 {
			by = " (approved by " + render.Mention(r.LastApprover()) + ")"
		}
	}
	return fmt.Sprintf(":information_source: Request `%s` is already %s%s. Your click changed nothing.", r.ID, r.Status, by)
}

// stepDecision handles Approve/Decline on an ARC manual-approval step in an
// execution's thread: an allowed approver's click calls
// ApprovePlanExecutionStep (through the tracker, which reads the plan and
// Region from Redis, never from the button).
func (b *Bot) stepDecision(cb slack.InteractionCallback, a *slack.BlockAction) {
	execID, step, perr := tracker.ParseStepValue(a.Value)
	approve := a.ActionID == tracker.ActionStepApprove
	log := b.log.With("execution_id", execID, "step", step, "user", cb.User.ID, "approve", approve)
	to := clicker(cb)
	b.decide("step", log, func(ctx context.Context) {
		if perr != nil || b.track == nil {
			b.tellClicker(ctx, log, to, cb.ResponseURL, ":warning: That button does not belong to an execution I follow. Nothing changed.")
			return
		}
		allowed, err := b.access.CanApprove(ctx, to.user)
		if err != nil || !allowed {
			log.Info("step decision refused", "err", err)
			b.tellClicker(ctx, log, to, cb.ResponseURL, ":no_entry: Only approvers (APPROVER_USER_IDS / APPROVER_GROUP_IDS) may decide an ARC approval step. Nothing changed.")
			return
		}
		if err := b.track.ApproveStep(ctx, execID, step, to.user, approve); err != nil {
			code, msg := session.Describe(err)
			if errors.Is(err, tracker.ErrNotTracked) {
				code, msg = "NotTracked", "the bot does not follow this execution"
			}
			log.Error("ApprovePlanExecutionStep failed", "err", err)
			b.tellClicker(ctx, log, to, cb.ResponseURL, fmt.Sprintf(":x: The step decision failed: `%s` %s", code, render.Escape(msg)))
			return
		}
		log.Info("step decided")
	})
}
