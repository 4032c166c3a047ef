package approvals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for Options.
const (
	DefaultTTL         = 30 * time.Minute
	DefaultRetention   = 7 * 24 * time.Hour
	DefaultAuditMaxLen = 10000
)

// executingHold is how long the plan lock and the records are kept once a
// request is executing: plan executions take tens of minutes.
const executingHold = 6 * time.Hour

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// TTL is the approval window: how long a request stays pending before
	// it expires. Default DefaultTTL.
	TTL time.Duration
	// Retention is how long records live after the approval window.
	// Default DefaultRetention.
	Retention time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives the Store's logs. Default: discard.
	Logger *slog.Logger
	// AuditMaxLen caps the audit stream (approximately). Default
	// DefaultAuditMaxLen.
	AuditMaxLen int64
}

// Store keeps requests in Redis and takes every decision on them atomically.
// It is safe for concurrent use, also by many processes sharing one Redis.
type Store struct {
	rdb         redis.UniversalClient
	ttl         time.Duration
	retention   time.Duration
	now         func() time.Time
	log         *slog.Logger
	auditMaxLen int64
	sc          scripts
}

// NewStore returns a Store over rdb, which may be a single-node client, a
// cluster client or a client of an in-process miniredis.
func NewStore(rdb redis.UniversalClient, opts Options) *Store {
	s := &Store{
		rdb:         rdb,
		ttl:         opts.TTL,
		retention:   opts.Retention,
		now:         opts.Now,
		log:         opts.Logger,
		auditMaxLen: opts.AuditMaxLen,
		sc:          newScripts(),
	}
	if s.ttl <= 0 {
		s.ttl = DefaultTTL
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "approvals")
	if s.auditMaxLen <= 0 {
		s.auditMaxLen = DefaultAuditMaxLen
	}
	return s
}

func reqKey(id string) string       { return "rsbot:{" + id + "}:req" }
func approversKey(id string) string { return "rsbot:{" + id + "}:approvers" }

// Ping checks that Redis answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Create stores r as a new pending request and takes the plan lock. It sets
// r.ID when empty (NewID), r.Status, r.CreatedAt, r.UpdatedAt and
// r.ExpiresAt (now + TTL), makes ApprovalsRequired at least 1 and clears the
// decision, execution and error fields. It fails with ErrExists when the ID
// is taken, and with a *PlanBusyError (errors.As) when another open request
// holds the plan; then nothing is stored.
func (s *Store) Create(ctx context.Context, r *Request) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	switch {
	case !validID(r.ID):
		return fmt.Errorf("request %q: invalid ID: want 1-64 letters, digits, '-' or '_'", r.ID)
	case r.PlanARN == "":
		return fmt.Errorf("request %s: plan ARN is empty", r.ID)
	case !validUserID(r.RequesterID):
		return fmt.Errorf("request %s: invalid requester ID %q", r.ID, r.RequesterID)
	}
	now := toMS(s.now())
	r.Status = StatusPending
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = now, now, toMS(now.Add(s.ttl))
	r.ApprovalsRequired = max(r.ApprovalsRequired, 1)
	r.Approvers = nil
	r.DecidedAt, r.DecidedBy, r.Reason = time.Time{}, "", ""
	r.ExecutionID, r.ExecutionRegion, r.ActivateRegion, r.DeactivateRegion, r.ExecutedPlanVersion = "", "", "", "", ""
	r.ErrorCode, r.ErrorMessage = "", ""

	args := append([]any{durMS(s.ttl + s.retention)}, r.encode()...)
	created, err := s.sc.create.Run(ctx, s.rdb, []string{reqKey(r.ID), approversKey(r.ID)}, args...).Int()
	if err != nil {
		return fmt.Errorf("request %s: create: %w", r.ID, err)
	}
	if created == 0 {
		return fmt.Errorf("request %s: %w", r.ID, ErrExists)
	}
	if err := s.acquire(ctx, r); err != nil {
		if derr := s.rdb.Del(ctx, reqKey(r.ID), approversKey(r.ID)).Err(); derr != nil {
			s.log.ErrorContext(ctx, "drop request refused by the plan lock", "request_id", r.ID, "err", derr)
		}
		return fmt.Errorf("request %s: %w", r.ID, err)
	}
	s.log.InfoContext(ctx, "request created", "request_id", r.ID, "plan_arn", r.PlanARN,
		"requester", r.RequesterID, "break_glass", r.BreakGlassReason != "")
	s.after(ctx, r, EventRequested, r.RequesterID)
	return nil
}

// SetMessage records the channel and timestamp of the request's approval
// message. It fails with ErrNotFound when the request does not exist.
func (s *Store) SetMessage(ctx context.Context, id, channelID, ts string) error {
	if !validID(id) {
		return fmt.Errorf("request %q: %w", id, ErrNotFound)
	}
	ok, err := s.sc.setMessage.Run(ctx, s.rdb, []string{reqKey(id)}, channelID, ts, unixMS(s.now())).Int()
	if err != nil {
		return fmt.Errorf("request %s: set message: %w", id, err)
	}
	if ok == 0 {
		return fmt.Errorf("request %s: %w", id, ErrNotFound)
	}
	return nil
}

