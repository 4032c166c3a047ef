package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// Plan is what the bot needs to know about a Region switch plan.
type Plan struct {
	ARN     string
	Name    string
	Owner   string
	Version string
	// Regions are the plan's two Regions.
	Regions []string
	// ActiveExecution is the ID of an execution in progress, when ARC says so.
	ActiveExecution string
	// AnsweredBy is the Region whose data plane answered.
	AnsweredBy string
}

// HasRegion reports whether region is one of the plan's Regions.
func (p Plan) HasRegion(region string) bool { return slices.Contains(p.Regions, region) }

// OtherRegion returns the plan's Region that is not region, or "".
func (p Plan) OtherRegion(region string) string {
	for _, r := range p.Regions {
		if r != region {
			return r
		}
	}
	return ""
}

// PlanNotFoundError says that no plan matched a name or ARN. Known lists the
// plan names the Region knows, for suggestions.
type PlanNotFoundError struct {
	Ref    string
	Region string
	Known  []string
}

func (e *PlanNotFoundError) Error() string {
	return fmt.Sprintf("no plan %q in %s", e.Ref, e.Region)
}

// QueryRegion chooses the Region whose data plane is asked about a plan for
// an action on target: for activate, the Region being activated; for
// deactivate, the default Region unless it is the one being deactivated (then
// the target itself, as a last resort, since the other Region is not known
// before the plan is).
func (s *Session) QueryRegion(action, target string) string {
	if action == string(types.ExecutionActionDeactivate) && s.opts.DefaultRegion != "" && s.opts.DefaultRegion != target {
		return s.opts.DefaultRegion
	}
	return target
}

// GetPlan reads a plan by ARN from the data plane of region (GetPlanInRegion).
// A missing plan is a *PlanNotFoundError; other errors are wrapped API errors.
func (s *Session) GetPlan(ctx context.Context, region, arn string) (Plan, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out, err := s.client(region).GetPlanInRegion(ctx, &arcregionswitch.GetPlanInRegionInput{Arn: aws.String(arn)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return Plan{}, &PlanNotFoundError{Ref: arn, Region: region}
		}
		return Plan{}, fmt.Errorf("GetPlanInRegion %s in %s: %w", arn, region, err)
	}
	if out.Plan == nil {
		return Plan{}, &PlanNotFoundError{Ref: arn, Region: region}
	}
	p := out.Plan
	return Plan{
		ARN: aws.ToString(p.Arn), Name: aws.ToString(p.Name), Owner: aws.ToString(p.Owner),
		Version: aws.ToString(p.Version), Regions: p.Regions, AnsweredBy: region,
	}, nil
}

// ListPlans lists the plans the data plane of region knows
// (ListPlansInRegion), sorted by name.
func (s *Session) ListPlans(ctx context.Context, region string) ([]Plan, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var plans []Plan
	pages := arcregionswitch.NewListPlansInRegionPaginator(s.client(region), &arcregionswitch.ListPlansInRegionInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListPlansInRegion in %s: %w", region, err)
		}
		for _, p := range page.Plans {
			plans = append(plans, Plan{
				ARN: aws.ToString(p.Arn), Name: aws.ToString(p.Name), Owner: aws.ToString(p.Owner),
				Version: aws.ToString(p.Version), Regions: p.Regions,
				ActiveExecution: aws.ToString(p.ActivePlanExecution), AnsweredBy: region,
			})
		}
	}
	sort.Slice(plans, func(i, j int) bool { return plans[i].Name < plans[j].Name })
	return plans, nil
}

// FindPlanByName looks a plan up by name in region: an exact match first,
// then a unique case-insensitive one. No match is a *PlanNotFoundError
// listing the names that exist.
func (s *Session) FindPlanByName(ctx context.Context, region, name string) (Plan, error) {
	plans, err := s.ListPlans(ctx, region)
	if err != nil {
		return Plan{}, err
	}
	var folded []Plan
	names := make([]string, 0, len(plans))
	for _, p := range plans {
		if p.Name == name {
			return p, nil
		}
		if strings.EqualFold(p.Name, name) {
			folded = append(folded, p)
		}
		names = append(names, p.Name)
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	return Plan{}, &PlanNotFoundError{Ref: name, Region: region, Known: names}
}
