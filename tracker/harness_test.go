package tracker_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
	"github.com/regionswitch-bot/regionswitch-bot/tracker"
)

const (
	planARN  = "arn:aws:arc-region-switch::123456789012:plan/checkout-prod:a1b2c3"
	east     = "us-east-1"
	west     = "us-west-2"
	channel  = "CINCIDENT"
	notifyA  = "CNOTIFYA"
	notifyB  = "CNOTIFYB"
	waitTime = 15 * time.Second
	interval = 20 * time.Millisecond
)

// env is one test's world: fake ARC reached by the real SDK client, fake
// Slack reached by slack-go, and a real redis-server.
type env struct {
	t     *testing.T
	arc   *fakearc.Server
	slack *fakeslack.Server
	api   *slack.Client
	rdb   redis.UniversalClient

	mu sync.Mutex
	// clientArgs are the (Region, plan, approver) the tracker asked for
	// clients with.
	clientArgs [][3]string
}

// approvers returns the approvers that clients were asked for.
func (e *env) approvers() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, a := range e.clientArgs {
		if a[1] != planARN {
			e.t.Errorf("client for plan %q, want %s", a[1], planARN)
		}
		if a[2] != "" {
			out = append(out, a[2])
		}
	}
	return out
}

// newEnv returns an env over a fresh redis-server.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, redistest.Start(t).Client(t))
}

// newEnvOn returns an env over rdb.
func newEnvOn(t *testing.T, rdb redis.UniversalClient) *env {
	t.Helper()
	e := &env{t: t, arc: fakearc.New(t), slack: fakeslack.New(t), rdb: rdb}
	e.arc.AddPlan(fakearc.Plan{ARN: planARN, Name: "checkout-prod", Version: "v7", Regions: []string{east, west}})
	e.api = slack.New("xoxb-test-token", slack.OptionAPIURL(e.slack.APIURL()))
	return e
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// arcClient is the tracker's ARC: the real SDK client, one per Region,
// signed with static credentials and sent to the fake.
func (e *env) arcClient() *tracker.SDKARC {
	var mu sync.Mutex
	clients := map[string]*arcregionswitch.Client{}
	return tracker.NewSDKARC(func(region, plan, approver string) *arcregionswitch.Client {
		mu.Lock()
		defer mu.Unlock()
		e.mu.Lock()
		e.clientArgs = append(e.clientArgs, [3]string{region, plan, approver})
		e.mu.Unlock()
		if clients[region] == nil {
			clients[region] = arcregionswitch.New(arcregionswitch.Options{
				Region:       region,
				BaseEndpoint: aws.String(e.arc.URL()),
				Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
			})
		}
		return clients[region]
	})
}

var replicaSeq atomic.Int64

// newTracker returns a Tracker over the env with a short poll interval;
// change adjusts its options.
func (e *env) newTracker(change ...func(*tracker.Options)) *tracker.Tracker {
	opts := tracker.Options{
		Redis: e.rdb, ARC: e.arcClient(), Slack: e.api, Logger: testLogger(e.t),
		PollInterval: interval, RegionTimeout: 2 * time.Second,
		ReplicaID: fmt.Sprintf("replica-%d", replicaSeq.Add(1)),
	}
	for _, c := range change {
		c(&opts)
	}
	return tracker.New(opts)
}

// run runs tr until the returned stop is called (or the test ends); stop
// waits for Run to return. It is idempotent.
func (e *env) run(tr *tracker.Tracker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tr.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitTime):
				e.t.Errorf("Run did not return within %v of its context ending", waitTime)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// execution adds an execution of the plan, started at started in region
// (the fake's Region; "" is visible everywhere), with events, and posts its
// result message. It returns the Registration for it.
func (e *env) execution(id, region string, started time.Time, events ...fakearc.Event) tracker.Registration {
	e.t.Helper()
	e.arc.AddExecution(fakearc.Execution{ID: id, PlanARN: planARN, Region: region, State: "inProgress", Started: started, Events: events})
	_, ts, err := e.api.PostMessage(channel, slack.MsgOptionText(":rocket: *Started* plan execution `"+id+"`", false))
	if err != nil {
		e.t.Fatalf("posting the result message: %v", err)
	}
	return tracker.Registration{
		ExecutionID: id, PlanARN: planARN, Region: west, OtherRegion: east,
		Channel: channel, MessageTS: ts, RequestID: "req-" + id,
		Headline: ":rocket: *Started* plan execution `" + id + "`",
	}
}

func (e *env) track(tr *tracker.Tracker, reg tracker.Registration) {
	e.t.Helper()
	if err := tr.Track(context.Background(), reg); err != nil {
		e.t.Fatalf("Track(%s): %v", reg.ExecutionID, err)
	}
}

// event returns a step event with a description unique to the test.
func event(id, typ, step string) fakearc.Event {
	return fakearc.Event{ID: id, Type: typ, StepName: step, Description: "desc-" + id}
}

// thread returns the replies in reg's result message's thread.
func (e *env) thread(reg tracker.Registration) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range e.slack.Messages(reg.Channel) {
		if m.ThreadTS == reg.MessageTS {
			out = append(out, m)
		}
	}
	return out
}