// Get returns the request. It fails with ErrNotFound when it does not exist.
func (s *Store) Get(ctx context.Context, id string) (*Request, error) {
	if !validID(id) {
		return nil, fmt.Errorf("request %q: %w", id, ErrNotFound)
	}
	h, err := s.rdb.HGetAll(ctx, reqKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("request %s: %w", id, ErrNotFound)
	}
	r, err := decode(h)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", id, err)
	}
	return r, nil
}

// Approve counts approverID's approval, atomically: only a pending request
// before its expiry can be approved; the requester's own approval is refused
// (OutcomeSelfApproval) unless the request has a break-glass reason; a second
// approval by the same person is refused (OutcomeDuplicate). When the
// approval reaches the quorum the request becomes approved and the outcome
// is OutcomeApproved, for exactly one caller. A pending request found past
// its expiry is expired now (OutcomeExpired). Refusals are outcomes, not
// errors; an error means Redis failed or approverID is not a valid user ID.
func (s *Store) Approve(ctx context.Context, id, approverID string) (Decision, error) {
	if !validID(id) {
		return Decision{Outcome: OutcomeNotFound}, nil
	}
	if !validUserID(approverID) {
		return Decision{}, fmt.Errorf("request %s: invalid approver ID %q", id, approverID)
	}
	out, r, err := s.run(ctx, s.sc.approve, id, approverID, unixMS(s.now()), durMS(s.retention))
	if err != nil {
		return Decision{}, err
	}
	s.log.InfoContext(ctx, "approve", "request_id", id, "approver", approverID, "outcome", out)
	switch out {
	case "approved":
		s.after(ctx, r, EventApproved, approverID, StatusPending)
		return Decision{Outcome: OutcomeApproved, Request: r, Changed: true}, nil
	case "recorded":
		s.after(ctx, r, EventApproval, approverID, StatusPending)
		return Decision{Outcome: OutcomeRecorded, Request: r, Changed: true}, nil
	}
	return s.decision(ctx, id, out, r)
}

// Reject closes a pending request before its expiry for good, recording who
// and why (OutcomeRejected). A request found past its expiry is expired now
// (OutcomeExpired); any other state gives OutcomeNotPending. Whether userID
// may reject is the caller's decision.
func (s *Store) Reject(ctx context.Context, id, userID, reason string) (Decision, error) {
	if !validID(id) {
		return Decision{Outcome: OutcomeNotFound}, nil
	}
	if !validUserID(userID) {
		return Decision{}, fmt.Errorf("request %s: invalid user ID %q", id, userID)
	}
	out, r, err := s.run(ctx, s.sc.reject, id, userID, reason, unixMS(s.now()), durMS(s.retention))
	if err != nil {
		return Decision{}, err
	}
	s.log.InfoContext(ctx, "reject", "request_id", id, "user", userID, "outcome", out)
	if out == "ok" {
		s.after(ctx, r, EventRejected, userID, StatusPending)
		return Decision{Outcome: OutcomeRejected, Request: r, Changed: true}, nil
	}
	return s.decision(ctx, id, out, r)
}

// Expire expires a pending request that is past its expiry (OutcomeExpired).
// It is idempotent: an already expired request gives OutcomeExpired and no
// change. A pending request inside its window gives OutcomeNotDue, any
// other state OutcomeNotPending. Requests that are not pending any more are
// dropped from the pending index, so that Due stops returning them.
func (s *Store) Expire(ctx context.Context, id string) (Decision, error) {
	if !validID(id) {
		s.unindex(ctx, id, StatusPending)
		return Decision{Outcome: OutcomeNotFound}, nil
	}
	out, r, err := s.run(ctx, s.sc.expire, id, unixMS(s.now()), durMS(s.retention))
	if err != nil {
		return Decision{}, err
	}
	switch out {
	case "not_due":
		return Decision{Outcome: OutcomeNotDue, Request: r}, nil
	case "not_found", "expired", "not_pending":
		s.unindex(ctx, id, StatusPending)
	}
	return s.decision(ctx, id, out, r)
}

// decision turns the outcomes shared by Approve, Reject and Expire into a
// Decision, and finishes an expiry made by the script.
func (s *Store) decision(ctx context.Context, id, out string, r *Request) (Decision, error) {
	switch out {
	case "expired_now":
		s.log.InfoContext(ctx, "request expired", "request_id", id)
		s.after(ctx, r, EventExpired, actorSystem, StatusPending)
		return Decision{Outcome: OutcomeExpired, Request: r, Changed: true}, nil
	case "expired":
		return Decision{Outcome: OutcomeExpired, Request: r}, nil
	case "not_pending":
		return Decision{Outcome: OutcomeNotPending, Request: r}, nil
	case "self_approval":
		return Decision{Outcome: OutcomeSelfApproval, Request: r}, nil
	case "duplicate":
		return Decision{Outcome: OutcomeDuplicate, Request: r}, nil
	case "not_found":
		return Decision{Outcome: OutcomeNotFound}, nil
	}
	return Decision{}, fmt.Errorf("request %s: unexpected script outcome %q", id, out)
}

