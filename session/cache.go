package session

import (
	"context"
	"time"
)

// PlanCache keeps the metadata of plans the session resolved (name, ARN,
// Regions, version, owner, updated-at), so that a plan still resolves, by
// ARN or by name, when neither its Regions nor the default Region answer.
// *plancache.Cache satisfies it. Get and FindByName report a miss as false
// with a nil error; the Plans they return carry CachedAt.
type PlanCache interface {
	Get(ctx context.Context, arn string) (Plan, bool, error)
	FindByName(ctx context.Context, name string) (Plan, bool, error)
	Put(ctx context.Context, p Plan) error
	All(ctx context.Context) ([]Plan, error)
}

// AnsweredByCache is Plan.AnsweredBy for a plan that no Region answered
// for and that came from the PlanCache.
const AnsweredByCache = "cache"

// cacheTimeout bounds one cache call: the cache must never hold up an
// answer AWS gave, nor the fallback when AWS gave none.
const cacheTimeout = time.Second

// remember stores plans in the cache. A failure is logged, never returned:
// the cache must not fail a resolution that AWS answered. The writes stay
// within the caller's deadline (and cacheTimeout), so a caller that must
// answer fast, such as Slack's plan list, is never held up by them.
func (s *Session) remember(ctx context.Context, plans ...Plan) {
	if s.opts.Cache == nil || len(plans) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	for _, p := range plans {
		if err := s.opts.Cache.Put(ctx, p); err != nil {
			s.log.Warn("could not cache plan metadata", "plan", p.ARN, "err", err)
			return
		}
	}
}

// cached returns the cached plan arn, if the cache has it and answers.
func (s *Session) cached(ctx context.Context, arn string) (Plan, bool) {
	return s.cacheLookup(ctx, arn, func(ctx context.Context) (Plan, bool, error) { return s.opts.Cache.Get(ctx, arn) })
}

// cachedByName returns the cached plan called name, if any.
func (s *Session) cachedByName(ctx context.Context, name string) (Plan, bool) {
	return s.cacheLookup(ctx, name, func(ctx context.Context) (Plan, bool, error) { return s.opts.Cache.FindByName(ctx, name) })
}

func (s *Session) cacheLookup(ctx context.Context, ref string, get func(context.Context) (Plan, bool, error)) (Plan, bool) {
	if s.opts.Cache == nil {
		return Plan{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	p, ok, err := get(ctx)
	if err != nil {
		s.log.Warn("could not read the plan cache", "plan", ref, "err", err)
		return Plan{}, false
	}
	return p, ok
}

// cachedAll returns every cached plan, or none when the cache fails.
func (s *Session) cachedAll(ctx context.Context) []Plan {
	if s.opts.Cache == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	plans, err := s.opts.Cache.All(ctx)
	if err != nil {
		s.log.Warn("could not read the plan cache", "err", err)
		return nil
	}
	return plans
}

// fromCache marks a cached plan as the cache's answer and says how old it
// is. Whether an execution is active is not cached: it is left empty.
func (s *Session) fromCache(p Plan) Plan {
	p.AnsweredBy = AnsweredByCache
	p.ActiveExecution = ""
	if !p.CachedAt.IsZero() {
		p.Age = max(s.opts.Now().Sub(p.CachedAt), 0)
	}
	return p
}
