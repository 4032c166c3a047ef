package bot

import (
	"context"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
	"github.com/regionswitch-bot/regionswitch-bot/render"
)

// Reply is the immediate, ephemeral answer to a slash command: it goes back
// in the HTTP response (or the Socket Mode ack), so it costs no API call.
type Reply struct {
	Text string
}

// Body is the reply as Slack takes it in an ack: an ephemeral message.
func (r Reply) Body() map[string]string {
	return map[string]string{"response_type": slack.ResponseTypeEphemeral, "text": r.Text}
}

// asker identifies who to answer privately: the user, in a channel, through
// a response_url when Slack gave one.
type asker struct {
	user, channel, responseURL string
}

// tell sends an ephemeral message to one person. It tries the response_url
// first (works in any channel), then chat.postEphemeral.
func (b *Bot) tell(ctx context.Context, log *slog.Logger, to asker, text string) {
	if to.responseURL != "" {
		err := b.hook(ctx, to.responseURL, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false})
		if err == nil {
			return
		}
		log.Warn("response_url post failed; trying chat.postEphemeral", "err", err)
	}
	if _, err := b.slack.PostEphemeralContext(ctx, to.channel, to.user, slack.MsgOptionText(text, false)); err != nil {
		log.Error("could not tell the user", "user", to.user, "channel", to.channel, "err", err)
	}
}

// refreshApproval rewrites the approval message to r's current state.
func (b *Bot) refreshApproval(ctx context.Context, r *approvals.Request) {
	if r.MessageTS == "" || r.ChannelID == "" {
		return
	}
	if _, _, _, err := b.slack.UpdateMessageContext(ctx, r.ChannelID, r.MessageTS, render.Approval(r).Options()...); err != nil {
		b.log.Error("could not update the approval message", "request_id", r.ID, "status", r.Status, "err", err)
	}
}

// notify posts text to the incident channels (not to r's own channel).
func (b *Bot) notify(ctx context.Context, r *approvals.Request, text string) {
	for _, ch := range b.cfg.NotifyChannels {
		if ch == r.ChannelID {
			continue
		}
		if _, _, err := b.slack.PostMessageContext(ctx, ch, render.Notice(text).Options()...); err != nil {
			b.log.Error("could not notify incident channel", "channel", ch, "request_id", r.ID, "err", err)
		}
	}
}

// publish posts m in r's channel and in the incident channels. It returns
// the ts of the post in r's channel ("" if it failed).
func (b *Bot) publish(ctx context.Context, r *approvals.Request, m render.Message) (ts string) {
	channels := append([]string{r.ChannelID}, b.cfg.NotifyChannels...)
	seen := map[string]bool{}
	for _, ch := range channels {
		if ch == "" || seen[ch] {
			continue
		}
		seen[ch] = true
		_, posted, err := b.slack.PostMessageContext(ctx, ch, m.Options()...)
		if err != nil {
			b.log.Error("could not post result", "channel", ch, "request_id", r.ID, "err", err)
			continue
		}
		if ch == r.ChannelID {
			ts = posted
		}
	}
	return ts
}

// threadNote adds m as a reply in the approval message's thread, so that
// the request's story (decisions, result) is also found under it. A failure
// is logged: the result is in the channel already.
func (b *Bot) threadNote(ctx context.Context, r *approvals.Request, m render.Message) {
	if r.ChannelID == "" || r.MessageTS == "" {
		return
	}
	opts := append(m.Options(), slack.MsgOptionTS(r.MessageTS))
	if _, _, err := b.slack.PostMessageContext(ctx, r.ChannelID, opts...); err != nil {
		b.log.Error("could not reply in the approval message's thread", "request_id", r.ID, "err", err)
	}
}

// storeDown is what people are told when Redis cannot record a decision.
const storeDown = ":warning: Approvals can't be recorded right now (the bot's Redis store is unreachable). Nothing was changed and nothing was executed. Try again in a minute; if it persists, page the bot's owners."
