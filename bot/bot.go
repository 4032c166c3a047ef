// Package bot runs the flow of a Region switch request: a parsed command
// becomes a stored request and an approval message; a second person's click
// is decided atomically in the approvals store; the one winning click starts
// the plan execution through the session package and reports the result.
//
// Bot is transport-agnostic: the HTTP handlers (package web) and Socket Mode
// hand it verified commands and interactions. It answers at once and does
// everything that waits on AWS or the Slack API in the background, under its
// own bounded context, never the request's.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/metrics"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/slash"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

// Slack is the part of the Slack Web API the bot uses; *slack.Client
// satisfies it.
type Slack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	UpdateViewContext(ctx context.Context, view slack.ModalViewRequest, externalID, hash, viewID string) (*slack.ViewResponse, error)
}

// ARC is the part of the AWS side the bot uses; *session.Session satisfies it.
type ARC interface {
	QueryRegion(action, target string) string
	DefaultRegion() string
	GetPlanAnywhere(ctx context.Context, arn, preferRegion string) (session.Plan, error)
	FindPlanByNameAnywhere(ctx context.Context, name, preferRegion string) (session.Plan, error)
	ListKnownPlans(ctx context.Context) ([]session.Plan, error)
	EvaluationStatus(ctx context.Context, planARN, region string) (session.RegionEvaluation, error)
	GetExecution(ctx context.Context, planARN, execID, region, fallbackRegion string) (session.Execution, error)
	Control(ctx context.Context, op, region, planARN, executionID, approver, comment string) error
	ActiveExecution(ctx context.Context, region, planARN string) (string, error)
	StartWithFailover(ctx context.Context, in session.StartInput, requestMarker string) (session.StartResult, error)
	FindExecution(ctx context.Context, region, planARN, marker string) (*session.Execution, error)
}

// Access decides who may do what; *access.Checker satisfies it.
type Access interface {
	ChannelAllowed(channel string) bool
	CanRequest(ctx context.Context, user string) (bool, error)
	CanApprove(ctx context.Context, user string) (bool, error)
	CanBreakGlass(user string) bool
	// Approvers lists who may approve (user IDs, user group IDs), for the
	// break-glass notice.
	Approvers() (users, groups []string)
}

// Store is the approvals state in Redis; *approvals.Store satisfies it.
type Store interface {
	Create(ctx context.Context, r *approvals.Request) error
	SetMessage(ctx context.Context, id, channelID, ts string) error
	Get(ctx context.Context, id string) (*approvals.Request, error)
	Approve(ctx context.Context, id, approverID string) (approvals.Decision, error)
	Reject(ctx context.Context, id, userID, reason string) (approvals.Decision, error)
	Expire(ctx context.Context, id string) (approvals.Decision, error)
	MarkExecuting(ctx context.Context, id string) (bool, error)
	MarkExecuted(ctx context.Context, id string, res approvals.Result) error
	MarkFailed(ctx context.Context, id, code, message string) error
	Due(ctx context.Context) ([]string, error)
	Open(ctx context.Context) ([]*approvals.Request, error)
	InState(ctx context.Context, st approvals.Status) ([]*approvals.Request, error)
	Audit(ctx context.Context, plan string, limit int) ([]approvals.AuditEntry, error)
	Lease(ctx context.Context, name string, ttl time.Duration) (func(context.Context), bool, error)
}

// Tracker follows started executions to their end; *tracker.Tracker
// satisfies it. Nil: executions are not followed.
type Tracker interface {
	Track(ctx context.Context, reg tracker.Registration) error
	ApproveStep(ctx context.Context, executionID, stepName, approverUserID string, approve bool) error
	Lookup(ctx context.Context, executionID string) (tracker.Registration, error)
}

