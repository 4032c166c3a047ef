package session

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// RegionError is one Region's failure to answer a call.
type RegionError struct {
	Region string
	Err    error
}

// UnavailableError says that no Region answered a read-only call: each one
// asked was unreachable, too slow, failing (5xx) or throttling, or, for
// plan lookups, did not know the plan. Attempts has each Region's error in
// the order asked; Unwrap returns their errors, so errors.As finds an API
// error or a *PlanNotFoundError among them.
type UnavailableError struct {
	Attempts []RegionError
}

func (e *UnavailableError) Error() string {
	if len(e.Attempts) == 0 {
		return "no Region to ask: set AWS_REGION"
	}
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = a.Region + ": " + a.Err.Error()
	}
	return "no Region answered (" + strings.Join(parts, "; ") + ")"
}

func (e *UnavailableError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}

// AskElsewhere reports whether a read-only call that failed with err in one
// Region should be asked of another: the Region did not answer in time,
// refused or dropped the connection, answered 5xx, throttled, or the
// credentials for it could not be had. A definite answer (a 4xx: denied,
// invalid, not found) would be the same anywhere.
func AskElsewhere(err error) bool {
	var nf *PlanNotFoundError
	var invalid *smithy.InvalidParamsError
	if errors.As(err, &nf) || errors.As(err, &invalid) {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if _, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; ok {
			return true
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		if code := re.HTTPStatusCode(); code != 0 { // 0: no response
			return code >= 500 || code == 429
		}
	}
	return true
}

// askElsewhereOrNotFound is AskElsewhere for plan lookups: a data plane knows only
// the plans of its Region, so another Region may know a plan this one does
// not.
func askElsewhereOrNotFound(err error) bool {
	var nf *PlanNotFoundError
	return errors.As(err, &nf) || AskElsewhere(err)
}

// tryRegions calls call in each of regions in turn (skipping "" and
// repeats), giving each Options.AttemptTimeout, until one answers. It stops
// early with the error of a Region after which again says another would
// not help, or when ctx ends. When every Region failed, the error is an
// *UnavailableError.
func tryRegions[T any](ctx context.Context, s *Session, regions iter.Seq[string], again func(error) bool, call func(ctx context.Context, region string) (T, error)) (T, error) {
	var zero T
	ue := &UnavailableError{}
	tried := map[string]bool{}
	for region := range regions {
		if region == "" || tried[region] {
			continue
		}
		tried[region] = true
		actx, cancel := context.WithTimeout(ctx, s.opts.AttemptTimeout)
		v, err := call(actx, region)
		cancel()
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil || !again(err) {
			return zero, err
		}
		s.log.Info("asking the next Region", "region", region, "err", err)
		ue.Attempts = append(ue.Attempts, RegionError{Region: region, Err: err})
	}
	return zero, ue
}

// lazyPlan reads one cache entry at most once, when first needed.
type lazyPlan struct {
	load func(context.Context) (Plan, bool)
	done bool
	p    Plan
	ok   bool
}

func (l *lazyPlan) get(ctx context.Context) (Plan, bool) {
	if !l.done {
		l.done = true
		l.p, l.ok = l.load(ctx)
	}
	return l.p, l.ok
}

// planRegions yields the Regions to ask about a plan: prefer, then the
// plan's Regions as the cache knows them (read only if prefer did not
// answer), then the default Region.
func (s *Session) planRegions(ctx context.Context, prefer string, hint *lazyPlan) iter.Seq[string] {
	return func(yield func(string) bool) {
		if !yield(prefer) {
			return
		}
		if p, ok := hint.get(ctx); ok {
			for _, r := range p.Regions {
				if !yield(r) {
					return
				}
			}
		}
		yield(s.opts.DefaultRegion)
	}
}

// GetPlanAnywhere reads plan arn with GetPlanInRegion, first from
// preferRegion, then from the plan's other Region (as the cache knows it),
// then from the default Region; each gets Options.AttemptTimeout. A Region
// that does not know the plan is passed over too. The plan that answers is
// cached, and AnsweredBy names its Region.
//
// When no Region answers, the cached plan is returned with AnsweredBy
// "cache" and its Age, unless one of the plan's own Regions said it does
// not exist. Errors: a *PlanNotFoundError when every Region asked answered
// that it does not know the plan; an *UnavailableError when some did not
// answer and the cache could not help; a definite API error (such as
// AccessDeniedException) as soon as a Region gives one. It never calls the
// control plane.
func (s *Session) GetPlanAnywhere(ctx context.Context, arn, preferRegion string) (Plan, error) {
	hint := &lazyPlan{load: func(ctx context.Context) (Plan, bool) { return s.cached(ctx, arn) }}
	p, err := tryRegions(ctx, s, s.planRegions(ctx, preferRegion, hint), askElsewhereOrNotFound, func(ctx context.Context, region string) (Plan, error) {
		return s.getPlanIn(ctx, region, arn)
	})
	if err == nil {
		s.remember(ctx, p)
		return p, nil
	}
	return s.planFromCache(ctx, arn, err, hint)
}

// FindPlanByNameAnywhere looks a plan up by name (an exact match first, then
// a unique case-insensitive one) with ListPlansInRegion, in the Regions and
// with the fallbacks of GetPlanAnywhere; the plan's Regions come from the
// cache entry of that name. Every plan a Region lists is cached. When every
// Region asked answered without the name, the *PlanNotFoundError lists the
// names they know.
func (s *Session) FindPlanByNameAnywhere(ctx context.Context, name, preferRegion string) (Plan, error) {
	hint := &lazyPlan{load: func(ctx context.Context) (Plan, bool) { return s.cachedByName(ctx, name) }}
	p, err := tryRegions(ctx, s, s.planRegions(ctx, preferRegion, hint), askElsewhereOrNotFound, func(ctx context.Context, region string) (Plan, error) {
		plans, err := s.listPlansIn(ctx, region)
		if err != nil {
			return Plan{}, err
		}
		s.remember(ctx, plans...)
		if p, ok := matchName(plans, name); ok {
			return p, nil
		}
		return Plan{}, &PlanNotFoundError{Ref: name, Region: region, Known: planNames(plans)}
	})
	if err == nil {
		return p, nil
	}
	return s.planFromCache(ctx, name, err, hint)
}

// planFromCache settles a plan lookup that no Region answered: with the
// cached plan, unless one of its own Regions said it does not exist; else
// with a *PlanNotFoundError if every Region said so; else with err.
func (s *Session) planFromCache(ctx context.Context, ref string, err error, hint *lazyPlan) (Plan, error) {
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		return Plan{}, err
	}
	var notFound []*PlanNotFoundError
	for _, a := range ue.Attempts {
		var nf *PlanNotFoundError
		if errors.As(a.Err, &nf) {
			notFound = append(notFound, nf)
		}
	}
	if p, ok := hint.get(ctx); ok && !slices.ContainsFunc(notFound, func(nf *PlanNotFoundError) bool { return p.HasRegion(nf.Region) }) {
		s.log.Warn("no Region answered; using cached plan metadata", "plan", p.ARN, "cached_at", p.CachedAt, "err", err)
		return s.fromCache(p), nil
	}
	if len(notFound) == 0 || len(notFound) < len(ue.Attempts) {
		return Plan{}, err
	}
	all := &PlanNotFoundError{Ref: ref}
	var regions []string
	for _, nf := range notFound {
		regions = append(regions, nf.Region)
		for _, k := range nf.Known {
			if !slices.Contains(all.Known, k) {
				all.Known = append(all.Known, k)
			}
		}
	}
	all.Region = strings.Join(regions, ", ")
	sort.Strings(all.Known)
	return Plan{}, all
}

