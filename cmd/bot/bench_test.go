package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakearc"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

// The benchmark report (make bench) measures the bot against the targets of
// the "Production-ready" issue. It asserts correctness only, never timing:
// the figures are printed, with each target and whether it was met.

// benchEnv gates the benchmark report and the load test: they take a minute
// and load the machine, so plain `go test` skips them.
const benchEnv = "RSBOT_BENCH"

const (
	benchClients  = 20   // concurrent Slack clients
	ackRequests   = 4000 // measured requests per ack run
	ackWarmup     = 400  // requests before each ack run, not measured
	ackRounds     = 3    // alternating floor and help runs
	pacedRate     = 200  // execute commands per second in the paced run
	pacedRequests = 1000 // measured requests in the paced run
	approveRuns   = 500  // approve clicks measured one at a time
	readyStarts   = 20   // process starts measured
	memPaced      = 1000 // commands at pacedRate through the built binary
	memCommands   = 2000 // then commands flat out through it

	targetAckRatio = 2.0
	targetApprove  = 20 * time.Millisecond
	targetReady    = 300 * time.Millisecond
	targetRSS      = 40 << 20
)

func requireBench(t *testing.T) {
	t.Helper()
	if os.Getenv(benchEnv) != "1" {
		t.Skipf("benchmark: set %s=1 (make bench) to run it", benchEnv)
	}
}

func TestBenchReport(t *testing.T) {
	requireBench(t)
	rep := &benchReport{loadBefore: loadAverage()}
	t.Cleanup(func() { rep.print(os.Stdout) })

	t.Run("ack", func(t *testing.T) { benchAck(t, rep) })
	t.Run("approve", func(t *testing.T) { benchApprove(t, rep) })
	bin := buildBot(t)
	t.Run("ready", func(t *testing.T) { benchReady(t, rep, bin) })
	t.Run("memory", func(t *testing.T) { benchMemory(t, rep, bin) })
}

