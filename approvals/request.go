package approvals

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Status is the state of a request. A request moves
// pending → approved → executing → executed | failed, or
// pending → rejected | expired; approved may also go straight to failed.
type Status string

// The states of a request.
const (
	StatusPending   Status = "pending"   // waiting for approvals
	StatusApproved  Status = "approved"  // quorum reached; about to be executed
	StatusExecuting Status = "executing" // StartPlanExecution is being called
	StatusExecuted  Status = "executed"  // the plan execution was started
	StatusFailed    Status = "failed"    // starting the execution failed; never retried
	StatusRejected  Status = "rejected"  // closed by a person
	StatusExpired   Status = "expired"   // not approved within the approval window
)

// statuses lists every status, in the order of the flow.
var statuses = []Status{StatusPending, StatusApproved, StatusExecuting, StatusExecuted, StatusFailed, StatusRejected, StatusExpired}

// Final reports whether no transition leaves s: executed, failed, rejected
// and expired are final.
func (s Status) Final() bool {
	switch s {
	case StatusExecuted, StatusFailed, StatusRejected, StatusExpired:
		return true
	}
	return false
}

// valid reports whether s is one of the known statuses.
func (s Status) valid() bool {
	for _, v := range statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Request is one request to run a Region switch plan, as stored in Redis.
// Times are stored with millisecond precision.
type Request struct {
	ID     string // set by Create when empty; see NewID
	Status Status

	PlanARN, PlanName, PlanVersion string
	PlanRegions                    []string

	// Operation is what approval does: OperationExecute (StartPlanExecution;
	// "" means the same) or an operator action on TargetExecutionID:
	// OperationCancel, OperationPause, OperationResume.
	Operation         string
	TargetExecutionID string

	Action       string // activate or deactivate
	TargetRegion string
	Mode         string // graceful or ungraceful
	Comment      string // the requester's text

	RequesterID string // Slack user ID
	ChannelID   string // where the approval message is
	MessageTS   string // the approval message's timestamp

	ApprovalsRequired int      // distinct approvers needed; Create makes 0 into 1
	Approvers         []string // Slack user IDs, in approval order

	// BreakGlassReason, when not empty, lets the requester's own approval
	// count. The caller decides who may set it.
	BreakGlassReason string
	DryRun           bool

	// Evaluation and Warnings are ARC's evaluation of the plan when it was
	// requested (GetPlanEvaluationStatus), shown on the approval message.
	Evaluation string
	Warnings   []string
	// PlanSource says where the plan was read at request time: a Region's
	// data plane, or the bot's cache and its age.
	PlanSource string

	CreatedAt, ExpiresAt, DecidedAt, UpdatedAt time.Time

	// DecidedBy is the final approver, the user who rejected, or "system"
	// for an expiry; Reason is the rejection or expiry reason.
	DecidedBy, Reason string

	// Set by MarkExecuted.
	ExecutionID, ExecutionRegion, ActivateRegion, DeactivateRegion, ExecutedPlanVersion string

	// Set by MarkFailed.
	ErrorCode, ErrorMessage string
}

// The operations a request may ask for.
const (
	OperationExecute = "execute"
	OperationCancel  = "cancel"
	OperationPause   = "pause"
	OperationResume  = "resume"
)

// IsControl reports whether r asks for an operator action (cancel, pause,
// resume) on a running execution rather than a new execution.
func (r *Request) IsControl() bool {
	return r.Operation != "" && r.Operation != OperationExecute
}

// LastApprover is the approver whose approval completed the quorum, or "".
func (r *Request) LastApprover() string {
	if len(r.Approvers) == 0 {
		return ""
	}
	return r.Approvers[len(r.Approvers)-1]
}

// Result is what a started plan execution returned, for MarkExecuted.
type Result struct {
	ExecutionID      string
	ExecutionRegion  string // the Region whose data plane started it
	ActivateRegion   string
	DeactivateRegion string
	PlanVersion      string
}

// Outcome is the result of a decision step (Approve, Reject, Expire).
// Contention is an outcome, not an error.
type Outcome string

// The outcomes of Approve, Reject and Expire.
const (
	// OutcomeApproved: this approval reached the quorum. The caller, and
	// only the caller, must execute the request.
	OutcomeApproved Outcome = "approved"
	// OutcomeRecorded: the approval counted; more are needed.
	OutcomeRecorded Outcome = "recorded"
	// OutcomeSelfApproval: the requester tried to approve without break-glass;
	// refused.
	OutcomeSelfApproval Outcome = "self_approval"
	// OutcomeDuplicate: this approver had already approved; refused.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeNotPending: the request was already approved, rejected,
	// executing, executed or failed; Decision.Request tells by whom.
	OutcomeNotPending Outcome = "not_pending"
	// OutcomeExpired: the request was pending past its expiry and is now
	// expired, or it already was.
	OutcomeExpired Outcome = "expired"
	// OutcomeNotDue: Expire found the request pending and still inside its
	// approval window; nothing changed.
	OutcomeNotDue Outcome = "not_due"
	// OutcomeNotFound: no such request (it never existed or its record has
	// passed its retention).
	OutcomeNotFound Outcome = "not_found"
	// OutcomeRejected: Reject closed the request.
	OutcomeRejected Outcome = "rejected"
)

// Decision is the outcome of a decision step and the request's state after
// it. Request is nil for OutcomeNotFound.
type Decision struct {
	Outcome Outcome
	Request *Request
	// Changed is true when this very call changed the request (approved,
	// recorded an approval, rejected, or expired it), so that exactly one
	// caller announces each change; false for every refusal.
	Changed bool
}

// Errors returned (wrapped) by the Store; test them with errors.Is.
var (
	// ErrNotFound: no request with that ID.
	ErrNotFound = errors.New("request not found")
	// ErrExists: Create was given the ID of an existing request.
	ErrExists = errors.New("request already exists")
	// ErrWrongState: MarkExecuted or MarkFailed found the request in a
	// state that does not allow the transition; nothing changed.
	ErrWrongState = errors.New("request is in the wrong state")
)

// PlanBusyError is returned (wrapped) by Create when another open request
// holds the plan: one operation per plan at a time. Test with errors.As.
type PlanBusyError struct {
	PlanARN   string
	RequestID string // the open request holding the plan
	Status    Status // its status
	ChannelID string // where its approval message is, if posted
	MessageTS string
}

// Error implements error.
func (e *PlanBusyError) Error() string {
	return fmt.Sprintf("plan %s is busy: request %s is %s", e.PlanARN, e.RequestID, e.Status)
}

// NewID returns a new random request ID: "r" and 12 lowercase base32
// characters (60 bits from crypto/rand), safe in URLs, Slack payloads and
// Redis keys.
func NewID() string {
	return "r" + strings.ToLower(rand.Text()[:12])
}

// validID reports whether id may be a request ID: 1 to 64 letters, digits,
// '-' or '_'. Anything else (braces would break the keys' hash tag) can name
// no request.
func validID(id string) bool {
	return validToken(id)
}

// validUserID reports whether id may be a Slack user ID or "system". Commas
// would break the stored approver list.
func validUserID(id string) bool {
	return validToken(id)
}

func validToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// encode returns the request as the field/value pairs of its Redis hash.
func (r *Request) encode() []any {
	dry := ""
	if r.DryRun {
		dry = "1"
	}
	return []any{
		"id", r.ID,
		"status", string(r.Status),
		"plan_arn", r.PlanARN,
		"plan_name", r.PlanName,
		"plan_version", r.PlanVersion,
		"plan_regions", strings.Join(r.PlanRegions, ","),
		"operation", r.Operation,
		"target_execution_id", r.TargetExecutionID,
		"action", r.Action,
		"target_region", r.TargetRegion,
		"mode", r.Mode,
		"comment", r.Comment,
		"requester_id", r.RequesterID,
		"channel_id", r.ChannelID,
		"message_ts", r.MessageTS,
		"approvals_required", strconv.Itoa(r.ApprovalsRequired),
		"approvers", strings.Join(r.Approvers, ","),
		"break_glass_reason", r.BreakGlassReason,
		"dry_run", dry,
		"evaluation", r.Evaluation,
		"warnings", strings.Join(r.Warnings, warningSep),
		"plan_source", r.PlanSource,
		"created_at", msString(r.CreatedAt),
		"expires_at", msString(r.ExpiresAt),
		"decided_at", msString(r.DecidedAt),
		"updated_at", msString(r.UpdatedAt),
		"decided_by", r.DecidedBy,
		"reason", r.Reason,
		"execution_id", r.ExecutionID,
		"execution_region", r.ExecutionRegion,
		"activate_region", r.ActivateRegion,
		"deactivate_region", r.DeactivateRegion,
		"executed_plan_version", r.ExecutedPlanVersion,
		"error_code", r.ErrorCode,
		"error_message", r.ErrorMessage,
	}
}

// decode builds a request from the fields of its Redis hash.
func decode(h map[string]string) (*Request, error) {
	required, err := atoiOrZero(h["approvals_required"])
	if err != nil {
		return nil, fmt.Errorf("field approvals_required: %w", err)
	}
	r := &Request{
		ID:                  h["id"],
		Status:              Status(h["status"]),
		PlanARN:             h["plan_arn"],
		PlanName:            h["plan_name"],
		PlanVersion:         h["plan_version"],
		PlanRegions:         splitList(h["plan_regions"]),
		Operation:           h["operation"],
		TargetExecutionID:   h["target_execution_id"],
		Action:              h["action"],
		TargetRegion:        h["target_region"],
		Mode:                h["mode"],
		Comment:             h["comment"],
		RequesterID:         h["requester_id"],
		ChannelID:           h["channel_id"],
		MessageTS:           h["message_ts"],
		ApprovalsRequired:   required,
		Approvers:           splitList(h["approvers"]),
		BreakGlassReason:    h["break_glass_reason"],
		DryRun:              h["dry_run"] == "1",
		Evaluation:          h["evaluation"],
		Warnings:            splitWarnings(h["warnings"]),
		PlanSource:          h["plan_source"],
		DecidedBy:           h["decided_by"],
		Reason:              h["reason"],
		ExecutionID:         h["execution_id"],
		ExecutionRegion:     h["execution_region"],
		ActivateRegion:      h["activate_region"],
		DeactivateRegion:    h["deactivate_region"],
		ExecutedPlanVersion: h["executed_plan_version"],
		ErrorCode:           h["error_code"],
		ErrorMessage:        h["error_message"],
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{
		{"created_at", &r.CreatedAt},
		{"expires_at", &r.ExpiresAt},
		{"decided_at", &r.DecidedAt},
		{"updated_at", &r.UpdatedAt},
	} {
		var ms int64
		if v := h[f.name]; v != "" {
			if ms, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
		}
		*f.dst = fromMS(ms)
	}
	return r, nil
}

// decodeFlat decodes a request from a script's HGETALL reply.
func decodeFlat(v any) (*Request, error) {
	flat, ok := v.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, fmt.Errorf("unexpected reply %T", v)
	}
	h := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		h[k] = v
	}
	return decode(h)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func atoiOrZero(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

// toMS truncates t to milliseconds, the precision of the stored times.
func toMS(t time.Time) time.Time {
	return fromMS(t.UnixMilli())
}

// fromMS converts stored Unix milliseconds to a UTC time; 0 is the zero time.
func fromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// msString formats t as Unix milliseconds; the zero time is "0".
func msString(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// warningSep separates warnings in their hash field: ARC's messages may hold
// commas and newlines, never the ASCII unit separator.
const warningSep = "\x1f"

func splitWarnings(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, warningSep)
}
