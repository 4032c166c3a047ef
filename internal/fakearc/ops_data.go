package fakearc

import (
	"slices"
	"unicode/utf8"
)

// opFunc is a built-in operation; it runs with s.mu held.
type opFunc func(s *Server, region string, in map[string]any) (map[string]any, *Error)

// builtins are the operations the fake implements.
var builtins = map[string]opFunc{
	// Data plane.
	"StartPlanExecution":              (*Server).startPlanExecution,
	"GetPlanInRegion":                 (*Server).getPlanInRegion,
	"ListPlansInRegion":               (*Server).listPlansInRegion,
	"GetPlanExecution":                (*Server).getPlanExecution,
	"ListPlanExecutions":              (*Server).listPlanExecutions,
	"ListPlanExecutionEvents":         (*Server).listPlanExecutionEvents,
	"GetPlanEvaluationStatus":         (*Server).getPlanEvaluationStatus,
	"ApprovePlanExecutionStep":        (*Server).approvePlanExecutionStep,
	"CancelPlanExecution":             (*Server).cancelPlanExecution,
	"UpdatePlanExecution":             (*Server).updatePlanExecution,
	"UpdatePlanExecutionStep":         (*Server).updatePlanExecutionStep,
	"ListRoute53HealthChecksInRegion": (*Server).listRoute53HealthChecks,
	// Control plane.
	"GetPlan":                 (*Server).getPlan,
	"ListPlans":               (*Server).listPlans,
	"CreatePlan":              (*Server).createPlan,
	"UpdatePlan":              (*Server).updatePlan,
	"DeletePlan":              (*Server).deletePlan,
	"TagResource":             (*Server).tagResource,
	"UntagResource":           (*Server).untagResource,
	"ListTagsForResource":     (*Server).listTagsForResource,
	"ListRoute53HealthChecks": (*Server).listRoute53HealthChecks,
}

// maxCommentLen is the service's limit on an execution comment.
const maxCommentLen = 1024

// planInRegionLocked returns the plan named by in[key] if region's data plane
// can see it.
func (s *Server) planInRegionLocked(region string, in map[string]any, key string) (*planState, *Error) {
	if e := required(in, key); e != nil {
		return nil, e
	}
	arn := str(in, key)
	ps := s.plans[arn]
	if ps == nil || !ps.inRegion(region) {
		return nil, errNotFound("plan %s not found in %s", arn, region)
	}
	return ps, nil
}

// executionInRegionLocked returns the execution named by in's planArn and
// executionId if it belongs to region.
func (s *Server) executionInRegionLocked(region string, in map[string]any) (*Execution, *Error) {
	if e := required(in, "planArn", "executionId"); e != nil {
		return nil, e
	}
	id := str(in, "executionId")
	e := s.execByID[id]
	if e == nil || e.PlanARN != str(in, "planArn") || (e.Region != "" && e.Region != region) {
		return nil, errNotFound("execution %s of plan %s not found in %s", id, str(in, "planArn"), region)
	}
	return e, nil
}

func (s *Server) startPlanExecution(region string, in map[string]any) (map[string]any, *Error) {
	if e := required(in, "planArn", "targetRegion", "action"); e != nil {
		return nil, e
	}
	ps, err := s.planInRegionLocked(region, in, "planArn")
	if err != nil {
		return nil, err
	}
	target, action, mode, comment := str(in, "targetRegion"), str(in, "action"), str(in, "mode"), str(in, "comment")
	if mode == "" {
		mode = "graceful"
	}
	switch {
	case !ps.inRegion(target) || len(ps.Regions) == 0:
		return nil, errIllegalArgument("targetRegion %s is not a Region of plan %s", target, ps.ARN)
	case action != "activate" && action != "deactivate" && action != "postRecovery":
		return nil, errIllegalArgument("invalid action %q", action)
	case mode != "graceful" && mode != "ungraceful":
		return nil, errIllegalArgument("invalid mode %q", mode)
	case utf8.RuneCountInString(comment) > maxCommentLen:
		return nil, errIllegalArgument("comment is longer than %d characters", maxCommentLen)
	case ps.ActiveExecution != "":
		return nil, errIllegalState("plan %s already has an active execution %s", ps.ARN, ps.ActiveExecution)
	}
	e := &Execution{
		ID: s.newExecutionIDLocked(), PlanARN: ps.ARN, Region: region,
		Action: action, Mode: mode, TargetRegion: target, Comment: comment,
		State: "inProgress", Version: ps.Version, Started: now(),
	}
	s.execs = append(s.execs, e)
	s.execByID[e.ID] = e
	ps.ActiveExecution = e.ID

	out := map[string]any{"executionId": e.ID, "plan": ps.ARN}
	setIf(out, "planVersion", ps.Version)
	activePassive := ps.recoveryApproach() == "activePassive"
	switch action {
	case "activate":
		out["activateRegion"] = target
		if activePassive {
			setIf(out, "deactivateRegion", ps.otherRegion(target))
		}
	case "deactivate":
		out["deactivateRegion"] = target
		if activePassive {
			setIf(out, "activateRegion", ps.otherRegion(target))
		}
	}
	return out, nil
}

func (s *Server) getPlanInRegion(region string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planInRegionLocked(region, in, "arn")
	if err != nil {
		return nil, err
	}
	return map[string]any{"plan": ps.planShape()}, nil
}

