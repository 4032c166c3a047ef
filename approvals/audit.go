package approvals

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// auditKey is the audit stream; its schema is in the package doc.
const auditKey = "rsbot:audit"

// actorSystem is the actor of transitions no person made.
const actorSystem = "system"

// Event is the kind of an audit entry.
type Event string

// The audit events, one per transition.
const (
	EventRequested Event = "requested" // Create
	EventApproval  Event = "approval"  // an approval counted, quorum not reached
	EventApproved  Event = "approved"  // the approval that reached the quorum
	EventRejected  Event = "rejected"
	EventExpired   Event = "expired"
	EventExecuting Event = "executing"
	EventExecuted  Event = "executed"
	EventFailed    Event = "failed"
)

// AuditEntry is one entry of the audit trail; see the package doc for the
// meaning of each field.
type AuditEntry struct {
	ID          string // the stream entry ID
	Event       Event
	RequestID   string
	Actor       string // Slack user ID or "system"
	PlanARN     string
	PlanName    string
	Action      string
	Region      string
	Mode        string
	Reason      string
	ExecutionID string
	ErrorCode   string
	At          time.Time
	BreakGlass  bool
}

// audit appends the entry for event ev on r (its state after the step) by
// actor. A failure is logged, not returned: the transition has happened.
func (s *Store) audit(ctx context.Context, ev Event, r *Request, actor string) {
	var reason string
	switch ev {
	case EventRequested:
		reason = r.Comment
		if r.BreakGlassReason != "" {
			reason = r.BreakGlassReason
		}
	case EventApproval, EventApproved:
		if actor == r.RequesterID {
			reason = r.BreakGlassReason
		}
	case EventRejected, EventExpired:
		reason = r.Reason
	case EventFailed:
		reason = r.ErrorMessage
	}
	breakGlass := ""
	if r.BreakGlassReason != "" {
		breakGlass = "true"
	}
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: auditKey,
		MaxLen: s.auditMaxLen,
		Approx: true,
		Values: []any{
			"event", string(ev),
			"request_id", r.ID,
			"actor", actor,
			"plan_arn", r.PlanARN,
			"plan_name", r.PlanName,
			"action", r.Action,
			"region", r.TargetRegion,
			"mode", r.Mode,
			"reason", reason,
			"execution_id", r.ExecutionID,
			"error_code", r.ErrorCode,
			"at", r.UpdatedAt.UTC().Format(time.RFC3339Nano),
			"break_glass", breakGlass,
		},
	}).Err()
	if err != nil {
		s.log.ErrorContext(ctx, "write audit entry", "request_id", r.ID, "event", string(ev), "actor", actor, "err", err)
	}
}

// auditBatch is how many stream entries Audit reads per round trip.
const auditBatch = 200

// DefaultAuditLimit is the number of entries Audit returns when limit <= 0.
const DefaultAuditLimit = 50

// Audit returns up to limit audit entries, newest first; limit <= 0 means
// DefaultAuditLimit. When plan is not empty, only entries whose plan ARN or
// plan name equals plan are returned (the whole stream is scanned, which
// AuditMaxLen bounds).
func (s *Store) Audit(ctx context.Context, plan string, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	var out []AuditEntry
	start := "+"
	for len(out) < limit {
		msgs, err := s.rdb.XRevRangeN(ctx, auditKey, start, "-", auditBatch).Result()
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		for _, m := range msgs {
			e := auditEntry(m)
			if plan != "" && e.PlanARN != plan && e.PlanName != plan {
				continue
			}
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
		if len(msgs) < auditBatch {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	return out, nil
}

// auditEntry decodes one stream entry.
func auditEntry(m redis.XMessage) AuditEntry {
	str := func(k string) string {
		v, _ := m.Values[k].(string)
		return v
	}
	at, _ := time.Parse(time.RFC3339Nano, str("at"))
	return AuditEntry{
		ID:          m.ID,
		Event:       Event(str("event")),
		RequestID:   str("request_id"),
		Actor:       str("actor"),
		PlanARN:     str("plan_arn"),
		PlanName:    str("plan_name"),
		Action:      str("action"),
		Region:      str("region"),
		Mode:        str("mode"),
		Reason:      str("reason"),
		ExecutionID: str("execution_id"),
		ErrorCode:   str("error_code"),
		At:          at,
		BreakGlass:  str("break_glass") == "true",
	}
}
