package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// setEnv clears every variable the bot reads, then sets env.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "LISTEN_ADDR", "REDIS_URL",
		"PLAN_ALIASES", "APPROVER_USER_IDS", "APPROVER_GROUP_IDS", "REQUESTER_USER_IDS", "REQUESTER_GROUP_IDS", "ALLOWED_CHANNEL_IDS",
		"BREAK_GLASS_USER_IDS", "NOTIFY_CHANNEL_IDS", "APPROVALS_REQUIRED", "APPROVALS_REQUIRED_UNGRACEFUL", "APPROVAL_TTL", "DRY_RUN",
		"LOG_LEVEL", "LOG_FORMAT"} {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func validEnv() map[string]string {
	return map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-super-secret-token", "SLACK_SIGNING_SECRET": "signing-secret-value"}
}

func TestConfigDefaults(t *testing.T) {
	setEnv(t, validEnv())
	c, err := loadConfig()
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if c.ListenAddr != ":8080" || c.SlackAPIURL != "https://slack.com/api/" || c.ApprovalsRequired != 1 || c.ApprovalTTL != 30*time.Minute || c.RedisURL != "" || c.DryRun {
		t.Errorf("defaults = %+v", c)
	}
}

func TestConfigParsesLists(t *testing.T) {
	env := validEnv()
	env["PLAN_ALIASES"] = " checkout = arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3 ,pay=arn:aws:arc-region-switch::123456789012:plan/payments:zz99yy"
	env["APPROVER_GROUP_IDS"] = "S0614TZR7, S0614TZR8,"
	env["NOTIFY_CHANNEL_IDS"] = "C01,C02"
	env["APPROVALS_REQUIRED"] = "2"
	env["APPROVALS_REQUIRED_UNGRACEFUL"] = "3"
	setEnv(t, env)
	c, err := loadConfig()
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if got := c.PlanAliases["checkout"]; got != "arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3" {
		t.Errorf("alias checkout = %q", got)
	}
	if len(c.PlanAliases) != 2 || len(c.ApproverGroupIDs) != 2 || c.ApproverGroupIDs[1] != "S0614TZR8" || len(c.NotifyChannelIDs) != 2 {
		t.Errorf("lists = %v %v %v", c.PlanAliases, c.ApproverGroupIDs, c.NotifyChannelIDs)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"missing bot token", "SLACK_BOT_TOKEN", "", "SLACK_BOT_TOKEN"},
		{"user token", "SLACK_BOT_TOKEN", "xoxp-123-secret", "SLACK_BOT_TOKEN"},
		{"missing signing secret", "SLACK_SIGNING_SECRET", "", "SLACK_SIGNING_SECRET"},
		{"bad app token", "SLACK_APP_TOKEN", "xoxb-wrong-kind-secret", "SLACK_APP_TOKEN"},
		{"approvals zero", "APPROVALS_REQUIRED", "0", "APPROVALS_REQUIRED"},
		{"approvals not a number", "APPROVALS_REQUIRED", "two", "APPROVALS_REQUIRED"},
		{"ungraceful below graceful", "APPROVALS_REQUIRED_UNGRACEFUL", "-1", "APPROVALS_REQUIRED_UNGRACEFUL"},
		{"ttl not a duration", "APPROVAL_TTL", "thirty", "APPROVAL_TTL"},
		{"ttl too short", "APPROVAL_TTL", "10s", "APPROVAL_TTL"},
		{"alias without =", "PLAN_ALIASES", "checkout", "PLAN_ALIASES"},
		{"alias with bad ARN", "PLAN_ALIASES", "checkout=arn:aws:s3:::bucket", "PLAN_ALIASES"},
		{"bad user id", "APPROVER_USER_IDS", "alice", "APPROVER_USER_IDS"},
		{"bad channel id", "ALLOWED_CHANNEL_IDS", "#incident", "ALLOWED_CHANNEL_IDS"},
		{"bad redis scheme", "REDIS_URL", "http://user:hunter2-secret@redis:6379", "REDIS_URL"},
		{"bad redis url", "REDIS_URL", "redis://user:hunter2-secret@redis:6379/notadb", "REDIS_URL"},
		{"bad listen addr", "LISTEN_ADDR", "8080", "LISTEN_ADDR"},
		{"bad api url", "SLACK_API_URL", "slack.com/api", "SLACK_API_URL"},
		{"bad log level", "LOG_LEVEL", "loud", "LOG_LEVEL"},
		{"bad bool", "DRY_RUN", "maybe", "DRY_RUN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			env[tc.key] = tc.value
			setEnv(t, env)
			_, err := loadConfig()
			if err == nil {
				t.Fatalf("loadConfig succeeded, want an error naming %s", tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name %s", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line", msg)
			}
			for _, secret := range []string{"super-secret-token", "signing-secret-value", "hunter2-secret", "xoxp-123-secret", "xoxb-wrong-kind-secret"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q leaks a secret", msg)
				}
			}
		})
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	s := secret("xoxb-abc")
	for _, got := range []string{s.String(), s.GoString()} {
		if strings.Contains(got, "xoxb") {
			t.Errorf("secret printed as %q", got)
		}
	}
}

func TestRedisURLForms(t *testing.T) {
	for _, tc := range []struct {
		url  string
		kind string
	}{
		{"redis://localhost:6379/0", "*redis.Client"},
		{"rediss://user:pw@localhost:6380/1", "*redis.Client"},
		{"redis+sentinel://localhost:26379?master_name=mymaster&addr=localhost:26380", "*redis.Client"},
		{"redis+cluster://localhost:7000?addr=localhost:7001&addr=localhost:7002", "*redis.ClusterClient"},
	} {
		c, err := redisClient(tc.url)
		if err != nil {
			t.Errorf("redisClient(%s): %v", tc.url, err)
			continue
		}
		if got := fmt.Sprintf("%T", c); got != tc.kind {
			t.Errorf("redisClient(%s) = %s, want %s", tc.url, got, tc.kind)
		}
		_ = c.Close()
	}
}
