package tracker

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// ARC is the part of ARC Region switch's regional data plane the tracker
// uses. Every call names the Region whose data plane it goes to. *SDKARC
// implements it with the real SDK client.
type ARC interface {
	// GetExecution reads one plan execution (GetPlanExecution).
	GetExecution(ctx context.Context, region, planARN, executionID string) (Execution, error)
	// ListEvents lists the execution's events oldest first
	// (ListPlanExecutionEvents, every page). With after set, only the events
	// that follow the event with that ID are returned; if no event has that
	// ID, all of them are.
	ListEvents(ctx context.Context, region, planARN, executionID, after string) ([]Event, error)
	// ApproveStep approves or declines a manual-approval step
	// (ApprovePlanExecutionStep) with comment.
	ApproveStep(ctx context.Context, region, planARN, executionID, step, comment string, approve bool) error
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

// Final reports whether an execution in state has ended: completed,
// completedWithExceptions, failed, canceled or planExecutionTimedOut. Any
// other value, including one this SDK does not know, is not final.
func Final(state string) bool {
	switch types.ExecutionState(state) {
	case types.ExecutionStateCompleted, types.ExecutionStateCompletedWithExceptions,
		types.ExecutionStateFailed, types.ExecutionStateCancelled,
		types.ExecutionStatePlanExecutionTimedOut:
		return true
	}
	return false
}

// SDKARC implements ARC with the AWS SDK's ARC Region switch client. It is
// safe for concurrent use.
type SDKARC struct {
	clientFor func(region string) *arcregionswitch.Client
}

var _ ARC = (*SDKARC)(nil)

// NewSDKARC returns an ARC over the clients clientFor returns, one per
// Region (for example ClientsFromConfig(cfg)).
func NewSDKARC(clientFor func(region string) *arcregionswitch.Client) *SDKARC {
	return &SDKARC{clientFor: clientFor}
}

// ClientsFromConfig returns a function that hands out one ARC Region switch
// client per Region, each built once from cfg with its Region set, so that
// cfg's credentials and endpoint overrides (AWS_ENDPOINT_URL_ARC_REGION_SWITCH)
// apply to every Region. It is safe for concurrent use.
func ClientsFromConfig(cfg aws.Config) func(region string) *arcregionswitch.Client {
	var mu sync.Mutex
	clients := map[string]*arcregionswitch.Client{}
	return func(region string) *arcregionswitch.Client {
		mu.Lock()
		defer mu.Unlock()
		c, ok := clients[region]
		if !ok {
			c = arcregionswitch.NewFromConfig(cfg, func(o *arcregionswitch.Options) { o.Region = region })
			clients[region] = c
		}
		return c
	}
}

// GetExecution calls GetPlanExecution in region.
func (a *SDKARC) GetExecution(ctx context.Context, region, planARN, executionID string) (Execution, error) {
	out, err := a.clientFor(region).GetPlanExecution(ctx, &arcregionswitch.GetPlanExecutionInput{
		PlanArn: aws.String(planARN), ExecutionId: aws.String(executionID),
	})
	if err != nil {
		return Execution{}, fmt.Errorf("GetPlanExecution %s in %s: %w", executionID, region, err)
	}
	e := Execution{
		ID: aws.ToString(out.ExecutionId), PlanARN: aws.ToString(out.PlanArn),
		State: string(out.ExecutionState), Region: aws.ToString(out.ExecutionRegion),
		Action: string(out.ExecutionAction), Mode: string(out.Mode),
		Started: aws.ToTime(out.StartTime), Ended: aws.ToTime(out.EndTime),
	}
	for _, s := range out.StepStates {
		e.Steps = append(e.Steps, Step{Name: aws.ToString(s.Name), Status: string(s.Status)})
	}
	return e, nil
}

// ListEvents calls ListPlanExecutionEvents in region, page after page, and
// orders the events by time (ties keep the service's order).
func (a *SDKARC) ListEvents(ctx context.Context, region, planARN, executionID, after string) ([]Event, error) {
	pages := arcregionswitch.NewListPlanExecutionEventsPaginator(a.clientFor(region), &arcregionswitch.ListPlanExecutionEventsInput{
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
	return eventsAfter(events, after), nil
}

// eventsAfter returns the events that follow the one with ID after, or all
// of them when after is "" or not among them.
func eventsAfter(events []Event, after string) []Event {
	if after == "" {
		return events
	}
	for i, ev := range events {
		if ev.ID == after {
			return events[i+1:]
		}
	}
	return events
}

// ApproveStep calls ApprovePlanExecutionStep in region, once: a retry after
// a lost answer would be refused (the step is no longer pending) and would
// report a success as a failure.
func (a *SDKARC) ApproveStep(ctx context.Context, region, planARN, executionID, step, comment string, approve bool) error {
	approval := types.ApprovalDecline
	if approve {
		approval = types.ApprovalApprove
	}
	_, err := a.clientFor(region).ApprovePlanExecutionStep(ctx, &arcregionswitch.ApprovePlanExecutionStepInput{
		PlanArn: aws.String(planARN), ExecutionId: aws.String(executionID),
		StepName: aws.String(step), Approval: approval, Comment: aws.String(comment),
	}, func(o *arcregionswitch.Options) {
		o.RetryMaxAttempts = 1
		o.Retryer = aws.NopRetryer{}
	})
	if err != nil {
		return fmt.Errorf("ApprovePlanExecutionStep %s step %q in %s: %w", executionID, step, region, err)
	}
	return nil
}
