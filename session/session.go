// Package session owns the AWS side of the bot: SDK configuration, the
// Region-aware ARC Region switch clients, optional per-plan assume-role
// credentials, plan resolution through the regional data plane (with a Redis
// cache of plan metadata for when no Region answers), read-only calls that
// move to the plan's other Region when one does not answer, and the
// StartPlanExecution call, which is never sent twice blindly.
//
// ARC Region switch has two planes. The control plane (GetPlan, ListPlans,
// CreatePlan, ...) lives in us-east-1 only; the data plane is regional. This
// package only ever calls data-plane operations, and it calls them in a
// Region chosen for the request (for activate, the Region being activated),
// so that a failover never depends on the Region being evacuated or on
// us-east-1.
//
// # Failover of read-only calls
//
// The methods whose names say so (GetPlanAnywhere, FindPlanByNameAnywhere,
// ListKnownPlans, GetExecution, ListExecutionEvents, EvaluationStatus) give
// each Region Options.AttemptTimeout to answer, the SDK's own retries
// included, and then ask the next Region: the plan's other Region as the
// plan cache knows it, then the default Region. A Region that refuses the
// connection, drops it, answers 5xx or throttles is passed over the same way.
// The single-Region methods (GetPlan, FindPlanByName, ListPlans,
// FindExecution) ask only the Region they are given; the plan lookups among
// them feed the cache too.
//
// # Credentials
//
// Calls use the SDK configuration's credentials, except for plans listed in
// Options.PlanRoles: calls about such a plan assume its role through the STS
// endpoint of the Region being called, in a role session named after the
// approver (RoleSessionName).
package session

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Options configures a Session.
type Options struct {
	// DefaultRegion is the Region of the SDK's default chain (AWS_REGION).
	// It is asked about plans when no better Region is known.
	DefaultRegion string
	// CallTimeout bounds each read-only ARC call of the single-Region
	// methods (GetPlan, ListPlans, FindPlanByName, FindExecution, ...).
	// Zero means 10s.
	CallTimeout time.Duration
	// AttemptTimeout bounds one Region's attempt at a read-only call of the
	// failover methods, the SDK's retries included; then the call moves to
	// the next Region. Zero means 3s.
	AttemptTimeout time.Duration
	// StartTimeout bounds one StartPlanExecution call. Zero means 30s.
	StartTimeout time.Duration
	// Cache keeps plan metadata so that plans resolve while no Region
	// answers. Nil means no cache.
	Cache PlanCache
	// PlanRoles maps plan ARNs to IAM role ARNs. Calls about such a plan
	// use credentials of that role (see RoleSessionName); other calls use
	// the SDK configuration's credentials.
	PlanRoles map[string]string
	// ARCOptions are applied to every ARC Region switch client, after the
	// Region is set (custom endpoints, HTTP clients, tests).
	ARCOptions []func(*arcregionswitch.Options)
	// STSOptions are applied to every STS client used to assume a plan's
	// role, after the Region is set.
	STSOptions []func(*sts.Options)
	// Now is the clock for the age of cached plans. Nil means time.Now.
	Now func() time.Time
	// Logger receives the session's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Session hands out ARC Region switch clients per Region (and per assumed
// role and approver), all built from the same SDK configuration, so that the
// standard endpoint overrides (AWS_ENDPOINT_URL_ARC_REGION_SWITCH,
// AWS_ENDPOINT_URL) and credentials apply to each of them. It is safe for
// concurrent use.
type Session struct {
	cfg  aws.Config
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	clients map[clientKey]*arcregionswitch.Client
}

// clientKey names one client: the Region it calls and, for a plan with a
// role, the role and the approver the role session is named after.
type clientKey struct {
	region, role, approver string
}

// New returns a Session over cfg, typically from config.LoadDefaultConfig.
func New(cfg aws.Config, opts Options) *Session {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = 3 * time.Second
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = cfg.Region
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Session{cfg: cfg, opts: opts, log: log.With("component", "session"), clients: map[clientKey]*arcregionswitch.Client{}}
}

// DefaultRegion is the Region of the SDK's default chain, or "".
func (s *Session) DefaultRegion() string { return s.opts.DefaultRegion }

// client returns the data-plane client for region with the SDK
// configuration's credentials, creating it once.
func (s *Session) client(region string) *arcregionswitch.Client {
	return s.clientFor(region, "", "")
}

// planClient returns the data-plane client for calls about planARN in
// region: with the plan's role (PlanRoles) assumed in a session named after
// approver, or with the configuration's credentials for a plan without one.
func (s *Session) planClient(region, planARN, approver string) *arcregionswitch.Client {
	role := s.opts.PlanRoles[planARN]
	if role == "" {
		approver = ""
	}
	return s.clientFor(region, role, approver)
}

// PlanClient is planClient for other packages (the tracker): the client for
// calls about planARN in region, with the plan's role when it has one.
func (s *Session) PlanClient(region, planARN, approver string) *arcregionswitch.Client {
	return s.planClient(region, planARN, approver)
}

func (s *Session) clientFor(region, role, approver string) *arcregionswitch.Client {
	key := clientKey{region: region, role: role, approver: approver}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok {
		return c
	}
	c := arcregionswitch.NewFromConfig(s.cfg, func(o *arcregionswitch.Options) {
		o.Region = region
		if role != "" {
			o.Credentials = s.roleCredentials(region, role, approver)
		}
		for _, fn := range s.opts.ARCOptions {
			fn(o)
		}
	})
	s.clients[key] = c
	return c
}

// withTimeout bounds one read-only call.
func (s *Session) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.CallTimeout)
}
