package tracker

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/render"
)

// The words and layout of what the tracker posts. Everything that comes
// from ARC (step names, descriptions, errors, state values) is escaped, so
// it cannot mention anyone or link anywhere.

// stateLabels name the execution states this SDK knows. Any other value is
// shown as ARC sent it.
var stateLabels = map[types.ExecutionState]string{
	types.ExecutionStateInProgress:                           "In progress",
	types.ExecutionStatePausedByFailedStep:                   "Paused by a failed step",
	types.ExecutionStatePausedByOperator:                     "Paused by an operator",
	types.ExecutionStateCompleted:                            "Completed",
	types.ExecutionStateCompletedWithExceptions:              "Completed with exceptions",
	types.ExecutionStateCancelled:                            "Canceled",
	types.ExecutionStatePlanExecutionTimedOut:                "Timed out",
	types.ExecutionStatePendingManualApproval:                "Waiting for manual approval",
	types.ExecutionStateFailed:                               "Failed",
	types.ExecutionStatePending:                              "Pending",
	types.ExecutionStateCompletedMonitoringApplicationHealth: "Completed, monitoring application health",
}

func stateLabel(state string) string {
	if l, ok := stateLabels[types.ExecutionState(state)]; ok {
		return l
	}
	if state == "" {
		return "unknown"
	}
	return "`" + render.Escape(state) + "`"
}

// summaryEmoji marks the final states.
var summaryEmoji = map[types.ExecutionState]string{
	types.ExecutionStateCompleted:               ":white_check_mark:",
	types.ExecutionStateCompletedWithExceptions: ":warning:",
	types.ExecutionStateFailed:                  ":x:",
	types.ExecutionStateCancelled:               ":no_entry_sign:",
	types.ExecutionStatePlanExecutionTimedOut:   ":hourglass:",
}

// eventEmoji marks event types; others get a neutral bullet.
var eventEmoji = map[types.ExecutionEventType]string{
	types.ExecutionEventTypeExecutionStarted:                     ":arrow_forward:",
	types.ExecutionEventTypeExecutionSucceeded:                   ":white_check_mark:",
	types.ExecutionEventTypeExecutionFailed:                      ":x:",
	types.ExecutionEventTypeExecutionCanceled:                    ":no_entry_sign:",
	types.ExecutionEventTypeExecutionPaused:                      ":double_vertical_bar:",
	types.ExecutionEventTypeExecutionPendingApproval:             ":raised_hand:",
	types.ExecutionEventTypeStepStarted:                          ":arrow_forward:",
	types.ExecutionEventTypeStepSucceeded:                        ":white_check_mark:",
	types.ExecutionEventTypeStepFailed:                           ":x:",
	types.ExecutionEventTypeStepSkipped:                          ":fast_forward:",
	types.ExecutionEventTypeStepCanceled:                         ":no_entry_sign:",
	types.ExecutionEventTypeStepPausedByError:                    ":double_vertical_bar:",
	types.ExecutionEventTypeStepPausedByOperator:                 ":double_vertical_bar:",
	types.ExecutionEventTypeStepPendingApproval:                  ":raised_hand:",
	types.ExecutionEventTypePlanEvaluationWarning:                ":warning:",
	types.ExecutionEventTypeExecutionBehaviorChangedToUngraceful: ":warning:",
}

