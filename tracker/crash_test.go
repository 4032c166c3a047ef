package tracker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

// A replica that died holding the lease, in the middle of posting e3 (its
// claim is recorded, whether Slack got the post is unknown): another
// replica takes over when the lease expires and posts e3 again, labelled
// as a possible repeat. Nothing is lost; only that one item may repeat.
func TestCrashedReplicaIsTakenOverAtLeastOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reg := e.execution("exec-crash", west, time.Now(), event("e1", "stepStarted", "a"), event("e2", "stepSucceeded", "a"))
	first := e.newTracker()
	stopFirst := e.run(first)
	e.track(first, reg)
	e.waitEvents(reg, "desc-e1", "desc-e2")
	stopFirst()

	e.arc.AddExecutionEvent(reg.ExecutionID, event("e3", "stepStarted", "b"))
	base := "rsbot:track:{" + reg.ExecutionID + "}"
	if err := e.rdb.Set(ctx, base+":lease", "dead-replica:1", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.rdb.HSet(ctx, base, "inflight", "ev:e3").Err(); err != nil {
		t.Fatal(err)
	}

	second := e.newTracker(func(o *tracker.Options) { o.LeaseTTL = time.Second })
	e.run(second)
	replies := e.waitEvents(reg, "desc-e3")
	assertOnceInOrder(t, replies, "desc-e1", "desc-e2", "desc-e3")
	for _, m := range replies {
		if got, want := strings.Contains(m.Text, "may appear twice"), has(m.Text, "desc-e3"); got != want {
			t.Errorf("reply %q: labelled as a possible repeat = %v, want %v", m.Text, got, want)
		}
	}
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e4", "stepSucceeded", "b"))
	replies = e.waitEvents(reg, "desc-e4")
	if strings.Contains(replies[len(replies)-1].Text, "may appear twice") {
		t.Errorf("reply after the takeover: got %q, want no label", replies[len(replies)-1].Text)
	}
}

// Slack refusing a post (rate limit, error) means it was not posted: the
// item is tried again on the next poll, without a label.
func TestRefusedPostIsRetriedUnlabelled(t *testing.T) {
	e := newEnv(t)
	reg := e.execution("exec-refused-post", west, time.Now(), event("e1", "stepStarted", "a"))
	e.slack.FailNext("chat.postMessage", "internal_error")
	tr := e.newTracker()
	e.run(tr)
	e.track(tr, reg)
	replies := e.waitEvents(reg, "desc-e1")
	if len(replies) != 1 || strings.Contains(replies[0].Text, "may appear twice") {
		t.Errorf("thread: got %v, want one unlabelled reply", replies)
	}
	if n := len(e.slack.CallsTo("chat.postMessage")); n < 3 {
		t.Errorf("chat.postMessage calls: got %d, want the result, the refused post and its retry", n)
	}
}
