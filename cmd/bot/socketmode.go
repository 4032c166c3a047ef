package main

import (
	"context"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/regionswitch-bot/regionswitch-bot/bot"
)

// socketMode serves the bot over Slack's Socket Mode: Slack authenticates
// the WebSocket with the app-level token, so no public URL and no request
// signing are involved. Each envelope is acked at once.
type socketMode struct {
	client *socketmode.Client
	bot    *bot.Bot
	log    *slog.Logger
}

func newSocketMode(api *slack.Client, b *bot.Bot, log *slog.Logger) *socketMode {
	return &socketMode{client: socketmode.New(api), bot: b, log: log.With("component", "socketmode")}
}

func (s *socketMode) run(ctx context.Context) error {
	go s.dispatch(ctx)
	return s.client.RunContext(ctx)
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
			s.handle(ctx, ev)
		}
	}
}

func (s *socketMode) handle(ctx context.Context, ev socketmode.Event) {
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := ev.Data.(slack.SlashCommand)
		if !ok || ev.Request == nil {
			return
		}
		reply := s.bot.Command(ctx, cmd)
		s.ack(ev, map[string]string{"response_type": slack.ResponseTypeEphemeral, "text": reply.Text})
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok || ev.Request == nil {
			return
		}
		s.ack(ev, s.bot.Interaction(ctx, cb))
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		s.log.Error("socket mode connection problem", "type", ev.Type)
	case socketmode.EventTypeConnected:
		s.log.Info("socket mode connected")
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
		s.log.Error("socket mode ack failed", "type", ev.Type, "err", err)
	}
}
