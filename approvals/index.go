package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// indexKey is the sorted set of the request IDs in state st; see the package
// doc. rsbot:pending is scored by expiry, the others by entry time.
func indexKey(st Status) string { return "rsbot:" + string(st) }

// index moves r into the index of its status and out of those of from,
// best-effort. Entries of final states older than Retention are trimmed.
func (s *Store) index(ctx context.Context, r *Request, from ...Status) {
	score := float64(r.UpdatedAt.UnixMilli())
	if r.Status == StatusPending {
		score = float64(r.ExpiresAt.UnixMilli())
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, f := range from {
			if f != "" && f != r.Status {
				p.ZRem(ctx, indexKey(f), r.ID)
			}
		}
		p.ZAdd(ctx, indexKey(r.Status), redis.Z{Score: score, Member: r.ID})
		if r.Status.Final() {
			cutoff := s.now().Add(-s.retention).UnixMilli()
			p.ZRemRangeByScore(ctx, indexKey(r.Status), "-inf", "("+strconv.FormatInt(cutoff, 10))
		}
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "update state index", "request_id", r.ID, "status", string(r.Status), "err", err)
	}
}

// unindex drops id from the index of st, best-effort.
func (s *Store) unindex(ctx context.Context, id string, st Status) {
	if err := s.rdb.ZRem(ctx, indexKey(st), id).Err(); err != nil {
		s.log.WarnContext(ctx, "update state index", "request_id", id, "status", string(st), "err", err)
	}
}

// Due returns the IDs of pending requests at or past their expiry, oldest
// expiry first, for a sweeper that calls Expire on each. The index is
// maintained best-effort, so an ID may name a request that is no longer
// pending; Expire then drops it from the index.
func (s *Store) Due(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key:     indexKey(StatusPending),
		ByScore: true,
		Start:   "-inf",
		Stop:    unixMS(s.now()),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("due requests: %w", err)
	}
	return ids, nil
}

// Open returns the pending, approved and executing requests, oldest first.
func (s *Store) Open(ctx context.Context) ([]*Request, error) {
	var all []*Request
	for _, st := range []Status{StatusPending, StatusApproved, StatusExecuting} {
		rs, err := s.InState(ctx, st)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	slices.SortStableFunc(all, func(a, b *Request) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return all, nil
}

// InState returns the requests in state st, for example the executing ones
// for a reconciler after a crash. It reads the state's index (see the
// package doc) and returns only requests whose record is really in st,
// dropping stale index entries; final states are indexed for Retention.
// Pending requests come by expiry, the others by the time they entered st.
func (s *Store) InState(ctx context.Context, st Status) ([]*Request, error) {
	if !st.valid() {
		return nil, fmt.Errorf("state %q: unknown", st)
	}
	ids, err := s.rdb.ZRange(ctx, indexKey(st), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("state %s: index: %w", st, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, reqKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("state %s: read requests: %w", st, err)
	}
	var out []*Request
	for i, c := range cmds {
		h := c.Val()
		if len(h) == 0 {
			s.unindex(ctx, ids[i], st)
			continue
		}
		r, err := decode(h)
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", ids[i], err)
		}
		if r.Status != st {
			s.unindex(ctx, ids[i], st)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}
