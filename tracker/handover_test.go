package tracker_test

import (
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

func TestRestartLosesNoEventAndRepeatsNone(t *testing.T) {
	for _, tc := range []struct {
		name string
		// stop stops the first tracker after it posted e1..e3; e4 exists.
		stop func(e *env, stopFirst func())
	}{
		{"stopped between polls", func(_ *env, stopFirst func()) { stopFirst() }},
		{"stopped while posting", func(e *env, stopFirst func()) {
			// The post of e4 is in flight at Slack when the replica stops:
			// it finishes the post and records it before it lets go.
			release := e.slack.Hold("chat.postMessage")
			defer release()
			before := len(e.slack.CallsTo("chat.postMessage"))
			e.slack.WaitFor(e.t, waitTime, "the post of e4 to arrive", func(calls []fakeslack.Call) bool {
				return len(filterMethod(calls, "chat.postMessage")) > before
			})
			stopped := make(chan struct{})
			go func() { stopFirst(); close(stopped) }()
			release()
			<-stopped
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			reg := e.execution("exec-restart", west, time.Now(),
				event("e1", "stepStarted", "a"), event("e2", "stepSucceeded", "a"), event("e3", "stepStarted", "b"))
			first := e.newTracker()
			stopFirst := e.run(first)
			e.track(first, reg)
			e.waitEvents(reg, "desc-e1", "desc-e2", "desc-e3")

			e.arc.AddExecutionEvent(reg.ExecutionID, event("e4", "stepSucceeded", "b"))
			tc.stop(e, stopFirst)
			e.arc.AddExecutionEvent(reg.ExecutionID, event("e5", "stepStarted", "c"))

			second := e.newTracker()
			e.run(second)
			e.waitEvents(reg, "desc-e5")
			e.arc.AddExecutionEvent(reg.ExecutionID, event("e6", "stepSucceeded", "c"))
			e.arc.SetExecutionState(reg.ExecutionID, "completed")
			e.waitSummary(channel, "*Completed*")

			assertOnceInOrder(t, e.thread(reg), "desc-e1", "desc-e2", "desc-e3", "desc-e4", "desc-e5", "desc-e6")
			if n := count(e.slack.Messages(channel), "may appear twice"); n != 0 {
				t.Errorf("messages labelled as possible repeats: got %d, want 0 after a clean stop", n)
			}
		})
	}
}

func TestTwoReplicasPostEachEventOnce(t *testing.T) {
	e := newEnv(t)
	reg := e.execution("exec-pair", west, time.Now(), event("e1", "stepStarted", "a"))
	reg.NotifyChannels = []string{notifyA}
	a, b := e.newTracker(), e.newTracker()
	e.run(a)
	e.run(b)
	// Both replicas learn of it; only one may follow it.
	e.track(a, reg)
	e.track(b, reg)

	e.waitEvents(reg, "desc-e1")
	for i, ev := range []string{"e2", "e3", "e4", "e5"} {
		e.arc.AddExecutionEvent(reg.ExecutionID, event(ev, "stepUpdate", "a"))
		if i%2 == 1 {
			e.waitEvents(reg, "desc-"+ev)
		}
	}
	e.arc.SetExecutionState(reg.ExecutionID, "completedWithExceptions")
	e.waitSummary(channel, "*Completed with exceptions*")
	e.waitSummary(notifyA, "*Completed with exceptions*")

	assertOnceInOrder(t, e.thread(reg), "desc-e1", "desc-e2", "desc-e3", "desc-e4", "desc-e5")
	for _, ch := range []string{channel, notifyA} {
		if n := count(e.slack.Messages(ch), "ended:"); n != 1 {
			t.Errorf("summaries in %s: got %d, want 1", ch, n)
		}
	}
}

func filterMethod(calls []fakeslack.Call, method string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}
