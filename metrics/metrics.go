// Package metrics holds the bot's Prometheus metrics and the small hooks
// that feed them: Slack requests and ack latency, approval decisions,
// execution outcomes, ARC call latency by operation and Region, and Redis
// errors. A nil *Metrics is valid and records nothing.
package metrics

import (
	"context"
	"errors"
	"net"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Metrics are the bot's collectors, registered on one registry.
type Metrics struct {
	slackRequests *prometheus.CounterVec
	ack           *prometheus.HistogramVec
	approvals     *prometheus.CounterVec
	executions    *prometheus.CounterVec
	arcCalls      *prometheus.HistogramVec
	redisErrors   *prometheus.CounterVec
}

// New creates the collectors and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		slackRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regionswitch_slack_requests_total",
			Help: "Slack requests by kind (command, interaction) and outcome (ok, unauthorized, bad_request, too_large).",
		}, []string{"kind", "outcome"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "regionswitch_slack_ack_seconds",
			Help:    "Time from receiving a Slack request to acknowledging it.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"kind"}),
		approvals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regionswitch_approval_decisions_total",
			Help: "Approve and reject clicks by decision (approved, recorded, rejected, self_approval, duplicate, not_pending, expired, not_found, unauthorized, store_error).",
		}, []string{"decision"}),
		executions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regionswitch_executions_total",
			Help: "Approved requests by outcome (started, failed, dry_run, refused_on_recheck).",
		}, []string{"outcome"}),
		arcCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "regionswitch_arc_call_seconds",
			Help:    "ARC Region switch API calls by operation, Region and outcome (ok, error), SDK retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 13),
		}, []string{"operation", "region", "outcome"}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regionswitch_redis_errors_total",
			Help: "Redis commands and connections that failed, by kind (command, pipeline, dial).",
		}, []string{"kind"}),
	}
	reg.MustRegister(m.slackRequests, m.ack, m.approvals, m.executions, m.arcCalls, m.redisErrors)
	// Export every Slack series from the start, so rates and alerts work
	// before the first request.
	for _, kind := range []string{"command", "interaction"} {
		for _, outcome := range []string{"ok", "unauthorized", "bad_request", "too_large"} {
			m.slackRequests.WithLabelValues(kind, outcome)
		}
		m.ack.WithLabelValues(kind)
	}
	for _, k := range []string{"command", "pipeline", "dial"} {
		m.redisErrors.WithLabelValues(k)
	}
	return m
}

// SlackRequest records one Slack request and the time to its ack.
func (m *Metrics) SlackRequest(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.slackRequests.WithLabelValues(kind, outcome).Inc()
	m.ack.WithLabelValues(kind).Observe(d.Seconds())
}

// Decision records the outcome of an approve or reject click.
func (m *Metrics) Decision(decision string) {
	if m == nil {
		return
	}
	m.approvals.WithLabelValues(decision).Inc()
}

// Execution records what became of an approved request.
func (m *Metrics) Execution(outcome string) {
	if m == nil {
		return
	}
	m.executions.WithLabelValues(outcome).Inc()
}

// ARCCall records one ARC API call.
func (m *Metrics) ARCCall(operation, region string, d time.Duration, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.arcCalls.WithLabelValues(operation, region, outcome).Observe(d.Seconds())
}

// RedisHook returns a go-redis hook that counts failed commands, pipelines
// and dials (redis.Nil, a missing key, is not a failure).
func (m *Metrics) RedisHook() redis.Hook { return redisHook{m} }

type redisHook struct{ m *Metrics }

func (h redisHook) count(kind string, err error) {
	if err != nil && !errors.Is(err, redis.Nil) && h.m != nil {
		h.m.redisErrors.WithLabelValues(kind).Inc()
	}
}

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		h.count("dial", err)
		return c, err
	}
}

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count("command", err)
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.count("pipeline", err)
		return err
	}
}

// ARCOption is an ARC Region switch client option that times every call
// of that client (by operation, and the client's Region).
func (m *Metrics) ARCOption(o *arcregionswitch.Options) {
	region := o.Region
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("regionswitchMetrics",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				m.ARCCall(awsmiddleware.GetOperationName(ctx), region, time.Since(start), err)
				return out, md, err
			}), middleware.After)
	})
}
