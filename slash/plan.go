package slash

import (
	"regexp"
	"sort"
	"strings"
)

var (
	planName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)
	planARN  = regexp.MustCompile(`^arn:aws(?:-[a-z0-9]+)*:arc-region-switch::[0-9]{12}:plan/([A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?):[A-Za-z0-9]{6}$`)
)

// exampleARN shows the form of a plan ARN in messages.
const exampleARN = "arn:aws:arc-region-switch::123456789012:plan/name:abc123"

// ValidPlanName reports whether s is a Region switch plan name: 1-32
// letters, digits and hyphens, not starting or ending with a hyphen.
func ValidPlanName(s string) bool { return planName.MatchString(s) }

// ValidPlanARN reports whether s is a Region switch plan ARN:
// arn:<partition>:arc-region-switch::<12-digit account>:plan/<name>:<suffix>,
// where the partition is aws or aws-<something> (aws-cn, aws-us-gov,
// aws-iso-b, ...), the Region field is empty, the name satisfies
// ValidPlanName and the suffix is 6 letters or digits.
func ValidPlanARN(s string) bool { return len(s) <= 128 && planARN.MatchString(s) }

// PlanNameOf returns the name part of a plan ARN, or "" if arn is not one.
func PlanNameOf(arn string) string {
	if len(arn) > 128 {
		return ""
	}
	if m := planARN.FindStringSubmatch(arn); m != nil {
		return m[1]
	}
	return ""
}

// slackID is the shape of Slack user, user group and channel IDs.
var slackID = regexp.MustCompile(`^[A-Z][A-Z0-9]{2,20}$`)

// ValidSlackID reports whether s looks like a Slack ID: a user (U…, W…),
// user group (S…) or channel (C…, G…, D…).
func ValidSlackID(s string) bool { return slackID.MatchString(s) }

// alias looks tok up in the aliases: an exact match first, then a match
// ignoring case, which must be unique.
func (p Parser) alias(cmd, tok string) (arn string, found bool, err *UsageError) {
	if tok == "" {
		return "", false, nil
	}
	if arn, ok := p.Aliases[tok]; ok {
		return arn, true, nil
	}
	var matches []string
	for name := range p.Aliases {
		if strings.EqualFold(name, tok) {
			matches = append(matches, name)
		}
	}
	switch len(matches) {
	case 0:
		return "", false, nil
	case 1:
		return p.Aliases[matches[0]], true, nil
	}
	sort.Strings(matches)
	return "", false, usageError(cmd, quoteTok(tok)+" matches more than one plan alias ("+strings.Join(matches, ", ")+")", "type the alias exactly")
}

// aliasNames returns the alias names, sorted.
func (p Parser) aliasNames() []string {
	names := make([]string, 0, len(p.Aliases))
	for name := range p.Aliases {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// resolvePlan turns a plan token into a PlanRef: a valid plan ARN, else an
// alias, else a valid plan name.
func (p Parser) resolvePlan(cmd string, t token) (PlanRef, *UsageError) {
	raw := t.text
	if ValidPlanARN(raw) {
		return PlanRef{Raw: raw, Kind: PlanByARN, ARN: raw, Name: PlanNameOf(raw)}, nil
	}
	arn, found, err := p.alias(cmd, raw)
	if err != nil {
		return PlanRef{}, err
	}
	if found {
		return PlanRef{Raw: raw, Kind: PlanByAlias, ARN: arn, Name: PlanNameOf(arn)}, nil
	}
	if ValidPlanName(raw) {
		return PlanRef{Raw: raw, Kind: PlanByName, Name: raw}, nil
	}
	if len(raw) >= 4 && strings.EqualFold(raw[:4], "arn:") {
		return PlanRef{}, usageError(cmd, quoteTok(raw)+" is not a valid plan ARN", "a plan ARN looks like "+exampleARN)
	}
	return PlanRef{}, usageError(cmd, quoteTok(raw)+" is not a plan ARN, alias or plan name", didYouMean(Suggest(raw, p.aliasNames())))
}
