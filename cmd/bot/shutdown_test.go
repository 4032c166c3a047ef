package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

// defaultGrace is Main.Run's shutdown grace period when mainDeps does not
// set one (app.go): the bound a SIGTERMed process must exit within.
const defaultGrace = 20 * time.Second

// replica is one bot (a Main) whose lifecycle the test controls. Unlike the
// harness's bot, its Run can be cancelled without waiting for it, and the
// test can tell whether and when Run returned. Several replicas may share
// one harness's Redis and fakes.
type replica struct {
	addr   string
	url    string
	cancel context.CancelFunc
	done   chan struct{} // closed once Run has returned and Close is done
	err    error         // Run's result; read it after done
	// returnedAt is when Run returned, and atReturn the Slack calls made by
	// then (when observed): read them after done.
	returnedAt time.Time
	atReturn   []fakeslack.Call
}

// launch builds a bot from the environment newHarness set and runs it on a
// fresh loopback port. Its logs go to logs at level. grace is the shutdown
// grace period (0: Run's default).
func launch(t testing.TB, logs io.Writer, level slog.Level, now func() time.Time, grace time.Duration) *replica {
	t.Helper()
	return launchObserved(t, logs, level, now, grace, nil)
}

// launchObserved is launch that also records the Slack calls (from slackCalls)
// made by the time Run returns.
func launchObserved(t testing.TB, logs io.Writer, level slog.Level, now func() time.Time, grace time.Duration, slackCalls func() []fakeslack.Call) *replica {
	t.Helper()
	cfg, err := loadConfig()
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	m, err := newMain(ctx, cfg, log, mainDeps{Now: now, SweepInterval: time.Hour, ShutdownGrace: grace})
	if err != nil {
		cancel()
		t.Fatalf("newMain: %v", err)
	}
	r := &replica{addr: m.Addr(), url: "http://" + m.Addr(), cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = m.Run(ctx)
		r.returnedAt = time.Now()
		if slackCalls != nil {
			r.atReturn = slackCalls()
		}
		m.Close()
		close(r.done)
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// controlled replaces the harness's bot with a replica the test controls,
// on the same environment, Redis and fakes; the harness's helpers (command,
// click, ...) then talk to it.
func controlled(h *harness, grace time.Duration) *replica {
	h.t.Helper()
	h.stop()
	r := launchObserved(h.t, h.logs, slog.LevelDebug, h.clock.Now, grace, h.slack.Calls)
	h.url = r.url
	return r
}

// returned reports, without waiting, whether Run has returned.
func (r *replica) returned() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// wait waits up to bound for Run to return and reports how long it waited.
// Run must return nil.
func (r *replica) wait(t testing.TB, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-r.done:
	case <-timer.C:
		t.Fatalf("Run did not return within %v", bound)
	}
	if r.err != nil {
		t.Errorf("Run: %v", r.err)
	}
	return time.Since(start)
}

// stop cancels Run, as SIGTERM does, and waits up to bound for it to return.
func (r *replica) stop(t testing.TB, bound time.Duration) time.Duration {
	t.Helper()
	r.cancel()
	return r.wait(t, bound)
}

// waitUntil polls cond every millisecond until it holds; it fails the test
// after timeout. For conditions no fake can signal (a closed listener, a
// state in Redis).
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// waitListenerClosed waits until addr refuses connections: Run has begun
// its shutdown (http.Server.Shutdown closes the listener first).
func waitListenerClosed(t testing.TB, addr string) {
	t.Helper()
	waitUntil(t, waitFor, "the listener on "+addr+" to close", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
}

// heldRequest is a signed Slack request whose handler is running, blocked
// reading a body the test has not sent yet.
type heldRequest struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	body []byte
}

// beginRequest sends the headers of a signed POST of body to path, with
// "Expect: 100-continue", and returns once the handler has started to read
// the body: Go's server answers "100 Continue" on the handler's first read.
// finish sends the body and reads the response.
func beginRequest(t testing.TB, addr, path string, body []byte) *heldRequest {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(waitFor)); err != nil {
		t.Fatal(err)
	}
	ts, sig := fakeslack.Sign(testSecret, time.Now(), body)
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nExpect: 100-continue\r\nX-Slack-Request-Timestamp: %s\r\nX-Slack-Signature: %s\r\n\r\n",
		path, addr, len(body), ts, sig); err != nil {
		t.Fatalf("sending the headers: %v", err)
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 100 ") {
		t.Fatalf("waiting for 100 Continue: got %q, %v", status, err)
	}
	if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: got %q, %v", blank, err)
	}
	return &heldRequest{t: t, conn: conn, br: br, body: body}
}

