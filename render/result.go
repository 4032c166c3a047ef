package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

// Result renders the post that announces the outcome of an approved
// request: Started (with executionId, plan, plan version and both Regions),
// a dry run, or Failed (with AWS's error code and message).
func Result(r *approvals.Request) Message {
	var text string
	switch {
	case r.IsControl() && r.Status == approvals.StatusExecuted:
		text = fmt.Sprintf(":white_check_mark: *%s* execution `%s` of %s. Requested by %s, approved by %s.",
			pastTense(r.Operation), r.TargetExecutionID, PlanLabel(r), Mention(r.RequesterID), mentions(r.Approvers))
	case r.IsControl():
		text = fmt.Sprintf(":x: *Failed* to %s execution `%s` of %s: `%s` %s. Requested by %s, approved by %s. This request is closed.",
			r.Operation, r.TargetExecutionID, PlanLabel(r), r.ErrorCode, clip(Escape(r.ErrorMessage), 1500), Mention(r.RequesterID), mentions(r.Approvers))
	case r.Status == approvals.StatusExecuted && r.DryRun:
		text = fmt.Sprintf(":test_tube: *Dry run* of %s: StartPlanExecution was not called. It would have been sent to %s with planArn `%s`, action `%s`, targetRegion `%s`, mode `%s`.",
			PlanLabel(r), r.ExecutionRegion, r.PlanARN, r.Action, r.TargetRegion, r.Mode)
	case r.Status == approvals.StatusExecuted:
		text = fmt.Sprintf(":rocket: *Started* plan execution `%s` of %s, plan version `%s`: activate *%s*, deactivate *%s*. Requested by %s, approved by %s.",
			r.ExecutionID, PlanLabel(r), r.ExecutedPlanVersion, r.ActivateRegion, r.DeactivateRegion, Mention(r.RequesterID), mentions(r.Approvers))
	default:
		text = fmt.Sprintf(":x: *Failed* to start %s (%s `%s`): `%s` %s. Requested by %s, approved by %s. This request is closed; nothing will run it again.",
			PlanLabel(r), r.Action, r.TargetRegion, r.ErrorCode, clip(Escape(r.ErrorMessage), 1500), Mention(r.RequesterID), mentions(r.Approvers))
	}
	blocks := []slack.Block{
		Section(text),
		ContextLine(fmt.Sprintf("Request `%s`", r.ID)),
	}
	return Message{Text: text, Blocks: blocks}
}

// DryRun renders the post for a dry run: the exact StartPlanExecution
// request the bot would have sent, and to which Region's data plane.
func DryRun(r *approvals.Request, region string, input map[string]string) Message {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(input)
	body := strings.TrimSpace(buf.String())
	text := fmt.Sprintf(":test_tube: *Dry run* of %s, approved by %s: StartPlanExecution was not called. It would have been sent to the data plane of *%s* with:",
		PlanLabel(r), mentions(r.Approvers), region)
	blocks := []slack.Block{
		Section(text),
		Section("```" + clip(Escape(body), 2800) + "```"),
		ContextLine(fmt.Sprintf("Request `%s`", r.ID)),
	}
	return Message{Text: text + " " + body, Blocks: blocks}
}

// Notice renders a short announcement for the incident channels.
func Notice(text string) Message {
	return Message{Text: text, Blocks: []slack.Block{Section(text)}}
}