// ListKnownPlans lists the plans for `/regionswitch plans`. It asks the
// default Region and every Region of a cached plan, all at once and each
// for Options.AttemptTimeout, merges their answers by ARN (AnsweredBy is the
// first of those Regions, in that order, that listed the plan) and caches
// them. A cached plan none of whose Regions answered is added from the
// cache (AnsweredBy "cache", with its Age); one whose Region answered
// without it is left out (it was deleted). Plans are sorted by name. The
// error is an *UnavailableError, only when no Region answered and the
// cache had nothing to add.
func (s *Session) ListKnownPlans(ctx context.Context) ([]Plan, error) {
	cached := s.cachedAll(ctx)
	var regions []string
	for _, r := range append([]string{s.opts.DefaultRegion}, allRegions(cached)...) {
		if r != "" && !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	type answer struct {
		plans []Plan
		err   error
	}
	answers := make([]answer, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, s.opts.AttemptTimeout)
			defer cancel()
			answers[i].plans, answers[i].err = s.listPlansIn(actx, region)
		})
	}
	wg.Wait()

	ue := &UnavailableError{}
	answered := map[string]bool{}
	seen := map[string]bool{}
	var plans []Plan
	for i, region := range regions {
		if err := answers[i].err; err != nil {
			s.log.Warn("Region did not list its plans", "region", region, "err", err)
			ue.Attempts = append(ue.Attempts, RegionError{Region: region, Err: err})
			continue
		}
		answered[region] = true
		for _, p := range answers[i].plans {
			if !seen[p.ARN] {
				seen[p.ARN] = true
				plans = append(plans, p)
			}
		}
	}
	s.remember(ctx, plans...)
	for _, p := range cached {
		if seen[p.ARN] || slices.ContainsFunc(p.Regions, func(r string) bool { return answered[r] }) {
			continue
		}
		plans = append(plans, s.fromCache(p))
	}
	if len(answered) == 0 && len(plans) == 0 {
		return nil, ue
	}
	sort.Slice(plans, func(i, j int) bool {
		if plans[i].Name != plans[j].Name {
			return plans[i].Name < plans[j].Name
		}
		return plans[i].ARN < plans[j].ARN
	})
	return plans, nil
}

// allRegions returns the Regions of plans, each once, sorted.
func allRegions(plans []Plan) []string {
	var out []string
	for _, p := range plans {
		for _, r := range p.Regions {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	sort.Strings(out)
	return out
}
