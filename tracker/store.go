package tracker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// registryKey is the set of IDs of executions being tracked. It is the one
// key shared by all executions; everything else lives under the
// execution's own hash tag (see keysFor).
const registryKey = "rsbot:track:active"

// Fields of an execution's hash.
const (
	fieldExecutionID  = "execution_id"
	fieldPlanARN      = "plan_arn"
	fieldRegion       = "region"
	fieldOtherRegion  = "other_region"
	fieldChannel      = "channel"
	fieldMessageTS    = "message_ts"
	fieldRequestID    = "request_id"
	fieldNotify       = "notify"
	fieldHeadline     = "headline"
	fieldRegisteredAt = "registered_at" // Unix ms
	fieldInflight     = "inflight"      // item being posted; see claimLua
	fieldDone         = "done"          // "1" once tracking has ended
	fieldAskTSPrefix  = "ask_ts:"       // + step: ts of the approval prompt
)

// Items of the posted set: every message the tracker posts has one, so
// that it is posted once.
const (
	itemEventPrefix   = "ev:"  // + event ID: the event's thread reply
	itemAskPrefix     = "ask:" // + step name: the approval prompt
	itemSummaryPrefix = "sum:" // + channel: the final summary
	itemGiveUp        = "giveup"
)

// keys are the Redis keys of one execution. They share the hash tag
// {executionID}, so one cluster slot, so that every script can touch all of
// them on Redis Cluster.
type keys struct {
	hash   string // the registration and progress
	lease  string // the owner token of the replica that polls
	posted string // set of items already posted
}

func keysFor(executionID string) keys {
	base := "rsbot:track:{" + executionID + "}"
	return keys{hash: base, lease: base + ":lease", posted: base + ":posted"}
}

// registerLua writes a new registration unless the execution has a hash.
// ARGV: the hash's field/value pairs. Replies "new", "exists" or "done".
var registerLua = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'done') == '1' then return 'done' end
  return 'exists'
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 'new'
`)

// renewLua extends the lease if ARGV[1] holds it. ARGV: token, ms.
var renewLua = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// releaseLua deletes the lease if ARGV[1] holds it.
var releaseLua = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`)

// claimLua is taken before a message is posted. KEYS: hash, lease, posted.
// ARGV: token, item. Replies "lost" (ARGV[1] does not hold the lease:
// post nothing), "posted" (already posted: skip), "retry" (an earlier
// attempt claimed the item and never recorded the outcome: it may have
// been posted) or "go". It records the item as in flight.
var claimLua = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'lost' end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'lost' end
if redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 1 then return 'posted' end
local prev = redis.call('HGET', KEYS[1], 'inflight')
redis.call('HSET', KEYS[1], 'inflight', ARGV[2])
if prev == ARGV[2] then return 'retry' end
return 'go'
`)

// markLua records that an item was posted, whoever holds the lease now (it
// was posted: that is a fact). KEYS: hash, posted. ARGV: item, then
// field/value pairs for the hash. Replies 0 if tracking state is gone.
var markLua = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
if redis.call('HGET', KEYS[1], 'inflight') == ARGV[1] then redis.call('HDEL', KEYS[1], 'inflight') end
return 1
`)

// abandonLua clears the in-flight item after Slack refused to post it, so
// that the next attempt is not labelled a possible repeat. ARGV: item.
var abandonLua = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'inflight') == ARGV[1] then redis.call('HDEL', KEYS[1], 'inflight') end
return 1
`)

// finishLua ends tracking if ARGV[1] holds the lease: marks the hash done,
// keeps the state ARGV[2] ms for reference, deletes the lease. KEYS: hash,
// lease, posted. Replies 1, or 0 when the lease is lost.
var finishLua = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'done', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[2])
return 1
`)

// claimResult is claimLua's answer.
type claimResult string

const (
	claimLost   claimResult = "lost"
	claimPosted claimResult = "posted"
	claimRetry  claimResult = "retry"
)

// errLeaseLost says that another replica polls the execution now.
var errLeaseLost = errors.New("lease lost to another replica")

// record is an execution's tracking state as stored.
type record struct {
	Registration
	registeredAt time.Time
	done         bool
	posted       map[string]bool
	askTS        map[string]string // step -> ts of its approval prompt
}

// store is the tracker's Redis state.
type store struct {
	rdb redis.UniversalClient
}

