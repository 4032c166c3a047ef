package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// StartInput is everything StartPlanExecution is called with. It comes from
// the stored, approved request, never from a Slack payload.
type StartInput struct {
	PlanARN      string
	PlanRegions  []string
	Action       string // "activate" or "deactivate"
	TargetRegion string
	Mode         string // "graceful" or "ungraceful"
	Comment      string
	// Approver is the Slack user ID of the approver. For a plan with a role
	// (Options.PlanRoles) the role session is named after it (see
	// RoleSessionName), so that CloudTrail shows who approved.
	Approver string
}

// StartResult is ARC's answer to StartPlanExecution.
type StartResult struct {
	ExecutionID      string
	Plan             string
	PlanVersion      string
	ActivateRegion   string
	DeactivateRegion string
	// Region is the Region whose data plane started the execution; the
	// execution belongs there and is polled there.
	Region string
	// FailedOverFrom is, when StartWithFailover started the execution in the
	// plan's other Region, the execution Region it could not use; else "".
	FailedOverFrom string
	// FromHistory says that the call that started the execution failed
	// without an answer, and the execution was found afterwards with
	// ListPlanExecutions by its request marker.
	FromHistory bool
}

// SwitchRegions returns the Regions an action on target activates and
// deactivates, for a plan with regions.
func SwitchRegions(action, target string, regions []string) (activate, deactivate string) {
	other := OtherRegion(regions, target)
	if action == string(types.ExecutionActionDeactivate) {
		return other, target
	}
	return target, other
}

// SendOnce is a per-call client option for calls that change state and
// have no idempotency token (StartPlanExecution, cancel, pause, resume,
// step approvals): one attempt, no SDK retries. A lost answer is settled by
// reading the state, never by sending again.
func SendOnce(o *arcregionswitch.Options) {
	o.RetryMaxAttempts = 1
	o.Retryer = aws.NopRetryer{}
}

// ExecutionRegion returns the Region whose data plane runs an execution of
// in: the Region being activated, which for deactivate is the plan's other
// Region.
func ExecutionRegion(in StartInput) (string, error) {
	if in.Action == string(types.ExecutionActionActivate) {
		return in.TargetRegion, nil
	}
	if r := OtherRegion(in.PlanRegions, in.TargetRegion); r != "" {
		return r, nil
	}
	return "", fmt.Errorf("plan %s: no Region other than %s to run the deactivation in", in.PlanARN, in.TargetRegion)
}

// OtherRegion returns the Region of regions (a plan's two) that is not
// region, or "".
func OtherRegion(regions []string, region string) string {
	for _, r := range regions {
		if r != region {
			return r
		}
	}
	return ""
}

// Start calls StartPlanExecution exactly once, in ExecutionRegion(in) (no
// SDK retries: the call has no idempotency token, so a retry after a lost
// answer could start a second execution). The caller resolves an ambiguous
// failure with FindExecution; StartWithFailover does that itself.
func (s *Session) Start(ctx context.Context, in StartInput) (StartResult, error) {
	region, err := ExecutionRegion(in)
	if err != nil {
		return StartResult{}, err
	}
	return s.startIn(ctx, region, in)
}

// startIn is one StartPlanExecution call in region's data plane, bounded by
// Options.StartTimeout, with the plan's role assumed for in.Approver.
func (s *Session) startIn(ctx context.Context, region string, in StartInput) (StartResult, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	out, err := s.planClient(region, in.PlanARN, in.Approver).StartPlanExecution(ctx, &arcregionswitch.StartPlanExecutionInput{
		PlanArn:      aws.String(in.PlanARN),
		TargetRegion: aws.String(in.TargetRegion),
		Action:       types.ExecutionAction(in.Action),
		Mode:         types.ExecutionMode(in.Mode),
		Comment:      aws.String(in.Comment),
	}, SendOnce)
	if err != nil {
		return StartResult{Region: region}, fmt.Errorf("StartPlanExecution %s in %s: %w", in.PlanARN, region, err)
	}
	return StartResult{
		ExecutionID:      aws.ToString(out.ExecutionId),
		Plan:             aws.ToString(out.Plan),
		PlanVersion:      aws.ToString(out.PlanVersion),
		ActivateRegion:   aws.ToString(out.ActivateRegion),
		DeactivateRegion: aws.ToString(out.DeactivateRegion),
		Region:           region,
	}, nil
}

// Definite reports whether err is a refusal from ARC (an answer with a 4xx
// status): then StartPlanExecution surely started nothing. Anything else (a
// 5xx, a timeout, a reset connection) is ambiguous: the execution may have
// started, and only ListPlanExecutions can tell.
func Definite(err error) bool {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		code := re.HTTPStatusCode()
		return code >= 400 && code < 500
	}
	return false
}
