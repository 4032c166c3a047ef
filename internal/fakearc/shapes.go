package fakearc

import (
	"slices"
	"strings"
)

// Output shapes, with the member names of the SDK's deserializers. Required
// members are always sent; optional ones only when set.

func (ps *planState) recoveryApproach() string {
	if ps.RecoveryApproach == "" {
		return "activePassive"
	}
	return ps.RecoveryApproach
}

// planShape is a types.Plan.
func (ps *planState) planShape() map[string]any {
	m := map[string]any{
		"arn":              ps.ARN,
		"name":             ps.Name,
		"owner":            ps.owner(),
		"regions":          regionList(ps.Regions),
		"executionRole":    ps.ExecutionRole,
		"recoveryApproach": ps.recoveryApproach(),
		"workflows":        []any{},
		"updatedAt":        ps.updatedAt,
	}
	setIf(m, "version", ps.Version)
	setIf(m, "description", ps.Description)
	setIf(m, "primaryRegion", ps.PrimaryRegion)
	return m
}

// abbreviatedShape is a types.AbbreviatedPlan.
func (ps *planState) abbreviatedShape() map[string]any {
	m := map[string]any{
		"arn":              ps.ARN,
		"name":             ps.Name,
		"owner":            ps.owner(),
		"regions":          regionList(ps.Regions),
		"recoveryApproach": ps.recoveryApproach(),
		"updatedAt":        ps.updatedAt,
	}
	setIf(m, "version", ps.Version)
	setIf(m, "description", ps.Description)
	setIf(m, "primaryRegion", ps.PrimaryRegion)
	setIf(m, "executionRole", ps.ExecutionRole)
	setIf(m, "activePlanExecution", ps.ActiveExecution)
	return m
}

// owner is the plan's Owner, else the account ID of its ARN
// (arn:aws:arc-region-switch::ACCOUNT:plan/...).
func (ps *planState) owner() string {
	if ps.Owner != "" {
		return ps.Owner
	}
	parts := strings.SplitN(ps.ARN, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// executionShape is a types.AbbreviatedExecution; GetPlanExecution adds to it.
func executionShape(e *Execution) map[string]any {
	m := map[string]any{
		"planArn":         e.PlanARN,
		"executionId":     e.ID,
		"startTime":       e.Started,
		"mode":            e.Mode,
		"executionState":  e.State,
		"executionAction": e.Action,
		"executionRegion": e.Region,
	}
	setIf(m, "version", e.Version)
	setIf(m, "comment", e.Comment)
	if !e.Ended.IsZero() {
		m["endTime"] = e.Ended
	}
	return m
}

// eventShape is a types.ExecutionEvent; prev is the previous event's ID.
func eventShape(ev Event, prev string) map[string]any {
	m := map[string]any{
		"eventId":   ev.ID,
		"timestamp": ev.At,
	}
	setIf(m, "type", ev.Type)
	setIf(m, "stepName", ev.StepName)
	setIf(m, "description", ev.Description)
	setIf(m, "error", ev.Error)
	setIf(m, "previousEventId", prev)
	return m
}

func regionList(regions []string) []any {
	out := make([]any, len(regions))
	for i, r := range regions {
		out[i] = r
	}
	return out
}

func setIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// inRegion reports whether the plan is visible to region's data plane.
func (ps *planState) inRegion(region string) bool {
	return len(ps.Regions) == 0 || slices.Contains(ps.Regions, region)
}

// otherRegion returns the plan's Region other than r in a two-Region plan.
func (ps *planState) otherRegion(r string) string {
	if len(ps.Regions) != 2 {
		return ""
	}
	if ps.Regions[0] == r {
		return ps.Regions[1]
	}
	return ps.Regions[0]
}
