package session_test

import (
	"testing"

	"github.com/regionswitch-bot/regionswitch-bot/session"
)

func TestFinalState(t *testing.T) {
	for _, tc := range []struct {
		state string
		want  bool
	}{
		{"completed", true},
		{"completedWithExceptions", true},
		{"failed", true},
		{"canceled", true},
		{"planExecutionTimedOut", true},
		{"inProgress", false},
		{"pending", false},
		{"pausedByFailedStep", false},
		{"pausedByOperator", false},
		{"pendingManualApproval", false},
		{"completedMonitoringApplicationHealth", false},
		{"quantumEntangled", false},
		{"", false},
		{"COMPLETED", false},
	} {
		if got := session.FinalState(tc.state); got != tc.want {
			t.Errorf("FinalState(%q): got %v, want %v", tc.state, got, tc.want)
		}
	}
}
