package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/access"
	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/bot"
	"github.com/regionswitch-bot/regionswitch-bot/metrics"
	"github.com/regionswitch-bot/regionswitch-bot/plancache"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
	"github.com/regionswitch-bot/regionswitch-bot/web"
)

// mainDeps lets tests replace what the environment would provide.
type mainDeps struct {
	// Now is the clock for approval expiry. Nil: time.Now.
	Now func() time.Time
	// SweepInterval overrides the expiry sweeper's period, and
	// ReconcileInterval the reconciler's.
	SweepInterval, ReconcileInterval time.Duration
	// ShutdownGrace bounds the shutdown (default 20s, within Kubernetes'
	// default 30s termination grace period).
	ShutdownGrace time.Duration
	// PollInterval is how often executions are polled (default 5s).
	PollInterval time.Duration
}

// Main is the running bot: every component, built from the configuration.
// Tests build it on 127.0.0.1:0 and drive it over HTTP.
type Main struct {
	cfg     *config
	log     *slog.Logger
	rdb     redis.UniversalClient
	mini    *miniredis.Miniredis
	bot     *bot.Bot
	srv     *http.Server
	ln      net.Listener
	socket  *socketMode
	tracker *tracker.Tracker
	grace   time.Duration
}

// newMain builds the bot. Nothing is served until Run.
func newMain(ctx context.Context, cfg *config, log *slog.Logger, deps mainDeps) (*Main, error) {
	m := &Main{cfg: cfg, log: log, grace: deps.ShutdownGrace}
	if m.grace <= 0 {
		m.grace = 20 * time.Second
	}
	if cfg.RedisURL == "" {
		mini, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		m.mini = mini
		m.rdb = redis.NewClient(&redis.Options{Addr: mini.Addr()})
		log.Warn("REDIS_URL is empty: using an embedded in-process store. It serves ONE replica only and forgets every request on restart; set REDIS_URL in production")
	} else {
		rdb, err := redisClient(string(cfg.RedisURL))
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %v", err)
		}
		m.rdb = rdb
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	met := metrics.New(reg)
	m.rdb.AddHook(met.RedisHook())

	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		log.Warn("AWS_REGION is not set: deactivate requests will ask the Region being deactivated about the plan")
	}

	api := slack.New(string(cfg.SlackBotToken),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
		slack.OptionAppLevelToken(string(cfg.SlackAppToken)),
	)
	checker := access.NewChecker(access.Policy{
		RequesterUsers: cfg.RequesterUserIDs, RequesterGroups: cfg.RequesterGroupIDs,
		ApproverUsers: cfg.ApproverUserIDs, ApproverGroups: cfg.ApproverGroupIDs,
		Channels: cfg.AllowedChannelIDs, BreakGlassUsers: cfg.BreakGlassUserIDs,
	}, api, time.Minute, nil)
	store := approvals.NewStore(m.rdb, approvals.Options{TTL: cfg.ApprovalTTL, Now: deps.Now, Logger: log})
	sess := session.New(awsCfg, session.Options{
		Logger:     log,
		Cache:      plancache.New(m.rdb, plancache.Options{Now: deps.Now}),
		PlanRoles:  cfg.planRoles(),
		ARCOptions: []func(*arcregionswitch.Options){met.ARCOption},
		Now:        deps.Now,
	})
	m.tracker = tracker.New(tracker.Options{
		Redis: m.rdb, ARC: tracker.NewSDKARC(sess.PlanClient), Slack: api, Logger: log,
		Now: deps.Now, PollInterval: deps.PollInterval,
	})
	m.bot = bot.New(bot.Config{
		Aliases:                     cfg.PlanAliases,
		ApprovalsRequired:           cfg.ApprovalsRequired,
		ApprovalsRequiredUngraceful: cfg.ApprovalsRequiredUngraceful,
		NotifyChannels:              cfg.NotifyChannelIDs,
		DryRun:                      cfg.DryRun,
		SweepInterval:               deps.SweepInterval,
		ReconcileInterval:           deps.ReconcileInterval,
		Now:                         deps.Now,
	}, bot.Deps{Slack: api, ARC: sess, Store: store, Access: checker, Tracker: m.tracker, Metrics: met, Logger: log})

	handler := web.Handler(m.bot, web.Options{
		SigningSecret: string(cfg.SlackSigningSecret),
		Ready:         store.Ping,
		Metrics:       promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Observe:       met.SlackRequest,
		Logger:        log,
	})
	if cfg.SlackAppToken != "" {
		m.socket = newSocketMode(api, m.bot, log)
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	m.ln = ln
	m.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	return m, nil
}

// Addr is the address the HTTP listener is bound to.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Run serves until ctx ends, then shuts down: it stops accepting, lets the
// acks in flight finish, and gives background work (executions among it) a
// bounded grace period.
func (m *Main) Run(ctx context.Context) error {
	m.log.Info("regionswitch-bot serving", "addr", m.Addr(), "socket_mode", m.socket != nil, "embedded_store", m.mini != nil)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() {
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	socketDone := make(chan struct{})
	if m.socket != nil {
		go func() {
			defer close(socketDone)
			if err := m.socket.run(ctx); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("socket mode: %w", err)
			}
		}()
	} else {
		close(socketDone)
	}
	var loops sync.WaitGroup
	loops.Go(func() { m.bot.RunSweeper(ctx) })
	loops.Go(func() { m.bot.RunReconciler(ctx) })
	loops.Go(func() { m.tracker.Run(ctx) })
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	m.log.Info("shutting down", "grace", m.grace.String())
	cancel()
	shutdownCtx, stop := context.WithTimeout(context.Background(), m.grace)
	defer stop()
	if err := m.srv.Shutdown(shutdownCtx); err != nil {
		m.log.Error("http shutdown", "err", err)
	}
	// Envelopes already taken from Socket Mode are handled before the
	// background work is waited for.
	select {
	case <-socketDone:
	case <-shutdownCtx.Done():
	}
	if err := m.bot.Close(shutdownCtx); err != nil {
		m.log.Error("background work", "err", err)
	}
	loops.Wait()
	m.log.Info("stopped")
	return runErr
}

// Close releases the store connections.
func (m *Main) Close() {
	if m.rdb != nil {
		_ = m.rdb.Close()
	}
	if m.mini != nil {
		m.mini.Close()
	}
}
