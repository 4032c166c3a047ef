package access_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/access"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

const groupsMethod = "usergroups.users.list"

// newClock returns a test clock that moves only when told.
func newClock() *fakeclock.Clock { return fakeclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) }

// newChecker returns a Checker over a fresh fake Slack, with its clock.
func newChecker(t *testing.T, p access.Policy, ttl time.Duration) (*access.Checker, *fakeslack.Server, *fakeclock.Clock) {
	t.Helper()
	fake := fakeslack.New(t)
	client := slack.New("xoxb-test-token", slack.OptionAPIURL(fake.APIURL()))
	clk := newClock()
	return access.NewChecker(p, client, ttl, clk.Now), fake, clk
}

// groupCalls returns the user groups asked for, in order.
func groupCalls(fake *fakeslack.Server) []string {
	var out []string
	for _, c := range fake.CallsTo(groupsMethod) {
		out = append(out, c.Params["usergroup"])
	}
	return out
}

func TestChannelAllowed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		channels []string
		channel  string
		want     bool
	}{
		{"no list: any channel", nil, "CANY", true},
		{"no list: empty channel", nil, "", true},
		{"empty list: any channel", []string{}, "CANY", true},
		{"listed", []string{"COPS", "CINC"}, "CINC", true},
		{"not listed", []string{"COPS", "CINC"}, "CRANDOM", false},
		{"empty channel ID with a list", []string{"COPS"}, "", false},
		{"case differs", []string{"COPS"}, "cops", false},
		{"prefix of a listed ID", []string{"COPS"}, "COP", false},
		{"listed ID with suffix", []string{"COPS"}, "COPS2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fake, _ := newChecker(t, access.Policy{Channels: tc.channels}, 0)
			if got := c.ChannelAllowed(tc.channel); got != tc.want {
				t.Errorf("ChannelAllowed(%q) with %q = %v; want %v", tc.channel, tc.channels, got, tc.want)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("made %d Slack calls; want none", n)
			}
		})
	}
}

// which selects CanRequest or CanApprove.
type which struct {
	name  string
	check func(c *access.Checker, ctx context.Context, user string) (bool, error)
	// policy puts users and groups in the lists this check reads.
	policy func(users, groups []string) access.Policy
}

var checks = []which{
	{
		name:   "CanRequest",
		check:  (*access.Checker).CanRequest,
		policy: func(u, g []string) access.Policy { return access.Policy{RequesterUsers: u, RequesterGroups: g} },
	},
	{
		name:   "CanApprove",
		check:  (*access.Checker).CanApprove,
		policy: func(u, g []string) access.Policy { return access.Policy{ApproverUsers: u, ApproverGroups: g} },
	},
}

func TestMembership(t *testing.T) {
	for _, tc := range []struct {
		name      string
		users     []string
		groups    []string
		members   map[string][]string // user groups set on the fake
		user      string
		want      bool
		wantCalls []string // usergroups.users.list calls, by group
	}{
		{name: "both empty: anyone", user: "UANY", want: true},
		{name: "both empty: empty user ID", user: "", want: true},
		{name: "users only: listed", users: []string{"U1", "U2"}, user: "U2", want: true},
		{name: "users only: not listed", users: []string{"U1", "U2"}, user: "U3", want: false},
		{name: "users only: empty user ID", users: []string{"U1"}, user: "", want: false},
		{name: "users only: case differs", users: []string{"U1"}, user: "u1", want: false},
		{
			name: "groups only: member", groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {"U1", "U2"}},
			user:    "U2", want: true, wantCalls: []string{"SOPS"},
		},
		{
			name: "groups only: not a member", groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {"U1", "U2"}},
			user:    "U3", want: false, wantCalls: []string{"SOPS"},
		},
		{
			name: "groups only: empty group", groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {}},
			user:    "U1", want: false, wantCalls: []string{"SOPS"},
		},
		{
			name: "groups only: member of the second group", groups: []string{"SOPS", "SSRE"},
			members: map[string][]string{"SOPS": {"U1"}, "SSRE": {"U9"}},
			user:    "U9", want: true, wantCalls: []string{"SOPS", "SSRE"},
		},
		{
			name: "groups only: member of the first group stops the lookup", groups: []string{"SOPS", "SSRE"},
			members: map[string][]string{"SOPS": {"U1"}, "SSRE": {"U9"}},
			user:    "U1", want: true, wantCalls: []string{"SOPS"},
		},
		{
			name: "groups only: group ID is not a user ID", groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {"U1"}},
			user:    "SOPS", want: false, wantCalls: []string{"SOPS"},
		},
		{
			name: "both: listed user needs no lookup", users: []string{"U1"}, groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {"U2"}},
			user:    "U1", want: true,
		},
		{
			name: "both: group member", users: []string{"U1"}, groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {"U2"}},
			user:    "U2", want: true, wantCalls: []string{"SOPS"},
		},
		{
			name: "both: neither", users: []string{"U1"}, groups: []string{"SOPS"},
			members: map[string][]string{"SOPS": {"U2"}},
			user:    "U3", want: false, wantCalls: []string{"SOPS"},
		},
	} {
		for _, w := range checks {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				c, fake, _ := newChecker(t, w.policy(tc.users, tc.groups), time.Minute)
				for g, m := range tc.members {
					fake.SetUserGroup(g, m...)
				}
				got, err := w.check(c, t.Context(), tc.user)
				if err != nil {
					t.Fatalf("%s(%q) error: %v; want nil", w.name, tc.user, err)
				}
				if got != tc.want {
					t.Errorf("%s(%q) = %v; want %v", w.name, tc.user, got, tc.want)
				}
				if calls := groupCalls(fake); !slices.Equal(calls, tc.wantCalls) {
					t.Errorf("%s calls for groups %q; want %q", groupsMethod, calls, tc.wantCalls)
				}
				for _, call := range fake.CallsTo(groupsMethod) {
					if call.Token != "xoxb-test-token" {
						t.Errorf("%s made with token %q; want the bot token", groupsMethod, call.Token)
					}
				}
			})
		}
	}
}

