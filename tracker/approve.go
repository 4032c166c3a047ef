package tracker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/session"
)

// ErrNotTracked says that the tracker knows no execution with that ID (it
// was never tracked, or its state has expired from Redis).
var ErrNotTracked = errors.New("execution is not tracked")

// maxValue is Slack's limit on a button's value.
const maxValue = 2000

// StepValue is the value of an approval prompt's buttons: the execution ID
// and the step name, separated by "|". Execution IDs never contain "|";
// step names may.
func StepValue(executionID, step string) string { return executionID + "|" + step }

// ParseStepValue splits a button value made by StepValue. It fails on
// anything else; the result is still only a claim from a Slack payload:
// ApproveStep reads everything else from the tracker's own state.
func ParseStepValue(value string) (executionID, step string, err error) {
	executionID, step, ok := strings.Cut(value, "|")
	if !ok || executionID == "" || step == "" || len(value) > maxValue || strings.ContainsAny(executionID, " \t\r\n{}") {
		return "", "", fmt.Errorf("invalid step button value %q", value)
	}
	return executionID, step, nil
}

// ApproveStep approves (or, with approve false, declines) a manual-approval
// step of a tracked execution with ApprovePlanExecutionStep, in the
// Region the execution was started in, with a comment naming the Slack
// approver. The outcome is posted in the execution's thread, and the
// approval prompt loses its buttons when ARC took the decision.
//
// Authorization is the caller's job: check that approverUserID may decide
// before calling. Errors: ErrNotTracked for an unknown execution, a
// wrapped ARC error (session.Describe gives its code and message) when ARC
// refused or did not answer, or a Redis error.
func (t *Tracker) ApproveStep(ctx context.Context, executionID, stepName, approverUserID string, approve bool) error {
	if stepName == "" || approverUserID == "" {
		return fmt.Errorf("approve step of execution %s: step name and approver are required", executionID)
	}
	rec, err := t.store.load(ctx, executionID)
	if err != nil {
		return err
	}
	if rec == nil {
		return fmt.Errorf("approve step %q of execution %s: %w", stepName, executionID, ErrNotTracked)
	}
	log := t.log.With("execution_id", executionID, "request_id", rec.RequestID, "step", stepName, "approver", approverUserID, "approve", approve)
	comment := approvalComment(rec, approverUserID, approve)
	actx, cancel := context.WithTimeout(ctx, t.opts.RegionTimeout)
	arcErr := t.arc.ApproveStep(actx, StepDecision{
		Region: rec.Region, PlanARN: rec.PlanARN, ExecutionID: executionID, Step: stepName,
		Approver: approverUserID, Comment: comment, Approve: approve,
	})
	cancel()

	pctx, cancel := detached(ctx, slackTimeout)
	defer cancel()
	if arcErr != nil {
		code, message := session.Describe(arcErr)
		log.ErrorContext(ctx, "ApprovePlanExecutionStep failed", "code", code, "err", arcErr)
		t.reply(pctx, log, rec, decisionFailedMessage(stepName, approverUserID, approve, code, message).Options())
		return fmt.Errorf("approve step %q of execution %s: %w", stepName, executionID, arcErr)
	}
	log.InfoContext(ctx, "manual approval step decided")
	decided := decisionMessage(stepName, approverUserID, approve)
	if ts := rec.askTS[stepName]; ts != "" {
		if _, _, _, err := t.slack.UpdateMessageContext(pctx, rec.Channel, ts, decided.Options()...); err != nil {
			log.WarnContext(pctx, "updating the approval prompt", "err", err)
		}
	}
	t.reply(pctx, log, rec, decided.Options())
	return nil
}

// approvalComment is the comment ARC records with the decision.
func approvalComment(rec *record, userID string, approve bool) string {
	verb := "Declined"
	if approve {
		verb = "Approved"
	}
	c := fmt.Sprintf("%s in Slack by user %s via regionswitch-bot", verb, userID)
	if rec.RequestID != "" {
		c += " (request " + rec.RequestID + ")"
	}
	return c
}

// reply posts in the execution's thread; a failure is logged.
func (t *Tracker) reply(ctx context.Context, log *slog.Logger, rec *record, opts []slack.MsgOption) {
	opts = append(opts, slack.MsgOptionTS(rec.MessageTS))
	if _, _, err := t.slack.PostMessageContext(ctx, rec.Channel, opts...); err != nil {
		log.ErrorContext(ctx, "posting in the execution's thread", "err", err)
	}
}
