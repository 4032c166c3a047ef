package session

import (
	"context"
	"errors"
	"net"
	"strings"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// StartError is StartWithFailover's error when no execution is known to
// have started. Attempts has each StartPlanExecution call's error, in order.
// Unknown says that an attempt failed without an answer and no Region could
// list the plan's executions afterwards: an execution may have started, so
// check ARC before starting again. Unwrap returns the last attempt's error,
// so Describe and Definite see it.
type StartError struct {
	Attempts []RegionError
	Unknown  bool
	// Lookup is the ListPlanExecutions error behind Unknown.
	Lookup error
}

func (e *StartError) Error() string {
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = a.Err.Error()
	}
	msg := strings.Join(parts, "; then ")
	if e.Unknown {
		if e.Lookup != nil {
			return msg + " (and ListPlanExecutions failed too, so whether the execution started is unknown: check ARC before requesting again: " + e.Lookup.Error() + ")"
		}
		return msg + " (whether the execution started is unknown: check ARC before requesting again)"
	}
	return msg + " (nothing was started)"
}

func (e *StartError) Unwrap() error {
	if len(e.Attempts) == 0 {
		return nil
	}
	return e.Attempts[len(e.Attempts)-1].Err
}

// StartWithFailover starts an execution of in and makes sure that at most
// one is started for requestMarker, a string that in.Comment carries and no
// other request's comment does (the bot's request ID tag).
//
// It calls StartPlanExecution once in ExecutionRegion(in), without SDK
// retries. When that call fails, it calls it once more, with the same input
// (the same targetRegion and action), in the plan's other Region, only if
// the first call surely started nothing:
//
//   - the connection was never made (a dial error: connection refused, no
//     route, DNS failure), or the credentials for the call could not be
//     had, so no byte of the request reached ARC; or
//   - the call failed without a definite answer (a timeout after sending, a
//     connection reset, a 5xx) and ListPlanExecutions, asked in the failed
//     Region and then in the other one (each for Options.AttemptTimeout),
//     shows no execution whose comment carries requestMarker. If it shows
//     one, that execution is returned (FromHistory) and nothing more is
//     started.
//
// A 4xx answer (AccessDeniedException, IllegalStateException, ...) is
// returned at once: ARC refused and would refuse in the other Region too.
// The second call is settled the same way, without a third. If a lookup
// cannot be made (no Region answers it, or requestMarker is empty), the
// outcome is unknown and the error says so (StartError.Unknown). When
// nothing was started, the error is a *StartError.
//
// Trade-off. AWS's guidance is to run a recovery through the data plane of
// the Region being activated, and that is always tried first. Only when
// that data plane cannot be reached does the execution run in the plan's
// other Region (usually the impaired one being evacuated): the target Region
// is unchanged, and the execution belongs to the Region that started it
// (StartResult.Region, FailedOverFrom), but its progress then depends on
// that Region's data plane. The check by marker has a blind spot: a call
// that timed out may reach ARC after ListPlanExecutions looked. ARC refuses
// a second execution while the plan has an active one
// (IllegalStateException), which guards the second call in that case, and
// the lookup relies on ListPlanExecutions listing the plan's executions of
// both Regions.
func (s *Session) StartWithFailover(ctx context.Context, in StartInput, requestMarker string) (StartResult, error) {
	first, err := ExecutionRegion(in)
	if err != nil {
		return StartResult{}, err
	}
	regions := []string{first}
	if other := OtherRegion(in.PlanRegions, first); other != "" {
		regions = append(regions, other)
	}
	log := s.log.With("plan", in.PlanARN, "marker", requestMarker)
	se := &StartError{}
	for i, region := range regions {
		res, err := s.startIn(ctx, region, in)
		if err == nil {
			if i > 0 {
				res.FailedOverFrom = first
				log.Warn("execution started in the plan's other Region", "region", region, "failed_region", first, "execution_id", res.ExecutionID)
			}
			return res, nil
		}
		se.Attempts = append(se.Attempts, RegionError{Region: region, Err: err})
		switch {
		case Definite(err):
			return StartResult{Region: region}, se
		case neverSent(err):
			log.Warn("StartPlanExecution never reached ARC", "region", region, "err", err)
			continue
		case requestMarker == "":
			se.Unknown = true
			return StartResult{Region: region}, se
		}
		log.Warn("StartPlanExecution failed without an answer; looking for the execution", "region", region, "err", err)
		found, lerr := s.findByMarker(ctx, in, requestMarker, region, regions)
		if lerr != nil {
			se.Unknown, se.Lookup = true, lerr
			return StartResult{Region: region}, se
		}
		if found != nil {
			log.Warn("StartPlanExecution failed, but the execution exists", "execution_id", found.ID, "region", found.Region)
			return foundResult(in, found, region, first), nil
		}
		log.Info("ListPlanExecutions shows no execution: nothing was started", "region", region)
	}
	return StartResult{Region: regions[len(regions)-1]}, se
}

// findByMarker asks failed, then the other regions, for in's plan's
// execution that carries marker.
func (s *Session) findByMarker(ctx context.Context, in StartInput, marker, failed string, regions []string) (*Execution, error) {
	seq := func(yield func(string) bool) {
		if !yield(failed) {
			return
		}
		for _, r := range regions {
			if !yield(r) {
				return
			}
		}
	}
	return tryRegions(ctx, s, seq, AskElsewhere, func(ctx context.Context, region string) (*Execution, error) {
		return s.findExecutionIn(ctx, region, in.PlanARN, marker, in.Approver)
	})
}

// foundResult describes an execution found by its marker as the result of
// the call that started it in region.
func foundResult(in StartInput, e *Execution, region, first string) StartResult {
	activate, deactivate := SwitchRegions(in.Action, in.TargetRegion, in.PlanRegions)
	res := StartResult{
		ExecutionID: e.ID, Plan: e.PlanARN, PlanVersion: e.Version,
		ActivateRegion: activate, DeactivateRegion: deactivate, Region: e.Region, FromHistory: true,
	}
	if res.Region == "" {
		res.Region = region
	}
	if res.Region != first {
		res.FailedOverFrom = first
	}
	return res
}

// neverSent reports whether a failed call surely sent nothing to ARC: its
// credentials could not be had, or the HTTP client could not open the
// connection (a *net.OpError with Op "dial" under a
// smithyhttp.RequestSendError). A timeout or reset after the connection was
// made is not such a failure: the request may have arrived.
func neverSent(err error) bool {
	var ce *CredentialsError
	if errors.As(err, &ce) {
		return true
	}
	var se *smithyhttp.RequestSendError
	if !errors.As(err, &se) {
		return false
	}
	var op *net.OpError
	return errors.As(se.Err, &op) && op.Op == "dial"
}
