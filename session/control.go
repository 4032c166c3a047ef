package session

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// Control operations on a running execution.
const (
	ControlCancel = "cancel"
	ControlPause  = "pause"
	ControlResume = "resume"
)

// Control cancels (CancelPlanExecution), pauses or resumes
// (UpdatePlanExecution) an execution, in the Region it was started in, with
// the plan's role assumed for approver when the plan has one. Like Start,
// it is sent once: the caller reports an error rather than retrying.
func (s *Session) Control(ctx context.Context, op, region, planARN, executionID, approver, comment string) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	c := s.planClient(region, planARN, approver)
	var err error
	switch op {
	case ControlCancel:
		_, err = c.CancelPlanExecution(ctx, &arcregionswitch.CancelPlanExecutionInput{
			PlanArn: aws.String(planARN), ExecutionId: aws.String(executionID), Comment: aws.String(comment),
		}, SendOnce)
	case ControlPause, ControlResume:
		action := types.UpdatePlanExecutionActionPause
		if op == ControlResume {
			action = types.UpdatePlanExecutionActionResume
		}
		_, err = c.UpdatePlanExecution(ctx, &arcregionswitch.UpdatePlanExecutionInput{
			PlanArn: aws.String(planARN), ExecutionId: aws.String(executionID), Action: action, Comment: aws.String(comment),
		}, SendOnce)
	default:
		return fmt.Errorf("execution %s: unknown operation %q", executionID, op)
	}
	if err != nil {
		return fmt.Errorf("%s execution %s of %s in %s: %w", op, executionID, planARN, region, err)
	}
	return nil
}