// Config is the bot's behaviour, from the environment (see cmd/bot).
type Config struct {
	// Aliases map short plan names to plan ARNs.
	Aliases map[string]string
	// ApprovalsRequired is the number of distinct approvers (default 1);
	// ApprovalsRequiredUngraceful applies to ungraceful mode (0: the same).
	ApprovalsRequired, ApprovalsRequiredUngraceful int
	// NotifyChannels also get every request, decision and result.
	NotifyChannels []string
	// DryRun makes every request a dry run.
	DryRun bool
	// WorkTimeout bounds one piece of background work (default 2m).
	WorkTimeout time.Duration
	// SweepInterval is how often expired requests are closed (default 15s).
	SweepInterval time.Duration
	// ReconcileInterval is how often requests left behind by a stopped
	// process are resolved (default 1m); ReconcileGrace is how long a
	// request may stay approved or executing before it counts as left
	// behind (default 2m: longer than any StartPlanExecution call).
	ReconcileInterval, ReconcileGrace time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Deps are the bot's collaborators, built by cmd/bot.
type Deps struct {
	Slack  Slack
	ARC    ARC
	Store  Store
	Access Access
	// Tracker follows executions after the start (optional).
	Tracker Tracker
	// Metrics records decisions and executions (nil: none).
	Metrics *metrics.Metrics
	// Webhook posts to a Slack response_url. Nil: slack.PostWebhookContext.
	Webhook func(ctx context.Context, url string, msg *slack.WebhookMessage) error
	Logger  *slog.Logger
}

// Bot runs requests from command to result. Create it with New; call Close
// to wait for background work.
type Bot struct {
	cfg    Config
	slack  Slack
	arc    ARC
	store  Store
	access Access
	track  Tracker
	met    *metrics.Metrics
	hook   func(ctx context.Context, url string, msg *slack.WebhookMessage) error
	log    *slog.Logger
	parser slash.Parser

	// base is the parent of all background work: cancelled only by Close
	// after its grace period, never by a request ending.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	requests, decisions chan job
}

// Worker pools (see background).
const (
	requestWorkers  = 4    // plan lookups, new requests, lists
	decisionWorkers = 8    // approve, reject, ARC steps
	queueDepth      = 4096 // per class; beyond it, a goroutine waits for room
)

// New returns a Bot with its background workers running; Close stops
// them. The periodic jobs start with RunSweeper and RunReconciler.
func New(cfg Config, deps Deps) *Bot {
	if cfg.ApprovalsRequired <= 0 {
		cfg.ApprovalsRequired = 1
	}
	if cfg.ApprovalsRequiredUngraceful <= 0 {
		cfg.ApprovalsRequiredUngraceful = cfg.ApprovalsRequired
	}
	if cfg.WorkTimeout <= 0 {
		cfg.WorkTimeout = 2 * time.Minute
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 15 * time.Second
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = time.Minute
	}
	if cfg.ReconcileGrace <= 0 {
		cfg.ReconcileGrace = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	hook := deps.Webhook
	if hook == nil {
		hook = slack.PostWebhookContext
	}
	base, cancel := context.WithCancel(context.Background())
	b := &Bot{
		cfg: cfg, slack: deps.Slack, arc: deps.ARC, store: deps.Store, access: deps.Access, track: deps.Tracker, met: deps.Metrics,
		hook: hook, log: log.With("component", "bot"), parser: slash.Parser{Aliases: cfg.Aliases},
		base: base, cancel: cancel,
		requests: make(chan job, queueDepth), decisions: make(chan job, queueDepth),
	}
	for range requestWorkers {
		go b.worker(b.requests)
	}
	for range decisionWorkers {
		go b.worker(b.decisions)
	}
	return b
}

// job is one piece of background work.
type job struct {
	name string
	log  *slog.Logger
	fn   func(ctx context.Context)
}

// background queues fn to run with its own bounded context, detached from
// the request that triggered it, and tracked so that Close can wait for it.
//
// A fixed pool of workers per class runs the queue, so that a burst of
// commands waits in a queue (a few hundred bytes each) instead of running a
// thousand AWS and Slack calls at once on two cores, and the acks stay
// fast. Decisions (approve, reject, ARC steps) have workers of their own: a
// click never waits behind new requests.
func (b *Bot) background(name string, log *slog.Logger, fn func(ctx context.Context)) {
	b.enqueue(b.requests, name, log, fn)
}

// decide queues a decision (approve, reject, ARC step) on the decision
// workers; see background.
func (b *Bot) decide(name string, log *slog.Logger, fn func(ctx context.Context)) {
	b.enqueue(b.decisions, name, log, fn)
}

func (b *Bot) enqueue(queue chan job, name string, log *slog.Logger, fn func(ctx context.Context)) {
	b.wg.Add(1)
	j := job{name: name, log: log, fn: fn}
	select {
	case queue <- j:
	default:
		// The queue is full: wait for room without holding up the ack.
		go func() { queue <- j }()
	}
}

// worker runs jobs from queue until the bot is closed, then runs what is
// left (with the closed context, so it ends at once) so that Close returns.
func (b *Bot) worker(queue chan job) {
	for {
		select {
		case j := <-queue:
			b.run(j)
		case <-b.base.Done():
			for {
				select {
				case j := <-queue:
					b.run(j)
				default:
					return
				}
			}
		}
	}
}

func (b *Bot) run(j job) {
	defer b.wg.Done()
	ctx, cancel := context.WithTimeout(b.base, b.cfg.WorkTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			j.log.Error("background work panicked", "work", j.name, "panic", fmt.Sprint(p))
		}
	}()
	j.fn(ctx)
}

// Close waits for background work to finish, up to ctx's deadline; then it
// cancels what is left. A request cut off while executing stays in the
// executing state, where it is visible and is never started again.
func (b *Bot) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		b.cancel()
		return nil
	case <-ctx.Done():
		b.cancel()
		<-done
		return fmt.Errorf("background work cut short: %w", ctx.Err())
	}
}

// RunSweeper closes expired requests and updates their messages every
// SweepInterval until ctx ends. Every replica may run it: the expiry itself
// is atomic, and only the replica whose call expired a request announces
// it.
func (b *Bot) RunSweeper(ctx context.Context) {
	t := time.NewTicker(b.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Sweep(ctx)
		}
	}
}

// Sweep expires every pending request past its expiry once.
func (b *Bot) Sweep(ctx context.Context) {
	ids, err := b.store.Due(ctx)
	if err != nil {
		b.log.Warn("expiry sweep: listing due requests", "err", err)
		return
	}
	for _, id := range ids {
		d, err := b.store.Expire(ctx, id)
		if err != nil {
			b.log.Warn("expiry sweep", "request_id", id, "err", err)
			continue
		}
		if d.Outcome == approvals.OutcomeExpired && d.Changed && d.Request != nil {
			b.refreshApproval(ctx, d.Request)
			b.notify(ctx, d.Request, fmt.Sprintf(":hourglass: Request `%s` expired without approval; nothing was executed.", id))
		}
	}
}