// MarkExecuting moves an approved request to executing: a compare-and-set
// that exactly one caller wins (true). It returns false when the request is
// in any other state, and false with ErrNotFound when it does not exist.
// It extends the plan lock to 6h.
func (s *Store) MarkExecuting(ctx context.Context, id string) (bool, error) {
	if !validID(id) {
		return false, fmt.Errorf("request %q: %w", id, ErrNotFound)
	}
	out, r, err := s.run(ctx, s.sc.markExecuting, id, unixMS(s.now()), durMS(executingHold+s.retention))
	if err != nil {
		return false, err
	}
	switch out {
	case "ok":
		s.log.InfoContext(ctx, "request executing", "request_id", id)
		s.after(ctx, r, EventExecuting, actorSystem, StatusApproved)
		return true, nil
	case "not_found":
		return false, fmt.Errorf("request %s: %w", id, ErrNotFound)
	}
	return false, nil
}

// MarkExecuted moves an executing request to executed and records the
// execution. Repeating it with the same execution ID is harmless. It fails
// with ErrNotFound, or ErrWrongState when the request is not executing.
func (s *Store) MarkExecuted(ctx context.Context, id string, res Result) error {
	if !validID(id) {
		return fmt.Errorf("request %q: %w", id, ErrNotFound)
	}
	out, r, err := s.run(ctx, s.sc.markExecuted, id, unixMS(s.now()), durMS(s.retention),
		res.ExecutionID, res.ExecutionRegion, res.ActivateRegion, res.DeactivateRegion, res.PlanVersion)
	if err != nil {
		return err
	}
	if out == "ok" {
		s.log.InfoContext(ctx, "request executed", "request_id", id, "execution_id", res.ExecutionID)
		s.after(ctx, r, EventExecuted, actorSystem, StatusExecuting)
	}
	return s.markResult(id, out, r, StatusExecuting)
}

// MarkFailed moves an approved or executing request to failed and records
// the error; it can then never be executed. Repeating it is harmless (the
// first error is kept). It fails with ErrNotFound, or ErrWrongState when
// the request is in another state.
func (s *Store) MarkFailed(ctx context.Context, id, code, message string) error {
	if !validID(id) {
		return fmt.Errorf("request %q: %w", id, ErrNotFound)
	}
	out, r, err := s.run(ctx, s.sc.markFailed, id, unixMS(s.now()), durMS(s.retention), code, message)
	if err != nil {
		return err
	}
	if out == "ok" {
		s.log.InfoContext(ctx, "request failed", "request_id", id, "error_code", code)
		s.after(ctx, r, EventFailed, actorSystem, StatusApproved, StatusExecuting)
	}
	return s.markResult(id, out, r, StatusApproved, StatusExecuting)
}

// markResult turns the outcome of MarkExecuted or MarkFailed into an error.
func (s *Store) markResult(id, out string, r *Request, want ...Status) error {
	switch out {
	case "ok", "unchanged":
		return nil
	case "not_found":
		return fmt.Errorf("request %s: %w", id, ErrNotFound)
	case "wrong_state":
		return fmt.Errorf("request %s: is %s, want %v: %w", id, r.Status, want, ErrWrongState)
	}
	return fmt.Errorf("request %s: unexpected script outcome %q", id, out)
}

// run runs a transition script over the request's keys and decodes its
// reply: the outcome and, unless not_found, the request after the step.
func (s *Store) run(ctx context.Context, sc *redis.Script, id string, args ...any) (string, *Request, error) {
	v, err := sc.Run(ctx, s.rdb, []string{reqKey(id), approversKey(id)}, args...).Slice()
	if err != nil {
		return "", nil, fmt.Errorf("request %s: %w", id, err)
	}
	if len(v) == 0 {
		return "", nil, fmt.Errorf("request %s: empty script reply", id)
	}
	out, _ := v[0].(string)
	if len(v) == 1 {
		if out != "not_found" {
			return "", nil, fmt.Errorf("request %s: script reply %q without state", id, out)
		}
		return out, nil, nil
	}
	r, err := decodeFlat(v[1])
	if err != nil {
		return "", nil, fmt.Errorf("request %s: decode state: %w", id, err)
	}
	return out, r, nil
}

// after finishes a transition made by a script, best-effort: it moves the
// request into the index of its state and out of those of from (none for a
// new request), releases the plan lock on a final state or extends it on
// executing, and writes the audit entry. Failures are logged; the
// transition itself has happened.
func (s *Store) after(ctx context.Context, r *Request, ev Event, actor string, from ...Status) {
	if !slices.Contains(from, r.Status) {
		s.index(ctx, r, from...)
	}
	switch {
	case r.Status.Final():
		s.release(ctx, r)
	case r.Status == StatusExecuting:
		s.extend(ctx, r)
	}
	s.audit(ctx, ev, r, actor)
}

// durMS formats a duration in milliseconds for a script.
func durMS(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// unixMS formats a time as Unix milliseconds for a script.
func unixMS(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// isNil reports whether err is redis.Nil (a missing key).
func isNil(err error) bool { return errors.Is(err, redis.Nil) }
