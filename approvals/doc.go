// Package approvals owns the two-person rule: request records and their state
// machine, atomic approve/reject/expire decisions in Redis, the per-plan
// lock, the state indexes and the audit trail.
//
// # States
//
//	pending → approved → executing → executed | failed
//	pending → rejected | expired
//	approved → failed (the execution could not be started)
//
// Every state change is one Lua script over the keys of one request, so that
// however many replicas and clicks race, exactly one step wins: exactly one
// Approve returns OutcomeApproved, exactly one MarkExecuting returns true.
// Times are taken from the Store's injected clock (Options.Now), passed to
// the scripts in milliseconds, and stored with millisecond precision.
//
// # Keys
//
// The keys of one request share the hash tag {<id>}, so the scripts run on
// Redis Cluster too:
//
//	rsbot:{<id>}:req        hash: the request (see Request; times in Unix ms)
//	rsbot:{<id>}:approvers  set: who approved (the order is in the hash's
//	                        "approvers" field, comma-separated)
//
// Both live for Options.TTL + Options.Retention after Create; when a
// request becomes executing they are kept for at least 6h + Retention, and
// when it reaches a final state for at least Retention more.
//
// Keys shared by all requests, each in its own slot and therefore maintained
// best-effort after a script succeeded (a failure is logged, never returned):
//
//	rsbot:pending           sorted set of pending request IDs scored by
//	                        expires_at (ms); read by Due
//	rsbot:<status>          for every other status (rsbot:approved,
//	                        rsbot:executing, rsbot:executed, ...): sorted set
//	                        of request IDs scored by the time (ms) they entered
//	                        it; entries of final states are trimmed after
//	                        Retention. Read by Open and InState, which check
//	                        each record's real status and drop stale entries.
//	rsbot:lock:<planARN>    string: the ID of the request holding the plan
//	rsbot:audit             stream: the audit trail
//
// # Plan lock
//
// One operation per plan at a time. Create takes rsbot:lock:<planARN> with
// SET NX PX (TTL + 1h). When it is held, Create reads the holder: if the
// holder's record is missing or final, the new request takes the lock over
// with a compare-and-swap (only if the lock still holds the same ID); if the
// holder is pending past its expiry, Create first expires it (Expire) and
// then takes over; otherwise Create returns a *PlanBusyError and stores
// nothing. The lock is extended to 6h when its request becomes executing and
// released (compare-and-delete) when the request reaches a final state. It
// always has an expiry, so it never outlives its PX.
//
// # Audit trail
//
// After every successful transition the Store appends an entry to the
// stream rsbot:audit (XADD MAXLEN ~ Options.AuditMaxLen) with these fields,
// all strings:
//
//	event         requested | approval | approved | rejected | expired |
//	              executing | executed | failed ("approval" is a counted
//	              approval below the quorum; "approved" the one reaching it)
//	request_id    the request ID
//	actor         Slack user ID of the requester, approver or rejecter, or
//	              "system" (expiry, executing, executed, failed)
//	plan_arn      the plan ARN
//	plan_name     the plan name
//	action        activate | deactivate
//	region        the target Region
//	mode          graceful | ungraceful
//	reason        requested: the break-glass reason if any, else the
//	              comment; approval/approved: the break-glass reason when
//	              the requester approved their own request; rejected: the
//	              reason given; expired: why; failed: the error message
//	execution_id  the plan execution ID (executed)
//	error_code    the AWS error code (failed)
//	at            time of the transition, RFC 3339 with fractional seconds
//	break_glass   "true" for every event of a break-glass request, else ""
//
// The transition has already happened when the entry is written: a failed
// XADD is logged at error level and does not fail the call.
package approvals
