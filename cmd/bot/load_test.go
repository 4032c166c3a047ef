package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
)

const (
	loadCommands  = 2000 // slash commands, one plan each
	loadApprovals = 200  // of those requests, approved
)

// TestLoad runs loadCommands commands and loadApprovals approvals through
// two bot replicas sharing one redis-server, requests split between them,
// and checks that nothing is lost and nothing runs twice: every command gets
// its approval message (or a specific refusal), every approved request
// exactly one StartPlanExecution, although each approval is clicked twice at
// once, once on each replica.
func TestLoad(t *testing.T) {
	requireBench(t)
	h := newHarness(t, map[string]string{"NOTIFY_CHANNEL_IDS": ""})
	h.stop()
	var logs [2]*syncbuf.Buffer
	var replicas [2]*replica
	for i := range replicas {
		logs[i] = &syncbuf.Buffer{}
		replicas[i] = launch(t, logs[i], slog.LevelInfo, h.clock.Now, 2*time.Minute)
	}
	arns := addPlans(h.arc, "load", loadCommands)

	res := driveLoad(t, h, loadSpec{urls: []string{replicas[0].url, replicas[1].url}, arns: arns, approvals: loadApprovals})
	start := time.Now()
	for _, r := range replicas {
		r.stop(t, 2*time.Minute)
	}
	drained := time.Since(start)

	v := verifyLoad(t, h, res)
	for i, l := range logs {
		s := l.String()
		v.logErrors += strings.Count(s, "level=ERROR")
		for _, secret := range []string{testSecret, testBotToken, "aws-secret-do-not-leak"} {
			if strings.Contains(s, secret) {
				t.Errorf("replica %d logged a secret", i)
			}
		}
		if t.Failed() {
			t.Logf("replica %d logs:\n%s", i, s)
		}
	}
	if v.logErrors > 0 {
		t.Errorf("%d ERROR lines in the replicas' logs", v.logErrors)
	}

	w := os.Stdout
	fmt.Fprintf(w, "\n## load: %d commands, %d approvals (each clicked on both replicas), 2 replicas, one redis-server, %d clients\n\n", loadCommands, loadApprovals, benchClients)
	fmt.Fprintln(w, "| measure | value |")
	fmt.Fprintln(w, "|---|---|")
	rows := [][2]string{
		{"commands acknowledged", fmt.Sprintf("%d in %s: %.0f/s", loadCommands-res.ackErrors, res.ackWall.Round(time.Millisecond), res.ackRate())},
		{"ack latency p50 / p99", ms(res.ackLat.pct(50)) + " / " + ms(res.ackLat.pct(99))},
		{"requests created (approval message posted and recorded)", fmt.Sprintf("%d in %s: %.0f/s", len(res.stored), res.createdWall.Round(time.Millisecond), float64(len(res.stored))/res.createdWall.Seconds())},
		{"approvals started (StartPlanExecution received)", fmt.Sprintf("%d in %s: %.0f/s", len(res.approveLat), res.approveWall.Round(time.Millisecond), float64(len(res.approveLat))/res.approveWall.Seconds())},
		{"approve click → StartPlanExecution p50 / p99", ms(res.approveLat.pct(50)) + " / " + ms(res.approveLat.pct(99))},
		{"shutdown of both replicas after the load (cancel → Run returned)", ms(drained)},
		{"errors: command acks, clicks", fmt.Sprintf("%d, %d", res.ackErrors, res.clickErrors)},
		{"lost requests, refusals, duplicate approval messages", fmt.Sprintf("%d, %d, %d", v.lost, v.refused, v.duplicates)},
		{"StartPlanExecution calls (want one per approved request)", fmt.Sprintf("%d for %d approved requests; %d wrong", v.starts, loadApprovals, v.badStarts)},
		{"losing clicks answered \"already …\"", fmt.Sprintf("%d of %d", v.losersTold, loadApprovals)},
		{"ERROR lines in the logs", fmt.Sprint(v.logErrors)},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s |\n", r[0], r[1])
	}
}