// finish sends the body and returns the response's status and body.
func (hr *heldRequest) finish() (int, string) {
	hr.t.Helper()
	if _, err := hr.conn.Write(hr.body); err != nil {
		hr.t.Fatalf("sending the body: %v", err)
	}
	resp, err := http.ReadResponse(hr.br, nil)
	if err != nil {
		hr.t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// storedRequest reads request id from the harness's Redis, as the bot
// stored it.
func storedRequest(t testing.TB, h *harness, id string) *approvals.Request {
	t.Helper()
	r, err := approvals.NewStore(h.redis.Client(t), approvals.Options{}).Get(context.Background(), id)
	if err != nil {
		t.Fatalf("reading request %s from Redis: %v", id, err)
	}
	return r
}

// A SIGTERM (the run context's end) while Slack's request is still being
// read: the request is answered, and the work it started in the background
// finishes before Run returns.
func TestShutdownCompletesInFlightAck(t *testing.T) {
	h := newHarness(t, nil)
	r := controlled(h, 0)
	releaseARC := h.arc.Hold("GetPlanInRegion")
	defer releaseARC()

	body := fakeslack.Command{Text: "execute checkout activate us-west-2", UserID: "UREQ1", UserName: "ureq1",
		ChannelID: testChannel, ChannelName: "incident", ResponseURL: h.slack.ResponseURL("UREQ1")}.Encode()
	ack := beginRequest(t, r.addr, "/slack/commands", body)
	r.cancel()
	waitListenerClosed(t, r.addr)
	if r.returned() {
		t.Fatal("Run returned while an ack was in flight")
	}

	status, resp := ack.finish()
	if status != http.StatusOK {
		t.Fatalf("in-flight ack: status %d, want 200 (body %q)", status, resp)
	}
	var reply struct{ Text string }
	if err := json.Unmarshal([]byte(resp), &reply); err != nil || !strings.Contains(reply.Text, "Checking plan") {
		t.Fatalf("in-flight ack = %q (%v), want the \"Checking plan\" acknowledgement", resp, err)
	}

	// The background work the command started is held in ARC: Run waits.
	h.arc.WaitForCalls(t, "GetPlanInRegion", 1, waitFor)
	if r.returned() {
		t.Fatal("Run returned while background work was in progress")
	}
	released := time.Now()
	releaseARC()
	took := r.wait(t, defaultGrace)
	t.Logf("Run returned %v after the background work was released", took)
	if !r.returnedAt.After(released) {
		t.Fatal("Run returned before the background work was released")
	}

	// It finished before Run returned: the calls made by then show it.
	c := findApproval(r.atReturn, testChannel)
	if c == nil {
		t.Fatal("no approval message was posted before Run returned")
	}
	m := requestIDInBlocks.FindStringSubmatch(c.Params["blocks"])
	if m == nil {
		t.Fatalf("approval message without a request ID: %s", c.Params["blocks"])
	}
	if req := storedRequest(t, h, m[1]+m[2]); req.Status != approvals.StatusPending || req.MessageTS == "" {
		t.Errorf("request after shutdown: status %q, message ts %q; want pending with its message recorded", req.Status, req.MessageTS)
	}
}

// A SIGTERM while StartPlanExecution is in flight: Run waits for it, and the
// result is recorded and posted before Run returns.
func TestShutdownLetsExecutionFinish(t *testing.T) {
	h := newHarness(t, nil)
	r := controlled(h, 0)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	releaseARC := h.arc.Hold("StartPlanExecution")
	defer releaseARC()
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.arc.WaitForCalls(t, "StartPlanExecution", 1, waitFor)

	r.cancel()
	waitListenerClosed(t, r.addr)
	if r.returned() {
		t.Fatal("Run returned while StartPlanExecution was in flight")
	}
	if got := storedRequest(t, h, id).Status; got != approvals.StatusExecuting {
		t.Errorf("status while StartPlanExecution is in flight = %q, want executing", got)
	}
	released := time.Now()
	releaseARC()
	took := r.wait(t, defaultGrace)
	t.Logf("Run returned %v after StartPlanExecution was answered", took)
	if !r.returnedAt.After(released) {
		t.Fatal("Run returned before StartPlanExecution was answered")
	}

	exec := h.arc.Executions()
	if len(exec) != 1 {
		t.Fatalf("executions = %d, want 1", len(exec))
	}
	req := storedRequest(t, h, id)
	if req.Status != approvals.StatusExecuted || req.ExecutionID != exec[0].ID {
		t.Errorf("request after shutdown: status %q, execution %q; want executed, %q", req.Status, req.ExecutionID, exec[0].ID)
	}
	if !postedNow(r.atReturn, testChannel, "Started", exec[0].ID) {
		t.Errorf("the result (Started %s) was not posted before Run returned", exec[0].ID)
	}
}

// A SIGTERM while StartPlanExecution hangs past the grace period: Run gives
// up after the grace period, and the request is left executing, where it is
// visible, is never started again, and is for the reconciler to resolve.
func TestShutdownLeavesExecutingAfterGrace(t *testing.T) {
	const grace = 300 * time.Millisecond
	h := newHarness(t, nil)
	r := controlled(h, grace)
	h.command("UREQ1", testChannel, "execute checkout activate us-west-2")
	ts, id := h.approvalMessage(testChannel)
	releaseARC := h.arc.Hold("StartPlanExecution") // released at cleanup only
	defer releaseARC()
	h.click("UAPPROVER", testChannel, ts, "rs_approve", id)
	h.arc.WaitForCalls(t, "StartPlanExecution", 1, waitFor)

	start := time.Now()
	r.cancel()
	r.wait(t, grace+waitFor)
	t.Logf("Run returned %v after cancel (grace %v)", time.Since(start), grace)

	if got := storedRequest(t, h, id).Status; got != approvals.StatusExecuting {
		t.Errorf("status after a shutdown that cut StartPlanExecution off = %q, want executing", got)
	}
	if n := len(h.arc.CallsTo("StartPlanExecution")); n != 1 {
		t.Errorf("StartPlanExecution calls = %d, want 1", n)
	}
	for _, c := range h.slack.CallsTo("chat.postMessage") {
		if strings.Contains(c.Params["text"], "Started") || strings.Contains(c.Params["text"], "Failed") {
			t.Errorf("a result was posted although the call was cut off: %q", c.Params["text"])
		}
	}
}

// Without work in flight, Run returns at once.
func TestShutdownIdleIsPrompt(t *testing.T) {
	h := newHarness(t, nil)
	r := controlled(h, 0)
	if status, _ := h.do(mustGet(t, r.url+"/readyz")); status != http.StatusOK {
		t.Fatalf("/readyz = %d, want 200", status)
	}
	took := r.stop(t, 5*time.Second)
	t.Logf("idle Run returned %v after cancel", took)
	if _, err := net.DialTimeout("tcp", r.addr, time.Second); err == nil {
		t.Error("the listener still accepts connections after Run returned")
	}
}

// postedNow reports whether calls hold a chat.postMessage in channel whose
// text contains all of want.
func postedNow(calls []fakeslack.Call, channel string, want ...string) bool {
	for _, c := range calls {
		if c.Method == "chat.postMessage" && c.Params["channel"] == channel && containsAll(c.Params["text"], want) {
			return true
		}
	}
	return false
}

// signalChildEnv marks the re-executed test binary that runs main().
const signalChildEnv = "RSBOT_SIGNAL_CHILD"

// TestSignalChild is not a test of its own: it is the bot process that
// TestShutdownOnSIGTERM starts by re-executing the test binary.
func TestSignalChild(t *testing.T) {
	if os.Getenv(signalChildEnv) != "1" {
		t.Skip("helper process for TestShutdownOnSIGTERM")
	}
	main()
}

// The real thing: a bot process gets SIGTERM while a command's background
// work is held in ARC. It finishes that work and exits 0 within the grace
// period.
func TestShutdownOnSIGTERM(t *testing.T) {
	h := newHarness(t, nil)
	h.stop()
	env := processEnv(h, signalChildEnv+"=1")
	p := startProcess(t, os.Args[0], []string{"-test.run=^TestSignalChild$", "-test.count=1"}, env)
	p.ready(t)

	releaseARC := h.arc.Hold("GetPlanInRegion")
	defer releaseARC()
	h.url = "http://" + p.addr
	if ack := h.command("UREQ1", testChannel, "execute checkout activate us-west-2"); !strings.Contains(ack, "Checking plan") {
		t.Fatalf("ack = %q", ack)
	}
	h.arc.WaitForCalls(t, "GetPlanInRegion", 1, waitFor)

	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	p.stderr.wait(t, `"msg":"shutting down"`, waitFor)
	if p.exited() {
		t.Fatal("the process exited while background work was in progress")
	}
	releaseARC()
	code := p.waitExit(t, defaultGrace)
	t.Logf("exited %v after SIGTERM with code %d", time.Since(sent), code)
	if code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr.String())
	}
	if findApproval(h.slack.Calls(), testChannel) == nil {
		t.Error("the approval message was not posted before the process exited")
	}
}

