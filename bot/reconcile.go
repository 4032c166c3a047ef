package bot

import (
	"context"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

// RunReconciler resolves requests left behind by a process that stopped
// mid-flight, at once and then every ReconcileInterval, until ctx ends. A
// Redis lease makes one replica at a time do it.
func (b *Bot) RunReconciler(ctx context.Context) {
	t := time.NewTicker(b.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		b.Reconcile(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reconcile resolves, once, every request that has sat in executing or
// approved for longer than ReconcileGrace:
//
//   - executing: the process died during or just after StartPlanExecution.
//     ListPlanExecutions, looking for this request's ID in the comment,
//     tells what happened: found → executed, with the result posted; not
//     found → failed, and the channel is told nothing was started. It never
//     calls StartPlanExecution.
//   - approved: the process died before moving the request to executing,
//     so StartPlanExecution was never called: failed, and the channel is
//     told to request again.
//
// When ARC cannot be asked, the request stays executing and is tried again
// next time.
func (b *Bot) Reconcile(ctx context.Context) {
	release, ok, err := b.store.Lease(ctx, "reconciler", b.cfg.ReconcileInterval)
	if err != nil {
		b.log.Warn("reconciler: lease", "err", err)
		return
	}
	if !ok {
		b.log.Debug("reconciler: another replica holds the lease")
		return
	}
	defer release(ctx)
	cutoff := b.cfg.Now().Add(-b.cfg.ReconcileGrace)
	executing, err := b.store.InState(ctx, approvals.StatusExecuting)
	if err != nil {
		b.log.Warn("reconciler: listing executing requests", "err", err)
		return
	}
	b.log.Debug("reconciler: executing requests", "count", len(executing), "cutoff", cutoff)
	for _, r := range executing {
		if r.UpdatedAt.After(cutoff) {
			continue
		}
		b.resolveExecuting(ctx, r)
	}
	approved, err := b.store.InState(ctx, approvals.StatusApproved)
	if err != nil {
		b.log.Warn("reconciler: listing approved requests", "err", err)
		return
	}
	for _, r := range approved {
		if r.UpdatedAt.After(cutoff) {
			continue
		}
		log := b.log.With("request_id", r.ID, "plan", r.PlanARN)
		log.Warn("reconciler: approved request was never started; closing it")
		b.fail(ctx, log, r, "NotStarted", "the request was approved, but the bot stopped before starting it. Nothing was started; request it again if it is still needed.")
	}
}

func (b *Bot) resolveExecuting(ctx context.Context, r *approvals.Request) {
	log := b.log.With("request_id", r.ID, "plan", r.PlanARN)
	in := session.StartInput{PlanARN: r.PlanARN, PlanRegions: r.PlanRegions, Action: r.Action, TargetRegion: r.TargetRegion}
	region, err := session.ExecutionRegion(in)
	if err != nil {
		b.fail(ctx, log, r, "InvalidPlan", err.Error())
		return
	}
	found, err := b.arc.FindExecution(ctx, region, r.PlanARN, marker(r.ID))
	if err != nil {
		log.Warn("reconciler: cannot ask ARC yet; will retry", "err", err)
		return
	}
	if found == nil {
		log.Warn("reconciler: no execution for this request; marking failed")
		b.fail(ctx, log, r, "NotStarted", "the bot stopped while starting this execution, and ListPlanExecutions shows no execution for this request: nothing was started. Request it again if it is still needed.")
		return
	}
	log.Info("reconciler: found the execution started before the bot stopped", "execution_id", found.ID)
	activate, deactivate := session.SwitchRegions(r.Action, r.TargetRegion, r.PlanRegions)
	b.succeed(ctx, log, r, approvals.Result{
		ExecutionID: found.ID, ExecutionRegion: region, ActivateRegion: activate,
		DeactivateRegion: deactivate, PlanVersion: found.Version,
	})
}
