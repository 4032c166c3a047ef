package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// lockAttempts bounds how often Create retries taking the plan lock when it
// changes hands under it.
const lockAttempts = 5

// lockGrace is added to the TTL for the lock's expiry while a request is
// pending or approved.
const lockGrace = time.Hour

// lockKey is the lock a request takes: the plan's, for an execution; for an
// operator action (cancel, pause, resume) the execution's, so that one open
// action per execution is allowed while the plan's lock is free for the
// next switch.
func lockKey(r *Request) string {
	if r.IsControl() {
		return "rsbot:lock:" + r.PlanARN + "|execution=" + r.TargetExecutionID
	}
	return "rsbot:lock:" + r.PlanARN
}

// acquire takes the plan lock for the new request r, taking it over from a
// holder that is missing, final, or pending past its expiry. It returns a
// *PlanBusyError when an open request holds the plan.
func (s *Store) acquire(ctx context.Context, r *Request) error {
	key := lockKey(r)
	px := s.ttl + lockGrace
	for range lockAttempts {
		ok, err := s.rdb.SetNX(ctx, key, r.ID, px).Result()
		if err != nil {
			return fmt.Errorf("plan lock %s: %w", r.PlanARN, err)
		}
		if ok {
			return nil
		}
		holder, err := s.rdb.Get(ctx, key).Result()
		if isNil(err) {
			continue // released meanwhile
		}
		if err != nil {
			return fmt.Errorf("plan lock %s: %w", r.PlanARN, err)
		}
		free, busy, err := s.holderGone(ctx, holder)
		if err != nil {
			return fmt.Errorf("plan lock %s: holder %w", r.PlanARN, err)
		}
		if busy != nil {
			busy.PlanARN = r.PlanARN
			return busy
		}
		if !free {
			continue // the holder changed state; look again
		}
		took, err := s.sc.lockTakeOver.Run(ctx, s.rdb, []string{key}, holder, r.ID, durMS(px)).Int()
		if err != nil {
			return fmt.Errorf("plan lock %s: take over from %s: %w", r.PlanARN, holder, err)
		}
		if took == 1 {
			s.log.InfoContext(ctx, "plan lock taken over", "request_id", r.ID, "plan_arn", r.PlanARN, "from", holder)
			return nil
		}
	}
	return fmt.Errorf("plan lock %s: still changing hands after %d attempts", r.PlanARN, lockAttempts)
}

// holderGone reports whether the lock holder no longer holds the plan
// (free), or, when it still does, returns the PlanBusyError to give. A
// holder pending past its expiry is expired first. Neither free nor busy
// means the holder changed state meanwhile.
func (s *Store) holderGone(ctx context.Context, holder string) (free bool, busy *PlanBusyError, err error) {
	h, err := s.Get(ctx, holder)
	if errors.Is(err, ErrNotFound) {
		return true, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	if h.Status == StatusPending && !s.now().Before(h.ExpiresAt) {
		d, err := s.Expire(ctx, holder)
		if err != nil {
			return false, nil, err
		}
		return d.Outcome == OutcomeExpired || d.Outcome == OutcomeNotFound, nil, nil
	}
	if h.Status.Final() {
		return true, nil, nil
	}
	return false, &PlanBusyError{RequestID: h.ID, Status: h.Status, ChannelID: h.ChannelID, MessageTS: h.MessageTS}, nil
}

// release deletes the plan lock if r holds it.
func (s *Store) release(ctx context.Context, r *Request) {
	if err := s.sc.lockRelease.Run(ctx, s.rdb, []string{lockKey(r)}, r.ID).Err(); err != nil {
		s.log.ErrorContext(ctx, "release plan lock; it expires on its own", "request_id", r.ID, "plan_arn", r.PlanARN, "err", err)
	}
}

// extend keeps the plan lock for executingHold while r executes, taking it
// again if it lapsed.
func (s *Store) extend(ctx context.Context, r *Request) {
	n, err := s.sc.lockExtend.Run(ctx, s.rdb, []string{lockKey(r)}, r.ID, durMS(executingHold)).Int()
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "extend plan lock", "request_id", r.ID, "plan_arn", r.PlanARN, "err", err)
	case n == 0:
		s.log.WarnContext(ctx, "plan lock held by another request while this one executes", "request_id", r.ID, "plan_arn", r.PlanARN)
	}
}