// TestPoliciesAreSeparate checks that requester lists do not restrict
// approvers and the other way round.
func TestPoliciesAreSeparate(t *testing.T) {
	c, fake, _ := newChecker(t, access.Policy{RequesterUsers: []string{"UREQ"}, ApproverGroups: []string{"SAPP"}}, 0)
	fake.SetUserGroup("SAPP", "UAPP")
	for _, tc := range []struct {
		name  string
		check func(context.Context, string) (bool, error)
		user  string
		want  bool
	}{
		{"requester may request", c.CanRequest, "UREQ", true},
		{"approver may not request", c.CanRequest, "UAPP", false},
		{"requester may not approve", c.CanApprove, "UREQ", false},
		{"approver may approve", c.CanApprove, "UAPP", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.check(t.Context(), tc.user)
			if err != nil || got != tc.want {
				t.Errorf("got (%v, %v); want (%v, nil)", got, err, tc.want)
			}
		})
	}
}

func TestGroupLookupFailureDenies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(fake *fakeslack.Server)
		ctx     func(t *testing.T) context.Context
		wantErr func(err error) bool
	}{
		{
			name: "rate limited",
			setup: func(fake *fakeslack.Server) {
				fake.SetUserGroup("SOPS", "U1")
				fake.FailNext(groupsMethod, "ratelimited")
			},
			wantErr: func(err error) bool {
				var rl *slack.RateLimitedError
				return errors.As(err, &rl)
			},
		},
		{
			name: "unknown group",
			setup: func(*fakeslack.Server) {
				// SOPS never set: no_such_subteam
			},
			wantErr: func(err error) bool {
				var se slack.SlackErrorResponse
				return errors.As(err, &se) && se.Err == "no_such_subteam"
			},
		},
		{
			name: "missing scope",
			setup: func(fake *fakeslack.Server) {
				fake.SetUserGroup("SOPS", "U1")
				fake.FailNext(groupsMethod, "missing_scope")
			},
			wantErr: func(err error) bool {
				var se slack.SlackErrorResponse
				return errors.As(err, &se) && se.Err == "missing_scope"
			},
		},
		{
			name:  "context canceled",
			setup: func(fake *fakeslack.Server) { fake.SetUserGroup("SOPS", "U1") },
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return ctx
			},
			wantErr: func(err error) bool { return errors.Is(err, context.Canceled) },
		},
	} {
		for _, w := range checks {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				c, fake, _ := newChecker(t, w.policy([]string{"UADMIN"}, []string{"SOPS"}), time.Minute)
				tc.setup(fake)
				ctx := t.Context()
				if tc.ctx != nil {
					ctx = tc.ctx(t)
				}
				got, err := w.check(c, ctx, "U1")
				if err == nil {
					t.Fatalf("%s(U1) error = nil; want an error", w.name)
				}
				if got {
					t.Errorf("%s(U1) = true with error %v; want false (fail closed)", w.name, err)
				}
				if !tc.wantErr(err) {
					t.Errorf("error %v (%T) does not match the expected cause", err, errors.Unwrap(err))
				}

				// A user listed by ID does not depend on Slack answering.
				if ok, err := w.check(c, ctx, "UADMIN"); !ok || err != nil {
					t.Errorf("%s(UADMIN) = (%v, %v); want (true, nil) for a listed user", w.name, ok, err)
				}
			})
		}
	}
}

func TestFailureIsNotCached(t *testing.T) {
	c, fake, _ := newChecker(t, access.Policy{ApproverGroups: []string{"SOPS"}}, time.Hour)
	fake.SetUserGroup("SOPS", "U1")
	fake.FailNext(groupsMethod, "internal_error")
	if ok, err := c.CanApprove(t.Context(), "U1"); ok || err == nil {
		t.Fatalf("first CanApprove = (%v, %v); want (false, error)", ok, err)
	}
	if ok, err := c.CanApprove(t.Context(), "U1"); !ok || err != nil {
		t.Errorf("second CanApprove = (%v, %v); want (true, nil) once Slack answers", ok, err)
	}
	if n := len(fake.CallsTo(groupsMethod)); n != 2 {
		t.Errorf("%s called %d times; want 2 (a failure must not be cached)", groupsMethod, n)
	}
}

