package approvals

import "github.com/redis/go-redis/v9"

// The Lua scripts that change state. Each one runs atomically in Redis and
// touches only the keys of one request, KEYS[1] (the hash) and KEYS[2] (the
// approvers set), which share a hash tag and so a cluster slot. Times come
// from the Store's clock as Unix milliseconds in ARGV, never from Redis.
//
// A transition script replies {outcome} or {outcome, HGETALL of the hash
// after the step}. The outcomes "expired_now" (the script expired the
// request because it was past its expiry) and "ok" (the transition was made)
// tell the Go side to write the audit entry, move the request between the
// state indexes and release or extend the plan lock.

// luaPrelude is shared by the transition scripts.
const luaPrelude = `
local function state()
  return redis.call('HGETALL', KEYS[1])
end
-- keep makes every existing key of the request live at least ms more.
local function keep(ms)
  ms = tonumber(ms)
  for _, k in ipairs(KEYS) do
    local t = redis.call('PTTL', k)
    if t == -1 or (t >= 0 and t < ms) then
      redis.call('PEXPIRE', k, ms)
    end
  end
end
-- overdue: pending and now (ms) at or past expires_at.
local function overdue(now)
  return tonumber(now) >= tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
end
local function expire(now, retention)
  redis.call('HSET', KEYS[1], 'status', 'expired', 'decided_by', 'system',
    'reason', 'approval window ended', 'decided_at', now, 'updated_at', now)
  keep(retention)
end
`

// createLua stores a new pending request unless its hash exists.
// ARGV: pexpire ms, then the hash's field/value pairs. Replies 1 or 0.
const createLua = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`

// setMessageLua records where the approval message is. ARGV: channel, ts,
// now. Replies 1, or 0 when the request does not exist.
const setMessageLua = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'channel_id', ARGV[1], 'message_ts', ARGV[2], 'updated_at', ARGV[3])
return 1
`

// approveLua counts one approval. ARGV: approver, now, retention ms.
// Outcomes: not_found, expired, not_pending, expired_now, self_approval,
// duplicate, recorded, approved.
const approveLua = luaPrelude + `
local approver, now = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'expired' then return {'expired', state()} end
if st ~= 'pending' then return {'not_pending', state()} end
if overdue(now) then
  expire(now, ARGV[3])
  return {'expired_now', state()}
end
local bg = redis.call('HGET', KEYS[1], 'break_glass_reason')
if approver == redis.call('HGET', KEYS[1], 'requester_id') and (not bg or bg == '') then
  return {'self_approval', state()}
end
if redis.call('SISMEMBER', KEYS[2], approver) == 1 then return {'duplicate', state()} end
redis.call('SADD', KEYS[2], approver)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
local list = redis.call('HGET', KEYS[1], 'approvers')
if not list or list == '' then list = approver else list = list .. ',' .. approver end
redis.call('HSET', KEYS[1], 'approvers', list, 'updated_at', now)
local required = tonumber(redis.call('HGET', KEYS[1], 'approvals_required')) or 1
if redis.call('SCARD', KEYS[2]) >= required then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'decided_by', approver, 'decided_at', now)
  return {'approved', state()}
end
return {'recorded', state()}
`

// rejectLua closes a pending, unexpired request. ARGV: user, reason, now,
// retention ms. Outcomes: not_found, expired, not_pending, expired_now, ok.
const rejectLua = luaPrelude + `
local now = ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'expired' then return {'expired', state()} end
if st ~= 'pending' then return {'not_pending', state()} end
if overdue(now) then
  expire(now, ARGV[4])
  return {'expired_now', state()}
end
redis.call('HSET', KEYS[1], 'status', 'rejected', 'decided_by', ARGV[1], 'reason', ARGV[2],
  'decided_at', now, 'updated_at', now)
keep(ARGV[4])
return {'ok', state()}
`

