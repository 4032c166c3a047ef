package tracker

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"

	"github.com/regionswitch-bot/regionswitch-bot/session"
)

// ARC is the part of ARC Region switch's regional data plane the tracker
// uses. Every call names the Region whose data plane it goes to. *SDKARC
// implements it with the real SDK client.
type ARC interface {
	// GetExecution reads one plan execution (GetPlanExecution).
	GetExecution(ctx context.Context, region, planARN, executionID string) (Execution, error)
	// ListEvents lists all of the execution's events, oldest first
	// (ListPlanExecutionEvents, every page). The service has no filter for
	// "events after X", so the tracker asks for all and skips those it has
	// posted; the full list also tells which steps wait for approval.
	ListEvents(ctx context.Context, region, planARN, executionID string) ([]Event, error)
	// ApproveStep approves or declines a manual-approval step
	// (ApprovePlanExecutionStep).
	ApproveStep(ctx context.Context, d StepDecision) error
}

// StepDecision is one approval or decline of a manual-approval step.
type StepDecision struct {
	// Region is where the call goes: the Region that runs the execution.
	Region      string
	PlanARN     string
	ExecutionID string
	Step        string
	// Approver is the Slack user ID the decision is made for; a plan whose
	// IAM role is assumed per approver is called in a session named after
	// them, so that CloudTrail shows who decided.
	Approver string
	// Comment is recorded by ARC with the decision.
	Comment string
	// Approve approves; false declines.
	Approve bool
}

// Execution is what the tracker needs to know about a plan execution.
type Execution struct {
	ID      string
	PlanARN string
	// State is ARC's execution state as sent, which may be a value newer
	// than this SDK knows (see Final).
	State string
	// Region is the Region that runs the execution, as ARC reports it.
	Region  string
	Action  string
	Mode    string
	Started time.Time
	// Ended is zero until the execution ends.
	Ended time.Time
	Steps []Step
}

// Step is the state of one step of an execution.
type Step struct {
	Name   string
	Status string // a types.StepStatus value, e.g. "running"
}

// Event is one execution event.
type Event struct {
	ID          string
	Type        string // a types.ExecutionEventType value, e.g. "stepStarted"
	Step        string
	BlockType   string // a types.ExecutionBlockType value, e.g. "ManualApproval"
	Description string
	Error       string
	At          time.Time
}

// ClientFunc returns the ARC Region switch data-plane client for calls
// about planARN in region, with the credentials for that plan; approver is
// the Slack user a decision is made for, "" for reads. It must be safe for
// concurrent use and should return the same client for the same arguments.
type ClientFunc func(region, planARN, approver string) *arcregionswitch.Client

// SDKARC implements ARC with the AWS SDK's ARC Region switch client. It is
// safe for concurrent use.
type SDKARC struct {
	clientFor ClientFunc
}

var _ ARC = (*SDKARC)(nil)

// NewSDKARC returns an ARC over the clients clientFor returns. It is meant
// for session.Session's per-plan clients, so that the SDK configuration,
// per-plan roles and endpoint overrides (AWS_ENDPOINT_URL_ARC_REGION_SWITCH)
// are the bot's everywhere.
func NewSDKARC(clientFor ClientFunc) *SDKARC {
	return &SDKARC{clientFor: clientFor}
}

// GetExecution calls GetPlanExecution in region, with every page of step
// states.
func (a *SDKARC) GetExecution(ctx context.Context, region, planARN, executionID string) (Execution, error) {
	pages := arcregionswitch.NewGetPlanExecutionPaginator(a.clientFor(region, planARN, ""), &arcregionswitch.GetPlanExecutionInput{
		PlanArn: aws.String(planARN), ExecutionId: aws.String(executionID),
	})
	var e Execution
	for first := true; pages.HasMorePages(); first = false {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return Execution{}, fmt.Errorf("GetPlanExecution %s in %s: %w", executionID, region, err)
		}
		if first {
			e = Execution{
				ID: aws.ToString(out.ExecutionId), PlanARN: aws.ToString(out.PlanArn),
				State: string(out.ExecutionState), Region: aws.ToString(out.ExecutionRegion),
				Action: string(out.ExecutionAction), Mode: string(out.Mode),
				Started: aws.ToTime(out.StartTime), Ended: aws.ToTime(out.EndTime),
			}
		}
		for _, s := range out.StepStates {
			e.Steps = append(e.Steps, Step{Name: aws.ToString(s.Name), Status: string(s.Status)})
		}
	}
	return e, nil
}

// ListEvents calls ListPlanExecutionEvents in region, page after page, and
// orders the events by time (ties keep the service's order).
func (a *SDKARC) ListEvents(ctx context.Context, region, planARN, executionID string) ([]Event, error) {
	pages := arcregionswitch.NewListPlanExecutionEventsPaginator(a.clientFor(region, planARN, ""), &arcregionswitch.ListPlanExecutionEventsInput{
		PlanArn: aws.String(planARN), ExecutionId: aws.String(executionID),
	})
	var events []Event
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListPlanExecutionEvents %s in %s: %w", executionID, region, err)
		}
		for _, ev := range page.Items {
			events = append(events, Event{
				ID: aws.ToString(ev.EventId), Type: string(ev.Type), Step: aws.ToString(ev.StepName),
				BlockType: string(ev.ExecutionBlockType), Description: aws.ToString(ev.Description),
				Error: aws.ToString(ev.Error), At: aws.ToTime(ev.Timestamp),
			})
		}
	}
	slices.SortStableFunc(events, func(x, y Event) int { return cmp.Compare(x.At.UnixNano(), y.At.UnixNano()) })
	return events, nil
}

// ApproveStep calls ApprovePlanExecutionStep in region, once: a retry after
// a lost answer would be refused (the step is no longer pending) and would
// report a success as a failure.
func (a *SDKARC) ApproveStep(ctx context.Context, d StepDecision) error {
	approval := types.ApprovalDecline
	if d.Approve {
		approval = types.ApprovalApprove
	}
	_, err := a.clientFor(d.Region, d.PlanARN, d.Approver).ApprovePlanExecutionStep(ctx, &arcregionswitch.ApprovePlanExecutionStepInput{
		PlanArn: aws.String(d.PlanARN), ExecutionId: aws.String(d.ExecutionID),
		StepName: aws.String(d.Step), Approval: approval, Comment: aws.String(d.Comment),
	}, session.SendOnce)
	if err != nil {
		return fmt.Errorf("ApprovePlanExecutionStep %s step %q in %s: %w", d.ExecutionID, d.Step, d.Region, err)
	}
	return nil
}
