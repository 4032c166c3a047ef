package tracker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
)

// slackTimeout bounds one Slack call together with the Redis record of it.
const slackTimeout = 15 * time.Second

// follower polls one execution while this replica holds its lease.
type follower struct {
	t     *Tracker
	id    string
	token string
	log   *slog.Logger
	// preferred is the Region asked first: the execution's own, until it
	// stops answering and the other Region answers.
	preferred string
	// status is the status line last written to the result message.
	status string
	// failures counts polls in a row that could not read the execution.
	failures int
}

// follow polls execution id every interval until it ends, ctx ends or
// another replica takes it over, then releases the lease.
func (t *Tracker) follow(ctx context.Context, id, token string) {
	f := &follower{t: t, id: id, token: token, log: t.log.With("execution_id", id)}
	f.log.InfoContext(ctx, "following execution")
	defer f.release(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		done, err := f.poll(ctx)
		switch {
		case isLeaseLost(err):
			f.log.InfoContext(ctx, "another replica follows the execution now")
			return
		case err != nil && ctx.Err() == nil:
			// During an outage, say so at first and then every dozen polls.
			level := slog.LevelWarn
			if f.failures > 1 && f.failures%12 != 0 {
				level = slog.LevelDebug
			}
			f.log.Log(ctx, level, "polling execution", "err", err)
		}
		if done {
			return
		}
		timer.Reset(t.opts.PollInterval)
	}
}

// release gives the lease up, so that another replica can take over at
// once. It runs after ctx has ended, on a context of its own.
func (f *follower) release(ctx context.Context) {
	rctx, cancel := detached(ctx, f.t.opts.RegionTimeout)
	defer cancel()
	if err := f.t.store.release(rctx, f.id, f.token); err != nil {
		f.log.WarnContext(rctx, "releasing lease", "err", err)
	}
}

// poll does one round: renew the lease, read the execution, post what is
// new, keep the result message current, and finish at a final state. done
// is true when tracking of the execution has ended.
func (f *follower) poll(ctx context.Context) (done bool, err error) {
	t := f.t
	ok, err := t.store.renew(ctx, f.id, f.token, t.opts.LeaseTTL)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, errLeaseLost
	}
	rec, err := t.store.load(ctx, f.id)
	if err != nil {
		return false, err
	}
	if rec == nil || rec.done {
		return true, t.store.forget(ctx, f.id)
	}
	if f.preferred == "" {
		f.preferred = rec.Region
		f.log = f.log.With("request_id", rec.RequestID)
	}
	now := t.opts.Now()
	exec, events, err := f.fetch(ctx, rec)
	if err != nil {
		if now.Sub(rec.registeredAt) > t.opts.MaxAge {
			err = f.giveUp(ctx, rec)
			return err == nil, err
		}
		return false, err
	}
	for _, ev := range events {
		if err := f.post(ctx, rec, itemEventPrefix+ev.ID, rec.Channel, rec.MessageTS, eventMessage(ev), ""); err != nil {
			return false, err
		}
	}
	if session.FinalState(exec.State) {
		err = f.finish(ctx, rec, exec, events, now)
		return err == nil, err
	}
	for _, step := range waitingSteps(exec, events) {
		if err := f.post(ctx, rec, itemAskPrefix+step, rec.Channel, rec.MessageTS, askMessage(rec, step), fieldAskTSPrefix+step); err != nil {
			return false, err
		}
	}
	f.update(ctx, rec, statusLine(exec, currentStep(exec, events), now, false))
	if now.Sub(rec.registeredAt) > t.opts.MaxAge {
		err = f.giveUp(ctx, rec)
		return err == nil, err
	}
	return false, nil
}

// fetch reads the execution and its events from the preferred Region, and
// from the other Region when the preferred one does not answer (no
// response, a timeout, or a 5xx). A Region that answers with a refusal
// (4xx) is believed: the other is not asked.
func (f *follower) fetch(ctx context.Context, rec *record) (Execution, []Event, error) {
	other := rec.OtherRegion
	if f.preferred == other {
		other = rec.Region
	}
	var errs []error
	for _, region := range []string{f.preferred, other} {
		if region == "" {
			continue
		}
		exec, events, err := f.fetchIn(ctx, region, rec)
		if err == nil {
			if region != f.preferred {
				f.log.WarnContext(ctx, "Region did not answer; following the execution through the other Region", "from", f.preferred, "to", region)
				f.preferred = region
			}
			if f.failures > 0 {
				f.log.InfoContext(ctx, "ARC answers again", "region", region, "failed_polls", f.failures)
			}
			f.failures = 0
			return exec, events, nil
		}
		errs = append(errs, err)
		if !session.AskElsewhere(err) || ctx.Err() != nil {
			break
		}
	}
	f.failures++
	return Execution{}, nil, fmt.Errorf("reading the execution from ARC (%d failed polls in a row): %w", f.failures, errors.Join(errs...))
}

