package fakearc

import (
	"fmt"
	"strconv"
)

// Control-plane operations. They ignore the Region of the call.

// fakeAccount owns the plans created with CreatePlan.
const fakeAccount = "123456789012"

func (s *Server) planLocked(in map[string]any, key string) (*planState, *Error) {
	if e := required(in, key); e != nil {
		return nil, e
	}
	ps := s.plans[str(in, key)]
	if ps == nil {
		return nil, errNotFound("plan %s not found", str(in, key))
	}
	return ps, nil
}

func (s *Server) getPlan(_ string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planLocked(in, "arn")
	if err != nil {
		return nil, err
	}
	return map[string]any{"plan": ps.planShape()}, nil
}

func (s *Server) listPlans(_ string, in map[string]any) (map[string]any, *Error) {
	plans := make([]any, len(s.planOrder))
	for i, arn := range s.planOrder {
		plans[i] = s.plans[arn].abbreviatedShape()
	}
	return listOutput("plans", plans, in)
}

// createPlan adds a plan named in.name, owned by fakeAccount, at version "1".
// Workflows, alarms, triggers and reports are accepted and ignored.
func (s *Server) createPlan(_ string, in map[string]any) (map[string]any, *Error) {
	if e := required(in, "name", "executionRole", "recoveryApproach"); e != nil {
		return nil, e
	}
	regions := stringList(in["regions"])
	if len(regions) == 0 {
		return nil, errIllegalArgument("regions is required")
	}
	name := str(in, "name")
	for _, ps := range s.plans {
		if ps.Name == name {
			return nil, errIllegalArgument("a plan named %s already exists", name)
		}
	}
	ps := s.putPlanLocked(Plan{
		ARN:              fmt.Sprintf("arn:aws:arc-region-switch::%s:plan/%s:%06x", fakeAccount, name, len(s.planOrder)+1),
		Name:             name,
		Owner:            fakeAccount,
		Version:          "1",
		Description:      str(in, "description"),
		Regions:          regions,
		PrimaryRegion:    str(in, "primaryRegion"),
		ExecutionRole:    str(in, "executionRole"),
		RecoveryApproach: str(in, "recoveryApproach"),
	})
	for k, v := range stringMap(in["tags"]) {
		ps.tags[k] = v
	}
	return map[string]any{"plan": ps.planShape()}, nil
}

// updatePlan sets description and executionRole and increments a numeric
// version.
func (s *Server) updatePlan(_ string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planLocked(in, "arn")
	if err != nil {
		return nil, err
	}
	if e := required(in, "executionRole"); e != nil {
		return nil, e
	}
	ps.ExecutionRole = str(in, "executionRole")
	if d, ok := in["description"].(string); ok {
		ps.Description = d
	}
	if n, err := strconv.Atoi(ps.Version); err == nil {
		ps.Version = strconv.Itoa(n + 1)
	}
	ps.updatedAt = now()
	return map[string]any{"plan": ps.planShape()}, nil
}

func (s *Server) deletePlan(_ string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planLocked(in, "arn")
	if err != nil {
		return nil, err
	}
	if ps.ActiveExecution != "" {
		return nil, errIllegalState("plan %s has an active execution %s", ps.ARN, ps.ActiveExecution)
	}
	delete(s.plans, ps.ARN)
	for i, arn := range s.planOrder {
		if arn == ps.ARN {
			s.planOrder = append(s.planOrder[:i], s.planOrder[i+1:]...)
			break
		}
	}
	return nil, nil
}

func (s *Server) tagResource(_ string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planLocked(in, "arn")
	if err != nil {
		return nil, err
	}
	tags := stringMap(in["tags"])
	if len(tags) == 0 {
		return nil, errIllegalArgument("tags is required")
	}
	for k, v := range tags {
		ps.tags[k] = v
	}
	return nil, nil
}

func (s *Server) untagResource(_ string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planLocked(in, "arn")
	if err != nil {
		return nil, err
	}
	for _, k := range stringList(in["resourceTagKeys"]) {
		delete(ps.tags, k)
	}
	return nil, nil
}

func (s *Server) listTagsForResource(_ string, in map[string]any) (map[string]any, *Error) {
	ps, err := s.planLocked(in, "arn")
	if err != nil {
		return nil, err
	}
	tags := make(map[string]any, len(ps.tags))
	for k, v := range ps.tags {
		tags[k] = v
	}
	return map[string]any{"resourceTags": tags}, nil
}

// stringList returns the strings of a decoded CBOR list.
func stringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// stringMap returns the string values of a decoded CBOR map.
func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, e := range m {
		if s, ok := e.(string); ok {
			out[k] = s
		}
	}
	return out
}
