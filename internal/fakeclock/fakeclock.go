// Package fakeclock is a settable clock for tests.
//
// Code under test takes a func() time.Time (for example an Options.Now
// field); a test passes [Clock.Now] and moves time with [Clock.Advance] or
// [Clock.Set] instead of sleeping. The clock never moves on its own.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a settable clock for tests, safe for concurrent use.
// Create one with [New]; the zero value reads the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock that reads t until it is advanced or set.
func New(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d (backwards when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
