package session

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// Execution is one plan execution: an entry of a plan's execution history
// (FindExecution) or, with its steps, GetExecution's answer. Enum values
// (State, Action, Mode, Step.Status) are ARC's strings, passed on unchanged,
// so a value a newer service adds does not break the bot.
type Execution struct {
	ID      string
	PlanARN string
	State   string
	Action  string
	Mode    string
	// Region is the Region the execution was started in; it is read and
	// changed there.
	Region    string
	Comment   string
	Version   string
	StartTime time.Time
	EndTime   time.Time // zero while it runs
	UpdatedAt time.Time // GetExecution only
	Steps     []Step    // GetExecution only
	// AnsweredBy is the Region whose data plane answered.
	AnsweredBy string
}

// Step is the state of one step of an execution.
type Step struct {
	Name      string
	Status    string
	Mode      string
	StartTime time.Time
	EndTime   time.Time
}

// ExecutionEvent is one event of an execution.
type ExecutionEvent struct {
	ID          string
	PreviousID  string
	Type        string
	StepName    string
	Description string
	Error       string
	Time        time.Time
}

// ExecutionEvents are an execution's events, oldest first as ARC lists
// them, and the Region that answered.
type ExecutionEvents struct {
	Events     []ExecutionEvent
	AnsweredBy string
}

// RegionEvaluation is a plan's evaluation status (see Evaluation) with the
// Region it is about and the Region that answered.
type RegionEvaluation struct {
	Evaluation
	PlanARN string
	// Region is the Region the evaluation is about, as ARC says.
	Region        string
	LastEvaluated time.Time
	// AnsweredBy is the Region whose data plane answered.
	AnsweredBy string
}

// thenRegions yields first, then the other Regions of the cached plan arn
// (read only when first did not answer).
func (s *Session) thenRegions(ctx context.Context, arn string, first ...string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, r := range first {
			if !yield(r) {
				return
			}
		}
		if p, ok := s.cached(ctx, arn); ok {
			for _, r := range p.Regions {
				if !yield(r) {
					return
				}
			}
		}
	}
}

// GetExecution reads execution execID of planARN (GetPlanExecution, all its
// step pages) from region, the Region it was started in; when that Region
// does not answer within Options.AttemptTimeout (or answers 5xx), from
// fallbackRegion, then from the plan's other cached Regions. A Region's
// definite answer (for example ResourceNotFoundException) ends the search.
// When no Region answers, the error is an *UnavailableError.
func (s *Session) GetExecution(ctx context.Context, planARN, execID, region, fallbackRegion string) (Execution, error) {
	return tryRegions(ctx, s, s.thenRegions(ctx, planARN, region, fallbackRegion), AskElsewhere, func(ctx context.Context, region string) (Execution, error) {
		return s.getExecutionIn(ctx, region, planARN, execID)
	})
}

func (s *Session) getExecutionIn(ctx context.Context, region, planARN, execID string) (Execution, error) {
	pages := arcregionswitch.NewGetPlanExecutionPaginator(s.planClient(region, planARN, ""), &arcregionswitch.GetPlanExecutionInput{
		PlanArn: aws.String(planARN), ExecutionId: aws.String(execID),
	})
	var e Execution
	for first := true; pages.HasMorePages(); first = false {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return Execution{}, fmt.Errorf("GetPlanExecution %s of %s in %s: %w", execID, planARN, region, err)
		}
		if first {
			e = Execution{
				ID: aws.ToString(out.ExecutionId), PlanARN: aws.ToString(out.PlanArn),
				State: string(out.ExecutionState), Action: string(out.ExecutionAction), Mode: string(out.Mode),
				Region: aws.ToString(out.ExecutionRegion), Comment: aws.ToString(out.Comment),
				Version: aws.ToString(out.Version), StartTime: aws.ToTime(out.StartTime),
				EndTime: aws.ToTime(out.EndTime), UpdatedAt: aws.ToTime(out.UpdatedAt), AnsweredBy: region,
			}
		}
		for _, st := range out.StepStates {
			e.Steps = append(e.Steps, Step{
				Name: aws.ToString(st.Name), Status: string(st.Status), Mode: string(st.StepMode),
				StartTime: aws.ToTime(st.StartTime), EndTime: aws.ToTime(st.EndTime),
			})
		}
	}
	return e, nil
}

