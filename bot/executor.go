package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/slash"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

// marker tags an execution's comment with the request it came from, so that
// ListPlanExecutions can tell later whether a lost call started anything.
func marker(id string) string { return "[regionswitch-bot request=" + id + " " }

// executionComment is the comment sent to ARC: the user's text, then who
// requested and who approved, and the request ID. It shows up in ARC's
// execution history and in CloudTrail.
func executionComment(r *approvals.Request) string {
	tag := fmt.Sprintf("%srequester=%s approvers=%s]", marker(r.ID), r.RequesterID, strings.Join(r.Approvers, ","))
	if r.BreakGlassReason != "" {
		tag += " BREAK-GLASS: " + r.BreakGlassReason
	}
	if r.Comment == "" {
		return tag
	}
	return r.Comment + " " + tag
}

// worstCaseCommentLen is the length, in characters as ARC counts them, of
// the comment with the longest approver IDs Slack uses, to refuse at
// request time a comment that could not fit later.
func worstCaseCommentLen(r *approvals.Request) int {
	c := *r
	c.Approvers = nil
	for range max(r.ApprovalsRequired, 1) {
		c.Approvers = append(c.Approvers, "U0123456789AB")
	}
	return utf8.RuneCountInString(executionComment(&c))
}

// execute starts the plan for an approved request, exactly once: only the
// caller that moves the request from approved to executing calls AWS, and it
// calls StartPlanExecution once. Everything comes from the stored request.
func (b *Bot) execute(ctx context.Context, log *slog.Logger, r *approvals.Request) {
	if r.IsControl() {
		b.control(ctx, log, r)
		return
	}
	region, code, problem := b.recheck(ctx, r)
	if problem != "" {
		log.Warn("not starting: the plan changed since the request", "code", code, "problem", problem)
		b.met.Execution("refused_on_recheck")
		b.fail(ctx, log, r, code, problem)
		return
	}
	in := session.StartInput{
		PlanARN: r.PlanARN, PlanRegions: r.PlanRegions, Action: r.Action, TargetRegion: r.TargetRegion,
		Mode: r.Mode, Comment: executionComment(r), Approver: r.LastApprover(),
	}
	if n := utf8.RuneCountInString(in.Comment); n > slash.MaxCommentLen {
		b.fail(ctx, log, r, "CommentTooLong", fmt.Sprintf("the execution comment would be %d characters; ARC accepts %d", n, slash.MaxCommentLen))
		return
	}
	wait, ok := b.begin(ctx, log, r)
	if !ok {
		return
	}
	if r.DryRun {
		log.Info("dry run: not calling StartPlanExecution", "region", region)
		b.met.Execution("dry_run")
		if err := b.store.MarkExecuted(ctx, r.ID, approvals.Result{ExecutionRegion: region}); err != nil {
			log.Error("dry run could not be recorded", "err", err)
		}
		r.Status, r.ExecutionRegion = approvals.StatusExecuted, region
		wait()
		b.refreshApproval(ctx, r)
		b.publish(ctx, r, render.DryRun(r, region, map[string]string{
			"planArn": in.PlanARN, "targetRegion": in.TargetRegion, "action": in.Action, "mode": in.Mode, "comment": in.Comment,
		}))
		return
	}
	res, err := b.arc.StartWithFailover(ctx, in, marker(r.ID))
	wait()
	if err != nil {
		code, message := session.Describe(err)
		log.Error("StartPlanExecution failed", "code", code, "err", err)
		b.met.Execution("failed")
		b.fail(ctx, log, r, code, message)
		return
	}
	b.met.Execution("started")
	log.Info("plan execution started", "execution_id", res.ExecutionID, "region", res.Region, "failed_over_from", res.FailedOverFrom, "from_history", res.FromHistory)
	if res.FailedOverFrom != "" {
		b.publish(ctx, r, render.Notice(fmt.Sprintf(":warning: The data plane of %s could not be reached, so execution `%s` was started through %s's data plane (target Region unchanged: %s).", res.FailedOverFrom, res.ExecutionID, res.Region, r.TargetRegion)))
	}
	b.succeed(ctx, log, r, approvals.Result{
		ExecutionID: res.ExecutionID, ExecutionRegion: res.Region, ActivateRegion: res.ActivateRegion,
		DeactivateRegion: res.DeactivateRegion, PlanVersion: res.PlanVersion,
	})
}

// begin moves an approved request to executing, the step that exactly one
// caller wins. The winner gets ok and a wait function: the message says
// "starting" while AWS is called, so Slack's latency stays off the path to
// AWS, and the final update waits for this one so that the message never
// goes back in time. Without the executing mark nothing is sent (fail
// closed).
func (b *Bot) begin(ctx context.Context, log *slog.Logger, r *approvals.Request) (wait func(), ok bool) {
	won, err := b.store.MarkExecuting(ctx, r.ID)
	if err != nil {
		log.Error("could not mark executing; sending nothing to ARC", "err", err)
		b.publish(ctx, r, render.Notice(fmt.Sprintf(":warning: Request `%s` was approved, but the approvals store could not record the start, so *nothing* was sent to ARC. Request it again.", r.ID)))
		return nil, false
	}
	if !won {
		log.Info("another worker is executing this request")
		return nil, false
	}
	r.Status = approvals.StatusExecuting
	return b.refreshAsync(ctx, r), true
}

