// Package session owns the AWS side of the bot: SDK configuration, the
// Region-aware ARC Region switch clients, plan resolution through the
// regional data plane, and the single-attempt StartPlanExecution call.
//
// ARC Region switch has two planes. The control plane (GetPlan, ListPlans,
// CreatePlan, ...) lives in us-east-1 only; the data plane is regional. This
// package only ever calls data-plane operations, and it calls them in a
// Region chosen for the request (for activate, the Region being activated),
// so that a failover never depends on the Region being evacuated or on
// us-east-1.
package session

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
)

// Options configures a Session.
type Options struct {
	// DefaultRegion is the Region of the SDK's default chain (AWS_REGION).
	// It is asked about plans when no better Region is known.
	DefaultRegion string
	// CallTimeout bounds each read-only ARC call. Zero means 10s.
	CallTimeout time.Duration
	// StartTimeout bounds the StartPlanExecution call. Zero means 30s.
	StartTimeout time.Duration
	// Logger receives the session's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Session hands out one ARC Region switch client per Region, all built from
// the same SDK configuration, so that the standard endpoint overrides
// (AWS_ENDPOINT_URL_ARC_REGION_SWITCH, AWS_ENDPOINT_URL) and credentials
// apply to each of them. It is safe for concurrent use.
type Session struct {
	cfg  aws.Config
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	clients map[string]*arcregionswitch.Client
}

// New returns a Session over cfg, typically from config.LoadDefaultConfig.
func New(cfg aws.Config, opts Options) *Session {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = cfg.Region
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Session{cfg: cfg, opts: opts, log: log.With("component", "session"), clients: map[string]*arcregionswitch.Client{}}
}

// DefaultRegion is the Region of the SDK's default chain, or "".
func (s *Session) DefaultRegion() string { return s.opts.DefaultRegion }

// client returns the data-plane client for region, creating it once.
func (s *Session) client(region string) *arcregionswitch.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[region]; ok {
		return c
	}
	c := arcregionswitch.NewFromConfig(s.cfg, func(o *arcregionswitch.Options) {
		o.Region = region
	})
	s.clients[region] = c
	return c
}

// withTimeout bounds one read-only call.
func (s *Session) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.CallTimeout)
}
