package fakearc

import (
	"fmt"
	"slices"
	"time"
)

// Plan is a Region switch plan known to the fake.
type Plan struct {
	ARN         string
	Name        string
	Owner       string // owner account ID; "" means the account of the ARN
	Version     string
	Description string
	// Regions are the plan's Regions (ARC plans have exactly two). The plan
	// is visible to the data plane of these Regions only; none means all.
	Regions       []string
	PrimaryRegion string
	// ActiveExecution is the ID of the plan's running execution, or "". A
	// plan with one refuses StartPlanExecution with IllegalStateException.
	ActiveExecution string
	ExecutionRole   string
	// RecoveryApproach is "activePassive" (the default when empty) or
	// "activeActive".
	RecoveryApproach string
}

type planState struct {
	Plan
	updatedAt time.Time
	tags      map[string]string
}

// Execution is a plan execution known to the fake.
type Execution struct {
	ID      string
	PlanARN string
	// Region is the Region the execution was started in; only that Region's
	// data plane can read or change it ("" means every Region).
	Region       string
	Action       string // "activate", "deactivate" or "postRecovery"
	Mode         string // "graceful" or "ungraceful"
	TargetRegion string
	Comment      string
	State        string // an ExecutionState value, e.g. "inProgress"
	Version      string // the plan version it runs
	Started      time.Time
	// Ended is when the execution reached a terminal state (zero if not).
	Ended  time.Time
	Events []Event
}

// Event is an event of a plan execution.
type Event struct {
	ID          string
	Type        string // an ExecutionEventType value, e.g. "stepStarted"
	StepName    string
	Description string
	Error       string
	At          time.Time
}

// terminalStates are the execution states after which a plan is free again.
var terminalStates = map[string]bool{
	"completed":               true,
	"completedWithExceptions": true,
	"canceled":                true,
	"planExecutionTimedOut":   true,
	"failed":                  true,
}

// now returns the current time at the millisecond precision of the wire.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// AddPlan adds p, replacing any plan with the same ARN.
func (s *Server) AddPlan(p Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Regions = slices.Clone(p.Regions)
	s.putPlanLocked(p)
}

func (s *Server) putPlanLocked(p Plan) *planState {
	ps := s.plans[p.ARN]
	if ps == nil {
		ps = &planState{tags: map[string]string{}}
		s.plans[p.ARN] = ps
		s.planOrder = append(s.planOrder, p.ARN)
	}
	ps.Plan = p
	ps.updatedAt = now()
	return ps
}

// SetPlanVersion sets the version of plan arn, as a plan update would. An
// unknown arn fails the test.
func (s *Server) SetPlanVersion(arn, version string) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.plans[arn]
	if ps == nil {
		s.tb.Errorf("fakearc: SetPlanVersion: no plan %q", arn)
		return
	}
	ps.Version = version
	ps.updatedAt = now()
}

// Executions returns copies of all executions, in order of creation.
func (s *Server) Executions() []Execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Execution, len(s.execs))
	for i, e := range s.execs {
		out[i] = *e
		out[i].Events = slices.Clone(e.Events)
	}
	return out
}

// AddExecution adds a pre-existing execution, replacing any with the same ID.
// Empty fields get defaults: ID generated, State "inProgress", Action
// "activate", Mode "graceful", Started now, and Ended now if State is
// terminal (completed, completedWithExceptions, canceled,
// planExecutionTimedOut, failed). An execution in a non-terminal
// state becomes its plan's active execution if the plan has none.
func (s *Server) AddExecution(e Execution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ID == "" {
		e.ID = s.newExecutionIDLocked()
	}
	if e.State == "" {
		e.State = "inProgress"
	}
	if e.Action == "" {
		e.Action = "activate"
	}
	if e.Mode == "" {
		e.Mode = "graceful"
	}
	if e.Started.IsZero() {
		e.Started = now()
	}
	if terminalStates[e.State] && e.Ended.IsZero() {
		e.Ended = now()
	}
	e.Events = slices.Clone(e.Events)
	if old := s.execByID[e.ID]; old != nil {
		*old = e
	} else {
		ne := e
		s.execs = append(s.execs, &ne)
		s.execByID[e.ID] = &ne
	}
	s.syncActiveLocked(s.execByID[e.ID])
}

func (s *Server) newExecutionIDLocked() string {
	for {
		s.execSeq++
		id := fmt.Sprintf("exec-%04d", s.execSeq)
		if s.execByID[id] == nil {
			return id
		}
	}
}

// SetExecutionState sets the state of execution id, e.g. "completed",
// "failed" or "pendingManualApproval". A terminal state sets Ended and frees
// the plan; a non-terminal one clears Ended and makes the execution the
// plan's active one if it has none. An unknown id fails the test.
func (s *Server) SetExecutionState(id, state string) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.execByID[id]
	if e == nil {
		s.tb.Errorf("fakearc: SetExecutionState: no execution %q", id)
		return
	}
	s.setStateLocked(e, state)
}

func (s *Server) setStateLocked(e *Execution, state string) {
	e.State = state
	if terminalStates[state] {
		if e.Ended.IsZero() {
			e.Ended = now()
		}
	} else {
		e.Ended = time.Time{}
	}
	s.syncActiveLocked(e)
}

// syncActiveLocked keeps the plan's ActiveExecution in line with e's state.
func (s *Server) syncActiveLocked(e *Execution) {
	ps := s.plans[e.PlanARN]
	if ps == nil {
		return
	}
	switch {
	case terminalStates[e.State] && ps.ActiveExecution == e.ID:
		ps.ActiveExecution = ""
	case !terminalStates[e.State] && ps.ActiveExecution == "":
		ps.ActiveExecution = e.ID
	}
}

// AddExecutionEvent appends ev to execution id's events. An empty ID is
// generated and a zero At is now. An unknown id fails the test.
func (s *Server) AddExecutionEvent(id string, ev Event) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.execByID[id]
	if e == nil {
		s.tb.Errorf("fakearc: AddExecutionEvent: no execution %q", id)
		return
	}
	if ev.ID == "" {
		ev.ID = fmt.Sprintf("%s-event-%d", id, len(e.Events)+1)
	}
	if ev.At.IsZero() {
		ev.At = now()
	}
	e.Events = append(e.Events, ev)
}
