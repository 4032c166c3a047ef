// Package plancache keeps the metadata of Region switch plans in Redis (name,
// ARN, Regions, version, owner, updated-at), written on every plan the
// session resolves through AWS, so that a plan still resolves by ARN, alias
// or name while neither its Regions nor the control plane answer. *Cache
// satisfies session.PlanCache.
//
// # Keys
//
// All keys share the hash tag {plancache}, so they live in one slot and the
// write script runs on Redis Cluster too:
//
//	rsbot:{plancache}:plan:<arn>  hash: arn, name, owner, version, regions
//	                              (comma-separated), updated_at and
//	                              cached_at (Unix ms; updated_at 0 if ARC
//	                              did not say)
//	rsbot:{plancache}:names       hash: plan name → ARN
//	rsbot:{plancache}:arns        set: every cached plan's ARN
//
// Entries do not expire: plans change rarely, and a stale entry is better
// than none during an outage. Every answer carries CachedAt, so the caller
// shows how old it is. An entry is never overwritten by data older than it
// (a smaller updated_at); a renamed plan's old name is dropped from the
// index. Two plans with the same name (in different accounts) share the
// name's index entry: the last one written wins.
package plancache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const (
	prefix   = "rsbot:{plancache}:"
	namesKey = prefix + "names"
	arnsKey  = prefix + "arns"
)

func planKey(arn string) string { return prefix + "plan:" + arn }

// Options configures a Cache.
type Options struct {
	// Now is the clock for cached_at. Nil means time.Now.
	Now func() time.Time
}

// Cache is the plan metadata cache. It is safe for concurrent use.
type Cache struct {
	rdb redis.UniversalClient
	now func() time.Time
}

var _ session.PlanCache = (*Cache)(nil)

// New returns a Cache over rdb (a single server, a failover client or a
// cluster).
func New(rdb redis.UniversalClient, opts Options) *Cache {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{rdb: rdb, now: opts.Now}
}

// put writes one plan. KEYS: plan hash, names, arns. ARGV: arn, name, owner,
// version, regions, updated_at, cached_at. It returns 0 and changes nothing
// when the stored entry is newer (a larger updated_at), else 1.
var put = redis.NewScript(`
local stored = tonumber(redis.call('HGET', KEYS[1], 'updated_at') or '0')
local updated = tonumber(ARGV[6])
if updated > 0 and stored > updated then
  return 0
end
local old = redis.call('HGET', KEYS[1], 'name')
if old and old ~= ARGV[2] and redis.call('HGET', KEYS[2], old) == ARGV[1] then
  redis.call('HDEL', KEYS[2], old)
end
redis.call('HSET', KEYS[1], 'arn', ARGV[1], 'name', ARGV[2], 'owner', ARGV[3],
  'version', ARGV[4], 'regions', ARGV[5], 'updated_at', ARGV[6], 'cached_at', ARGV[7])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
end
redis.call('SADD', KEYS[3], ARGV[1])
return 1
`)

// Put stores p's metadata (ARN, name, owner, version, Regions, UpdatedAt)
// with the current time as CachedAt, atomically, unless the cache holds a
// newer version of the plan (a later UpdatedAt). A plan without an ARN is
// an error.
func (c *Cache) Put(ctx context.Context, p session.Plan) error {
	if p.ARN == "" {
		return errors.New("plancache: plan without an ARN")
	}
	for _, r := range p.Regions {
		if strings.Contains(r, ",") {
			return fmt.Errorf("plancache: plan %s: invalid Region %q", p.ARN, r)
		}
	}
	var updated int64
	if !p.UpdatedAt.IsZero() {
		updated = p.UpdatedAt.UnixMilli()
	}
	err := put.Run(ctx, c.rdb, []string{planKey(p.ARN), namesKey, arnsKey},
		p.ARN, p.Name, p.Owner, p.Version, strings.Join(p.Regions, ","), updated, c.now().UnixMilli()).Err()
	if err != nil {
		return fmt.Errorf("plancache: put %s: %w", p.ARN, err)
	}
	return nil
}

// Get returns the cached plan arn; false with a nil error when the cache
// does not have it.
func (c *Cache) Get(ctx context.Context, arn string) (session.Plan, bool, error) {
	m, err := c.rdb.HGetAll(ctx, planKey(arn)).Result()
	if err != nil {
		return session.Plan{}, false, fmt.Errorf("plancache: get %s: %w", arn, err)
	}
	return decode(m)
}

// FindByName returns the cached plan called name: an exact match first,
// then a unique case-insensitive one, as session.FindPlanByName matches.
// False with a nil error when there is none.
func (c *Cache) FindByName(ctx context.Context, name string) (session.Plan, bool, error) {
	arn, err := c.rdb.HGet(ctx, namesKey, name).Result()
	if errors.Is(err, redis.Nil) {
		names, err := c.rdb.HGetAll(ctx, namesKey).Result()
		if err != nil {
			return session.Plan{}, false, fmt.Errorf("plancache: find %q: %w", name, err)
		}
		var matches []string
		for n, a := range names {
			if strings.EqualFold(n, name) {
				matches = append(matches, a)
			}
		}
		if len(matches) != 1 {
			return session.Plan{}, false, nil
		}
		arn = matches[0]
	} else if err != nil {
		return session.Plan{}, false, fmt.Errorf("plancache: find %q: %w", name, err)
	}
	p, ok, err := c.Get(ctx, arn)
	if err != nil || !ok || !strings.EqualFold(p.Name, name) {
		return session.Plan{}, false, err
	}
	return p, true, nil
}

// All returns every cached plan, in no particular order.
func (c *Cache) All(ctx context.Context) ([]session.Plan, error) {
	arns, err := c.rdb.SMembers(ctx, arnsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("plancache: list: %w", err)
	}
	if len(arns) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(arns))
	_, err = c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, arn := range arns {
			cmds[i] = p.HGetAll(ctx, planKey(arn))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plancache: list: %w", err)
	}
	plans := make([]session.Plan, 0, len(arns))
	for _, cmd := range cmds {
		p, ok, err := decode(cmd.Val())
		if err != nil {
			return nil, err
		}
		if ok {
			plans = append(plans, p)
		}
	}
	return plans, nil
}

// decode turns a plan hash into a Plan; false for an empty hash.
func decode(m map[string]string) (session.Plan, bool, error) {
	if len(m) == 0 || m["arn"] == "" {
		return session.Plan{}, false, nil
	}
	p := session.Plan{ARN: m["arn"], Name: m["name"], Owner: m["owner"], Version: m["version"]}
	if r := m["regions"]; r != "" {
		p.Regions = strings.Split(r, ",")
	}
	updated, err := millis(m["updated_at"])
	if err != nil {
		return session.Plan{}, false, fmt.Errorf("plancache: plan %s: updated_at: %w", p.ARN, err)
	}
	cached, err := millis(m["cached_at"])
	if err != nil {
		return session.Plan{}, false, fmt.Errorf("plancache: plan %s: cached_at: %w", p.ARN, err)
	}
	p.UpdatedAt, p.CachedAt = updated, cached
	return p, true, nil
}

// millis parses Unix milliseconds; "" and 0 are the zero time.
func millis(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(n).UTC(), nil
}
