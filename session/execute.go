package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
}

// ExecutionRegion returns the Region whose data plane runs an execution of
// in: the Region being activated, which for deactivate is the plan's other
// Region.
func ExecutionRegion(in StartInput) (string, error) {
	if in.Action == string(types.ExecutionActionActivate) {
		return in.TargetRegion, nil
	}
	for _, r := range in.PlanRegions {
		if r != in.TargetRegion {
			return r, nil
		}
	}
	return "", fmt.Errorf("plan %s: no Region other than %s to run the deactivation in", in.PlanARN, in.TargetRegion)
}

// Start calls StartPlanExecution exactly once (no SDK retries: the call has
// no idempotency token, so a retry after a lost answer could start a second
// execution). The caller resolves an ambiguous failure with FindExecution.
func (s *Session) Start(ctx context.Context, in StartInput) (StartResult, error) {
	region, err := ExecutionRegion(in)
	if err != nil {
		return StartResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	out, err := s.client(region).StartPlanExecution(ctx, &arcregionswitch.StartPlanExecutionInput{
		PlanArn:      aws.String(in.PlanARN),
		TargetRegion: aws.String(in.TargetRegion),
		Action:       types.ExecutionAction(in.Action),
		Mode:         types.ExecutionMode(in.Mode),
		Comment:      aws.String(in.Comment),
	}, func(o *arcregionswitch.Options) {
		o.RetryMaxAttempts = 1
		o.Retryer = aws.NopRetryer{}
	})
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

// Execution is one entry of a plan's execution history.
type Execution struct {
	ID      string
	PlanARN string
	State   string
	Action  string
	Region  string
	Comment string
	Version string
}

// FindExecution looks in region's execution history of planARN for an
// execution whose comment carries marker (the bot's request ID tag). It
// returns nil, nil when there is none: then nothing was started for it.
func (s *Session) FindExecution(ctx context.Context, region, planARN, marker string) (*Execution, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	pages := arcregionswitch.NewListPlanExecutionsPaginator(s.client(region), &arcregionswitch.ListPlanExecutionsInput{PlanArn: aws.String(planARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListPlanExecutions %s in %s: %w", planARN, region, err)
		}
		for _, e := range page.Items {
			if strings.Contains(aws.ToString(e.Comment), marker) {
				return &Execution{
					ID: aws.ToString(e.ExecutionId), PlanARN: aws.ToString(e.PlanArn),
					State: string(e.ExecutionState), Action: string(e.ExecutionAction),
					Region: aws.ToString(e.ExecutionRegion), Comment: aws.ToString(e.Comment),
					Version: aws.ToString(e.Version),
				}, nil
			}
		}
	}
	return nil, nil
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
