package tracker

import (
	"context"
	"fmt"
)

// Lookup returns the registration of an execution this tracker follows, or
// followed recently (its state is kept for Retention after the end).
// Errors: ErrNotTracked when it knows none, or a Redis error.
func (t *Tracker) Lookup(ctx context.Context, executionID string) (Registration, error) {
	rec, err := t.store.load(ctx, executionID)
	if err != nil {
		return Registration{}, err
	}
	if rec == nil {
		return Registration{}, fmt.Errorf("execution %s: %w", executionID, ErrNotTracked)
	}
	return rec.Registration, nil
}
