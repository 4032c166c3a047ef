package metrics_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/metrics"
)

func TestRecords(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.SlackRequest("command", "ok", 3*time.Millisecond)
	m.SlackRequest("interaction", "unauthorized", time.Millisecond)
	m.Decision("approved")
	m.Decision("self_approval")
	m.Execution("started")
	m.ARCCall("StartPlanExecution", "us-west-2", 20*time.Millisecond, nil)
	m.ARCCall("GetPlanInRegion", "us-east-1", time.Second, errors.New("timeout"))

	want := `
# HELP regionswitch_approval_decisions_total Approve and reject clicks by decision (approved, recorded, rejected, self_approval, duplicate, not_pending, expired, not_found, unauthorized, store_error).
# TYPE regionswitch_approval_decisions_total counter
regionswitch_approval_decisions_total{decision="approved"} 1
regionswitch_approval_decisions_total{decision="self_approval"} 1
# HELP regionswitch_executions_total Approved requests by outcome (started, failed, dry_run, refused_on_recheck).
# TYPE regionswitch_executions_total counter
regionswitch_executions_total{outcome="started"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "regionswitch_approval_decisions_total", "regionswitch_executions_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(reg, "regionswitch_arc_call_seconds"); got != 2 {
		t.Errorf("ARC call series = %d, want 2 (one per operation, Region and outcome)", got)
	}
	// Every Slack series exists from the start (2 kinds x 4 outcomes).
	if got := testutil.CollectAndCount(reg, "regionswitch_slack_requests_total"); got != 8 {
		t.Errorf("Slack request series = %d, want 8", got)
	}
}

func TestNilRecordsNothing(t *testing.T) {
	var m *metrics.Metrics
	m.SlackRequest("command", "ok", time.Millisecond)
	m.Decision("approved")
	m.Execution("started")
	m.ARCCall("X", "us-west-2", 0, nil)
}

func TestRedisHookCountsFailures(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	// A port nobody listens on: every dial fails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	rdb.AddHook(m.RedisHook())
	if err := rdb.Ping(context.Background()).Err(); err == nil {
		t.Fatal("PING to a closed port succeeded")
	}
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "regionswitch_redis_errors_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	// go-redis dials up to five times for one command.
	if got["command"] != 1 || got["dial"] < 1 || got["pipeline"] != 0 {
		t.Errorf("Redis errors = %v, want 1 command, at least 1 dial, 0 pipeline", got)
	}
}
