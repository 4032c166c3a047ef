package fakeslack

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Message is a channel message as the fake holds it.
type Message struct {
	Channel  string // channel ID the message was posted to
	TS       string // the message's timestamp, its ID within the channel
	ThreadTS string // parent's ts for a reply in a thread, else empty
	Text     string // current text
	// Blocks is the raw JSON array last sent as blocks, nil if none was.
	Blocks []byte
	// Updates counts the successful chat.update calls on the message.
	Updates int
}

func (m Message) clone() Message {
	m.Blocks = slices.Clone(m.Blocks)
	return m
}

// Messages returns the current state of the messages posted to channel, in
// post order. chat.postMessage adds a message with a new ts, unique across
// channels and increasing ("1733331111.000100"); chat.update replaces its
// text and blocks (each only when the call sends it; an empty blocks array
// clears them) and increments Updates.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channel]))
	for _, m := range s.messages[channel] {
		out = append(out, m.clone())
	}
	return out
}

// Message returns the current state of the message ts in channel, and
// whether there is one.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.findMessage(channel, ts); m != nil {
		return m.clone(), true
	}
	return Message{}, false
}

func (s *Server) findMessage(channel, ts string) *Message {
	for _, m := range s.messages[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// nextTS returns a new message timestamp, with s.mu held.
func (s *Server) nextTS() string {
	s.tsSeq++
	micros := s.tsSeq * 100
	return fmt.Sprintf("%d.%06d", s.tsBase+micros/1_000_000, micros%1_000_000)
}

// apiMethods are the Web API methods the fake answers.
var apiMethods = map[string]handler{
	"auth.test":             (*Server).authTest,
	"chat.postMessage":      (*Server).postMessage,
	"chat.update":           (*Server).update,
	"chat.postEphemeral":    (*Server).postEphemeral,
	"usergroups.users.list": (*Server).userGroupUsers,
	"views.open":            (*Server).openView,
	"views.push":            (*Server).openView,
	"views.update":          (*Server).updateView,
	"users.info":            (*Server).userInfo,
	"conversations.info":    (*Server).conversationInfo,
}

func (s *Server) authTest(Call) reply {
	return okReply(map[string]any{
		"url":     "https://fake.slack.com/",
		"team":    "Fake",
		"user":    "regionswitch",
		"team_id": TeamID,
		"user_id": BotUserID,
		"bot_id":  BotID,
	})
}

// blocksParam returns the blocks field of c, whether it was sent, and
// whether it is a JSON array.
func blocksParam(c Call) (raw []byte, sent, valid bool) {
	v, sent := c.Params["blocks"]
	if !sent {
		return nil, false, true
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal([]byte(v), &blocks); err != nil || blocks == nil {
		return nil, true, false
	}
	return []byte(v), true, true
}

func (s *Server) postMessage(c Call) reply {
	channel := c.Params["channel"]
	if channel == "" {
		return errReply("channel_not_found")
	}
	blocks, _, valid := blocksParam(c)
	if !valid {
		return errReply("invalid_blocks")
	}
	text := c.Params["text"]
	if text == "" && blocks == nil && c.Params["attachments"] == "" {
		return errReply("no_text")
	}
	m := &Message{Channel: channel, TS: s.nextTS(), ThreadTS: c.Params["thread_ts"], Text: text, Blocks: blocks}
	s.messages[channel] = append(s.messages[channel], m)
	return okReply(map[string]any{"channel": channel, "ts": m.TS, "message": messageJSON(m)})
}

func (s *Server) update(c Call) reply {
	channel := c.Params["channel"]
	if channel == "" {
		return errReply("channel_not_found")
	}
	m := s.findMessage(channel, c.Params["ts"])
	if m == nil {
		return errReply("message_not_found")
	}
	blocks, blocksSent, valid := blocksParam(c)
	if !valid {
		return errReply("invalid_blocks")
	}
	text, textSent := c.Params["text"]
	if !textSent && !blocksSent && c.Params["attachments"] == "" {
		return errReply("no_text")
	}
	if textSent {
		m.Text = text
	}
	if blocksSent {
		m.Blocks = blocks
	}
	m.Updates++
	return okReply(map[string]any{"channel": channel, "ts": m.TS, "text": m.Text, "message": messageJSON(m)})
}

// messageJSON is a message as Slack returns it in chat.postMessage and
// chat.update answers.
func messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"type":   "message",
		"user":   BotUserID,
		"bot_id": BotID,
		"team":   TeamID,
		"text":   m.Text,
		"ts":     m.TS,
		"app_id": AppID,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		out["blocks"] = json.RawMessage(m.Blocks)
	}
	return out
}

func (s *Server) postEphemeral(c Call) reply {
	if c.Params["channel"] == "" {
		return errReply("channel_not_found")
	}
	if c.Params["user"] == "" {
		return errReply("user_not_found")
	}
	if _, _, valid := blocksParam(c); !valid {
		return errReply("invalid_blocks")
	}
	return okReply(map[string]any{"message_ts": s.nextTS()})
}

func (s *Server) userGroupUsers(c Call) reply {
	users, ok := s.groups[c.Params["usergroup"]]
	if !ok {
		return errReply("no_such_subteam")
	}
	return okReply(map[string]any{"users": append([]string{}, users...)})
}

// openView answers views.open and views.push.
func (s *Server) openView(c Call) reply {
	if c.Params["trigger_id"] == "" {
		return errReply("invalid_trigger_id")
	}
	s.viewSeq++
	return s.viewReply(c, fmt.Sprintf("V%07d", s.viewSeq))
}

func (s *Server) updateView(c Call) reply {
	id := c.Params["view_id"]
	if id == "" {
		if c.Params["external_id"] == "" {
			return errReply("invalid_arguments")
		}
		s.viewSeq++
		id = fmt.Sprintf("V%07d", s.viewSeq)
	}
	return s.viewReply(c, id)
}

// viewReply echoes the view of c with the fields Slack adds.
func (s *Server) viewReply(c Call, id string) reply {
	var view map[string]any
	if err := json.Unmarshal([]byte(c.Params["view"]), &view); err != nil || view == nil {
		return errReply("invalid_arguments")
	}
	view["id"] = id
	view["team_id"] = TeamID
	view["app_id"] = AppID
	view["bot_id"] = BotID
	view["root_view_id"] = id
	view["hash"] = fmt.Sprintf("%d.%s", s.tsBase, id)
	view["state"] = map[string]any{"values": map[string]any{}}
	if ext := c.Params["external_id"]; ext != "" {
		view["external_id"] = ext
	}
	return okReply(map[string]any{"view": view})
}

// userInfo answers users.info for any user ID: a human whose name is the
// lower-cased ID, except the bot's own user BotUserID.
func (s *Server) userInfo(c Call) reply {
	id := c.Params["user"]
	if id == "" {
		return errReply("user_not_found")
	}
	name := strings.ToLower(id)
	if id == BotUserID {
		name = "regionswitch"
	}
	return okReply(map[string]any{"user": map[string]any{
		"id":        id,
		"team_id":   TeamID,
		"name":      name,
		"real_name": name,
		"deleted":   false,
		"is_bot":    id == BotUserID,
		"profile":   map[string]any{"real_name": name, "display_name": name},
	}})
}

// conversationInfo answers conversations.info for any channel ID: a public
// channel named after the lower-cased ID.
func (s *Server) conversationInfo(c Call) reply {
	id := c.Params["channel"]
	if id == "" {
		return errReply("channel_not_found")
	}
	return okReply(map[string]any{"channel": map[string]any{
		"id":          id,
		"name":        strings.ToLower(id),
		"is_channel":  true,
		"is_private":  false,
		"is_member":   true,
		"is_archived": false,
	}})
}