// waitThread waits until cond holds for reg's thread and returns the
// thread.
func (e *env) waitThread(reg tracker.Registration, what string, cond func(replies []fakeslack.Message) bool) []fakeslack.Message {
	e.t.Helper()
	e.slack.WaitFor(e.t, waitTime, what, func([]fakeslack.Call) bool { return cond(e.thread(reg)) })
	return e.thread(reg)
}

// waitEvents waits until every one of descs has been posted in the thread.
func (e *env) waitEvents(reg tracker.Registration, descs ...string) []fakeslack.Message {
	e.t.Helper()
	return e.waitThread(reg, fmt.Sprintf("thread replies %v", descs), func(replies []fakeslack.Message) bool {
		for _, d := range descs {
			if count(replies, d) == 0 {
				return false
			}
		}
		return true
	})
}

// waitMessage waits until the message ts in ch holds want.
func (e *env) waitMessage(ch, ts, want string) fakeslack.Message {
	e.t.Helper()
	e.slack.WaitFor(e.t, waitTime, fmt.Sprintf("message %s in %s to say %q", ts, ch, want), func([]fakeslack.Call) bool {
		m, _ := e.slack.Message(ch, ts)
		return strings.Contains(m.Text, want)
	})
	m, _ := e.slack.Message(ch, ts)
	return m
}

// waitSummary waits for a top-level message in ch that holds want.
func (e *env) waitSummary(ch, want string) fakeslack.Message {
	e.t.Helper()
	var found fakeslack.Message
	e.slack.WaitFor(e.t, waitTime, fmt.Sprintf("a summary in %s saying %q", ch, want), func([]fakeslack.Call) bool {
		for _, m := range e.slack.Messages(ch) {
			if m.ThreadTS == "" && strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// count returns how many messages contain s.
func count(msgs []fakeslack.Message, s string) int {
	n := 0
	for _, m := range msgs {
		if has(m.Text, s) {
			n++
		}
	}
	return n
}

// has reports whether text contains s not followed by a letter or digit,
// so that "desc-e1" is not found in "desc-e10".
func has(text, s string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], s)
		if j < 0 {
			return false
		}
		end := i + j + len(s)
		if end == len(text) || !isWordByte(text[end]) {
			return true
		}
		i = end
	}
}

func isWordByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// assertOnceInOrder checks that each of descs appears in exactly one
// message, in this order.
func assertOnceInOrder(t *testing.T, msgs []fakeslack.Message, descs ...string) {
	t.Helper()
	var order []string
	for _, m := range msgs {
		for _, d := range descs {
			if has(m.Text, d) {
				order = append(order, d)
			}
		}
	}
	if !slices.Equal(order, descs) {
		t.Errorf("events in the thread: got %v, want each of %v once, in order", order, descs)
	}
}

// waitUntil polls cond (state in Redis, which announces nothing) until it
// holds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTime, what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
	}
}

// execCalls returns the calls of op for execution id.
func execCalls(calls []fakearc.Call, id string) []fakearc.Call {
	var out []fakearc.Call
	for _, c := range calls {
		if c.Input["executionId"] == id {
			out = append(out, c)
		}
	}
	return out
}
