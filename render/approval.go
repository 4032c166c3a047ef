package render

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

// Approval renders the approval message of r in its current state. Buttons
// are shown only while r is pending; every later state replaces them with
// who decided and when.
func Approval(r *approvals.Request) Message {
	headline := headline(r)
	var blocks []slack.Block
	blocks = append(blocks,
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, headerText(r), true, false)),
		Section(headline),
		fields(
			"Requested by", Mention(r.RequesterID),
			"Plan", PlanLabel(r),
			"Action", fmt.Sprintf("*%s* `%s`", r.Action, r.TargetRegion),
			"Mode", modeText(r.Mode),
			"Plan version", code(r.PlanVersion),
			"Approvals", approvalsText(r),
			"Plan evaluation", evaluationText(r),
		),
	)
	if len(r.Warnings) > 0 {
		var b strings.Builder
		b.WriteString(":warning: *ARC's plan evaluation warnings*")
		for i, w := range r.Warnings {
			if i == 10 {
				fmt.Fprintf(&b, "\n… and %d more", len(r.Warnings)-i)
				break
			}
			b.WriteString("\n• " + clip(Escape(w), 250))
		}
		blocks = append(blocks, Section(b.String()))
	}
	if r.Comment != "" {
		blocks = append(blocks, Section("*Comment*\n>"+clip(strings.ReplaceAll(Escape(r.Comment), "\n", "\n>"), 2900)))
	}
	if r.BreakGlassReason != "" {
		blocks = append(blocks, Section(":rotating_light: *BREAK-GLASS request* — the requester may approve it alone. Reason: "+clip(Escape(r.BreakGlassReason), 2800)))
	}
	if r.DryRun {
		blocks = append(blocks, Section(":test_tube: *Dry run*: approval runs the whole flow, but StartPlanExecution is not called."))
	}
	if r.Status == approvals.StatusPending {
		blocks = append(blocks, buttons(r))
	}
	ctxLine := fmt.Sprintf("Request `%s` · expires %s", r.ID, slackDate(r.ExpiresAt))
	if r.PlanSource != "" {
		ctxLine += " · plan read from " + Escape(r.PlanSource)
	}
	blocks = append(blocks, ContextLine(ctxLine))
	return Message{Text: headline, Blocks: blocks}
}

// What says in a few words what r asks for, in mrkdwn: the plan, action,
// Region and mode, or the operator action and the execution it is for.
func What(r *approvals.Request) string {
	if r.IsControl() {
		return fmt.Sprintf("*%s* execution `%s` of *%s* (%s, in %s)", r.Operation, r.TargetExecutionID, Escape(planName(r)), r.Action, r.TargetRegion)
	}
	return fmt.Sprintf("*%s* %s `%s` (%s)", Escape(planName(r)), r.Action, r.TargetRegion, r.Mode)
}

func headerText(r *approvals.Request) string {
	verb := "Region switch"
	if r.IsControl() {
		verb += " " + r.Operation
		if r.Status == approvals.StatusExecuted {
			return verb + ": " + pastTense(r.Operation)
		}
	}
	switch r.Status {
	case approvals.StatusPending:
		return verb + ": approval needed"
	case approvals.StatusApproved:
		return verb + ": Approved"
	case approvals.StatusExecuting:
		return verb + ": Approved, starting"
	case approvals.StatusExecuted:
		if r.DryRun {
			return verb + ": Dry run done"
		}
		return verb + ": Started"
	case approvals.StatusFailed:
		return verb + ": Failed"
	case approvals.StatusRejected:
		return verb + ": Rejected"
	case approvals.StatusExpired:
		return verb + ": Expired"
	}
	return verb + ": " + string(r.Status)
}

