package tracker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"
)

// Slack is the part of the Slack Web API the tracker uses; *slack.Client
// satisfies it.
type Slack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

var _ Slack = (*slack.Client)(nil)

// Options configures a Tracker.
type Options struct {
	// Redis holds the tracking state shared by the replicas (required). A
	// single server, Redis Cluster and the embedded store all work.
	Redis redis.UniversalClient
	// ARC reads executions and decides approval steps (required); see
	// NewSDKARC.
	ARC ARC
	// Slack posts and updates messages (required); *slack.Client does.
	Slack Slack
	// Logger receives the tracker's logs. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for elapsed times and MaxAge. Nil means time.Now.
	Now func() time.Time
	// PollInterval is how often an execution is polled and the registry is
	// scanned for executions no replica follows. Zero means 5s.
	PollInterval time.Duration
	// RegionTimeout bounds the calls to one Region's data plane in a poll
	// and ApproveStep; when it passes without an answer, a poll asks the
	// plan's other Region. Zero means 5s.
	RegionTimeout time.Duration
	// LeaseTTL is how long a replica's claim on an execution lasts without
	// renewal; it is renewed on every poll. After a crash, another replica
	// takes over within LeaseTTL. Zero means 30s, or 6 poll intervals if
	// that is longer.
	LeaseTTL time.Duration
	// MaxAge is how long an execution is followed before the tracker gives
	// up on it (it says so in the thread). Zero means 48h.
	MaxAge time.Duration
	// Retention is how long the state of a finished execution is kept in
	// Redis. Zero means 24h.
	Retention time.Duration
	// ReplicaID names this replica in lease tokens and logs. Empty means
	// a random ID.
	ReplicaID string
}

// Registration is an execution to follow: where it runs and where to
// report on it. It comes from the bot's stored request and ARC's answer to
// StartPlanExecution, never from a Slack payload.
type Registration struct {
	ExecutionID string
	PlanARN     string
	// Region is the Region whose data plane started the execution; it is
	// polled there first.
	Region string
	// OtherRegion is the plan's other Region, asked when Region does not
	// answer. Empty: no fallback.
	OtherRegion string
	// Channel and MessageTS locate the result message: its state is kept
	// current and events are posted in its thread.
	Channel   string
	MessageTS string
	// RequestID is the bot's request, for messages and logs.
	RequestID string
	// NotifyChannels also get the final summary.
	NotifyChannels []string
	// Headline is the result message's text (mrkdwn), kept at the top when
	// the message is updated. Empty: a line naming the execution and plan.
	Headline string
}

func (r Registration) validate() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"ExecutionID", r.ExecutionID}, {"PlanARN", r.PlanARN}, {"Region", r.Region},
		{"Channel", r.Channel}, {"MessageTS", r.MessageTS},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("track execution %q: missing %s", r.ExecutionID, strings.Join(missing, ", "))
	}
	for _, ch := range r.NotifyChannels {
		if ch == "" || strings.Contains(ch, ",") {
			return fmt.Errorf("track execution %s: invalid notify channel %q", r.ExecutionID, ch)
		}
	}
	return nil
}

// Tracker follows started plan executions to their end and reports on them
// in Slack. Create it with New; run Run on every replica. It is safe for
// concurrent use.
type Tracker struct {
	opts  Options
	store store
	arc   ARC
	slack Slack
	log   *slog.Logger
	wake  chan struct{}

	mu     sync.Mutex
	active map[string]bool // executions this replica follows
}

// New returns a Tracker. It starts nothing; see Run.
func New(opts Options) *Tracker {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Second
	}
	if opts.RegionTimeout <= 0 {
		opts.RegionTimeout = 5 * time.Second
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = max(30*time.Second, 6*opts.PollInterval)
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 48 * time.Hour
	}
	if opts.Retention <= 0 {
		opts.Retention = 24 * time.Hour
	}
	if opts.ReplicaID == "" {
		opts.ReplicaID = randomID()
	}
	return &Tracker{
		opts: opts, store: store{rdb: opts.Redis}, arc: opts.ARC, slack: opts.Slack,
		log:  opts.Logger.With("component", "tracker", "replica", opts.ReplicaID),
		wake: make(chan struct{}, 1), active: map[string]bool{},
	}
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Track registers an execution to follow. It only writes to Redis; a
// replica's Run picks the execution up (this replica's at once). Tracking
// an execution again is harmless: its progress is kept, and one that has
// finished stays finished. Errors name the execution: a missing field, or
// Redis failing.
func (t *Tracker) Track(ctx context.Context, r Registration) error {
	if err := r.validate(); err != nil {
		return err
	}
	res, err := t.store.register(ctx, r, t.opts.Now())
	if err != nil {
		return err
	}
	t.log.InfoContext(ctx, "tracking execution", "execution_id", r.ExecutionID, "request_id", r.RequestID, "region", r.Region, "registration", res)
	select {
	case t.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run follows registered executions until ctx ends: every poll interval it
// takes the lease of each registered execution that no replica holds and
// follows it in its own goroutine. It returns once every follower has
// stopped and released its lease, so that another replica can take over at
// once. Call it once per Tracker.
func (t *Tracker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(t.opts.PollInterval)
	defer tick.Stop()
	for {
		t.claim(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-t.wake:
		}
	}
}

// claim starts following every registered execution whose lease it gets.
func (t *Tracker) claim(ctx context.Context, wg *sync.WaitGroup) {
	ids, err := t.store.registered(ctx)
	if err != nil {
		if ctx.Err() == nil {
			t.log.WarnContext(ctx, "scanning tracked executions", "err", err)
		}
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if !t.setActive(id) {
			continue
		}
		token := t.opts.ReplicaID + ":" + randomID()
		ok, err := t.store.acquire(ctx, id, token, t.opts.LeaseTTL)
		if err != nil || !ok {
			if err != nil {
				t.log.WarnContext(ctx, "taking a lease", "execution_id", id, "err", err)
			}
			t.setInactive(id)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer t.setInactive(id)
			t.follow(ctx, id, token)
		}()
	}
}

// setActive marks id as followed here; false if it already is.
func (t *Tracker) setActive(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active[id] {
		return false
	}
	t.active[id] = true
	return true
}

func (t *Tracker) setInactive(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.active, id)
}

// detached returns a context for work that must finish even when ctx ends
// (a Slack post and the record of it), bounded by timeout.
func detached(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// isLeaseLost reports whether err says another replica took over.
func isLeaseLost(err error) bool { return errors.Is(err, errLeaseLost) }
