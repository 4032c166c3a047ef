package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

// config is the bot's whole configuration, read once from the environment by
// loadConfig. Field tags name the variables documented in README.md; the
// deploy test reads these tags to check the Kubernetes manifests against them.
type config struct {
	SlackBotToken      secret `envconfig:"SLACK_BOT_TOKEN" required:"true"`
	SlackSigningSecret secret `envconfig:"SLACK_SIGNING_SECRET"`
	SlackAppToken      secret `envconfig:"SLACK_APP_TOKEN"`
	SlackAPIURL        string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/"`
	ListenAddr         string `envconfig:"LISTEN_ADDR" default:":8080"`
	RedisURL           secret `envconfig:"REDIS_URL"`

	PlanAliases       aliases  `envconfig:"PLAN_ALIASES"`
	PlanRoleARNs      aliases  `envconfig:"PLAN_ROLE_ARNS"`
	ApproverUserIDs   slackIDs `envconfig:"APPROVER_USER_IDS"`
	ApproverGroupIDs  slackIDs `envconfig:"APPROVER_GROUP_IDS"`
	RequesterUserIDs  slackIDs `envconfig:"REQUESTER_USER_IDS"`
	RequesterGroupIDs slackIDs `envconfig:"REQUESTER_GROUP_IDS"`
	AllowedChannelIDs slackIDs `envconfig:"ALLOWED_CHANNEL_IDS"`
	BreakGlassUserIDs slackIDs `envconfig:"BREAK_GLASS_USER_IDS"`
	NotifyChannelIDs  slackIDs `envconfig:"NOTIFY_CHANNEL_IDS"`
	ApprovalsRequired int      `envconfig:"APPROVALS_REQUIRED" default:"1"`
	// ApprovalsRequiredUngraceful of 0 means "same as APPROVALS_REQUIRED".
	ApprovalsRequiredUngraceful int           `envconfig:"APPROVALS_REQUIRED_UNGRACEFUL"`
	ApprovalTTL                 time.Duration `envconfig:"APPROVAL_TTL" default:"30m"`
	DryRun                      bool          `envconfig:"DRY_RUN" default:"false"`
	LogLevel                    string        `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat                   string        `envconfig:"LOG_FORMAT" default:"json"`
}

// secret is a string that never prints: fmt, slog and error strings see
// "[redacted]". Use string(s) only where the value is handed to a client.
type secret string

func (s secret) String() string   { return redacted(string(s)) }
func (s secret) GoString() string { return redacted(string(s)) }

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// slackIDs is a comma-separated list of Slack IDs (users U…/W…, groups S…,
// channels C…/G…/D…). Blank entries are dropped.
type slackIDs []string

// Decode implements envconfig.Decoder.
func (ids *slackIDs) Decode(v string) error {
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slash.ValidSlackID(f) {
			return fmt.Errorf("%q is not a Slack ID (like U024BE7LH, S0614TZR7 or C0123ABCD)", f)
		}
		out = append(out, f)
	}
	*ids = out
	return nil
}

// aliases maps short plan names to plan ARNs: "name=arn,name2=arn2".
type aliases map[string]string

// Decode implements envconfig.Decoder. ARNs are checked in validate, where
// the plan ARN grammar lives.
func (a *aliases) Decode(v string) error {
	out := aliases{}
	for _, pair := range strings.Split(v, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, arn, ok := strings.Cut(pair, "=")
		name, arn = strings.TrimSpace(name), strings.TrimSpace(arn)
		if !ok || name == "" || arn == "" {
			return fmt.Errorf("entry %q is not name=planArn", pair)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("alias %q is defined twice", name)
		}
		out[name] = arn
	}
	*a = out
	return nil
}

// loadConfig reads and validates the configuration. Its error is one line
// naming the offending variable, and never contains a secret's value.
func loadConfig() (*config, error) {
	var c config
	unsetEmptyDefaults(&c)
	if err := envconfig.Process("", &c); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %v", pe.KeyName, pe.Err)
		}
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// unsetEmptyDefaults treats a variable that is set but empty (as a
// Kubernetes ConfigMap entry with no value is) like an unset one: its
// default applies, and a required one is reported missing. envconfig alone
// would try to parse "".
func unsetEmptyDefaults(c *config) {
	t := reflect.TypeOf(c).Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("envconfig")
		if name == "" {
			continue
		}
		if v, ok := os.LookupEnv(name); ok && v == "" {
			_ = os.Unsetenv(name)
		}
	}
}