// processEnv is the environment for a bot process wired to h's Redis and
// fakes: the harness's settings with JSON logs at info (the defaults), plus
// extra ("KEY=value"). Later entries win.
func processEnv(h *harness, extra ...string) []string {
	env := append(os.Environ(),
		"SLACK_BOT_TOKEN="+testBotToken,
		"SLACK_SIGNING_SECRET="+testSecret,
		"SLACK_APP_TOKEN=",
		"SLACK_API_URL="+h.slack.APIURL(),
		"LISTEN_ADDR=127.0.0.1:0",
		"REDIS_URL="+h.redis.URL(),
		"PLAN_ALIASES=checkout="+testPlanARN,
		"NOTIFY_CHANNEL_IDS=",
		"APPROVAL_TTL=30m",
		"LOG_FORMAT=json",
		"LOG_LEVEL=info",
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDTESTEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=aws-secret-do-not-leak",
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_ARC_REGION_SWITCH="+h.arc.URL(),
	)
	return append(env, extra...)
}

// process is a bot running as its own process, its stderr (the logs) kept.
type process struct {
	cmd     *exec.Cmd
	stderr  *lineLog
	started time.Time
	addr    string        // set by ready
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startProcess starts path with args and env. The process is killed when
// the test ends, if it still runs.
func startProcess(t testing.TB, path string, args, env []string) *process {
	t.Helper()
	p := &process{stderr: newLineLog(), done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = env
	p.cmd.Stderr = p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
		}
		<-p.done
		if t.Failed() {
			t.Logf("process stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// ready waits for the "serving" log line, takes the listener's address
// from it, then for /readyz to answer 200. It returns the time from start.
func (p *process) ready(t testing.TB) time.Duration {
	t.Helper()
	p.addr = p.servingAddr(t)
	// No pause between polls: this measures the start-up time.
	if got := pollReadyz("http://"+p.addr, http.StatusOK, 0, p.exited); got != http.StatusOK {
		t.Fatalf("process not ready (last /readyz: %d); stderr:\n%s", got, p.stderr.String())
	}
	return time.Since(p.started)
}

// servingAddr is the address the process logged it serves on.
func (p *process) servingAddr(t testing.TB) string {
	t.Helper()
	line := p.stderr.wait(t, `"msg":"regionswitch-bot serving"`, waitFor)
	var rec struct{ Addr string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Addr == "" {
		t.Fatalf("serving log line without an address: %q (%v)", line, err)
	}
	return rec.Addr
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitExit waits up to bound for the process to exit and returns its exit
// code (-1 if a signal killed it).
func (p *process) waitExit(t testing.TB, bound time.Duration) int {
	t.Helper()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		t.Fatalf("process did not exit within %v", bound)
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ExitCode()
	}
	if p.waitErr != nil {
		t.Fatalf("waiting for the process: %v", p.waitErr)
	}
	return 0
}

// lineLog collects a process's output line by line and lets a test wait
// for a line.
type lineLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{} // closed and replaced when a line arrives
}

func newLineLog() *lineLog { return &lineLog{changed: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

// wait returns the first line containing substr, waiting up to timeout.
func (l *lineLog) wait(t testing.TB, substr string, timeout time.Duration) string {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, substr) {
				l.mu.Unlock()
				return line
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("no line containing %q within %v; output:\n%s", substr, timeout, l.String())
		}
	}
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + string(l.partial)
}
