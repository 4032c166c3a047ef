package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/regionswitch-bot/regionswitch-bot/bot"
	"github.com/regionswitch-bot/regionswitch-bot/web"
)

// socketMode serves the bot over Slack's Socket Mode: the bot opens a
// WebSocket with the app-level token (apps.connections.open), so it needs
// no public URL, and the requests on it need no signature. Every envelope
// is acked with the same body the HTTP handlers would answer with (the
// ephemeral reply, a view_submission's errors, a block_suggestion's
// options), each in its own goroutine so that a slow one (the plan list
// waits on AWS for up to 1.5 s) holds up no other. slack-go reconnects by
// itself when Slack sends a disconnect or the connection drops; several
// replicas may be connected at once, and Slack gives each envelope to one
// of them.
type socketMode struct {
	client *socketmode.Client
	bot    web.Bot
	log    *slog.Logger
	// inflight counts the envelopes being handled, so that run returns
	// only after their acks are queued.
	inflight sync.WaitGroup
}

func newSocketMode(api *slack.Client, b *bot.Bot, log *slog.Logger) *socketMode {
	return &socketMode{client: socketmode.New(api), bot: b, log: log.With("component", "socketmode")}
}

// run connects and serves until ctx ends (it then returns ctx's error) or
// the connection fails for good: a rejected app-level token
// (invalid_auth, not_authed, ...) is returned at once; other failures are
// retried by slack-go with backoff.
func (s *socketMode) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		s.dispatch(ctx)
	}()
	err := s.client.RunContext(ctx) // returns only with an error
	if ctx.Err() == nil {
		s.log.Error("socket mode stopped", "err", err)
	}
	cancel()
	<-dispatched
	s.inflight.Wait()
	return err
}

func (s *socketMode) dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-s.client.Events:
			if !ok {
				return
			}
			if ev.Request == nil || ev.Type == socketmode.EventTypeHello {
				s.status(ev)
				continue
			}
			s.inflight.Add(1)
			go func() {
				defer s.inflight.Done()
				s.handle(ctx, ev)
			}()
		}
	}
}

// handle answers one envelope.
func (s *socketMode) handle(ctx context.Context, ev socketmode.Event) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("socket mode handler panicked", "type", ev.Type, "envelope_id", ev.Request.EnvelopeID, "panic", p)
		}
	}()
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := ev.Data.(slack.SlashCommand)
		if !ok {
			s.ack(ev, nil)
			return
		}
		reply := s.bot.Command(ctx, cmd)
		s.ack(ev, reply.Body())
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok {
			s.ack(ev, nil)
			return
		}
		s.ack(ev, s.bot.Interaction(ctx, cb))
	default:
		// Events API envelopes, which the app does not subscribe to: acked
		// so that Slack does not send them again.
		s.log.Debug("socket mode envelope ignored", "type", ev.Type)
		s.ack(ev, nil)
	}
}

// status logs the connection's life. The events carry the WebSocket URL,
// whose ticket is a credential: it is never logged.
func (s *socketMode) status(ev socketmode.Event) {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		s.log.Debug("socket mode connecting")
	case socketmode.EventTypeHello:
		s.log.Debug("socket mode hello")
	case socketmode.EventTypeConnected:
		n := 0
		if c, ok := ev.Data.(*socketmode.ConnectedEvent); ok {
			n = c.ConnectionCount
		}
		s.log.Info("socket mode connected", "connection", n)
	case socketmode.EventTypeConnectionError:
		if e, ok := ev.Data.(*slack.ConnectionErrorEvent); ok {
			s.log.Warn("socket mode connection failed; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "err", e.ErrorObj)
			return
		}
		s.log.Warn("socket mode connection failed; retrying")
	case socketmode.EventTypeInvalidAuth:
		s.log.Error("socket mode: Slack refused the app-level token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
		s.log.Warn("socket mode: unreadable message from Slack", "type", ev.Type)
	case socketmode.EventTypeErrorWriteFailed:
		s.log.Error("socket mode: an ack could not be written; Slack may send the envelope again", "type", ev.Type)
	}
}

func (s *socketMode) ack(ev socketmode.Event, payload any) {
	var err error
	if payload == nil {
		err = s.client.Ack(*ev.Request)
	} else {
		err = s.client.Ack(*ev.Request, payload)
	}
	if err != nil {
		s.log.Error("socket mode ack failed", "type", ev.Type, "envelope_id", ev.Request.EnvelopeID, "err", err)
	}
}
