package tracker_test

import (
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

func TestOtherRegionAnswersWhenTheExecutionsRegionIsDown(t *testing.T) {
	e := newEnv(t)
	// Visible in every Region, so that the other Region can answer.
	reg := e.execution("exec-fallback", "", time.Now(), event("e1", "stepStarted", "a"))
	e.arc.SetRegionDown(west, true)
	tr := e.newTracker(func(o *tracker.Options) { o.RegionTimeout = time.Second })
	e.run(tr)
	e.track(tr, reg)

	e.waitEvents(reg, "desc-e1")
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e2", "stepSucceeded", "a"))
	e.waitEvents(reg, "desc-e2")

	gets := execCalls(e.arc.CallsTo("GetPlanExecution"), reg.ExecutionID)
	if gets[0].Region != west {
		t.Errorf("first GetPlanExecution: got %s, want the execution's Region %s", gets[0].Region, west)
	}
	answered := map[string]int{}
	for _, op := range []string{"GetPlanExecution", "ListPlanExecutionEvents"} {
		for _, c := range execCalls(e.arc.CallsTo(op), reg.ExecutionID) {
			if c.Region == east {
				answered[op]++
			}
		}
	}
	if answered["GetPlanExecution"] == 0 || answered["ListPlanExecutionEvents"] == 0 {
		t.Errorf("calls to %s: got %v, want GetPlanExecution and ListPlanExecutionEvents there", east, answered)
	}

	// The answering Region is asked first from then on; once it too fails
	// and the execution's Region is back, that one answers.
	e.arc.SetRegionDown(west, false)
	e.arc.SetRegionDown(east, true)
	e.arc.AddExecutionEvent(reg.ExecutionID, event("e3", "stepStarted", "b"))
	e.waitEvents(reg, "desc-e3")
	e.arc.SetExecutionState(reg.ExecutionID, "completed")
	e.waitSummary(channel, "*Completed*")
	assertOnceInOrder(t, e.thread(reg), "desc-e1", "desc-e2", "desc-e3")
}

func TestARefusalIsAnAnswer(t *testing.T) {
	e := newEnv(t)
	reg := e.execution("exec-refused", west, time.Now(), event("e1", "stepStarted", "a"))
	e.arc.FailNext("GetPlanExecution", fakearc.Error{Type: "AccessDeniedException", Message: "no"})
	tr := e.newTracker()
	e.run(tr)
	e.track(tr, reg)
	e.waitEvents(reg, "desc-e1")
	for i, c := range execCalls(e.arc.Calls(), reg.ExecutionID) {
		if c.Region != west {
			t.Errorf("call %d (%s): got Region %s, want %s only: a 4xx answer must not send the poll elsewhere", i, c.Operation, c.Region, west)
		}
	}
}
