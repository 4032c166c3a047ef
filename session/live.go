package session

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// Evaluation is ARC's latest evaluation of a plan (GetPlanEvaluationStatus).
type Evaluation struct {
	// State is "passed", "actionRequired", "pendingEvaluation", "unknown", or
	// a newer value shown as-is.
	State                string
	LastEvaluatedVersion string
	// Warnings are ARC's warning messages, with the step they concern.
	Warnings []string
}

// Evaluate reads the plan's evaluation status from region's data plane.
func (s *Session) Evaluate(ctx context.Context, region, planARN string) (Evaluation, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out, err := s.planClient(region, planARN, "").GetPlanEvaluationStatus(ctx, &arcregionswitch.GetPlanEvaluationStatusInput{PlanArn: aws.String(planARN)})
	if err != nil {
		return Evaluation{}, fmt.Errorf("GetPlanEvaluationStatus %s in %s: %w", planARN, region, err)
	}
	ev := Evaluation{State: string(out.EvaluationState), LastEvaluatedVersion: aws.ToString(out.LastEvaluatedVersion)}
	for _, w := range out.Warnings {
		msg := aws.ToString(w.WarningMessage)
		if step := aws.ToString(w.StepName); step != "" {
			msg = step + ": " + msg
		}
		if msg != "" {
			ev.Warnings = append(ev.Warnings, msg)
		}
	}
	return ev, nil
}

// finalStates are execution states after which a plan is free again.
var finalStates = map[types.ExecutionState]bool{
	types.ExecutionStateCompleted:                            true,
	types.ExecutionStateCompletedWithExceptions:              true,
	types.ExecutionStateCancelled:                            true,
	types.ExecutionStatePlanExecutionTimedOut:                true,
	types.ExecutionStateFailed:                               true,
	types.ExecutionStateCompletedMonitoringApplicationHealth: true,
}

// FinalState reports whether an execution in state is over. Unknown states
// from a newer service count as not over.
func FinalState(state string) bool { return finalStates[types.ExecutionState(state)] }

// ActiveExecution returns the ID of an execution of planARN that is not
// over, as region's data plane reports it (ListPlanExecutions), or "".
func (s *Session) ActiveExecution(ctx context.Context, region, planARN string) (string, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	pages := arcregionswitch.NewListPlanExecutionsPaginator(s.planClient(region, planARN, ""), &arcregionswitch.ListPlanExecutionsInput{PlanArn: aws.String(planARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("ListPlanExecutions %s in %s: %w", planARN, region, err)
		}
		for _, e := range page.Items {
			if !finalStates[e.ExecutionState] {
				return aws.ToString(e.ExecutionId), nil
			}
		}
	}
	return "", nil
}