func (s *Server) listPlansInRegion(region string, in map[string]any) (map[string]any, *Error) {
	var plans []any
	for _, arn := range s.planOrder {
		if ps := s.plans[arn]; ps.inRegion(region) {
			plans = append(plans, ps.abbreviatedShape())
		}
	}
	return listOutput("plans", plans, in)
}

// listOutput pages items into {key: items, nextToken}.
func listOutput(key string, items []any, in map[string]any) (map[string]any, *Error) {
	items, next, err := page(items, in)
	if err != nil {
		return nil, err
	}
	out := map[string]any{key: append([]any{}, items...)}
	setIf(out, "nextToken", next)
	return out, nil
}

func (s *Server) getPlanExecution(region string, in map[string]any) (map[string]any, *Error) {
	e, err := s.executionInRegionLocked(region, in)
	if err != nil {
		return nil, err
	}
	out := executionShape(e)
	out["stepStates"] = []any{}
	if ps := s.plans[e.PlanARN]; ps != nil {
		out["plan"] = ps.planShape()
	}
	return out, nil
}

func (s *Server) listPlanExecutions(_ string, in map[string]any) (map[string]any, *Error) {
	if e := required(in, "planArn"); e != nil {
		return nil, e
	}
	arn, state := str(in, "planArn"), str(in, "state")
	found := s.plans[arn] != nil
	var execs []*Execution
	for _, e := range slices.Backward(s.execs) {
		if e.PlanARN != arn {
			continue
		}
		found = true
		if state == "" || e.State == state {
			execs = append(execs, e)
		}
	}
	if !found {
		return nil, errNotFound("plan %s not found", arn)
	}
	// Newest first; among equal start times, the last created first.
	slices.SortStableFunc(execs, func(a, b *Execution) int { return b.Started.Compare(a.Started) })
	items := make([]any, len(execs))
	for i, e := range execs {
		items[i] = executionShape(e)
	}
	return listOutput("items", items, in)
}

func (s *Server) listPlanExecutionEvents(region string, in map[string]any) (map[string]any, *Error) {
	e, err := s.executionInRegionLocked(region, in)
	if err != nil {
		return nil, err
	}
	name := str(in, "name")
	var items []any
	prev := ""
	for _, ev := range e.Events {
		if name == "" || ev.StepName == name {
			items = append(items, eventShape(ev, prev))
		}
		prev = ev.ID
	}
	return listOutput("items", items, in)
}

func (s *Server) getPlanEvaluationStatus(region string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planInRegionLocked(region, in, "planArn")
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"planArn":            ps.ARN,
		"region":             region,
		"evaluationState":    "passed",
		"lastEvaluationTime": ps.updatedAt,
		"warnings":           []any{},
	}
	setIf(out, "lastEvaluatedVersion", ps.Version)
	return out, nil
}

func (s *Server) approvePlanExecutionStep(region string, in map[string]any) (map[string]any, *Error) {
	e, err := s.executionInRegionLocked(region, in)
	if err != nil {
		return nil, err
	}
	if err := required(in, "stepName", "approval"); err != nil {
		return nil, err
	}
	if e.State != "pendingManualApproval" {
		return nil, errIllegalState("execution %s is %s, not pendingManualApproval", e.ID, e.State)
	}
	switch str(in, "approval") {
	case "approve":
		s.setStateLocked(e, "inProgress")
	case "decline":
		s.setStateLocked(e, "canceled")
	default:
		return nil, errIllegalArgument("invalid approval %q", str(in, "approval"))
	}
	return nil, nil
}

func (s *Server) cancelPlanExecution(region string, in map[string]any) (map[string]any, *Error) {
	e, err := s.executionInRegionLocked(region, in)
	if err != nil {
		return nil, err
	}
	switch {
	case e.State == "canceled":
		// Canceling twice is harmless.
	case terminalStates[e.State]:
		return nil, errIllegalState("execution %s is already %s", e.ID, e.State)
	default:
		s.setStateLocked(e, "canceled")
	}
	return nil, nil
}

func (s *Server) updatePlanExecution(region string, in map[string]any) (map[string]any, *Error) {
	e, err := s.executionInRegionLocked(region, in)
	if err != nil {
		return nil, err
	}
	if err := required(in, "action"); err != nil {
		return nil, err
	}
	if terminalStates[e.State] {
		return nil, errIllegalState("execution %s is already %s", e.ID, e.State)
	}
	switch action := str(in, "action"); action {
	case "pause":
		s.setStateLocked(e, "pausedByOperator")
	case "resume":
		s.setStateLocked(e, "inProgress")
	case "switchToGraceful":
		e.Mode = "graceful"
	case "switchToUngraceful":
		e.Mode = "ungraceful"
	default:
		return nil, errIllegalArgument("invalid action %q", action)
	}
	return nil, nil
}

func (s *Server) updatePlanExecutionStep(region string, in map[string]any) (map[string]any, *Error) {
	if _, err := s.executionInRegionLocked(region, in); err != nil {
		return nil, err
	}
	if err := required(in, "stepName", "actionToTake"); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Server) listRoute53HealthChecks(_ string, in map[string]any) (map[string]any, *Error) {
	if err := required(in, "arn"); err != nil {
		return nil, err
	}
	if s.plans[str(in, "arn")] == nil {
		return nil, errNotFound("plan %s not found", str(in, "arn"))
	}
	return map[string]any{"healthChecks": []any{}}, nil
}
