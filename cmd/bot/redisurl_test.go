package main

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

// redisDeployment is a Redis deployment the bot reaches through a
// REDIS_URL form other than redis://.
type redisDeployment struct {
	// url is the REDIS_URL for the bot.
	url string
	// keys lists every key the deployment holds, on every master.
	keys func(t *testing.T) []string
}

// The README's REDIS_URL forms for Redis Cluster and Sentinel, each through
// the whole flow: command, approval message, approval by a second person,
// exactly one StartPlanExecution, the result message, then the tracker's
// thread reply and end-of-execution message. Every script the bot runs
// (approvals, plan lock, plan cache, tracker, job leases) runs on the
// deployment; on the cluster, a script that touched keys in two slots would
// fail with CROSSSLOT.
func TestRedisURLDeploymentsEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) redisDeployment
	}{
		{"cluster", func(t *testing.T) redisDeployment {
			c := redistest.StartCluster(t, 3)
			addrs := c.Addrs()
			return redisDeployment{
				url: "redis+cluster://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2],
				keys: func(t *testing.T) []string {
					return clusterKeys(t, c.Client(t))
				},
			}
		}},
		{"sentinel", func(t *testing.T) redisDeployment {
			s := redistest.StartSentinel(t)
			return redisDeployment{
				url: "redis+sentinel://" + s.Addr() + "?master_name=" + s.MasterName(),
				keys: func(t *testing.T) []string {
					keys, err := s.Master().Client(t).Keys(context.Background(), "*").Result()
					if err != nil {
						t.Fatalf("KEYS on the master: %v", err)
					}
					return keys
				},
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.start(t)
			// The override wins over the harness's own redis-server, which
			// the bot then never uses (checked below).
			h := newHarness(t, map[string]string{"REDIS_URL": d.url})

			if ack := h.command("UREQ1", testChannel, "execute checkout activate us-west-2"); !strings.Contains(ack, "Checking plan") {
				t.Errorf("ack = %q, want it to say the plan is being checked", ack)
			}
			ts, id := h.approvalMessage(testChannel)
			h.told("UREQ1", id)
			h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
			result := h.posted(testChannel, "Started")
			h.updated(testChannel, ts, "Approved by <@UAPPROVER>")

			exec := h.arc.Executions()
			if len(exec) != 1 {
				t.Fatalf("executions = %d, want 1", len(exec))
			}
			execID := exec[0].ID
			if !strings.Contains(result, execID) {
				t.Errorf("result %q lacks the execution ID %q", result, execID)
			}
			resultTS := ""
			for _, m := range h.slack.Messages(testChannel) {
				if strings.Contains(m.Text, "Started") && strings.Contains(m.Text, execID) && m.ThreadTS == "" && !strings.Contains(string(m.Blocks), "rs_approve") {
					resultTS = m.TS
				}
			}
			if resultTS == "" {
				t.Fatal("no result message in the channel")
			}

			// The tracker follows the execution to its end.
			h.arc.AddExecutionEvent(execID, fakearc.Event{Type: "stepStarted", StepName: "scale-up-asg", Description: "Scaling us-west-2"})
			h.threadReply(resultTS, "scale-up-asg")
			h.arc.SetExecutionState(execID, "completed")
			h.posted(testChannel, "ended", "Completed", execID)

			if got := len(h.arc.CallsTo("StartPlanExecution")); got != 1 {
				t.Errorf("StartPlanExecution calls = %d, want 1", got)
			}

			// The state lives in the deployment, not in the harness's server.
			keys := d.keys(t)
			for _, want := range []string{"rsbot:{" + id + "}:req", "rsbot:{" + id + "}:approvers", "rsbot:track:{" + execID + "}"} {
				if !slices.Contains(keys, want) {
					t.Errorf("key %s not in the deployment; got keys %q", want, keys)
				}
			}
			if n, err := h.redis.Client(t).DBSize(context.Background()).Result(); err != nil || n != 0 {
				t.Errorf("harness's own redis-server DBSIZE = %d, %v; want 0, nil (the bot must use REDIS_URL)", n, err)
			}
			for _, bad := range []string{"CROSSSLOT", "level=ERROR"} {
				for line := range strings.Lines(h.logs.String()) {
					if strings.Contains(line, bad) {
						t.Errorf("bot log line with %s: %s", bad, strings.TrimSpace(line))
					}
				}
			}
		})
	}
}

