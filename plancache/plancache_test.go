package plancache_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeclock"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
	"github.com/regionswitch-bot/regionswitch-bot/plancache"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const (
	checkoutARN = "arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3"
	paymentsARN = "arn:aws:arc-region-switch::123456789012:plan/payments:d4e5f6"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newCache(t *testing.T) (*plancache.Cache, *fakeclock.Clock, redis.UniversalClient) {
	t.Helper()
	rdb := redistest.Start(t).Client(t)
	clk := fakeclock.New(t0)
	return plancache.New(rdb, plancache.Options{Now: clk.Now}), clk, rdb
}

func checkout(version string, updated time.Time) session.Plan {
	return session.Plan{
		ARN: checkoutARN, Name: "checkout-prod", Owner: "123456789012", Version: version,
		Regions: []string{"us-east-1", "us-west-2"}, UpdatedAt: updated,
		// Not cached: what a Region says now.
		ActiveExecution: "exec-1", AnsweredBy: "us-west-2",
	}
}

func TestPutGet(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCache(t)
	if err := c.Put(ctx, checkout("v7", t0.Add(-time.Hour))); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, ok, err := c.Get(ctx, checkoutARN)
	if err != nil || !ok {
		t.Fatalf("Get = _, %v, %v; want a hit", ok, err)
	}
	want := session.Plan{
		ARN: checkoutARN, Name: "checkout-prod", Owner: "123456789012", Version: "v7",
		Regions: []string{"us-east-1", "us-west-2"}, UpdatedAt: t0.Add(-time.Hour), CachedAt: t0,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %+v\nwant %+v", got, want)
	}
	if _, ok, err := c.Get(ctx, paymentsARN); ok || err != nil {
		t.Errorf("Get(uncached) = _, %v, %v; want a miss without error", ok, err)
	}
}

func TestFindByName(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCache(t)
	for _, p := range []session.Plan{
		checkout("v7", t0),
		{ARN: paymentsARN, Name: "payments", Regions: []string{"eu-west-1", "eu-central-1"}},
		{ARN: "arn:aws:arc-region-switch::123456789012:plan/Edge:aaaaaa", Name: "Edge", Regions: []string{"us-east-1", "us-west-2"}},
		{ARN: "arn:aws:arc-region-switch::123456789012:plan/EDGE:bbbbbb", Name: "EDGE", Regions: []string{"us-east-1", "us-west-2"}},
	} {
		if err := c.Put(ctx, p); err != nil {
			t.Fatalf("Put(%s): %v", p.Name, err)
		}
	}
	for _, tc := range []struct {
		name, find, wantARN string
	}{
		{"exact", "checkout-prod", checkoutARN},
		{"case-insensitive unique", "Checkout-PROD", checkoutARN},
		{"exact among case variants", "EDGE", "arn:aws:arc-region-switch::123456789012:plan/EDGE:bbbbbb"},
		{"ambiguous case variants", "edge", ""},
		{"unknown", "checkout-prd", ""},
		{"empty", "", ""},
		{"hostile", "*\r\n{plancache}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok, err := c.FindByName(ctx, tc.find)
			if err != nil {
				t.Fatalf("FindByName(%q): %v", tc.find, err)
			}
			if got := p.ARN; ok != (tc.wantARN != "") || got != tc.wantARN {
				t.Errorf("FindByName(%q) = %q, %v; want %q", tc.find, got, ok, tc.wantARN)
			}
		})
	}
}

