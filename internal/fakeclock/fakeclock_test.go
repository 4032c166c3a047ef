package fakeclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func TestNewKeepsTheLocationAndMonotonicReading(t *testing.T) {
	start := time.Now()
	c := fakeclock.New(start)
	if got := c.Now(); got != start {
		t.Fatalf("Now() = %#v, want exactly %#v", got, start)
	}
}

func TestAdvance(t *testing.T) {
	c := fakeclock.New(t0)
	c.Advance(90 * time.Second)
	if got, want := c.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance(90s): Now() = %v, want %v", got, want)
	}
	c.Advance(-30 * time.Second)
	if got, want := c.Now(), t0.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance(-30s): Now() = %v, want %v", got, want)
	}
}

func TestSet(t *testing.T) {
	c := fakeclock.New(t0)
	c.Advance(time.Hour)
	later := t0.Add(24 * time.Hour)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Fatalf("after Set: Now() = %v, want %v", got, later)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Set back: Now() = %v, want %v", got, t0)
	}
}

// TestConcurrent advances and reads the clock from many goroutines; run
// with -race it checks the clock is safe for concurrent use, and the final
// reading checks no Advance was lost.
func TestConcurrent(t *testing.T) {
	const (
		goroutines = 8
		steps      = 1000
	)
	c := fakeclock.New(t0)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range steps {
				c.Advance(time.Millisecond)
			}
		})
		wg.Go(func() {
			prev := c.Now()
			for range steps {
				now := c.Now()
				if now.Before(prev) {
					t.Errorf("Now() went backwards: %v after %v", now, prev)
					return
				}
				prev = now
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), t0.Add(goroutines*steps*time.Millisecond); !got.Equal(want) {
		t.Fatalf("after concurrent Advance: Now() = %v, want %v", got, want)
	}
}
