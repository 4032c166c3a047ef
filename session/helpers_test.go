package session_test

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
	"github.com/regionswitch-bot/regionswitch-bot/plancache"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const (
	east = "us-east-1"
	west = "us-west-2"
	// attempt is the per-Region timeout of the failover tests: short, to
	// bound a Region that holds its calls.
	attempt = 400 * time.Millisecond
	// slack is what a test allows beyond the time the session may wait.
	slack = 3 * time.Second
)

var checkoutPlan = fakearc.Plan{ARN: planARN, Name: "checkout-prod", Version: "v7", Regions: []string{east, west}}

// routes sends each Region's ARC calls to its own base URL, as real
// Regions have their own endpoints; Regions not listed go to fallback.
type routes struct {
	byRegion map[string]string
	fallback string
}

func (r routes) ResolveEndpoint(_ context.Context, p arcregionswitch.EndpointParameters) (smithyendpoints.Endpoint, error) {
	raw, ok := r.byRegion[aws.ToString(p.Region)]
	if !ok {
		raw = r.fallback
	}
	u, err := url.Parse(raw)
	if err != nil {
		return smithyendpoints.Endpoint{}, err
	}
	return smithyendpoints.Endpoint{URI: *u}, nil
}

// setup describes a session under test.
type setup struct {
	defaultRegion string
	// byRegion overrides the endpoint of some Regions; the others go to
	// the fake.
	byRegion map[string]string
	// httpClient, if set, carries every SDK request (ARC and STS).
	httpClient aws.HTTPClient
	opts       session.Options
}

// start returns a session whose real SDK clients talk to fake (or to the
// endpoints of su.byRegion), with static credentials AKIDTEST.
func (su setup) start(t *testing.T, fake *fakearc.Server) *session.Session {
	t.Helper()
	cfg := aws.Config{
		Region:      su.defaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:  su.httpClient,
	}
	opts := su.opts
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = attempt
	}
	r := routes{byRegion: su.byRegion, fallback: fake.URL()}
	opts.ARCOptions = append(opts.ARCOptions, func(o *arcregionswitch.Options) { o.EndpointResolverV2 = r })
	return session.New(cfg, opts)
}

// newFake returns a fake ARC endpoint that knows the checkout-prod plan.
func newFake(t *testing.T) *fakearc.Server {
	t.Helper()
	fake := fakearc.New(t)
	fake.AddPlan(checkoutPlan)
	return fake
}

// refusing returns a URL on which nothing listens: connections are refused.
func refusing(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// newCache returns a plan cache over a fresh redis-server, on clk.
func newCache(t *testing.T, clk *fakeclock.Clock) *plancache.Cache {
	t.Helper()
	return plancache.New(redistest.Start(t).Client(t), plancache.Options{Now: clk.Now})
}

// controlPlaneCalls returns the operations of fake's calls that went to
// the control plane.
func controlPlaneCalls(fake *fakearc.Server) []string {
	var ops []string
	for _, c := range fake.Calls() {
		switch c.Operation {
		case "GetPlan", "ListPlans", "CreatePlan", "UpdatePlan", "DeletePlan":
			ops = append(ops, c.Operation)
		}
	}
	return ops
}

// regionsCalled returns the Regions of fake's calls of op, in order.
func regionsCalled(fake *fakearc.Server, op string) []string {
	var out []string
	for _, c := range fake.CallsTo(op) {
		out = append(out, c.Region)
	}
	return out
}
