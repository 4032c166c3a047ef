// Package web serves the bot over HTTP: the Slack endpoints (every request
// verified with the signing secret before anything is read from it), health,
// readiness and metrics. Handlers answer Slack at once; the bot does slow
// work in the background.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/regionswitch-bot/regionswitch-bot/bot"
)

// Bot is what the handlers hand verified requests to; *bot.Bot satisfies it.
type Bot interface {
	Command(ctx context.Context, cmd slack.SlashCommand) bot.Reply
	Interaction(ctx context.Context, cb slack.InteractionCallback) any
}

// Options configures the handlers.
type Options struct {
	// SigningSecret verifies Slack requests. Empty: the Slack endpoints are
	// not served (Socket Mode).
	SigningSecret string
	// MaxBody caps a Slack request body (default 64 KiB; Slack's are small).
	MaxBody int64
	// Ready reports whether the bot can serve (Redis answers).
	Ready func(ctx context.Context) error
	// Metrics serves /metrics; nil: not served.
	Metrics http.Handler
	// Observe records one Slack request: kind (command, interaction),
	// outcome (ok, unauthorized, bad_request, too_large) and the time to ack.
	Observe func(kind, outcome string, d time.Duration)
	Logger  *slog.Logger
}

// Handler returns the bot's HTTP handler.
func Handler(b Bot, opts Options) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 64 << 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Observe == nil {
		opts.Observe = func(string, string, time.Duration) {}
	}
	s := &server{bot: b, opts: opts, log: opts.Logger.With("component", "web")}
	mux := http.NewServeMux()
	if opts.SigningSecret != "" {
		mux.HandleFunc("POST /slack/commands", s.commands)
		mux.HandleFunc("POST /slack/interactions", s.interactions)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics)
	}
	return mux
}

type server struct {
	bot  Bot
	opts Options
	log  *slog.Logger
}

// errTooLarge marks a body over MaxBody.
var errTooLarge = errors.New("request body too large")

// verified reads the body of a Slack request and checks its v0 signature
// and timestamp. It returns the body only if the request is genuine.
func (s *server) verified(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	sv, err := slack.NewSecretsVerifier(r.Header, s.opts.SigningSecret)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.TeeReader(http.MaxBytesReader(w, r.Body, s.opts.MaxBody), &sv))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, err
	}
	if err := sv.Ensure(); err != nil {
		return nil, err
	}
	return body, nil
}

func (s *server) refuse(w http.ResponseWriter, r *http.Request, kind string, start time.Time, err error) {
	status, outcome := http.StatusUnauthorized, "unauthorized"
	if errors.Is(err, errTooLarge) {
		status, outcome = http.StatusRequestEntityTooLarge, "too_large"
	}
	s.log.Warn("slack request refused", "kind", kind, "remote", r.RemoteAddr, "status", status, "err", err)
	http.Error(w, http.StatusText(status), status)
	s.opts.Observe(kind, outcome, time.Since(start))
}

func (s *server) commands(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := s.verified(w, r)
	if err != nil {
		s.refuse(w, r, "command", start, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		s.opts.Observe("command", "bad_request", time.Since(start))
		return
	}
	reply := s.bot.Command(r.Context(), cmd)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply.Body())
	s.opts.Observe("command", "ok", time.Since(start))
}

func (s *server) interactions(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := s.verified(w, r)
	if err != nil {
		s.refuse(w, r, "interaction", start, err)
		return
	}
	form, err := url.ParseQuery(string(body))
	var cb slack.InteractionCallback
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &cb)
	}
	if err != nil {
		s.log.Warn("malformed interaction payload", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		s.opts.Observe("interaction", "bad_request", time.Since(start))
		return
	}
	if resp := s.bot.Interaction(r.Context(), cb); resp != nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	s.opts.Observe("interaction", "ok", time.Since(start))
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "not ready: redis unreachable\n")
			return
		}
	}
	_, _ = io.WriteString(w, "ready\n")
}
