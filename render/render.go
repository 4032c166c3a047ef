// Package render turns approval requests into Slack messages (Block Kit plus
// a plain-text fallback). It owns the words people read in the channel: the
// approval message through its life (pending, Approved, Rejected, Expired,
// executing, Started, Failed) and the result posts. It does no I/O.
package render

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/approvals"
)

// Action IDs of the approval message's buttons. The button value is the
// request ID and nothing else: everything the execution needs is read from
// the stored request.
const (
	ActionApprove = "rs_approve"
	ActionReject  = "rs_reject"
	// BlockDecision is the block ID of the actions block with the buttons.
	BlockDecision = "rs_decision"
)

// Message is a rendered Slack message.
type Message struct {
	// Text is the notification and accessibility fallback; it carries the
	// same facts as the blocks.
	Text   string
	Blocks []slack.Block
}

// Options returns the slack-go message options for m.
func (m Message) Options() []slack.MsgOption {
	return []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
}

// Escape makes user-supplied text inert in Slack mrkdwn: no mentions, no
// links, no <!channel>.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Mention formats a Slack user ID as a mention.
func Mention(userID string) string {
	if userID == "" || userID == "system" {
		return "the bot"
	}
	return "<@" + userID + ">"
}

func mentions(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = Mention(id)
	}
	return strings.Join(out, ", ")
}

// PlanLabel is the plan's name with its ARN, for messages.
func PlanLabel(r *approvals.Request) string {
	if r.PlanName != "" {
		return fmt.Sprintf("*%s* (`%s`)", Escape(r.PlanName), r.PlanARN)
	}
	return fmt.Sprintf("`%s`", r.PlanARN)
}

func planName(r *approvals.Request) string {
	if r.PlanName != "" {
		return r.PlanName
	}
	return r.PlanARN
}

// slackDate renders t in each reader's time zone, with a UTC fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// Section is a Block Kit section of mrkdwn text.
func Section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

func fields(pairs ...string) *slack.SectionBlock {
	var fs []*slack.TextBlockObject
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		fs = append(fs, slack.NewTextBlockObject(slack.MarkdownType, "*"+pairs[i]+"*\n"+pairs[i+1], false, false))
	}
	return slack.NewSectionBlock(nil, fs, nil)
}

// ContextLine is a Block Kit context block of one mrkdwn line.
func ContextLine(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, text, false, false))
}

// clip shortens escaped mrkdwn s to at most n runes, never inside an
// entity such as &amp;, marking the cut. Slack refuses a section over 3000
// characters, and escaping can make text up to five times longer.
func clip(s string, n int) string {
	cut := Truncate(s, n)
	if cut == s {
		return s
	}
	cut = strings.TrimSuffix(cut, "…")
	if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	return cut + "…"
}

// Truncate shortens s to at most n runes, the last of them "…" when it
// cuts. Slack limits most texts by characters.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// MessageLink links to a channel message (Slack redirects it to the
// client), or is "" when the message is not known.
func MessageLink(channel, ts string) string {
	if channel == "" || ts == "" {
		return ""
	}
	return fmt.Sprintf("https://slack.com/archives/%s/p%s", channel, strings.ReplaceAll(ts, ".", ""))
}
