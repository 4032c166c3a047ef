package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

const roleARN = "arn:aws:iam::123456789012:role/regionswitch-checkout"

// assumeRole is one AssumeRole call the fake STS received.
type assumeRole struct {
	Region, RoleARN, SessionName, AccessKey string
}

// fakeSTS is an STS endpoint speaking the AWS Query protocol: a form POST
// with Action=AssumeRole, answered with XML. Calls signed for a Region in
// failRegions are answered 503. Each session name gets its own access key,
// "ASIA" and the session name's approver part.
type fakeSTS struct {
	srv         *httptest.Server
	failRegions map[string]bool

	mu    sync.Mutex
	calls []assumeRole
}

func newFakeSTS(t *testing.T, failRegions ...string) *fakeSTS {
	t.Helper()
	f := &fakeSTS{failRegions: map[string]bool{}}
	for _, r := range failRegions {
		f.failRegions[r] = true
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSTS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("Action") != "AssumeRole" {
		http.Error(w, "want a form POST with Action=AssumeRole", http.StatusBadRequest)
		return
	}
	c := assumeRole{
		Region:      scope(r.Header.Get("Authorization"))[1],
		RoleARN:     r.PostForm.Get("RoleArn"),
		SessionName: r.PostForm.Get("RoleSessionName"),
		AccessKey:   scope(r.Header.Get("Authorization"))[0],
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if f.failRegions[c.Region] {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>STS is down</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
		return
	}
	key := "ASIA" + strings.ToUpper(strings.TrimPrefix(c.SessionName, "regionswitch-"))
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
		`<AssumedRoleUser><Arn>%s/%s</Arn><AssumedRoleId>AROATEST:%s</AssumedRoleId></AssumedRoleUser>`+
		`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>token</SessionToken>`+
		`<Expiration>%s</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		c.RoleARN, c.SessionName, c.SessionName, key, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
}

func (f *fakeSTS) Calls() []assumeRole {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]assumeRole(nil), f.calls...)
}

// scope returns the access key and Region of a SigV4 Authorization header
// (Credential=AKID/date/region/service/aws4_request).
func scope(auth string) [2]string {
	_, rest, _ := strings.Cut(auth, "Credential=")
	rest, _, _ = strings.Cut(rest, ",")
	parts := strings.Split(rest, "/")
	if len(parts) != 5 {
		return [2]string{}
	}
	return [2]string{parts[0], parts[2]}
}

// signedARC records the access key and Region of every ARC call, as the
// fake ARC endpoint receives them.
type signedARC struct {
	next *http.Client
	mu   sync.Mutex
	keys []string // "AKID@region operation"
}

func (s *signedARC) Do(r *http.Request) (*http.Response, error) {
	if op, ok := strings.CutPrefix(r.URL.Path, "/service/ArcRegionSwitch/operation/"); ok {
		sc := scope(r.Header.Get("Authorization"))
		s.mu.Lock()
		s.keys = append(s.keys, sc[0]+"@"+sc[1]+" "+op)
		s.mu.Unlock()
	}
	return s.next.Do(r)
}

func (s *signedARC) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

func TestRoleSessionName(t *testing.T) {
	for _, tc := range []struct{ approver, want string }{
		{"U123ABC", "regionswitch-U123ABC"},
		{"", "regionswitch-bot"},
		{"W0123456789AB", "regionswitch-W0123456789AB"},
		{"U1 2/3:4", "regionswitch-U1-2-3-4"},
		{"Üser\n<script>", "regionswitch--ser--script-"},
		{"a+b=c,d.e@f_g-h", "regionswitch-a+b=c,d.e@f_g-h"},
		{strings.Repeat("U", 100), "regionswitch-" + strings.Repeat("U", 64-len("regionswitch-"))},
	} {
		got := session.RoleSessionName(tc.approver)
		if got != tc.want {
			t.Errorf("RoleSessionName(%q) = %q, want %q", tc.approver, got, tc.want)
		}
		if len(got) > 64 || len(got) < 2 {
			t.Errorf("RoleSessionName(%q) has %d characters, want 2 to 64", tc.approver, len(got))
		}
	}
}

// plainPlan is a plan without a role.
var plainPlan = fakearc.Plan{ARN: "arn:aws:arc-region-switch::123456789012:plan/no-role:n0r0le", Name: "no-role", Version: "v1", Regions: []string{east, west}}

// rolesSession returns a session in which checkout-prod has roleARN (and
// plainPlan none), with STS at stsFake, and the recorder of ARC's keys.
func rolesSession(t *testing.T, stsFake *fakeSTS) (*session.Session, *signedARC) {
	t.Helper()
	fake := newFake(t)
	fake.AddPlan(plainPlan)
	rec := &signedARC{next: &http.Client{}}
	su := setup{defaultRegion: east, httpClient: rec, opts: session.Options{
		PlanRoles:  map[string]string{planARN: roleARN},
		STSOptions: []func(*sts.Options){func(o *sts.Options) { o.BaseEndpoint = aws.String(stsFake.srv.URL) }},
	}}
	return su.start(t, fake), rec
}

func TestPlanRoles(t *testing.T) {
	ctx := context.Background()
	stsFake := newFakeSTS(t)
	s, rec := rolesSession(t, stsFake)

	in := startInput("activate", west)
	in.Approver = "U123ABC"
	if _, err := s.Start(ctx, in); err != nil {
		t.Fatalf("Start: %v", err)
	}
	// A second start with the same approver reuses the credentials (ARC
	// refuses it: the plan has an active execution).
	if _, err := s.Start(ctx, in); !session.Definite(err) {
		t.Fatalf("second Start = %v, want IllegalStateException", err)
	}
	// Another approver gets a role session of their own.
	in.Approver = "U777"
	if _, err := s.Start(ctx, in); !session.Definite(err) {
		t.Fatalf("third Start = %v, want IllegalStateException", err)
	}
	in.Approver = "U999"
	in.PlanARN, in.Comment = plainPlan.ARN, "no role"
	if _, err := s.Start(ctx, in); err != nil {
		t.Fatalf("Start without a role: %v", err)
	}
	if _, err := s.GetPlanAnywhere(ctx, planARN, west); err != nil {
		t.Fatalf("GetPlanAnywhere: %v", err)
	}

	wantSTS := []assumeRole{
		{Region: west, RoleARN: roleARN, SessionName: "regionswitch-U123ABC", AccessKey: "AKIDTEST"},
		{Region: west, RoleARN: roleARN, SessionName: "regionswitch-U777", AccessKey: "AKIDTEST"},
		{Region: west, RoleARN: roleARN, SessionName: "regionswitch-bot", AccessKey: "AKIDTEST"},
	}
	if got := stsFake.Calls(); fmt.Sprint(got) != fmt.Sprint(wantSTS) {
		t.Errorf("AssumeRole calls:\n got %+v\nwant %+v", got, wantSTS)
	}
	wantARC := []string{
		"ASIAU123ABC@us-west-2 StartPlanExecution",
		"ASIAU123ABC@us-west-2 StartPlanExecution",
		"ASIAU777@us-west-2 StartPlanExecution",
		"AKIDTEST@us-west-2 StartPlanExecution",
		"ASIABOT@us-west-2 GetPlanInRegion",
	}
	if got := rec.Keys(); strings.Join(got, "\n") != strings.Join(wantARC, "\n") {
		t.Errorf("ARC saw:\n got %q\nwant %q", got, wantARC)
	}
}

// TestPlanRoleAssumedInTheRegionCalled: STS in the execution Region is
// down, so the credentials cannot be had there; nothing reached ARC, and
// StartWithFailover starts in the other Region with credentials from that
// Region's STS.
func TestPlanRoleAssumedInTheRegionCalled(t *testing.T) {
	stsFake := newFakeSTS(t, west)
	s, rec := rolesSession(t, stsFake)
	in := startInput("activate", west)
	in.Approver = "U123ABC"
	res, err := s.StartWithFailover(context.Background(), in, marker)
	if err != nil {
		t.Fatalf("StartWithFailover: %v", err)
	}
	if res.Region != east || res.FailedOverFrom != west {
		t.Errorf("result %+v, want started in us-east-1 after us-west-2", res)
	}
	regions := map[string]bool{}
	for _, c := range stsFake.Calls() {
		regions[c.Region] = true
		if c.SessionName != "regionswitch-U123ABC" {
			t.Errorf("RoleSessionName %q, want regionswitch-U123ABC", c.SessionName)
		}
	}
	if !regions[west] || !regions[east] || len(regions) != 2 {
		t.Errorf("STS was asked in %v, want us-west-2 then us-east-1 (never the global endpoint)", regions)
	}
	if got := rec.Keys(); len(got) != 1 || got[0] != "ASIAU123ABC@us-east-1 StartPlanExecution" {
		t.Errorf("ARC saw %q, want one start in us-east-1 with the assumed key", got)
	}
}