// clusterKeys lists the keys of every master of a cluster.
func clusterKeys(t *testing.T, c *redis.ClusterClient) []string {
	t.Helper()
	var mu sync.Mutex
	var all []string
	err := c.ForEachMaster(context.Background(), func(ctx context.Context, m *redis.Client) error {
		keys, err := m.Keys(ctx, "*").Result()
		mu.Lock()
		defer mu.Unlock()
		all = append(all, keys...)
		return err
	})
	if err != nil {
		t.Fatalf("KEYS on the masters: %v", err)
	}
	return all
}

// redisURLChildEnv marks the re-executed test binary that runs main() for
// TestRedissVerifiesTheCertificate.
const redisURLChildEnv = "RSBOT_REDISURL_CHILD"

// TestRedisURLChild is not a test of its own: it is the bot process that
// TestRedissVerifiesTheCertificate starts by re-executing the test binary.
func TestRedisURLChild(t *testing.T) {
	if os.Getenv(redisURLChildEnv) != "1" {
		t.Skip("helper process for TestRedissVerifiesTheCertificate")
	}
	main()
}

// REDIS_URL=rediss://: the bot talks TLS to Redis and verifies the server's
// certificate against the system roots, which SSL_CERT_FILE sets. Go reads
// SSL_CERT_FILE once per process, so each case is a bot process of its own.
// The server has no plain-text port: /readyz 200 means a PING went over a
// verified TLS connection.
func TestRedissVerifiesTheCertificate(t *testing.T) {
	srv := redistest.StartTLS(t)
	h := newHarness(t, nil) // the fakes and the environment for processEnv
	h.stop()
	for _, tc := range []struct {
		name       string
		certFile   string
		wantStatus int
		wantLog    []string // in the "not ready" log line
	}{
		{"CA trusted through SSL_CERT_FILE", srv.CAFile(), http.StatusOK, nil},
		{"certificate not trusted", "", http.StatusServiceUnavailable, []string{"tls: failed to verify certificate", "certificate signed by unknown authority"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := processEnv(h, redisURLChildEnv+"=1", "REDIS_URL="+srv.URL(), "SSL_CERT_FILE="+tc.certFile)
			p := startProcess(t, os.Args[0], []string{"-test.run=^TestRedisURLChild$", "-test.count=1"}, env)
			if got := readyzUntil(t, p, tc.wantStatus); got != tc.wantStatus {
				t.Fatalf("/readyz = %d, want %d; stderr:\n%s", got, tc.wantStatus, p.stderr.String())
			}
			if tc.wantLog != nil {
				line := p.stderr.wait(t, `"msg":"not ready"`, waitFor)
				for _, want := range tc.wantLog {
					if !strings.Contains(line, want) {
						t.Errorf("not-ready log line %q lacks %q", line, want)
					}
				}
			} else if strings.Contains(p.stderr.String(), `"msg":"not ready"`) {
				t.Errorf("a \"not ready\" log line although the CA is trusted:\n%s", p.stderr.String())
			}
			for _, secret := range []string{srv.URL(), "rediss://"} {
				if strings.Contains(p.stderr.String(), secret) {
					t.Errorf("the logs print the Redis URL (%q):\n%s", secret, p.stderr.String())
				}
			}
		})
	}
}

// readyzUntil waits for the bot process to serve, then polls its /readyz
// until it answers want or waitFor passes, and returns the last status (0
// if it never answered).
func readyzUntil(t *testing.T, p *process, want int) int {
	t.Helper()
	return pollReadyz("http://"+p.servingAddr(t), want, 20*time.Millisecond, p.exited)
}