func (s store) register(ctx context.Context, r Registration, now time.Time) (string, error) {
	args := []any{
		fieldExecutionID, r.ExecutionID, fieldPlanARN, r.PlanARN, fieldRegion, r.Region,
		fieldOtherRegion, r.OtherRegion, fieldChannel, r.Channel, fieldMessageTS, r.MessageTS,
		fieldRequestID, r.RequestID, fieldNotify, strings.Join(r.NotifyChannels, ","),
		fieldHeadline, r.Headline, fieldRegisteredAt, now.UnixMilli(),
	}
	k := keysFor(r.ExecutionID)
	res, err := registerLua.Run(ctx, s.rdb, []string{k.hash}, args...).Text()
	if err != nil {
		return "", fmt.Errorf("register execution %s: %w", r.ExecutionID, err)
	}
	if res != "done" {
		if err := s.rdb.SAdd(ctx, registryKey, r.ExecutionID).Err(); err != nil {
			return "", fmt.Errorf("register execution %s: add to registry: %w", r.ExecutionID, err)
		}
	}
	return res, nil
}

// registered returns the IDs of the executions in the registry.
func (s store) registered(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, registryKey).Result()
	if err != nil {
		return nil, fmt.Errorf("list tracked executions: %w", err)
	}
	return ids, nil
}

// forget removes an execution from the registry.
func (s store) forget(ctx context.Context, id string) error {
	if err := s.rdb.SRem(ctx, registryKey, id).Err(); err != nil {
		return fmt.Errorf("execution %s: remove from registry: %w", id, err)
	}
	return nil
}

// load reads an execution's state; nil, nil when there is none.
func (s store) load(ctx context.Context, id string) (*record, error) {
	k := keysFor(id)
	var h *redis.MapStringStringCmd
	var p *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		h = pipe.HGetAll(ctx, k.hash)
		p = pipe.SMembers(ctx, k.posted)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load execution %s: %w", id, err)
	}
	f := h.Val()
	if len(f) == 0 {
		return nil, nil
	}
	ms, _ := strconv.ParseInt(f[fieldRegisteredAt], 10, 64)
	rec := &record{
		Registration: Registration{
			ExecutionID: f[fieldExecutionID], PlanARN: f[fieldPlanARN], Region: f[fieldRegion],
			OtherRegion: f[fieldOtherRegion], Channel: f[fieldChannel], MessageTS: f[fieldMessageTS],
			RequestID: f[fieldRequestID], Headline: f[fieldHeadline],
		},
		registeredAt: time.UnixMilli(ms),
		done:         f[fieldDone] == "1",
		posted:       map[string]bool{},
		askTS:        map[string]string{},
	}
	if n := f[fieldNotify]; n != "" {
		rec.NotifyChannels = strings.Split(n, ",")
	}
	for _, item := range p.Val() {
		rec.posted[item] = true
	}
	for field, v := range f {
		if step, ok := strings.CutPrefix(field, fieldAskTSPrefix); ok {
			rec.askTS[step] = v
		}
	}
	return rec, nil
}

// acquire takes the execution's lease for token unless another holds it.
func (s store) acquire(ctx context.Context, id, token string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, keysFor(id).lease, token, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("execution %s: take lease: %w", id, err)
	}
	return ok, nil
}

func (s store) renew(ctx context.Context, id, token string, ttl time.Duration) (bool, error) {
	n, err := renewLua.Run(ctx, s.rdb, []string{keysFor(id).lease}, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("execution %s: renew lease: %w", id, err)
	}
	return n == 1, nil
}

func (s store) release(ctx context.Context, id, token string) error {
	if err := releaseLua.Run(ctx, s.rdb, []string{keysFor(id).lease}, token).Err(); err != nil {
		return fmt.Errorf("execution %s: release lease: %w", id, err)
	}
	return nil
}

func (s store) claim(ctx context.Context, id, token, item string) (claimResult, error) {
	k := keysFor(id)
	res, err := claimLua.Run(ctx, s.rdb, []string{k.hash, k.lease, k.posted}, token, item).Text()
	if err != nil {
		return "", fmt.Errorf("execution %s: claim %q: %w", id, item, err)
	}
	return claimResult(res), nil
}

// mark records item as posted and sets the hash fields in pairs.
func (s store) mark(ctx context.Context, id, item string, pairs ...string) error {
	k := keysFor(id)
	args := []any{item}
	for _, p := range pairs {
		args = append(args, p)
	}
	if err := markLua.Run(ctx, s.rdb, []string{k.hash, k.posted}, args...).Err(); err != nil {
		return fmt.Errorf("execution %s: record %q as posted: %w", id, item, err)
	}
	return nil
}

func (s store) abandon(ctx context.Context, id, item string) error {
	if err := abandonLua.Run(ctx, s.rdb, []string{keysFor(id).hash}, item).Err(); err != nil {
		return fmt.Errorf("execution %s: clear in-flight %q: %w", id, item, err)
	}
	return nil
}

// finish ends tracking for the lease holder token and removes the
// execution from the registry.
func (s store) finish(ctx context.Context, id, token string, retention time.Duration) error {
	k := keysFor(id)
	n, err := finishLua.Run(ctx, s.rdb, []string{k.hash, k.lease, k.posted}, token, retention.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("execution %s: finish: %w", id, err)
	}
	if n == 0 {
		return errLeaseLost
	}
	return s.forget(ctx, id)
}
