package tracker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

func TestFinalStatePostsSummaryAndStops(t *testing.T) {
	for _, tc := range []struct {
		state, want string
	}{
		{"completed", ":white_check_mark: Plan execution `exec-completed` of `" + planARN + "` ended: *Completed* after 12m"},
		{"completedWithExceptions", ":warning: Plan execution `exec-completedWithExceptions` of `" + planARN + "` ended: *Completed with exceptions* after 12m"},
		{"failed", ":x: Plan execution `exec-failed` of `" + planARN + "` ended: *Failed* after 12m"},
		{"canceled", ":no_entry_sign: Plan execution `exec-canceled` of `" + planARN + "` ended: *Canceled* after 12m"},
		{"planExecutionTimedOut", ":hourglass: Plan execution `exec-planExecutionTimedOut` of `" + planARN + "` ended: *Timed out* after 12m"},
	} {
		t.Run(tc.state, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			reg := e.execution("exec-"+tc.state, west, time.Now().Add(-12*time.Minute-5*time.Second), event("e1", "stepStarted", "drain-east"))
			reg.NotifyChannels = []string{notifyA, channel, notifyB, notifyA}
			tr := e.newTracker()
			e.run(tr)
			e.track(tr, reg)
			e.waitEvents(reg, "desc-e1")

			e.arc.AddExecutionEvent(reg.ExecutionID, event("e2", "executionSucceeded", ""))
			e.arc.SetExecutionState(reg.ExecutionID, tc.state)
			// The last events come before the summary; the summary reaches
			// the channel and each notify channel once.
			e.waitEvents(reg, "desc-e2")
			for _, ch := range []string{channel, notifyA, notifyB} {
				m := e.waitSummary(ch, tc.want)
				if ch != channel && !strings.Contains(string(m.Blocks), "https://slack.com/archives/"+channel+"/p") {
					t.Errorf("summary in %s: got blocks %s, want a link to the execution's thread", ch, m.Blocks)
				}
			}
			msg := e.waitMessage(channel, reg.MessageTS, "*Duration:* 12m")
			if strings.Contains(msg.Text, "*Elapsed:*") {
				t.Errorf("final result message: got %q, want the duration, not an elapsed time", msg.Text)
			}

			// Tracking stops: the registry forgets it, the lease is gone,
			// and while a second execution is polled, it is not.
			waitUntil(t, "the execution to leave the registry", func() bool {
				return !e.rdb.SIsMember(ctx, "rsbot:track:active", reg.ExecutionID).Val()
			})
			if n := e.rdb.Exists(ctx, "rsbot:track:{"+reg.ExecutionID+"}:lease").Val(); n != 0 {
				t.Errorf("lease after the end: got %d keys, want none", n)
			}
			if ttl := e.rdb.PTTL(ctx, "rsbot:track:{"+reg.ExecutionID+"}").Val(); ttl <= 0 {
				t.Errorf("TTL of the finished state: got %v, want a retention period", ttl)
			}
			polled := len(execCalls(e.arc.CallsTo("GetPlanExecution"), reg.ExecutionID))
			other := e.execution("exec-sentinel", west, time.Now())
			e.track(tr, other)
			e.arc.WaitFor(t, waitTime, "the second execution to be polled 5 times", func(calls []fakearc.Call) bool {
				n := 0
				for _, c := range execCalls(calls, other.ExecutionID) {
					if c.Operation == "GetPlanExecution" {
						n++
					}
				}
				return n >= 5
			})
			if got := len(execCalls(e.arc.CallsTo("GetPlanExecution"), reg.ExecutionID)); got != polled {
				t.Errorf("GetPlanExecution calls after the end: got %d more, want none", got-polled)
			}
			for _, ch := range []string{channel, notifyA, notifyB} {
				if n := count(e.slack.Messages(ch), "ended:"); n != 1 {
					t.Errorf("summaries in %s: got %d, want 1", ch, n)
				}
			}

			// Tracking a finished execution again does not revive it.
			e.track(tr, reg)
			if e.rdb.SIsMember(ctx, "rsbot:track:active", reg.ExecutionID).Val() {
				t.Error("tracking a finished execution again put it back in the registry")
			}
		})
	}
}

func TestTrackRejectsIncompleteRegistrations(t *testing.T) {
	e := newEnv(t)
	tr := e.newTracker()
	full := tracker.Registration{ExecutionID: "x", PlanARN: planARN, Region: west, Channel: channel, MessageTS: "1.2"}
	for _, tc := range []struct {
		name   string
		change func(*tracker.Registration)
		want   string
	}{
		{"no execution ID", func(r *tracker.Registration) { r.ExecutionID = "" }, "ExecutionID"},
		{"no plan", func(r *tracker.Registration) { r.PlanARN = "" }, "PlanARN"},
		{"no Region", func(r *tracker.Registration) { r.Region = "" }, "Region"},
		{"no channel", func(r *tracker.Registration) { r.Channel = "" }, "Channel"},
		{"no message", func(r *tracker.Registration) { r.MessageTS = "" }, "MessageTS"},
		{"comma in notify channel", func(r *tracker.Registration) { r.NotifyChannels = []string{"C1,C2"} }, "notify channel"},
		{"empty notify channel", func(r *tracker.Registration) { r.NotifyChannels = []string{""} }, "notify channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := full
			tc.change(&r)
			err := tr.Track(context.Background(), r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Track: got %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if n := e.rdb.DBSize(context.Background()).Val(); n != 0 {
		t.Errorf("keys after refused registrations: got %d, want 0", n)
	}
}
