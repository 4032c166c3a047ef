// Package access decides who may request and who may approve Region switch
// executions, and in which channels, from Slack user IDs and Slack user
// groups. Group membership is read with usergroups.users.list and cached
// briefly. When membership cannot be read, access is denied (fail closed).
package access

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// GroupLister is the one Slack Web API call this package needs; slack-go's
// *slack.Client satisfies it.
type GroupLister interface {
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// Policy lists who may do what. Empty lists mean "no restriction" as
// described for each field.
type Policy struct {
	// RequesterUsers and RequesterGroups may request. Both empty: anyone in
	// an allowed channel.
	RequesterUsers, RequesterGroups []string
	// ApproverUsers and ApproverGroups may approve. Both empty: anyone other
	// than the requester (the two-person rule is enforced elsewhere).
	ApproverUsers, ApproverGroups []string
	// Channels the command works in. Empty: all.
	Channels []string
	// BreakGlassUsers may approve their own request with a break-glass
	// reason. Empty: nobody.
	BreakGlassUsers []string
}

// Checker applies a Policy. It is safe for concurrent use.
type Checker struct {
	policy Policy
	groups GroupLister
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	members []string
	at      time.Time
}

// NewChecker returns a Checker that caches group membership for ttl (zero
// means one minute). now may be nil (time.Now).
func NewChecker(p Policy, groups GroupLister, ttl time.Duration, now func() time.Time) *Checker {
	if ttl <= 0 {
		ttl = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &Checker{policy: p, groups: groups, ttl: ttl, now: now, cache: map[string]cached{}}
}

// ChannelAllowed reports whether the command may be used in channel.
func (c *Checker) ChannelAllowed(channel string) bool {
	return len(c.policy.Channels) == 0 || slices.Contains(c.policy.Channels, channel)
}

// CanRequest reports whether user may request executions. An error means
// membership could not be checked; callers deny.
func (c *Checker) CanRequest(ctx context.Context, user string) (bool, error) {
	return c.member(ctx, user, c.policy.RequesterUsers, c.policy.RequesterGroups)
}

// CanApprove reports whether user may approve (or reject) requests. An
// error means membership could not be checked; callers deny.
func (c *Checker) CanApprove(ctx context.Context, user string) (bool, error) {
	return c.member(ctx, user, c.policy.ApproverUsers, c.policy.ApproverGroups)
}

// CanBreakGlass reports whether user may approve their own request with a
// break-glass reason.
func (c *Checker) CanBreakGlass(user string) bool {
	return slices.Contains(c.policy.BreakGlassUsers, user)
}

// Approvers describes who may approve, as Slack mentions, for messages.
func (c *Checker) Approvers() (users, groups []string) {
	return c.policy.ApproverUsers, c.policy.ApproverGroups
}

func (c *Checker) member(ctx context.Context, user string, users, groups []string) (bool, error) {
	if len(users) == 0 && len(groups) == 0 {
		return true, nil
	}
	if slices.Contains(users, user) {
		return true, nil
	}
	for _, g := range groups {
		members, err := c.groupMembers(ctx, g)
		if err != nil {
			return false, err
		}
		if slices.Contains(members, user) {
			return true, nil
		}
	}
	return false, nil
}

func (c *Checker) groupMembers(ctx context.Context, group string) ([]string, error) {
	c.mu.Lock()
	e, ok := c.cache[group]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.members, nil
	}
	members, err := c.groups.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list %s: %w", group, err)
	}
	c.mu.Lock()
	c.cache[group] = cached{members: members, at: c.now()}
	c.mu.Unlock()
	return members, nil
}