// headline is the one line that says where the request stands, used as the
// message's fallback text too.
func headline(r *approvals.Request) string {
	what := What(r)
	if r.IsControl() {
		if r.Status == approvals.StatusExecuted {
			return fmt.Sprintf(":white_check_mark: Approved by %s: %s. Done: %s.", mentions(r.Approvers), what, pastTense(r.Operation))
		}
	}
	switch r.Status {
	case approvals.StatusPending:
		return fmt.Sprintf(":hourglass_flowing_sand: %s requests %s. Waiting for %s.", Mention(r.RequesterID), what, waitingFor(r))
	case approvals.StatusApproved, approvals.StatusExecuting:
		return fmt.Sprintf(":white_check_mark: Approved by %s: %s. Starting the plan execution…", mentions(r.Approvers), what)
	case approvals.StatusExecuted:
		if r.DryRun {
			return fmt.Sprintf(":test_tube: Approved by %s: %s. Dry run: StartPlanExecution was not called.", mentions(r.Approvers), what)
		}
		return fmt.Sprintf(":white_check_mark: Approved by %s: %s. Started execution `%s` in %s.", mentions(r.Approvers), what, r.ExecutionID, r.ExecutionRegion)
	case approvals.StatusFailed:
		return fmt.Sprintf(":x: Approved by %s: %s. Failed: `%s` %s", mentions(r.Approvers), what, r.ErrorCode, clip(Escape(r.ErrorMessage), 1500))
	case approvals.StatusRejected:
		reason := ""
		if r.Reason != "" {
			reason = " Reason: " + clip(Escape(r.Reason), 1500)
		}
		return fmt.Sprintf(":no_entry_sign: Rejected by %s: %s.%s", Mention(r.DecidedBy), what, reason)
	case approvals.StatusExpired:
		return fmt.Sprintf(":hourglass: Expired: %s was not approved before %s. Nothing was executed.", what, slackDate(r.ExpiresAt))
	}
	return what + ": " + string(r.Status)
}

func waitingFor(r *approvals.Request) string {
	need := r.ApprovalsRequired
	if need <= 0 {
		need = 1
	}
	if need == 1 {
		return "one approval from someone other than the requester"
	}
	return fmt.Sprintf("%d approvals from people other than the requester", need)
}

func approvalsText(r *approvals.Request) string {
	need := r.ApprovalsRequired
	if need <= 0 {
		need = 1
	}
	s := fmt.Sprintf("%d of %d", len(r.Approvers), need)
	if len(r.Approvers) > 0 {
		s += ": " + mentions(r.Approvers)
	}
	return s
}

func evaluationText(r *approvals.Request) string {
	switch r.Evaluation {
	case "":
		return ""
	case "passed":
		return ":white_check_mark: passed"
	case "unavailable":
		return ":grey_question: unavailable"
	}
	return ":warning: " + Escape(r.Evaluation)
}

func modeText(mode string) string {
	if mode == "ungraceful" {
		return ":warning: *ungraceful*"
	}
	return mode
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func buttons(r *approvals.Request) *slack.ActionBlock {
	approve := slack.NewButtonBlockElement(ActionApprove, r.ID, slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
	approve.Style = slack.StylePrimary
	title, body := "Approve this Region switch?", fmt.Sprintf("This starts plan %s: %s %s (%s mode).", planName(r), r.Action, r.TargetRegion, r.Mode)
	if r.Mode == "ungraceful" {
		title = "Approve an UNGRACEFUL switch?"
		body += " Ungraceful mode skips graceful steps and can drop in-flight work."
	}
	approve.Confirm = slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		slack.NewTextBlockObject(slack.PlainTextType, body, false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
	)
	reject := slack.NewButtonBlockElement(ActionReject, r.ID, slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false))
	reject.Style = slack.StyleDanger
	return slack.NewActionBlock(BlockDecision, approve, reject)
}

func pastTense(op string) string {
	switch op {
	case approvals.OperationCancel:
		return "Canceled"
	case approvals.OperationPause:
		return "Paused"
	case approvals.OperationResume:
		return "Resumed"
	}
	return op
}