// ListExecutionEvents lists every event of execution execID of planARN
// (ListPlanExecutionEvents), asking region, then fallbackRegion and the
// plan's other cached Regions, as GetExecution does.
func (s *Session) ListExecutionEvents(ctx context.Context, planARN, execID, region, fallbackRegion string) (ExecutionEvents, error) {
	return tryRegions(ctx, s, s.thenRegions(ctx, planARN, region, fallbackRegion), AskElsewhere, func(ctx context.Context, region string) (ExecutionEvents, error) {
		pages := arcregionswitch.NewListPlanExecutionEventsPaginator(s.planClient(region, planARN, ""), &arcregionswitch.ListPlanExecutionEventsInput{
			PlanArn: aws.String(planARN), ExecutionId: aws.String(execID),
		})
		evs := ExecutionEvents{AnsweredBy: region}
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return ExecutionEvents{}, fmt.Errorf("ListPlanExecutionEvents %s of %s in %s: %w", execID, planARN, region, err)
			}
			for _, ev := range out.Items {
				evs.Events = append(evs.Events, ExecutionEvent{
					ID: aws.ToString(ev.EventId), PreviousID: aws.ToString(ev.PreviousEventId), Type: string(ev.Type),
					StepName: aws.ToString(ev.StepName), Description: aws.ToString(ev.Description),
					Error: aws.ToString(ev.Error), Time: aws.ToTime(ev.Timestamp),
				})
			}
		}
		return evs, nil
	})
}

// EvaluationStatus reads planARN's evaluation status
// (GetPlanEvaluationStatus, all warning pages) from region; when region
// does not answer within Options.AttemptTimeout, from the plan's other
// cached Regions, then the default Region. The answer is about the Region
// that gave it (RegionEvaluation.Region). Warnings read "step: message".
func (s *Session) EvaluationStatus(ctx context.Context, planARN, region string) (RegionEvaluation, error) {
	return tryRegions(ctx, s, s.thenRegions(ctx, planARN, region, s.opts.DefaultRegion), AskElsewhere, func(ctx context.Context, region string) (RegionEvaluation, error) {
		pages := arcregionswitch.NewGetPlanEvaluationStatusPaginator(s.planClient(region, planARN, ""), &arcregionswitch.GetPlanEvaluationStatusInput{
			PlanArn: aws.String(planARN),
		})
		var ev RegionEvaluation
		for first := true; pages.HasMorePages(); first = false {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return RegionEvaluation{}, fmt.Errorf("GetPlanEvaluationStatus %s in %s: %w", planARN, region, err)
			}
			if first {
				ev = RegionEvaluation{
					Evaluation: Evaluation{State: string(out.EvaluationState), LastEvaluatedVersion: aws.ToString(out.LastEvaluatedVersion)},
					PlanARN:    aws.ToString(out.PlanArn), Region: aws.ToString(out.Region),
					LastEvaluated: aws.ToTime(out.LastEvaluationTime), AnsweredBy: region,
				}
			}
			for _, w := range out.Warnings {
				msg := aws.ToString(w.WarningMessage)
				if step := aws.ToString(w.StepName); step != "" {
					msg = step + ": " + msg
				}
				if msg != "" {
					ev.Warnings = append(ev.Warnings, msg)
				}
			}
		}
		return ev, nil
	})
}

// FindExecution looks in region's execution history of planARN for an
// execution whose comment carries marker (the bot's request ID tag). It
// returns nil, nil when there is none: then nothing was started for it.
func (s *Session) FindExecution(ctx context.Context, region, planARN, marker string) (*Execution, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.findExecutionIn(ctx, region, planARN, marker, "")
}

func (s *Session) findExecutionIn(ctx context.Context, region, planARN, marker, approver string) (*Execution, error) {
	return s.scanExecutions(ctx, region, planARN, approver, func(e types.AbbreviatedExecution) bool {
		return strings.Contains(aws.ToString(e.Comment), marker)
	})
}

// scanExecutions returns the first execution in region's history of planARN
// (ListPlanExecutions, every page) that match accepts, or nil, nil.
func (s *Session) scanExecutions(ctx context.Context, region, planARN, approver string, match func(types.AbbreviatedExecution) bool) (*Execution, error) {
	pages := arcregionswitch.NewListPlanExecutionsPaginator(s.planClient(region, planARN, approver), &arcregionswitch.ListPlanExecutionsInput{PlanArn: aws.String(planARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListPlanExecutions %s in %s: %w", planARN, region, err)
		}
		for _, e := range page.Items {
			if match(e) {
				found := abbreviated(e)
				found.AnsweredBy = region
				return &found, nil
			}
		}
	}
	return nil, nil
}

func abbreviated(e types.AbbreviatedExecution) Execution {
	return Execution{
		ID: aws.ToString(e.ExecutionId), PlanARN: aws.ToString(e.PlanArn),
		State: string(e.ExecutionState), Action: string(e.ExecutionAction), Mode: string(e.Mode),
		Region: aws.ToString(e.ExecutionRegion), Comment: aws.ToString(e.Comment),
		Version: aws.ToString(e.Version), StartTime: aws.ToTime(e.StartTime), EndTime: aws.ToTime(e.EndTime),
	}
}
