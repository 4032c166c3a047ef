// Command bot runs regionswitch-bot: a Slack chat-ops bot that starts AWS ARC
// Region switch plan executions after a second person approves them.
//
// Configuration comes from the environment (see README.md). main only wires
// things together: the packages do the work.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "regionswitch-bot:", err)
		os.Exit(1)
	}
}

// run loads the configuration, builds the bot and serves until ctx ends.
func run(ctx context.Context, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	// go-redis logs reconnection trouble through a package-level logger;
	// route it into the same structured log, once, here at the edge.
	redis.SetLogger(redisLog{log.With("component", "go-redis")})
	m, err := newMain(ctx, cfg, log, mainDeps{})
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Run(ctx)
}

// redisLog adapts slog to go-redis's logger. Its messages carry addresses,
// never the URL's password.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}
