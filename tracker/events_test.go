package tracker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

func TestEventsArePostedInOrderInTheThread(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	reg := e.execution("exec-order", west, now.Add(-5*time.Minute-30*time.Second),
		event("e1", "executionStarted", ""),
		event("e2", "stepStarted", "scale-up-west"),
		event("e3", "stepSucceeded", "scale-up-west"),
	)
	tr := e.newTracker(func(o *tracker.Options) { o.Now = func() time.Time { return now } })
	e.run(tr)
	e.track(tr, reg)

	e.waitEvents(reg, "desc-e1", "desc-e2", "desc-e3")
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e4", "stepStarted", "switch-routing"))
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e5", "stepUpdate", "switch-routing"))
	replies := e.waitEvents(reg, "desc-e4", "desc-e5")
	assertOnceInOrder(t, replies, "desc-e1", "desc-e2", "desc-e3", "desc-e4", "desc-e5")
	for _, m := range replies {
		if m.ThreadTS != reg.MessageTS || m.Channel != channel {
			t.Errorf("reply %q: got channel %s thread %s, want %s thread %s", m.Text, m.Channel, m.ThreadTS, channel, reg.MessageTS)
		}
	}
	if !strings.Contains(replies[1].Text, "*scale-up-west* `stepStarted`") {
		t.Errorf("step reply: got %q, want the step name and event type", replies[1].Text)
	}

	// The result message keeps its headline and shows state, step, elapsed.
	m := e.waitMessage(channel, reg.MessageTS, "*Step:* switch-routing")
	for _, want := range []string{reg.Headline, "*State:* In progress", "*Elapsed:* 5m", "Request `req-exec-order`"} {
		if !strings.Contains(m.Text+string(m.Blocks), want) {
			t.Errorf("result message: got %q %s, want it to contain %q", m.Text, m.Blocks, want)
		}
	}
	if n := len(e.slack.Messages(channel)); n != 6 {
		t.Errorf("messages in the channel: got %d, want 6 (the result and 5 replies)", n)
	}
}

func TestUnknownStateIsShownAndNotFinal(t *testing.T) {
	e := newEnv(t)
	reg := e.execution("exec-future", west, time.Now(), event("e1", "stepStarted", "warm-up"))
	tr := e.newTracker()
	e.run(tr)
	e.track(tr, reg)
	e.waitEvents(reg, "desc-e1")

	e.arc.SetExecutionState(reg.ExecutionID, "quantumEntangled")
	e.waitMessage(channel, reg.MessageTS, "*State:* `quantumEntangled`")
	// Still followed: a later event is posted, and a final state ends it.
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e2", "someNewEventType", "warm-up"))
	replies := e.waitEvents(reg, "desc-e2")
	if !strings.Contains(replies[len(replies)-1].Text, "`someNewEventType`") {
		t.Errorf("unknown event type: got %q, want it shown as sent", replies[len(replies)-1].Text)
	}
	e.arc.SetExecutionState(reg.ExecutionID, "completed")
	e.waitSummary(channel, "*Completed*")
}