// benchAck measures the time to acknowledge a slash command, signed
// requests over loopback HTTP from 20 clients in parallel, against a floor:
// a handler that only verifies the signature with slack-go's
// SecretsVerifier and answers 200. Floor and `help` (the handler's own
// path, nothing in the background) alternate over ackRounds rounds; then
// `execute`, which also starts background work (plan lookup in ARC, Redis,
// the approval message), first paced at a steady rate, then as fast as the
// clients can send.
func benchAck(t *testing.T, rep *benchReport) {
	h := newHarness(t, map[string]string{"NOTIFY_CHANNEL_IDS": ""})
	h.stop()
	bot := launch(t, h.logs, slog.LevelInfo, h.clock.Now, 2*time.Minute)
	floor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := slack.NewSecretsVerifier(r.Header, testSecret)
		if err == nil {
			_, err = io.Copy(&sv, r.Body)
		}
		if err == nil {
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer floor.Close()

	arns := addPlans(h.arc, "ack", pacedRequests+ackWarmup+ackRequests)
	// execute(base, from) sends the i-th command for plan from+i.
	execute := func(base string, from int) func(i int) (string, []byte) {
		return func(i int) (string, []byte) {
			return base + "/slack/commands", commandBody(h, from+i, "execute "+arns[from+i]+" activate us-west-2")
		}
	}
	help := func(i int) (string, []byte) { return bot.url + "/slack/commands", commandBody(h, i, "help") }
	ok200 := func(status int, _ []byte) bool { return status == http.StatusOK }
	acked := func(status int, body []byte) bool {
		return status == http.StatusOK && bytes.Contains(body, []byte("Checking plan"))
	}

	c := newSlackClient(benchClients)
	floorRun, helpRun := &ackRun{name: "floor"}, &ackRun{name: "help"}
	for range ackRounds {
		floorRun.merge(measureAcks(c, "floor", execute(floor.URL, 0), ok200))
		helpRun.merge(measureAcks(c, "help", help, ok200))
	}
	paced := measurePaced(c, "execute", pacedRate, pacedRequests, execute(bot.url, 0), acked)
	burst := measureAcks(c, "execute", execute(bot.url, pacedRequests), acked)
	c.hc.CloseIdleConnections() // see driveLoad
	start := time.Now()
	bot.stop(t, 2*time.Minute)
	drained := time.Since(start)

	for _, r := range []*ackRun{floorRun, helpRun, paced, burst} {
		if r.errs > 0 {
			t.Errorf("ack run %s: %d errors", r.name, r.errs)
		}
	}
	limit := time.Duration(float64(floorRun.lat.pct(99)) * targetAckRatio)
	target := fmt.Sprintf("p99 ≤ 2× floor = %s", ms(limit))
	rep.add(fmt.Sprintf("ack floor: verify signature, 200 (%d clients, %d rounds)", benchClients, ackRounds), floorRun.lat, "—", "", floorRun.note())
	rep.add(fmt.Sprintf("ack `/regionswitch help`, bot handler (%d clients, %d rounds)", benchClients, ackRounds), helpRun.lat,
		target, verdict(helpRun.lat.pct(99) <= limit), helpRun.note())
	rep.add(fmt.Sprintf("ack `/regionswitch execute`, paced at %d/s", pacedRate), paced.lat,
		target, verdict(paced.lat.pct(99) <= limit), paced.note())
	rep.add(fmt.Sprintf("ack `/regionswitch execute`, flat out (%d clients)", benchClients), burst.lat,
		target, verdict(burst.lat.pct(99) <= limit), burst.note())
	rep.note("shutdown after the flat-out execute run took %s: Run waits for the background work still queued (plan lookup, Redis, approval message, reply)", ms(drained))
}

// benchApprove measures approve click → StartPlanExecution arriving at the
// fake ARC, one click at a time, each on its own pending request.
func benchApprove(t *testing.T, rep *benchReport) {
	h := newHarness(t, map[string]string{"NOTIFY_CHANNEL_IDS": ""})
	h.stop()
	bot := launch(t, h.logs, slog.LevelInfo, h.clock.Now, 2*time.Minute)
	res := driveLoad(t, h, loadSpec{urls: []string{bot.url}, arns: addPlans(h.arc, "apr", approveRuns)})
	if res.ackErrors > 0 {
		t.Fatalf("%d commands failed", res.ackErrors)
	}
	ids, reqs := res.ids, res.stored
	c := newSlackClient(1)
	var lat latencies
	for i, id := range ids {
		body := clickBody(h, "UAPPROVER", reqs[id].MessageTS, id)
		start := time.Now()
		if status, _, _, err := c.post(bot.url+"/slack/interactions", body); err != nil || status != http.StatusOK {
			t.Fatalf("click %d: status %d, %v", i, status, err)
		}
		call := h.arc.WaitForCalls(t, "StartPlanExecution", i+1, waitFor)[i]
		if got := commentRequestID(call); got != id {
			t.Fatalf("StartPlanExecution #%d is for request %q, want %q", i+1, got, id)
		}
		lat = append(lat, call.At.Sub(start))
	}
	bot.stop(t, 2*time.Minute)
	rep.add(fmt.Sprintf("approve click → StartPlanExecution at the fake ARC (%d, one at a time)", len(lat)), lat,
		"p99 < "+ms(targetApprove), verdict(lat.pct(99) < targetApprove), "")
}

// benchReady starts the built binary readyStarts times and measures exec →
// first 200 from /readyz (which pings Redis).
func benchReady(t *testing.T, rep *benchReport, bin string) {
	h := newHarness(t, nil)
	h.stop()
	env := processEnv(h)
	var lat, exit latencies
	for range readyStarts {
		p := startProcess(t, bin, nil, env)
		lat = append(lat, p.ready(t))
		sent := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.waitExit(t, defaultGrace); code != 0 {
			t.Fatalf("exit code %d after SIGTERM, want 0", code)
		}
		exit = append(exit, time.Since(sent))
	}
	rep.add(fmt.Sprintf("process start → /readyz 200 (%d starts)", len(lat)), lat,
		"p50 < "+ms(targetReady), verdict(lat.pct(50) < targetReady), "max "+ms(lat.pct(100)))
	rep.add("idle process: SIGTERM → exit 0", exit, "< "+defaultGrace.String()+" (grace)", verdict(exit.pct(100) < defaultGrace), "max "+ms(exit.pct(100)))
}

// benchMemory reads the resident memory of the built binary: idle, then
// the peak over a paced load (memPaced commands at pacedRate per second),
// then the peak over a load as fast as the clients go (memCommands
// commands), each with a tenth of the requests approved.
func benchMemory(t *testing.T, rep *benchReport, bin string) {
	h := newHarness(t, nil)
	h.stop()
	p := startProcess(t, bin, nil, processEnv(h))
	p.ready(t)
	pid := p.cmd.Process.Pid
	idle := procStatus(t, pid, "VmRSS")

	urls := []string{"http://" + p.addr}
	arns := addPlans(h.arc, "mem", memPaced+memCommands)
	paced := driveLoad(t, h, loadSpec{urls: urls, arns: arns[:memPaced], approvals: memPaced / 10, rate: pacedRate})
	pacedPeak := procStatus(t, pid, "VmHWM")
	flat := driveLoad(t, h, loadSpec{urls: urls, arns: arns[memPaced:], first: memPaced, approvals: memCommands / 10})
	flatPeak := procStatus(t, pid, "VmHWM")
	after := procStatus(t, pid, "VmRSS")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t, defaultGrace); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	v := verifyLoad(t, h, paced, flat)
	v.logErrors = strings.Count(p.stderr.String(), `"level":"ERROR"`)
	if v.logErrors > 0 {
		t.Errorf("%d ERROR lines in the bot's logs", v.logErrors)
	}

	rep.addValue("resident memory (VmRSS), idle after start", mib(idle), "< "+mib(targetRSS), verdict(idle < targetRSS))
	rep.addValue(fmt.Sprintf("resident memory peak (VmHWM), %d commands at %d/s + %d approvals", memPaced, pacedRate, memPaced/10),
		mib(pacedPeak), "< "+mib(targetRSS), verdict(pacedPeak < targetRSS))
	rep.addValue(fmt.Sprintf("resident memory peak (VmHWM), then %d commands + %d approvals flat out (%d clients)", memCommands, memCommands/10, benchClients),
		mib(flatPeak), "< "+mib(targetRSS), verdict(flatPeak < targetRSS))
	rep.addValue("resident memory (VmRSS) after those loads", mib(after), "< "+mib(targetRSS), verdict(after < targetRSS))
	rep.note("built binary, paced load: %s", paced.latencySummary())
	rep.note("built binary, flat-out load: %.0f commands/s acknowledged, %s", flat.ackRate(), flat.latencySummary())
	rep.note("built binary, both loads: %s", v.summary())
}

