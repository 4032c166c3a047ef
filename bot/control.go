package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

// errNoExecution says no known plan has an execution with that ID.
var errNoExecution = errors.New("no execution with that ID in any plan the bot knows")

// locate finds an execution: through the tracker's registry when the bot
// started it, else in the history of every plan the bot knows. It asks the
// execution's Region, with the plan's other Region as fallback.
func (b *Bot) locate(ctx context.Context, execID string) (session.Execution, session.Plan, error) {
	if b.track != nil {
		if reg, err := b.track.Lookup(ctx, execID); err == nil {
			e, err := b.arc.GetExecution(ctx, reg.PlanARN, execID, reg.Region, reg.OtherRegion)
			if err != nil {
				return session.Execution{}, session.Plan{}, err
			}
			// The bot started it: its request knows the plan's name.
			p := session.Plan{ARN: reg.PlanARN, Regions: []string{reg.Region, reg.OtherRegion}}
			if r, rerr := b.store.Get(ctx, reg.RequestID); rerr == nil {
				p.Name, p.Version = r.PlanName, r.PlanVersion
			}
			return e, p, nil
		}
	}
	plans, err := b.arc.ListKnownPlans(ctx)
	if err != nil && len(plans) == 0 {
		return session.Execution{}, session.Plan{}, err
	}
	// An execution belongs to the Region it was started in: the other
	// Region's data plane does not know it, so ask each.
	for _, p := range plans {
		for _, region := range p.Regions {
			if e, err := b.arc.GetExecution(ctx, p.ARN, execID, region, ""); err == nil {
				return e, p, nil
			}
		}
	}
	return session.Execution{}, session.Plan{}, errNoExecution
}

// status tells the user where an execution stands: state, Regions, steps.
func (b *Bot) status(ctx context.Context, log *slog.Logger, to asker, execID string) {
	e, p, err := b.locate(ctx, execID)
	if err != nil {
		b.tell(ctx, log, to, notFoundText(execID, err))
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "*Execution `%s`* of *%s*: *%s*\n%s `%s` (%s), started in %s %s", e.ID, render.Escape(p.Name), render.Escape(e.State),
		e.Action, targetOf(e, p), e.Mode, e.Region, since(e.StartTime, e.EndTime))
	for i, st := range e.Steps {
		if i == 20 {
			fmt.Fprintf(&sb, "\n… and %d more steps", len(e.Steps)-i)
			break
		}
		fmt.Fprintf(&sb, "\n• %s: %s", render.Escape(st.Name), render.Escape(st.Status))
	}
	fmt.Fprintf(&sb, "\n_Answered by the data plane of %s._", e.AnsweredBy)
	b.tell(ctx, log, to, sb.String())
}

func targetOf(e session.Execution, p session.Plan) string {
	if e.Action == "activate" {
		return e.Region
	}
	return p.OtherRegion(e.Region)
}

func since(start, end time.Time) string {
	if start.IsZero() {
		return ""
	}
	if end.IsZero() {
		return fmt.Sprintf("%s ago", time.Since(start).Round(time.Second))
	}
	return fmt.Sprintf("and ran %s", end.Sub(start).Round(time.Second))
}

func notFoundText(execID string, err error) string {
	if errors.Is(err, errNoExecution) {
		return fmt.Sprintf(":warning: I found no execution `%s` in the plans I know (PLAN_ALIASES and the plans my Regions list). Nothing was done.", render.Escape(execID))
	}
	code, msg := session.Describe(err)
	return fmt.Sprintf(":warning: I could not read execution `%s` from ARC: `%s` %s. Nothing was done.", render.Escape(execID), code, render.Escape(msg))
}

// requestControl turns cancel, pause or resume into a request that a second
// person approves, exactly like an execution.
func (b *Bot) requestControl(ctx context.Context, log *slog.Logger, id string, to asker, c slash.Control) {
	if ok, err := b.access.CanRequest(ctx, to.user); err != nil || !ok {
		log.Info("control refused: not a requester", "err", err)
		b.tell(ctx, log, to, ":no_entry: You are not allowed to request Region switch operations (REQUESTER_USER_IDS / REQUESTER_GROUP_IDS), or I could not check. Nothing was created.")
		return
	}
	e, p, err := b.locate(ctx, c.ExecutionID)
	if err != nil {
		b.tell(ctx, log, to, notFoundText(c.ExecutionID, err))
		return
	}
	if session.FinalState(e.State) {
		b.tell(ctx, log, to, fmt.Sprintf(":information_source: Execution `%s` is already over (%s). Nothing was created.", e.ID, render.Escape(e.State)))
		return
	}
	r := &approvals.Request{
		ID: id, Operation: string(c.Op), TargetExecutionID: e.ID,
		PlanARN: p.ARN, PlanName: p.Name, PlanVersion: e.Version, PlanRegions: p.Regions,
		Action: e.Action, TargetRegion: e.Region, Mode: e.Mode,
		RequesterID: to.user, ChannelID: to.channel, ApprovalsRequired: b.cfg.ApprovalsRequired,
		DryRun: b.cfg.DryRun,
	}
	b.post(ctx, log, to, r)
}

// control runs an approved cancel, pause or resume once, in the Region the
// execution belongs to.
func (b *Bot) control(ctx context.Context, log *slog.Logger, r *approvals.Request) {
	wait, ok := b.begin(ctx, log, r)
	if !ok {
		return
	}
	if r.DryRun {
		log.Info("dry run: not sending the operator action", "operation", r.Operation)
		b.met.Execution("dry_run")
		if err := b.store.MarkExecuted(ctx, r.ID, approvals.Result{ExecutionRegion: r.TargetRegion}); err != nil {
			log.Error("dry run could not be recorded", "err", err)
		}
		r.Status, r.ExecutionRegion = approvals.StatusExecuted, r.TargetRegion
		wait()
		b.refreshApproval(ctx, r)
		b.publish(ctx, r, render.Notice(fmt.Sprintf(":test_tube: *Dry run* (DRY_RUN): %s was approved, and nothing was sent to ARC.", render.What(r))))
		return
	}
	err := b.arc.Control(ctx, r.Operation, r.TargetRegion, r.PlanARN, r.TargetExecutionID, r.LastApprover(), executionComment(r))
	wait()
	if err != nil {
		code, msg := session.Describe(err)
		log.Error("operator action failed", "operation", r.Operation, "code", code, "err", err)
		b.met.Execution("failed")
		b.fail(ctx, log, r, code, msg)
		return
	}
	b.met.Execution(r.Operation)
	log.Info("operator action done", "operation", r.Operation, "execution_id", r.TargetExecutionID)
	b.succeed(ctx, log, r, approvals.Result{ExecutionID: r.TargetExecutionID, ExecutionRegion: r.TargetRegion})
}
