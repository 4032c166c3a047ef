package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

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
	// UpdatedAt is when the plan was last changed, as ARC says (zero if not).
	UpdatedAt time.Time
	// ActiveExecution is the ID of an execution in progress, when ARC says so.
	ActiveExecution string
	// AnsweredBy is the Region whose data plane answered, or AnsweredByCache
	// ("cache") when no Region did and the plan came from the PlanCache.
	AnsweredBy string
	// CachedAt is when the cache stored the plan; zero unless it came from
	// the cache.
	CachedAt time.Time
	// Age is how old the cached data is (now minus CachedAt) for a plan
	// answered by the cache; zero when a Region answered.
	Age time.Duration
}

// HasRegion reports whether region is one of the plan's Regions.
func (p Plan) HasRegion(region string) bool { return slices.Contains(p.Regions, region) }

// OtherRegion returns the plan's Region that is not region, or "".
func (p Plan) OtherRegion(region string) string { return OtherRegion(p.Regions, region) }

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

// GetPlan reads a plan by ARN from the data plane of region (GetPlanInRegion)
// and stores it in the cache. A missing plan is a *PlanNotFoundError; other
// errors are wrapped API errors. It asks no other Region: see
// GetPlanAnywhere.
func (s *Session) GetPlan(ctx context.Context, region, arn string) (Plan, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	p, err := s.getPlanIn(ctx, region, arn)
	if err != nil {
		return Plan{}, err
	}
	s.remember(ctx, p)
	return p, nil
}

// getPlanIn is one GetPlanInRegion call, with the plan's role if it has one.
func (s *Session) getPlanIn(ctx context.Context, region, arn string) (Plan, error) {
	out, err := s.planClient(region, arn, "").GetPlanInRegion(ctx, &arcregionswitch.GetPlanInRegionInput{Arn: aws.String(arn)})
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
		Version: aws.ToString(p.Version), Regions: p.Regions, UpdatedAt: aws.ToTime(p.UpdatedAt),
		AnsweredBy: region,
	}, nil
}

// ListPlans lists the plans the data plane of region knows
// (ListPlansInRegion), sorted by name, and stores them in the cache.
func (s *Session) ListPlans(ctx context.Context, region string) ([]Plan, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	plans, err := s.listPlansIn(ctx, region)
	if err != nil {
		return nil, err
	}
	s.remember(ctx, plans...)
	return plans, nil
}

// listPlansIn is one paginated ListPlansInRegion, sorted by name.
func (s *Session) listPlansIn(ctx context.Context, region string) ([]Plan, error) {
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
				Version: aws.ToString(p.Version), Regions: p.Regions, UpdatedAt: aws.ToTime(p.UpdatedAt),
				ActiveExecution: aws.ToString(p.ActivePlanExecution), AnsweredBy: region,
			})
		}
	}
	sort.Slice(plans, func(i, j int) bool { return plans[i].Name < plans[j].Name })
	return plans, nil
}

// FindPlanByName looks a plan up by name in region: an exact match first,
// then a unique case-insensitive one. No match is a *PlanNotFoundError
// listing the names that exist. It asks no other Region: see
// FindPlanByNameAnywhere.
func (s *Session) FindPlanByName(ctx context.Context, region, name string) (Plan, error) {
	plans, err := s.ListPlans(ctx, region)
	if err != nil {
		return Plan{}, err
	}
	if p, ok := matchName(plans, name); ok {
		return p, nil
	}
	return Plan{}, &PlanNotFoundError{Ref: name, Region: region, Known: planNames(plans)}
}

// matchName finds name among plans: an exact match first, then a unique
// case-insensitive one.
func matchName(plans []Plan, name string) (Plan, bool) {
	var folded []Plan
	for _, p := range plans {
		if p.Name == name {
			return p, true
		}
		if strings.EqualFold(p.Name, name) {
			folded = append(folded, p)
		}
	}
	if len(folded) == 1 {
		return folded[0], true
	}
	return Plan{}, false
}

func planNames(plans []Plan) []string {
	names := make([]string, 0, len(plans))
	for _, p := range plans {
		names = append(names, p.Name)
	}
	return names
}
