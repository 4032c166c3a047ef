package approvals

import (
	"context"
	"fmt"
	"time"
)

// Lease takes the named lease for ttl if nobody holds it (SET NX PX), so
// that one replica at a time does a periodic job (the reconciler). It
// returns ok=false when another replica holds it. release gives it back
// early, only if it is still ours.
func (s *Store) Lease(ctx context.Context, name string, ttl time.Duration) (release func(context.Context), ok bool, err error) {
	key := "rsbot:lease:" + name
	token := NewID()
	ok, err = s.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("lease %s: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	return func(ctx context.Context) {
		if err := s.sc.lockRelease.Run(ctx, s.rdb, []string{key}, token).Err(); err != nil {
			s.log.WarnContext(ctx, "could not release lease", "lease", name, "err", err)
		}
	}, true, nil
}