// loadSpec says what driveLoad sends.
type loadSpec struct {
	urls      []string // the bots, used round-robin
	arns      []string // one execute command per plan
	first     int      // index of the first command: its response_url is "cmd-<first>"
	approvals int      // how many of the requests to approve
	rate      int      // commands (then clicks) per second; 0: as fast as benchClients clients go
}

// loadResult is what driveLoad measured.
type loadResult struct {
	spec                 loadSpec
	ids                  []string // request ID of each command ("" if the command failed)
	stored               map[string]*approvals.Request
	approved             []string // the requests clicked
	ackErrors            int      // transport errors, non-200 or unexpected acks
	clickErrors          int      // transport errors or non-200 answers to clicks
	ackWall, createdWall time.Duration
	approveWall          time.Duration
	ackLat, approveLat   latencies
}

func (r *loadResult) ackRate() float64 {
	return float64(len(r.ids)-r.ackErrors) / r.ackWall.Seconds()
}

func (r *loadResult) latencySummary() string {
	return fmt.Sprintf("ack p50/p99 %s/%s, approve→start p50/p99 %s/%s",
		ms(r.ackLat.pct(50)), ms(r.ackLat.pct(99)), ms(r.approveLat.pct(50)), ms(r.approveLat.pct(99)))
}

// driveLoad sends one execute command per plan, spread round-robin over the
// bots, from benchClients clients; waits until every request is stored with
// its approval message; then approves the first spec.approvals requests,
// each clicked twice at once by two people, through the first and the last
// bot; and waits until ARC has received their StartPlanExecution.
func driveLoad(t *testing.T, h *harness, spec loadSpec) *loadResult {
	t.Helper()
	c := newSlackClient(benchClients)
	// Spare connections the client dialed but never used would hold a
	// bot's shutdown for up to 5 s (http.Server.Shutdown waits that long for
	// a connection that has not sent a request yet): close them at the end.
	defer c.hc.CloseIdleConnections()
	n := len(spec.arns)
	res := &loadResult{spec: spec, ids: make([]string, n), ackLat: make(latencies, n)}
	var ackErrs atomic.Int64
	start := time.Now()
	sendAll(n, spec.rate, func(i int) {
		body := commandBody(h, spec.first+i, "execute "+spec.arns[i]+" activate us-west-2")
		status, resp, took, err := c.post(spec.urls[i%len(spec.urls)]+"/slack/commands", body)
		res.ackLat[i] = took
		if m := ackRequestID.FindSubmatch(resp); err == nil && status == http.StatusOK && m != nil {
			res.ids[i] = string(m[1])
			return
		}
		ackErrs.Add(1)
	})
	res.ackWall = time.Since(start)
	res.ackErrors = int(ackErrs.Load())
	res.stored = waitStored(t, h, res.ids, 2*time.Minute)
	res.createdWall = time.Since(start)
	if spec.approvals == 0 {
		return res
	}

	for _, id := range res.ids {
		if id != "" && len(res.approved) < spec.approvals {
			res.approved = append(res.approved, id)
		}
	}
	before := len(h.arc.CallsTo("StartPlanExecution"))
	clicked := make([]time.Time, len(res.approved))
	var clickErrs atomic.Int64
	start = time.Now()
	sendAll(2*len(res.approved), 2*spec.rate, func(j int) {
		k, second := j/2, j%2 == 1
		user, url := fmt.Sprintf("UAPPA%04d", k), spec.urls[0]
		if second {
			user, url = fmt.Sprintf("UAPPB%04d", k), spec.urls[len(spec.urls)-1]
		} else {
			clicked[k] = time.Now()
		}
		id := res.approved[k]
		status, _, _, err := c.post(url+"/slack/interactions", clickBody(h, user, res.stored[id].MessageTS, id))
		if err != nil || status != http.StatusOK {
			clickErrs.Add(1)
		}
	})
	res.clickErrors = int(clickErrs.Load())
	calls := h.arc.WaitForCalls(t, "StartPlanExecution", before+len(res.approved), time.Minute)
	res.approveWall = time.Since(start)
	at := map[string]time.Time{}
	for _, call := range calls[before:] {
		at[commentRequestID(call)] = call.At
	}
	for k, id := range res.approved {
		if a, ok := at[id]; ok {
			res.approveLat = append(res.approveLat, a.Sub(clicked[k]))
		}
	}
	return res
}