func TestGroupCache(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ttl    time.Duration
		effTTL time.Duration // the TTL the Checker applies
	}{
		{"explicit TTL", 5 * time.Minute, 5 * time.Minute},
		{"zero TTL means one minute", 0, time.Minute},
		{"negative TTL means one minute", -time.Second, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fake, clk := newChecker(t, access.Policy{ApproverGroups: []string{"SOPS"}, RequesterGroups: []string{"SOPS"}}, tc.ttl)
			fake.SetUserGroup("SOPS", "U1")
			step := func(desc string, check func(context.Context, string) (bool, error), user string, want bool, wantCalls int) {
				t.Helper()
				got, err := check(t.Context(), user)
				if err != nil {
					t.Fatalf("%s: error %v", desc, err)
				}
				if got != want {
					t.Errorf("%s: got %v; want %v", desc, got, want)
				}
				if n := len(fake.CallsTo(groupsMethod)); n != wantCalls {
					t.Errorf("%s: %s called %d times in all; want %d", desc, groupsMethod, n, wantCalls)
				}
			}
			step("first lookup", c.CanApprove, "U1", true, 1)
			step("same user again", c.CanApprove, "U1", true, 1)
			step("another user, same group", c.CanApprove, "U2", false, 1)
			step("CanRequest shares the group cache", c.CanRequest, "U1", true, 1)

			// Membership changes in Slack; the cache hides it until the TTL.
			fake.SetUserGroup("SOPS", "U2")
			clk.Advance(tc.effTTL - time.Nanosecond)
			step("just before the TTL", c.CanApprove, "U1", true, 1)
			clk.Advance(time.Nanosecond)
			step("at the TTL", c.CanApprove, "U1", false, 2)
			step("new membership cached", c.CanApprove, "U2", true, 2)
			clk.Advance(tc.effTTL / 2)
			step("half a TTL after the refresh", c.CanApprove, "U2", true, 2)
			clk.Advance(tc.effTTL)
			step("after the next TTL", c.CanApprove, "U2", true, 3)
		})
	}
}

func TestGroupCacheConcurrent(t *testing.T) {
	c, fake, _ := newChecker(t, access.Policy{ApproverGroups: []string{"SOPS"}}, time.Minute)
	fake.SetUserGroup("SOPS", "U1")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			user := "U1"
			if i%2 == 1 {
				user = "U2"
			}
			ok, err := c.CanApprove(context.Background(), user)
			if err != nil {
				errs <- err
				return
			}
			if ok != (user == "U1") {
				errs <- errors.New("wrong answer for " + user)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Concurrent first lookups may each call Slack, but no more than once
	// per caller.
	if n := len(fake.CallsTo(groupsMethod)); n < 1 || n > 20 {
		t.Errorf("%s called %d times; want 1..20", groupsMethod, n)
	}
	before := len(fake.CallsTo(groupsMethod))
	if ok, err := c.CanApprove(t.Context(), "U1"); !ok || err != nil {
		t.Fatalf("CanApprove(U1) = (%v, %v); want (true, nil)", ok, err)
	}
	if n := len(fake.CallsTo(groupsMethod)); n != before {
		t.Errorf("lookup after the concurrent ones made %d new calls; want 0 (cached)", n-before)
	}
}

func TestCanBreakGlass(t *testing.T) {
	for _, tc := range []struct {
		name  string
		users []string
		user  string
		want  bool
	}{
		{"nobody by default", nil, "U1", false},
		{"nobody by default, empty ID", nil, "", false},
		{"listed", []string{"U1", "U2"}, "U2", true},
		{"not listed", []string{"U1"}, "U3", false},
		{"empty user ID", []string{"U1"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Break-glass is its own list: approvers and requesters do not get it.
			c, fake, _ := newChecker(t, access.Policy{
				BreakGlassUsers: tc.users,
				ApproverUsers:   []string{"U3"},
				RequesterUsers:  []string{"U3"},
			}, 0)
			if got := c.CanBreakGlass(tc.user); got != tc.want {
				t.Errorf("CanBreakGlass(%q) with %q = %v; want %v", tc.user, tc.users, got, tc.want)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("made %d Slack calls; want none", n)
			}
		})
	}
}

func TestApprovers(t *testing.T) {
	c, _, _ := newChecker(t, access.Policy{ApproverUsers: []string{"U1"}, ApproverGroups: []string{"SOPS"}, RequesterUsers: []string{"UREQ"}}, 0)
	users, groups := c.Approvers()
	if !slices.Equal(users, []string{"U1"}) || !slices.Equal(groups, []string{"SOPS"}) {
		t.Errorf("Approvers() = %q, %q; want [U1], [SOPS]", users, groups)
	}
}
