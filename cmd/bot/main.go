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
	"os"
	"os/signal"
	"syscall"
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
	m, err := newMain(ctx, cfg, log, mainDeps{})
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Run(ctx)
}