// buildBot builds the bot as `make build` does, once, into a temporary
// directory.
func buildBot(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the bot: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "regionswitch-bot")
	cmd := exec.Command(gobin, "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// procStatus reads a size field (kB) of /proc/<pid>/status, in bytes.
func procStatus(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading /proc/%d/status: %v", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status %s: %q", pid, field, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// addPlans registers n plans named prefix-00000... in the fake ARC and
// returns their ARNs.
func addPlans(arc *fakearc.Server, prefix string, n int) []string {
	arns := make([]string, n)
	for i := range n {
		name := fmt.Sprintf("%s-%05d", prefix, i)
		arns[i] = fmt.Sprintf("arn:aws:arc-region-switch::123456789012:plan/%s:p%05d", name, i)
		arc.AddPlan(fakearc.Plan{
			ARN: arns[i], Name: name, Owner: "123456789012", Version: "v1",
			Regions: []string{"us-east-1", "us-west-2"}, PrimaryRegion: "us-east-1",
		})
	}
	return arns
}

// commandBody is the i-th slash command of a run; its response_url is
// "cmd-<i>" on the fake Slack.
func commandBody(h *harness, i int, text string) []byte {
	user := fmt.Sprintf("UREQ%02d", i%benchClients)
	return fakeslack.Command{Text: text, UserID: user, UserName: strings.ToLower(user), ChannelID: testChannel,
		ChannelName: "incident", ResponseURL: h.slack.ResponseURL(fmt.Sprintf("cmd-%d", i)), TriggerID: "trig"}.Encode()
}

// clickBody is user's click on Approve of request id's message ts.
func clickBody(h *harness, user, ts, id string) []byte {
	return fakeslack.BlockActionBody(user, strings.ToLower(user), testChannel, ts, "rs_approve", id,
		h.slack.ResponseURL("click-"+user+"-"+id), "trig")
}

var ackRequestID = regexp.MustCompile("(?i)request `(r[a-z0-9]+)`")

// commentRequestID is the request ID in a StartPlanExecution's comment.
func commentRequestID(c fakearc.Call) string {
	comment, _ := c.Input["comment"].(string)
	_, rest, ok := strings.Cut(comment, "[regionswitch-bot request=")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, " ")
	return id
}

// slackClient sends signed requests as Slack does, over keep-alive
// connections (one per concurrent client).
type slackClient struct{ hc *http.Client }

func newSlackClient(conns int) *slackClient {
	tr := &http.Transport{MaxIdleConns: 2 * conns, MaxIdleConnsPerHost: 2 * conns, IdleConnTimeout: time.Minute}
	return &slackClient{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// post signs body, then times the round trip: send, answer, body read.
func (c *slackClient) post(url string, body []byte) (status int, resp []byte, took time.Duration, err error) {
	ts, sig := fakeslack.Sign(testSecret, time.Now(), body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	start := time.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	resp, err = io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, resp, time.Since(start), err
}

// fanOut calls fn(0..n-1) from workers goroutines and waits for them.
func fanOut(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// ackRun is one measured run of acknowledgements.
type ackRun struct {
	name string
	lat  latencies
	errs int
	wall time.Duration
}

func (r *ackRun) merge(o *ackRun) {
	r.lat = append(r.lat, o.lat...)
	r.errs += o.errs
	r.wall += o.wall
}

func (r *ackRun) note() string {
	return fmt.Sprintf("%.0f req/s", float64(len(r.lat))/r.wall.Seconds())
}

// sender times one request of a run: req(i) gives the i-th URL and body,
// ok judges the answer; failures are counted in errs.
func sender(c *slackClient, req func(i int) (string, []byte), ok func(int, []byte) bool, errs *atomic.Int64) func(i int) time.Duration {
	return func(i int) time.Duration {
		url, body := req(i)
		status, resp, took, err := c.post(url, body)
		if err != nil || !ok(status, resp) {
			errs.Add(1)
		}
		return took
	}
}

// measureAcks sends ackWarmup then ackRequests requests from benchClients
// clients, each sending its next request as soon as it has an answer, and
// times the measured ones.
func measureAcks(c *slackClient, name string, req func(i int) (string, []byte), ok func(int, []byte) bool) *ackRun {
	var errs atomic.Int64
	send := sender(c, req, ok, &errs)
	fanOut(ackWarmup, benchClients, func(i int) { send(i) })
	lat := make(latencies, ackRequests)
	start := time.Now()
	fanOut(ackRequests, benchClients, func(i int) { lat[i] = send(ackWarmup + i) })
	return &ackRun{name: name, lat: lat, errs: int(errs.Load()), wall: time.Since(start)}
}

// measurePaced sends n requests at rate per second from benchClients
// clients and times each from its send.
func measurePaced(c *slackClient, name string, rate, n int, req func(i int) (string, []byte), ok func(int, []byte) bool) *ackRun {
	var errs atomic.Int64
	send := sender(c, req, ok, &errs)
	lat := make(latencies, n)
	start := time.Now()
	sendAll(n, rate, func(i int) { lat[i] = send(i) })
	return &ackRun{name: name, lat: lat, errs: int(errs.Load()), wall: time.Since(start)}
}

// sendAll calls fn(0..n-1) from benchClients goroutines: as fast as they go
// when rate is 0, else at rate calls per second. It waits for all calls.
func sendAll(n, rate int, fn func(i int)) {
	if rate <= 0 {
		fanOut(n, benchClients, fn)
		return
	}
	jobs := make(chan int)
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for i := range n {
			<-tick.C
			jobs <- i
		}
		close(jobs)
	}()
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() {
			for i := range jobs {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// waitStored waits until every request in ids (but "") is in Redis with its
// approval message recorded, and returns them by ID. Requests are created
// roughly in the order of ids, so each poll resumes at the first one not
// yet there.
func waitStored(t testing.TB, h *harness, ids []string, timeout time.Duration) map[string]*approvals.Request {
	t.Helper()
	store := approvals.NewStore(h.redis.Client(t), approvals.Options{})
	out := make(map[string]*approvals.Request, len(ids))
	next := 0
	waitUntil(t, timeout, fmt.Sprintf("%d requests stored with their approval message", len(ids)), func() bool {
		for ; next < len(ids); next++ {
			if ids[next] == "" {
				continue
			}
			r, err := store.Get(context.Background(), ids[next])
			if errors.Is(err, approvals.ErrNotFound) || (err == nil && r.MessageTS == "") {
				return false
			}
			if err != nil {
				t.Fatalf("reading request %s: %v", ids[next], err)
			}
			out[ids[next]] = r
		}
		return true
	})
	return out
}

// latencies are measured durations.
type latencies []time.Duration

// pct is the p-th percentile (nearest rank); pct(100) is the maximum.
func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// benchReport collects the figures of a run and prints them as a Markdown
// table.
type benchReport struct {
	loadBefore string
	mu         sync.Mutex
	rows       [][6]string
	notes      []string
}

func (r *benchReport) add(what string, l latencies, target, verdict, extra string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, [6]string{what, ms(l.pct(50)), ms(l.pct(99)), target, verdict, extra})
}

func (r *benchReport) addValue(what, value, target, verdict string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, [6]string{what, value, "", target, verdict, ""})
}

func (r *benchReport) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *benchReport) print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(w, "\n## regionswitch-bot benchmark report\n\n%s %s/%s; %d CPUs (GOMAXPROCS %d), %s; load average before %s, after %s; %s\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(),
		r.loadBefore, loadAverage(), time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintln(w, "| measure | p50 / value | p99 | target | result | notes |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, row := range r.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row[:], " | "))
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "\n- %s", n)
	}
	fmt.Fprintln(w)
}

// loadAverage is the 1-minute load average: the machine's other work.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}
