package session

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// maxRoleSessionName is STS's limit on RoleSessionName.
const maxRoleSessionName = 64

// RoleSessionName is the role session name under which a plan's role
// (Options.PlanRoles) is assumed for approver, so that CloudTrail shows who
// approved: "regionswitch-" and the approver's Slack user ID, every character
// outside STS's [\w+=,.@-] replaced by '-', cut to 64 characters. Calls
// without an approver (the read-only ones) use "regionswitch-bot".
func RoleSessionName(approver string) string {
	if approver == "" {
		approver = "bot"
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			return r
		}
		return '-'
	}, "regionswitch-"+approver)
	if len(name) > maxRoleSessionName {
		name = name[:maxRoleSessionName] // ASCII only by now
	}
	return name
}

// roleCredentials returns cached credentials of role, assumed in the session
// RoleSessionName(approver) through the STS endpoint of region, the Region
// the client calls: STS then depends on no Region but that one (not on the
// global endpoint in us-east-1), and each Region's clients renew their
// credentials in their own Region. The cache renews them before they expire.
func (s *Session) roleCredentials(region, role, approver string) aws.CredentialsProvider {
	client := sts.NewFromConfig(s.cfg, func(o *sts.Options) {
		o.Region = region
		for _, fn := range s.opts.STSOptions {
			fn(o)
		}
	})
	p := stscreds.NewAssumeRoleProvider(client, role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = RoleSessionName(approver)
	})
	return aws.NewCredentialsCache(markCredentialErrors{p})
}

// CredentialsError says that the credentials for a call could not be had
// (for a plan's role: AssumeRole failed), so the call was never sent to ARC.
type CredentialsError struct {
	Err error
}

func (e *CredentialsError) Error() string { return "credentials: " + e.Err.Error() }
func (e *CredentialsError) Unwrap() error { return e.Err }

// markCredentialErrors wraps a provider's errors in *CredentialsError, so
// that StartWithFailover can tell that a failed call sent nothing.
type markCredentialErrors struct {
	p aws.CredentialsProvider
}

func (m markCredentialErrors) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := m.p.Retrieve(ctx)
	if err != nil {
		return c, &CredentialsError{Err: err}
	}
	return c, nil
}