func TestRenameDropsTheOldName(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCache(t)
	p := checkout("v7", t0)
	if err := c.Put(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Name, p.Version, p.UpdatedAt = "checkout", "v8", t0.Add(time.Minute)
	if err := c.Put(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := c.FindByName(ctx, "checkout-prod"); ok || err != nil {
		t.Errorf("FindByName(old name) = %+v, %v, %v; want a miss", got, ok, err)
	}
	if got, ok, err := c.FindByName(ctx, "checkout"); !ok || err != nil || got.Version != "v8" {
		t.Errorf("FindByName(new name) = %+v, %v, %v; want version v8", got, ok, err)
	}
}

func TestOlderDataNeverOverwritesNewer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		second       session.Plan
		wantVersion  string
		wantCachedAt time.Time
	}{
		{"older", checkout("v6", t0.Add(-time.Hour)), "v7", t0},
		{"same", checkout("v7", t0), "v7", t0.Add(time.Minute)},
		{"newer", checkout("v8", t0.Add(time.Hour)), "v8", t0.Add(time.Minute)},
		{"unknown updated-at", checkout("v9", time.Time{}), "v9", t0.Add(time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, clk, _ := newCache(t)
			if err := c.Put(ctx, checkout("v7", t0)); err != nil {
				t.Fatal(err)
			}
			clk.Set(t0.Add(time.Minute))
			if err := c.Put(ctx, tc.second); err != nil {
				t.Fatal(err)
			}
			got, _, err := c.Get(ctx, checkoutARN)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tc.wantVersion || !got.CachedAt.Equal(tc.wantCachedAt) {
				t.Errorf("got version %s cached at %v, want %s at %v", got.Version, got.CachedAt, tc.wantVersion, tc.wantCachedAt)
			}
		})
	}
}

func TestAll(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCache(t)
	if got, err := c.All(ctx); err != nil || len(got) != 0 {
		t.Errorf("All(empty) = %v, %v; want nothing", got, err)
	}
	for _, p := range []session.Plan{checkout("v7", t0), {ARN: paymentsARN, Name: "payments"}} {
		if err := c.Put(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.All(ctx)
	if err != nil {
		t.Fatalf("All: %v", err)
	}
	var arns []string
	for _, p := range got {
		arns = append(arns, p.ARN)
	}
	sort.Strings(arns)
	if want := []string{checkoutARN, paymentsARN}; !reflect.DeepEqual(arns, want) {
		t.Errorf("All = %v, want %v", arns, want)
	}
}

func TestKeys(t *testing.T) {
	ctx := context.Background()
	c, _, rdb := newCache(t)
	if err := c.Put(ctx, checkout("v7", t0)); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	want := []string{"rsbot:{plancache}:arns", "rsbot:{plancache}:names", "rsbot:{plancache}:plan:" + checkoutARN}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if ttl := rdb.TTL(ctx, want[2]).Val(); ttl != -1 {
		t.Errorf("TTL of the plan hash = %v, want none (-1)", ttl)
	}
}

func TestBadInputAndRedisDown(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1}) // fail fast once down
	t.Cleanup(func() { _ = rdb.Close() })
	c := plancache.New(rdb, plancache.Options{})
	for _, tc := range []struct {
		name string
		p    session.Plan
	}{
		{"no ARN", session.Plan{Name: "x"}},
		{"comma in a Region", session.Plan{ARN: checkoutARN, Regions: []string{"us-east-1,us-west-2"}}},
	} {
		if err := c.Put(ctx, tc.p); err == nil {
			t.Errorf("Put(%s) succeeded, want an error", tc.name)
		}
	}
	srv.Stop(t)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Put(ctx, checkout("v7", t0)); err == nil {
		t.Error("Put with Redis down succeeded, want an error")
	}
	if _, ok, err := c.Get(ctx, checkoutARN); err == nil || ok {
		t.Errorf("Get with Redis down = %v, %v; want an error", ok, err)
	}
	if _, ok, err := c.FindByName(ctx, "checkout-prod"); err == nil || ok {
		t.Errorf("FindByName with Redis down = %v, %v; want an error", ok, err)
	}
	if _, err := c.All(ctx); err == nil {
		t.Error("All with Redis down succeeded, want an error")
	}
}

func TestRedisCluster(t *testing.T) {
	ctx := context.Background()
	c := plancache.New(redistest.StartCluster(t, 3).Client(t), plancache.Options{Now: func() time.Time { return t0 }})
	for _, p := range []session.Plan{checkout("v7", t0), {ARN: paymentsARN, Name: "payments"}} {
		if err := c.Put(ctx, p); err != nil {
			t.Fatalf("Put(%s) on a cluster: %v", p.Name, err)
		}
	}
	if p, ok, err := c.FindByName(ctx, "checkout-prod"); !ok || err != nil || p.ARN != checkoutARN {
		t.Errorf("FindByName on a cluster = %+v, %v, %v; want %s", p, ok, err, checkoutARN)
	}
	if all, err := c.All(ctx); err != nil || len(all) != 2 {
		t.Errorf("All on a cluster = %d plans, %v; want 2", len(all), err)
	}
}
