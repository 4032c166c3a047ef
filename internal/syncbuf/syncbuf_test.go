package syncbuf_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
)

func TestConcurrentWritesAllArrive(t *testing.T) {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { fmt.Fprintf(&b, "line %d\n", i) })
	}
	wg.Wait()
	for i := range 50 {
		if !strings.Contains(b.String(), fmt.Sprintf("line %d\n", i)) {
			t.Errorf("line %d missing", i)
		}
	}
	if got := strings.Count(b.String(), "\n"); got != 50 {
		t.Errorf("got %d lines, want 50", got)
	}
}
