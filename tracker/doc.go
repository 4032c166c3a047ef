// Package tracker follows started ARC Region switch plan executions to
// their end and keeps the incident channel informed: each new execution
// event becomes a reply in the result message's thread, in order; the
// result message shows the current state, step and elapsed time; a manual
// approval step gets Approve and Decline buttons (see Tracker.ApproveStep);
// a final state gets a summary with the duration in the channel and the
// notify channels, and tracking stops.
//
// # Regions
//
// An execution is polled (GetPlanExecution, then ListPlanExecutionEvents)
// through the data plane of the Region that started it. When that Region
// gives no answer within Options.RegionTimeout (no response, a timeout, a
// 5xx), the plan's other Region is asked, and stays the first one asked
// while it answers. A refusal (4xx) is an answer and is believed. Unknown
// execution states from a newer service are shown as sent and never end
// tracking; only completed, completedWithExceptions, failed, canceled and
// planExecutionTimedOut do (see Final).
//
// # State in Redis
//
// Everything survives a restart and is shared by the replicas. The set
// rsbot:track:active lists the executions to follow. Each execution's keys
// share the hash tag {executionID}, so one Redis Cluster slot, and every
// script touches only those:
//
//	rsbot:track:{id}         hash: the Registration, inflight, ask_ts:<step>, done
//	rsbot:track:{id}:lease   the token of the one replica that polls it (SET NX PX)
//	rsbot:track:{id}:posted  set of what has been posted: ev:<eventID>, ask:<step>, sum:<channel>
//
// # One replica per execution
//
// Every replica runs Run. A replica follows an execution only while it
// holds the execution's lease, taken with SET NX PX, renewed (compare and
// PEXPIRE) on every poll, and given up with compare-and-delete when the
// replica stops, so that another takes over at once; after a crash, within
// Options.LeaseTTL. Every post is fenced by the lease: the claim script
// refuses a replica that no longer holds it.
//
// # Posting guarantee: at-least-once, exactly-once unless a replica dies mid-post
//
// Slack's chat.postMessage has no idempotency key, so no scheme gives
// exactly-once across a crash: either a message is recorded before it is
// posted (a crash in between loses it) or after (a crash in between
// repeats it). For the incident channel, a lost "step failed" is worse
// than a repeated line, so the tracker posts at-least-once:
//
//  1. claim (Lua, atomic): holds the lease? already in the posted set
//     (skip)? else record the item as in flight;
//  2. post to Slack, on a context that outlives shutdown;
//  3. mark (Lua, atomic): add the item to the posted set,
//     clear the in-flight item.
//
// Events are posted oldest first and a failure stops the round, so nothing
// after a missing event is posted. A graceful stop (ctx ends)
// finishes the post in progress and its mark, so a restart or a handover
// neither loses nor repeats anything. Only a replica that dies (or loses
// Redis) between Slack's answer and the mark can cause a repeat; the
// replica that takes over sees the item still in flight and posts it
// again with a note that it may appear twice. When Slack answers with an
// error (or a rate limit), the message was not posted; the in-flight
// mark is cleared and the item is tried again on the next poll, unlabelled.
package tracker
