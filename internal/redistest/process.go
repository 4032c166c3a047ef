package redistest

import (
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
)

// spawn starts bin with args and waits for ready, which is given a channel
// closed when the process exits. When ready fails, the process is killed
// and the error carries its output.
func spawn(bin string, args []string, ready func(exited <-chan struct{}) error) (*process, error) {
	p := &process{cmd: exec.Command(bin, args...), out: &syncbuf.Buffer{}, done: make(chan struct{})}
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	if err := ready(p.done); err != nil {
		stopProcess(p)
		return nil, fmt.Errorf("%w; output:\n%s", err, p.out.String())
	}
	return p, nil
}

// stopProcess kills p and waits for it to exit.
func stopProcess(p *process) {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// pollReady calls check until it succeeds, the process exits or
// readyTimeout passes.
func pollReady(exited <-chan struct{}, check func() error) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-exited:
			return errors.New("the process exited before it was ready")
		default:
		}
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %s: %w", readyTimeout, err)
		}
		time.Sleep(10 * time.Millisecond) // readiness poll, not synchronisation
	}
}

// redisBin finds redis-server, or fails tb with how to install it.
func redisBin(tb testing.TB) (string, bool) {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatal("redis-server not found: apt-get install -y redis-server")
		return "", false
	}
	return bin, true
}
