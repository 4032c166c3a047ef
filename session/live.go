package session

import (
	"context"

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

// FinalState reports whether an execution in state is over: completed,
// completedWithExceptions, canceled, failed or timed out. Unknown states
// from a newer service count as not over, and so does
// completedMonitoringApplicationHealth: ARC is still watching the
// application, so the execution is followed on and the plan is not free.
// This is the one list of final states; the tracker uses it too.
func FinalState(state string) bool {
	switch types.ExecutionState(state) {
	case types.ExecutionStateCompleted, types.ExecutionStateCompletedWithExceptions,
		types.ExecutionStateCancelled, types.ExecutionStatePlanExecutionTimedOut,
		types.ExecutionStateFailed:
		return true
	}
	return false
}

// ActiveExecution returns the ID of an execution of planARN that is not
// over, as region's data plane reports it (ListPlanExecutions), or "".
func (s *Session) ActiveExecution(ctx context.Context, region, planARN string) (string, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	e, err := s.scanExecutions(ctx, region, planARN, "", func(e types.AbbreviatedExecution) bool {
		return !FinalState(string(e.ExecutionState))
	})
	if err != nil || e == nil {
		return "", err
	}
	return e.ID, nil
}