// fetchIn reads the execution, then its events, from one Region within
// RegionTimeout. Reading the state first means that the events of a final
// execution are all listed.
func (f *follower) fetchIn(ctx context.Context, region string, rec *record) (Execution, []Event, error) {
	ctx, cancel := context.WithTimeout(ctx, f.t.opts.RegionTimeout)
	defer cancel()
	exec, err := f.t.arc.GetExecution(ctx, region, rec.PlanARN, rec.ExecutionID)
	if err != nil {
		return Execution{}, nil, err
	}
	events, err := f.t.arc.ListEvents(ctx, region, rec.PlanARN, rec.ExecutionID)
	if err != nil {
		return Execution{}, nil, err
	}
	return exec, events, nil
}

// post posts m to channel (in the thread threadTS when set) unless item was
// posted before (rec.posted, then Redis), and records it as posted; with
// tsField set, the new message's ts is stored in that hash field too.
//
// The claim before posting is fenced by the lease: a replica that lost it
// posts nothing. The Slack call and the record run on a context that
// outlives ctx, so that a replica that is shutting down finishes what it
// started. A crash between Slack's answer and the record leaves the item
// in flight: the next attempt posts it again, labelled as a possible
// repeat (at-least-once).
func (f *follower) post(ctx context.Context, rec *record, item, channel, threadTS string, m render.Message, tsField string) error {
	if rec.posted[item] {
		return nil
	}
	res, err := f.t.store.claim(ctx, f.id, f.token, item)
	switch {
	case err != nil:
		return err
	case res == claimPosted:
		return nil
	case res == claimLost:
		return errLeaseLost
	case res == claimRetry:
		f.log.WarnContext(ctx, "posting again what an earlier attempt may have posted", "item", item)
		m = resent(m)
	}
	pctx, cancel := detached(ctx, slackTimeout)
	defer cancel()
	opts := m.Options()
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := f.t.slack.PostMessageContext(pctx, channel, opts...)
	if err != nil {
		if refused(err) {
			if aerr := f.t.store.abandon(pctx, f.id, item); aerr != nil {
				f.log.WarnContext(pctx, "clearing in-flight mark", "item", item, "err", aerr)
			}
		}
		return fmt.Errorf("post %s to %s: %w", item, channel, err)
	}
	var pairs []string
	if tsField != "" {
		pairs = []string{tsField, ts}
	}
	if err := f.t.store.mark(pctx, f.id, item, pairs...); err != nil {
		return err
	}
	rec.posted[item] = true
	return nil
}

// refused reports whether Slack answered that it did not post: an error
// response or a rate limit. Anything else (no answer) may have posted.
func refused(err error) bool {
	var se slack.SlackErrorResponse
	var rl *slack.RateLimitedError
	return errors.As(err, &se) || errors.As(err, &rl)
}

// update rewrites the result message with status when it changed.
func (f *follower) update(ctx context.Context, rec *record, status string) {
	if status == f.status {
		return
	}
	uctx, cancel := detached(ctx, slackTimeout)
	defer cancel()
	if _, _, _, err := f.t.slack.UpdateMessageContext(uctx, rec.Channel, rec.MessageTS, resultMessage(rec, status).Options()...); err != nil {
		f.log.WarnContext(uctx, "updating the result message", "err", err)
		return
	}
	f.status = status
}

// finish reports a final state: the result message, a summary in the
// channel and the notify channels (each once), then ends tracking.
func (f *follower) finish(ctx context.Context, rec *record, exec Execution, events []Event, now time.Time) error {
	f.update(ctx, rec, statusLine(exec, currentStep(exec, events), now, true))
	for _, ch := range summaryChannels(rec) {
		err := f.post(ctx, rec, itemSummaryPrefix+ch, ch, "", summaryMessage(rec, exec, now, ch != rec.Channel), "")
		var se slack.SlackErrorResponse
		if ch != rec.Channel && errors.As(err, &se) {
			// A notify channel that refuses (not_in_channel, archived, ...)
			// will keep refusing: it must not hold tracking open.
			f.log.ErrorContext(ctx, "could not post the summary to a notify channel", "channel", ch, "err", err)
			continue
		}
		if err != nil {
			return err
		}
	}
	fctx, cancel := detached(ctx, slackTimeout)
	defer cancel()
	if err := f.t.store.finish(fctx, f.id, f.token, f.t.opts.Retention); err != nil {
		return err
	}
	f.log.InfoContext(ctx, "execution ended; tracking stopped", "state", exec.State, "duration", duration(exec, now))
	return nil
}

// giveUp stops following an execution older than MaxAge and says so in
// its thread.
func (f *follower) giveUp(ctx context.Context, rec *record) error {
	if err := f.post(ctx, rec, itemGiveUp, rec.Channel, rec.MessageTS, giveUpMessage(f.t.opts.MaxAge), ""); err != nil {
		return err
	}
	fctx, cancel := detached(ctx, slackTimeout)
	defer cancel()
	if err := f.t.store.finish(fctx, f.id, f.token, f.t.opts.Retention); err != nil {
		return err
	}
	f.log.WarnContext(ctx, "gave up following the execution", "max_age", f.t.opts.MaxAge)
	return nil
}

// summaryChannels are the execution's channel and its notify channels,
// each once.
func summaryChannels(rec *record) []string {
	seen := map[string]bool{}
	var out []string
	for _, ch := range append([]string{rec.Channel}, rec.NotifyChannels...) {
		if ch != "" && !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	return out
}