// recheck reads the plan's live state again at the final approval, in the
// Region that would run the execution, and returns that Region. It returns a
// code and a reason not to start: the plan's version changed since the request (the approvers
// approved another plan), or an execution of the plan is in progress. When
// the plan cannot be read, it does not start either (fail closed); when only
// the execution list cannot be read, ARC's own refusal of a second
// execution is relied on.
func (b *Bot) recheck(ctx context.Context, r *approvals.Request) (region, code, problem string) {
	region, err := session.ExecutionRegion(session.StartInput{PlanARN: r.PlanARN, PlanRegions: r.PlanRegions, Action: r.Action, TargetRegion: r.TargetRegion})
	if err != nil {
		return "", "InvalidPlan", err.Error()
	}
	plan, err := b.arc.GetPlanAnywhere(ctx, r.PlanARN, region)
	if err == nil && plan.AnsweredBy == session.AnsweredByCache {
		err = fmt.Errorf("no Region of the plan answered (only the bot's cache did)")
	}
	if err != nil {
		c, m := session.Describe(err)
		return region, "RecheckFailed", fmt.Sprintf("the plan could not be read again before starting (%s: %s); nothing was started. Request again when ARC answers", c, m)
	}
	if r.PlanVersion != "" && plan.Version != r.PlanVersion {
		return region, "PlanChanged", fmt.Sprintf("the plan changed since the request (version %s, now %s); nothing was started. Request again so that the current version is approved", r.PlanVersion, plan.Version)
	}
	active, err := b.arc.ActiveExecution(ctx, region, r.PlanARN)
	if err != nil {
		// ARC itself refuses to start a plan that has an execution in
		// progress (IllegalStateException), so this pre-check is a courtesy
		// that explains the refusal early; when it cannot run, ARC decides.
		b.log.Warn("could not list the plan's executions before starting; ARC will refuse a second one itself", "request_id", r.ID, "err", err)
		return region, "", ""
	}
	if active != "" {
		return region, "ExecutionInProgress", fmt.Sprintf("execution %s of this plan is already in progress; nothing was started", active)
	}
	return region, "", ""
}

// refreshAsync updates the approval message to a copy of r's current state
// in the background, and returns a function that waits for that update
// (or for ctx to end).
func (b *Bot) refreshAsync(ctx context.Context, r *approvals.Request) (wait func()) {
	snapshot := *r
	done := make(chan struct{})
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer close(done)
		b.refreshApproval(ctx, &snapshot)
	}()
	return func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
}

func (b *Bot) succeed(ctx context.Context, log *slog.Logger, r *approvals.Request, res approvals.Result) {
	if err := b.store.MarkExecuted(ctx, r.ID, res); err != nil {
		log.Error("execution started but could not be recorded", "execution_id", res.ExecutionID, "err", err)
	}
	r.Status = approvals.StatusExecuted
	r.ExecutionID, r.ExecutionRegion = res.ExecutionID, res.ExecutionRegion
	r.ActivateRegion, r.DeactivateRegion, r.ExecutedPlanVersion = res.ActivateRegion, res.DeactivateRegion, res.PlanVersion
	b.refreshApproval(ctx, r)
	result := render.Result(r)
	ts := b.publish(ctx, r, result)
	b.threadNote(ctx, r, result)
	if b.track == nil || res.ExecutionID == "" || r.IsControl() {
		return
	}
	err := b.track.Track(ctx, tracker.Registration{
		ExecutionID: res.ExecutionID, PlanARN: r.PlanARN, Region: res.ExecutionRegion,
		OtherRegion: session.OtherRegion(r.PlanRegions, res.ExecutionRegion), Channel: r.ChannelID, MessageTS: ts,
		RequestID: r.ID, NotifyChannels: b.cfg.NotifyChannels, Headline: result.Text,
	})
	if err != nil {
		log.Error("could not register the execution for tracking", "execution_id", res.ExecutionID, "err", err)
	}
}

func (b *Bot) fail(ctx context.Context, log *slog.Logger, r *approvals.Request, code, message string) {
	if err := b.store.MarkFailed(ctx, r.ID, code, message); err != nil {
		log.Error("could not record the failure", "err", err)
	}
	r.Status = approvals.StatusFailed
	r.ErrorCode, r.ErrorMessage = code, message
	b.refreshApproval(ctx, r)
	result := render.Result(r)
	b.publish(ctx, r, result)
	b.threadNote(ctx, r, result)
}