// loadCheck is what verifyLoad found.
type loadCheck struct {
	lost, refused, duplicates int
	starts, badStarts         int
	losersTold                int
	logErrors                 int
}

func (v loadCheck) summary() string {
	return fmt.Sprintf("%d lost, %d refused, %d duplicate approval messages, %d StartPlanExecution (%d wrong), %d losing clicks answered",
		v.lost, v.refused, v.duplicates, v.starts, v.badStarts, v.losersTold)
}

// verifyLoad checks, once the bots have stopped (and so finished their
// background work), that every command of the loads got its approval
// message and its requester was told, or got a specific refusal; that each
// approved request was started exactly once and is executed in Redis, the
// others still pending; and that each losing click was answered.
func verifyLoad(t *testing.T, h *harness, loads ...*loadResult) loadCheck {
	t.Helper()
	var v loadCheck
	posted := map[string]int{}  // request ID → approval messages
	told := map[string]string{} // response_url id → text
	already := map[string]int{} // request ID → "already" answers to clicks
	for _, c := range h.slack.Calls() {
		switch {
		case c.Method == "chat.postMessage" && strings.Contains(c.Params["blocks"], "rs_approve"):
			if m := requestIDInBlocks.FindStringSubmatch(c.Params["blocks"]); m != nil {
				posted[m[1]+m[2]]++
			}
		case c.Method == fakeslack.MethodResponseURL && strings.HasPrefix(c.Params["id"], "cmd-"):
			told[c.Params["id"]] += c.Params["text"]
		case c.Method == "chat.postEphemeral" || c.Method == fakeslack.MethodResponseURL:
			if strings.Contains(c.Params["text"], "already") {
				if m := ackRequestID.FindStringSubmatch(c.Params["text"]); m != nil {
					already[m[1]]++
				}
			}
		}
	}
	approved := map[string]bool{}
	for _, res := range loads {
		for _, id := range res.approved {
			approved[id] = true
		}
		if res.ackErrors > 0 || res.clickErrors > 0 {
			t.Errorf("errors: %d command acks, %d clicks", res.ackErrors, res.clickErrors)
		}
	}
	store := approvals.NewStore(h.redis.Client(t), approvals.Options{})
	for _, res := range loads {
		for i, id := range res.ids {
			text := told[fmt.Sprintf("cmd-%d", res.spec.first+i)]
			switch {
			case id == "":
				v.lost++
				continue
			case posted[id] == 1 && strings.Contains(text, id):
			case posted[id] > 1:
				v.duplicates++
				t.Errorf("request %s: %d approval messages", id, posted[id])
			case posted[id] == 0 && text != "":
				v.refused++
				t.Logf("command %d refused: %q", res.spec.first+i, text)
			default:
				v.lost++
				t.Errorf("command %d (request %s): approval messages %d, told %q", res.spec.first+i, id, posted[id], text)
			}
			want := approvals.StatusPending
			if approved[id] {
				want = approvals.StatusExecuted
			}
			if r, err := store.Get(t.Context(), id); err != nil || r.Status != want {
				t.Errorf("request %s in Redis: %v, %v; want %s", id, r, err, want)
			}
		}
	}
	started := map[string]int{}
	for _, c := range h.arc.CallsTo("StartPlanExecution") {
		v.starts++
		id := commentRequestID(c)
		started[id]++
		if !approved[id] || started[id] > 1 {
			v.badStarts++
			t.Errorf("StartPlanExecution for request %q (approved %v, call %d)", id, approved[id], started[id])
		}
	}
	for id := range approved {
		if started[id] != 1 {
			t.Errorf("approved request %s: %d StartPlanExecution calls, want 1", id, started[id])
		}
		if already[id] == 1 {
			v.losersTold++
		} else {
			t.Errorf("approved request %s: %d \"already\" answers to the losing click, want 1", id, already[id])
		}
	}
	return v
}
