package slash

import (
	"strings"
	"testing"
)

func TestValidRegionCode(t *testing.T) {
	valid := []string{"us-west-2", "us-east-1", "eu-central-1", "us-gov-west-1", "us-gov-east-1", "cn-north-1",
		"cn-northwest-1", "ap-southeast-5", "il-central-1", "mx-central-1", "ca-west-1", "us-iso-east-1",
		"us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1", "ap-northeast-3", "xx-east-12"}
	for _, r := range valid {
		if !ValidRegionCode(r) {
			t.Errorf("ValidRegionCode(%q): got false, want true", r)
		}
	}
	for _, r := range knownRegions {
		if !ValidRegionCode(r) {
			t.Errorf("known Region %q: ValidRegionCode got false, want true", r)
		}
	}
	invalid := []string{"", "us-west2", "uswest-2", "US-WEST-2", "us-west-0", "us-west-123", "us-wset-2", "us-west-2.",
		" us-west-2", "us-west-2 ", "us_west_2", "u-west-2", "useast-east-1", "us-west", "west-2", "us--west-2",
		"us-west-02", "us-a-b-c-east-1", "ｕｓ-west-2", "us-west-2\n", "global", "aws-global", "local"}
	for _, r := range invalid {
		if ValidRegionCode(r) {
			t.Errorf("ValidRegionCode(%q): got true, want false", r)
		}
	}
}

func TestValidPlanARN(t *testing.T) {
	name32 := strings.Repeat("n", 32)
	valid := []string{
		arnCheckout,
		"arn:aws:arc-region-switch::000000000000:plan/a:AbC123",
		"arn:aws-cn:arc-region-switch::123456789012:plan/cn-plan:abc123",
		"arn:aws-us-gov:arc-region-switch::123456789012:plan/gov:abc123",
		"arn:aws-iso:arc-region-switch::123456789012:plan/iso:abc123",
		"arn:aws-iso-b:arc-region-switch::123456789012:plan/isob:abc123",
		"arn:aws-eusc:arc-region-switch::123456789012:plan/eusc:abc123",
		"arn:aws:arc-region-switch::123456789012:plan/" + name32 + ":abc123",
		"arn:aws:arc-region-switch::123456789012:plan/a--b:abc123",
	}
	for _, s := range valid {
		if !ValidPlanARN(s) {
			t.Errorf("ValidPlanARN(%q): got false, want true", s)
		}
	}
	invalid := []string{
		"",
		"checkout",
		"arn:aws:arc-region-switch::123456789012:plan/checkout",
		"arn:aws:arc-region-switch::123456789012:plan/checkout:abc12",
		"arn:aws:arc-region-switch::123456789012:plan/checkout:abc1234",
		"arn:aws:arc-region-switch::123456789012:plan/checkout:abc-12",
		"arn:aws:arc-region-switch::12345678901:plan/checkout:abc123",
		"arn:aws:arc-region-switch::1234567890123:plan/checkout:abc123",
		"arn:aws:arc-region-switch:us-east-1:123456789012:plan/checkout:abc123",
		"arn:aws:route53-recovery-control::123456789012:plan/checkout:abc123",
		"arn:gcp:arc-region-switch::123456789012:plan/checkout:abc123",
		"arn:aws-:arc-region-switch::123456789012:plan/checkout:abc123",
		"arn:AWS:arc-region-switch::123456789012:plan/checkout:abc123",
		"ARN:aws:arc-region-switch::123456789012:plan/checkout:abc123",
		"arn:aws:arc-region-switch::123456789012:plan/-checkout:abc123",
		"arn:aws:arc-region-switch::123456789012:plan/checkout-:abc123",
		"arn:aws:arc-region-switch::123456789012:plan/check_out:abc123",
		"arn:aws:arc-region-switch::123456789012:plan/" + name32 + "n:abc123",
		"arn:aws:arc-region-switch::123456789012:plan/:abc123",
		"arn:aws:arc-region-switch::123456789012:execution/checkout:abc123",
		" " + arnCheckout,
		arnCheckout + "\n",
	}
	for _, s := range invalid {
		if ValidPlanARN(s) {
			t.Errorf("ValidPlanARN(%q): got true, want false", s)
		}
	}
}

func TestValidPlanName(t *testing.T) {
	valid := []string{"a", "A", "1", "checkout", "checkout-prod", "a-b-c", "a--b", strings.Repeat("x", 32), "Plan2"}
	for _, s := range valid {
		if !ValidPlanName(s) {
			t.Errorf("ValidPlanName(%q): got false, want true", s)
		}
	}
	invalid := []string{"", "-", "-a", "a-", strings.Repeat("x", 33), "a_b", "a.b", "a b", "é", "a/b", "a:b", "🔥"}
	for _, s := range invalid {
		if ValidPlanName(s) {
			t.Errorf("ValidPlanName(%q): got true, want false", s)
		}
	}
}

func TestValidExecutionID(t *testing.T) {
	valid := []string{"a", "exec-1", "A_b.c:d/e-f", strings.Repeat("z", 128)}
	for _, s := range valid {
		if !validExecutionID(s) {
			t.Errorf("validExecutionID(%q): got false, want true", s)
		}
	}
	invalid := []string{"", strings.Repeat("z", 129), "a b", "a!", "é", "a\n", "<x>"}
	for _, s := range invalid {
		if validExecutionID(s) {
			t.Errorf("validExecutionID(%q): got true, want false", s)
		}
	}
}
