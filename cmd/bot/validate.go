package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// planRoles maps plan ARNs to the roles of PLAN_ROLE_ARNS.
func (c *config) planRoles() map[string]string {
	out := map[string]string{}
	for alias, role := range c.PlanRoleARNs {
		out[c.PlanAliases[alias]] = role
	}
	return out
}

// validate checks what envconfig cannot. Each error names its variable and
// never quotes a secret.
func (c *config) validate() error {
	if !strings.HasPrefix(string(c.SlackBotToken), "xoxb-") {
		return fmt.Errorf("SLACK_BOT_TOKEN: must be a bot token (xoxb-...)")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(string(c.SlackAppToken), "xapp-") {
		return fmt.Errorf("SLACK_APP_TOKEN: must be an app-level token (xapp-...)")
	}
	if c.SlackAppToken == "" && c.SlackSigningSecret == "" {
		return fmt.Errorf("SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") || !(strings.HasPrefix(c.SlackAPIURL, "https://") || strings.HasPrefix(c.SlackAPIURL, "http://")) {
		return fmt.Errorf("SLACK_API_URL: %q must be an http(s) URL ending in /", c.SlackAPIURL)
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return fmt.Errorf("LISTEN_ADDR: %q is not host:port", c.ListenAddr)
	}
	if c.RedisURL != "" {
		rdb, err := redisClient(string(c.RedisURL))
		if err != nil {
			return fmt.Errorf("REDIS_URL: %v", err)
		}
		_ = rdb.Close() // parsed only; newMain connects
	}
	for name, arn := range c.PlanAliases {
		if !slash.ValidPlanName(name) {
			return fmt.Errorf("PLAN_ALIASES: alias %q must be 1-32 letters, digits or inner hyphens", name)
		}
		if !slash.ValidPlanARN(arn) {
			return fmt.Errorf("PLAN_ALIASES: %q for alias %q is not a Region switch plan ARN (arn:aws:arc-region-switch::123456789012:plan/name:abc123)", arn, name)
		}
	}
	for alias, role := range c.PlanRoleARNs {
		if _, ok := c.PlanAliases[alias]; !ok {
			return fmt.Errorf("PLAN_ROLE_ARNS: %q is not an alias in PLAN_ALIASES", alias)
		}
		if !roleARN.MatchString(role) {
			return fmt.Errorf("PLAN_ROLE_ARNS: %q for alias %q is not an IAM role ARN (arn:aws:iam::123456789012:role/name)", role, alias)
		}
	}
	if c.ApprovalsRequired < 1 || c.ApprovalsRequired > 10 {
		return fmt.Errorf("APPROVALS_REQUIRED: %d must be between 1 and 10", c.ApprovalsRequired)
	}
	if c.ApprovalsRequiredUngraceful != 0 && (c.ApprovalsRequiredUngraceful < c.ApprovalsRequired || c.ApprovalsRequiredUngraceful > 10) {
		return fmt.Errorf("APPROVALS_REQUIRED_UNGRACEFUL: %d must be between APPROVALS_REQUIRED (%d) and 10", c.ApprovalsRequiredUngraceful, c.ApprovalsRequired)
	}
	if c.ApprovalTTL < time.Minute || c.ApprovalTTL > 24*time.Hour {
		return fmt.Errorf("APPROVAL_TTL: %s must be between 1m and 24h", c.ApprovalTTL)
	}
	if _, err := newLogger(c, io.Discard); err != nil {
		return err
	}
	return nil
}

// newLogger builds the JSON (or text) slog logger at LOG_LEVEL.
func newLogger(c *config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("LOG_FORMAT: %q is not json or text", c.LogFormat)
}
