package tracker_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

// On Redis Cluster every script touches only one execution's keys, which
// share a slot; two replicas share the work.
func TestOnRedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	e := newEnvOn(t, cluster.Client(t))
	ctx := context.Background()
	reg := e.execution("exec-cluster", west, time.Now(),
		event("e1", "stepStarted", "a"), event("e2", "stepPendingApproval", "gate"))
	e.arc.SetExecutionState(reg.ExecutionID, "pendingManualApproval")
	a, b := e.newTracker(), e.newTracker()
	e.run(a)
	e.run(b)
	e.track(a, reg)

	e.waitThread(reg, "the approval prompt", func(r []fakeslack.Message) bool { return len(prompts(t, r)) == 1 })
	if err := b.ApproveStep(ctx, reg.ExecutionID, "gate", "UAPPROVER", true); err != nil {
		t.Fatalf("ApproveStep: %v", err)
	}
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e3", "stepSucceeded", "gate"))
	e.arc.SetExecutionState(reg.ExecutionID, "completed")
	e.waitSummary(channel, "*Completed*")
	assertOnceInOrder(t, e.thread(reg), "desc-e1", "desc-e2", "desc-e3")

	base := "rsbot:track:{" + reg.ExecutionID + "}"
	slots := map[int64]bool{}
	for _, k := range []string{base, base + ":lease", base + ":posted"} {
		slots[e.rdb.ClusterKeySlot(ctx, k).Val()] = true
	}
	if len(slots) != 1 {
		t.Errorf("slots of one execution's keys: got %v, want one", slots)
	}
}

// The embedded store (REDIS_URL empty: miniredis in the process) runs the
// same scripts.
func TestOnEmbeddedStore(t *testing.T) {
	mini := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mini.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newEnvOn(t, rdb)
	reg := e.execution("exec-embedded", west, time.Now(), event("e1", "stepStarted", "a"))
	tr := e.newTracker()
	e.run(tr)
	e.track(tr, reg)
	e.waitEvents(reg, "desc-e1")
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e2", "stepSucceeded", "a"))
	e.arc.SetExecutionState(reg.ExecutionID, "failed")
	e.waitSummary(channel, "*Failed*")
	assertOnceInOrder(t, e.thread(reg), "desc-e1", "desc-e2")
}
