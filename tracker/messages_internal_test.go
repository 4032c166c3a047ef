package tracker

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStepValue(t *testing.T) {
	for _, tc := range []struct {
		name, value, wantID, wantStep string
		ok                            bool
	}{
		{"round trip", StepValue("exec-1", "approve-failover"), "exec-1", "approve-failover", true},
		{"step with a bar", StepValue("exec-1", "a|b"), "exec-1", "a|b", true},
		{"no separator", "exec-1", "", "", false},
		{"no step", "exec-1|", "", "", false},
		{"no execution", "|step", "", "", false},
		{"empty", "", "", "", false},
		{"hash tag in ID", "exec}{x|step", "", "", false},
		{"space in ID", "exec 1|step", "", "", false},
		{"too long", "exec-1|" + strings.Repeat("s", 2000), "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, step, err := ParseStepValue(tc.value)
			if (err == nil) != tc.ok || id != tc.wantID || step != tc.wantStep {
				t.Errorf("ParseStepValue(%q): got %q, %q, %v; want %q, %q, ok=%v", tc.value, id, step, err, tc.wantID, tc.wantStep, tc.ok)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		d              time.Duration
		exact, elapsed string
	}{
		{0, "0s", "under a minute"},
		{40*time.Second + 600*time.Millisecond, "41s", "under a minute"},
		{12*time.Minute + 5*time.Second, "12m 5s", "12m"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1h 2m 3s", "1h 02m"},
		{49 * time.Hour, "49h 0m 0s", "49h 00m"},
	} {
		if got := formatDuration(tc.d); got != tc.exact {
			t.Errorf("formatDuration(%v): got %q, want %q", tc.d, got, tc.exact)
		}
		if got := formatElapsed(tc.d); got != tc.elapsed {
			t.Errorf("formatElapsed(%v): got %q, want %q", tc.d, got, tc.elapsed)
		}
	}
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	now := start.Add(time.Hour)
	for _, tc := range []struct {
		name string
		exec Execution
		want time.Duration
	}{
		{"running", Execution{Started: start}, time.Hour},
		{"ended", Execution{Started: start, Ended: start.Add(10 * time.Minute)}, 10 * time.Minute},
		{"no start", Execution{}, 0},
		{"clock behind ARC", Execution{Started: now.Add(time.Minute)}, 0},
	} {
		if got := duration(tc.exec, now); got != tc.want {
			t.Errorf("duration(%s): got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWaitingSteps(t *testing.T) {
	ev := func(typ, step, block string) Event { return Event{Type: typ, Step: step, BlockType: block} }
	for _, tc := range []struct {
		name   string
		exec   Execution
		events []Event
		want   []string
	}{
		{"none", Execution{State: "inProgress"}, []Event{ev("stepStarted", "a", "")}, nil},
		{"pending approval event", Execution{State: "inProgress"}, []Event{ev("stepStarted", "a", ""), ev("stepPendingApproval", "gate", "")}, []string{"gate"}},
		{"manual approval block started", Execution{State: "inProgress"}, []Event{ev("stepStarted", "gate", "ManualApproval")}, []string{"gate"}},
		{"approved since", Execution{State: "inProgress"}, []Event{ev("stepPendingApproval", "gate", ""), ev("stepSucceeded", "gate", "")}, nil},
		{"state with step states", Execution{State: "pendingManualApproval", Steps: []Step{{"a", "completed"}, {"gate", "pendingApproval"}}}, nil, []string{"gate"}},
		{"state and event agree", Execution{State: "pendingManualApproval", Steps: []Step{{"gate", "pendingApproval"}}}, []Event{ev("stepPendingApproval", "gate", "")}, []string{"gate"}},
		{"state without a step", Execution{State: "pendingManualApproval"}, []Event{ev("stepSucceeded", "a", "")}, []string{""}},
		{"step states ignored unless pending", Execution{State: "inProgress", Steps: []Step{{"gate", "pendingApproval"}}}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := waitingSteps(tc.exec, tc.events); !slices.Equal(got, tc.want) {
				t.Errorf("waitingSteps: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestARCTextIsInert(t *testing.T) {
	hostile := "<!channel> <@U1> <https://evil.example|click> & more"
	m := eventMessage(Event{Type: "<!here>", Step: hostile, Description: hostile, Error: hostile})
	for _, bad := range []string{"<!channel>", "<@U1>", "<https://", "<!here>"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("event message %q contains %q unescaped", m.Text, bad)
		}
	}
	if got := stateLabel("<!channel>"); strings.Contains(got, "<!channel>") {
		t.Errorf("stateLabel: got %q, want it escaped", got)
	}
	ask := askMessage(&record{Registration: Registration{ExecutionID: "exec-1"}}, hostile)
	if strings.Contains(ask.Text, "<!channel>") {
		t.Errorf("prompt %q contains a mention", ask.Text)
	}
}