// expireLua expires a pending request past its expiry. ARGV: now, retention
// ms. Outcomes: not_found, expired, not_pending, not_due, expired_now.
const expireLua = luaPrelude + `
local now = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'expired' then return {'expired', state()} end
if st ~= 'pending' then return {'not_pending', state()} end
if not overdue(now) then return {'not_due', state()} end
expire(now, ARGV[2])
return {'expired_now', state()}
`

// markExecutingLua moves approved to executing. ARGV: now, keep ms.
// Outcomes: not_found, wrong_state, ok.
const markExecutingLua = luaPrelude + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
if redis.call('HGET', KEYS[1], 'status') ~= 'approved' then return {'wrong_state', state()} end
redis.call('HSET', KEYS[1], 'status', 'executing', 'updated_at', ARGV[1])
keep(ARGV[2])
return {'ok', state()}
`

// markExecutedLua moves executing to executed. ARGV: now, retention ms,
// execution ID, execution Region, activate Region, deactivate Region, plan
// version. Outcomes: not_found, unchanged (already executed with this
// execution ID), wrong_state, ok.
const markExecutedLua = luaPrelude + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'executed' and redis.call('HGET', KEYS[1], 'execution_id') == ARGV[3] then
  return {'unchanged', state()}
end
if st ~= 'executing' then return {'wrong_state', state()} end
redis.call('HSET', KEYS[1], 'status', 'executed', 'updated_at', ARGV[1],
  'execution_id', ARGV[3], 'execution_region', ARGV[4], 'activate_region', ARGV[5],
  'deactivate_region', ARGV[6], 'executed_plan_version', ARGV[7])
keep(ARGV[2])
return {'ok', state()}
`

// markFailedLua moves approved or executing to failed. ARGV: now, retention
// ms, error code, error message. Outcomes: not_found, unchanged (already
// failed), wrong_state, ok.
const markFailedLua = luaPrelude + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'failed' then return {'unchanged', state()} end
if st ~= 'approved' and st ~= 'executing' then return {'wrong_state', state()} end
redis.call('HSET', KEYS[1], 'status', 'failed', 'updated_at', ARGV[1],
  'error_code', ARGV[3], 'error_message', ARGV[4])
keep(ARGV[2])
return {'ok', state()}
`

// The plan lock scripts; KEYS[1] is the lock.

// lockTakeOverLua replaces the holder ARGV[1] with ARGV[2] for ARGV[3] ms,
// only if the lock still holds ARGV[1]. Replies 1 or 0.
const lockTakeOverLua = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`

// lockReleaseLua deletes KEYS[1] if it holds ARGV[1] (plan locks and job
// leases). Replies 1 or 0.
const lockReleaseLua = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`

// lockExtendLua sets the lock's expiry to ARGV[2] ms if it holds ARGV[1]
// (reply 1), or takes it for ARGV[1] if nobody holds it (reply 2). Replies 0
// when another request holds it.
const lockExtendLua = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
`

// scripts holds the Store's compiled scripts.
type scripts struct {
	create, setMessage                      *redis.Script
	approve, reject, expire                 *redis.Script
	markExecuting, markExecuted, markFailed *redis.Script
	lockTakeOver, lockRelease, lockExtend   *redis.Script
}

func newScripts() scripts {
	return scripts{
		create:        redis.NewScript(createLua),
		setMessage:    redis.NewScript(setMessageLua),
		approve:       redis.NewScript(approveLua),
		reject:        redis.NewScript(rejectLua),
		expire:        redis.NewScript(expireLua),
		markExecuting: redis.NewScript(markExecutingLua),
		markExecuted:  redis.NewScript(markExecutedLua),
		markFailed:    redis.NewScript(markFailedLua),
		lockTakeOver:  redis.NewScript(lockTakeOverLua),
		lockRelease:   redis.NewScript(lockReleaseLua),
		lockExtend:    redis.NewScript(lockExtendLua),
	}
}