// eventMessage is the thread reply for one execution event.
func eventMessage(ev Event) render.Message {
	emoji, ok := eventEmoji[types.ExecutionEventType(ev.Type)]
	if !ok {
		emoji = ":small_blue_diamond:"
	}
	var b strings.Builder
	b.WriteString(emoji)
	if ev.Step != "" {
		fmt.Fprintf(&b, " *%s*", render.Escape(ev.Step))
	}
	fmt.Fprintf(&b, " `%s`", render.Escape(orUnknown(ev.Type)))
	if ev.Description != "" {
		b.WriteString(": " + render.Escape(ev.Description))
	}
	if ev.Error != "" {
		b.WriteString("\n:warning: " + render.Escape(ev.Error))
	}
	if !ev.At.IsZero() {
		fmt.Fprintf(&b, " (%s)", clock(ev.At))
	}
	return render.Notice(b.String())
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// clock renders t as a time of day in each reader's time zone.
func clock(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{time_secs}|%s>", t.Unix(), t.UTC().Format("15:04:05 UTC"))
}

// resent marks a message that an earlier attempt may already have posted.
func resent(m render.Message) render.Message {
	note := "_Sent again after an interruption: it may appear twice._"
	m.Text = note + " " + m.Text
	m.Blocks = append([]slack.Block{render.ContextLine(note)}, m.Blocks...)
	return m
}

// resultMessage is the result message with the execution's current status.
func resultMessage(rec *record, status string) render.Message {
	headline := rec.Headline
	if headline == "" {
		headline = fmt.Sprintf(":rocket: Plan execution `%s` of `%s`", render.Escape(rec.ExecutionID), render.Escape(rec.PlanARN))
	}
	blocks := []slack.Block{render.Section(headline), render.ContextLine(status)}
	if rec.RequestID != "" {
		blocks = append(blocks, render.ContextLine(fmt.Sprintf("Request `%s`", render.Escape(rec.RequestID))))
	}
	return render.Message{Text: headline + "\n" + status, Blocks: blocks}
}

// statusLine is the state, current step and elapsed time (the exact
// duration once final).
func statusLine(exec Execution, step string, now time.Time, final bool) string {
	parts := []string{"*State:* " + stateLabel(exec.State)}
	if step != "" && !final {
		parts = append(parts, "*Step:* "+render.Escape(step))
	}
	if final {
		parts = append(parts, "*Duration:* "+formatDuration(duration(exec, now)))
	} else {
		parts = append(parts, "*Elapsed:* "+formatElapsed(duration(exec, now)))
	}
	return strings.Join(parts, " · ")
}

// currentStep is the step running or waiting, else the step of the latest
// event that names one.
func currentStep(exec Execution, events []Event) string {
	for _, s := range exec.Steps {
		switch types.StepStatus(s.Status) {
		case types.StepStatusRunning, types.StepStatusPendingApproval:
			return s.Name
		}
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Step != "" {
			return events[i].Step
		}
	}
	return ""
}

// waits reports whether ev says that its step waits for a manual approval.
func waits(ev Event) bool {
	return ev.Type == string(types.ExecutionEventTypeStepPendingApproval) ||
		(ev.BlockType == string(types.ExecutionBlockTypeExecutionApproval) && ev.Type == string(types.ExecutionEventTypeStepStarted))
}

// waitingSteps are the steps that wait for a manual approval: those whose
// latest event says so, and in state pendingManualApproval those ARC's step
// states mark pendingApproval. In that state with no step known, it is
// [""]: the approval cannot be asked for with buttons.
func waitingSteps(exec Execution, events []Event) []string {
	latest := map[string]Event{}
	var order []string
	for _, ev := range events {
		if ev.Step == "" {
			continue
		}
		if _, seen := latest[ev.Step]; !seen {
			order = append(order, ev.Step)
		}
		latest[ev.Step] = ev
	}
	var out []string
	has := map[string]bool{}
	for _, step := range order {
		if waits(latest[step]) {
			out = append(out, step)
			has[step] = true
		}
	}
	if exec.State != string(types.ExecutionStatePendingManualApproval) {
		return out
	}
	for _, s := range exec.Steps {
		if s.Status == string(types.StepStatusPendingApproval) && s.Name != "" && !has[s.Name] {
			out = append(out, s.Name)
			has[s.Name] = true
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// Action and block IDs of the approval prompt's buttons. A button's value
// is StepValue(executionID, step) and nothing else: everything else is read
// from the tracker's state.
const (
	ActionStepApprove = "rs_step_approve"
	ActionStepDecline = "rs_step_decline"
	BlockStepDecision = "rs_step_decision"
)

// askMessage is the prompt, in the thread, to approve or decline step.
func askMessage(rec *record, step string) render.Message {
	if step == "" {
		text := fmt.Sprintf(":raised_hand: Plan execution `%s` waits for a manual approval, but ARC did not say which step. Approve or decline it in the ARC console.", render.Escape(rec.ExecutionID))
		return render.Notice(text)
	}
	name := render.Escape(step)
	text := fmt.Sprintf(":raised_hand: Step *%s* of plan execution `%s` waits for manual approval.", name, render.Escape(rec.ExecutionID))
	value := StepValue(rec.ExecutionID, step)
	approve := slack.NewButtonBlockElement(ActionStepApprove, value, plain("Approve"))
	approve.Style = slack.StylePrimary
	approve.Confirm = slack.NewConfirmationBlockObject(plain("Approve this step?"),
		plain(fmt.Sprintf("ARC continues the execution past step %s.", render.Truncate(step, 200))), plain("Approve"), plain("Cancel"))
	decline := slack.NewButtonBlockElement(ActionStepDecline, value, plain("Decline"))
	decline.Style = slack.StyleDanger
	decline.Confirm = slack.NewConfirmationBlockObject(plain("Decline this step?"),
		plain(fmt.Sprintf("ARC does not continue past step %s.", render.Truncate(step, 200))), plain("Decline"), plain("Cancel"))
	return render.Message{Text: text, Blocks: []slack.Block{
		render.Section(text),
		slack.NewActionBlock(BlockStepDecision, approve, decline),
	}}
}

// decisionMessage says who approved or declined step.
func decisionMessage(step, userID string, approve bool) render.Message {
	if approve {
		return render.Notice(fmt.Sprintf(":white_check_mark: Step *%s* *approved* by %s.", render.Escape(step), render.Mention(userID)))
	}
	return render.Notice(fmt.Sprintf(":no_entry: Step *%s* *declined* by %s.", render.Escape(step), render.Mention(userID)))
}

// decisionFailedMessage says that ARC refused or did not take a decision.
func decisionFailedMessage(step, userID string, approve bool, code, message string) render.Message {
	verb := "decline"
	if approve {
		verb = "approve"
	}
	return render.Notice(fmt.Sprintf(":x: Could not %s step *%s* for %s: `%s` %s", verb, render.Escape(step), render.Mention(userID), render.Escape(code), render.Escape(message)))
}

// summaryMessage announces a final state; elsewhere links back to the
// execution's channel.
func summaryMessage(rec *record, exec Execution, now time.Time, elsewhere bool) render.Message {
	emoji, ok := summaryEmoji[types.ExecutionState(exec.State)]
	if !ok {
		emoji = ":information_source:"
	}
	text := fmt.Sprintf("%s Plan execution `%s` of `%s` ended: *%s* after %s.", emoji,
		render.Escape(rec.ExecutionID), render.Escape(rec.PlanARN), stateLabel(exec.State), formatDuration(duration(exec, now)))
	var extra []string
	if rec.RequestID != "" {
		extra = append(extra, fmt.Sprintf("Request `%s`", render.Escape(rec.RequestID)))
	}
	if elsewhere {
		extra = append(extra, fmt.Sprintf("<%s|Steps and details>", render.MessageLink(rec.Channel, rec.MessageTS)))
	}
	m := render.Notice(text)
	if len(extra) > 0 {
		m.Blocks = append(m.Blocks, render.ContextLine(strings.Join(extra, " · ")))
	}
	return m
}

// giveUpMessage says that the tracker stopped following the execution.
func giveUpMessage(maxAge time.Duration) render.Message {
	return render.Notice(fmt.Sprintf(":hourglass: Stopped following this execution: it has not ended after %s. Check it in the ARC console.", formatDuration(maxAge)))
}

// duration is how long the execution ran, or has run so far.
func duration(exec Execution, now time.Time) time.Duration {
	if exec.Started.IsZero() {
		return 0
	}
	end := exec.Ended
	if end.IsZero() {
		end = now
	}
	return max(end.Sub(exec.Started), 0)
}

// formatDuration renders d to the second: "1h 2m 3s", "12m 5s", "40s".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %dm %ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// formatElapsed renders d to the minute, so that the result message is
// rewritten at most once a minute for time alone.
func formatElapsed(d time.Duration) string {
	d = d.Truncate(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	default:
		return "under a minute"
	}
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}
