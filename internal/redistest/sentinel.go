package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMasterName is the name under which StartSentinel's Sentinel
// monitors the master.
const SentinelMasterName = "mymaster"

// Sentinel is a master and one Redis Sentinel that monitors it, started by
// StartSentinel.
type Sentinel struct {
	master *Server
	port   int
}

// StartSentinel starts a master (as Start does) and one `redis-server
// --sentinel` on a free loopback port that monitors it as
// SentinelMasterName with a quorum of 1, and waits until the Sentinel
// answers SENTINEL GET-MASTER-ADDR-BY-NAME with the master's address. Both
// are killed when the test ends. It fails the test when redis-server is
// missing or either does not come up.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	master := Start(tb)
	bin, ok := redisBin(tb)
	if !ok {
		return nil
	}
	dir := tb.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	var lastErr error
	for range startAttempts {
		ports, err := freePorts(1)
		if err != nil {
			tb.Fatalf("redistest: pick a free port: %v", err)
		}
		s := &Sentinel{master: master, port: ports[0]}
		// Sentinel rewrites its configuration file, so it is written
		// afresh (and writable) for every attempt.
		cfg := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %q\nsentinel monitor %s 127.0.0.1 %d 1\n",
			s.port, dir, SentinelMasterName, master.port)
		if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
			tb.Fatalf("redistest: write %s: %v", conf, err)
		}
		proc, err := spawn(bin, []string{conf, "--sentinel", "--daemonize", "no", "--logfile", ""}, func(exited <-chan struct{}) error {
			return pollReady(exited, s.knowsMaster)
		})
		if err != nil {
			lastErr = err
			continue
		}
		tb.Cleanup(func() { stopProcess(proc) })
		return s
	}
	tb.Fatalf("redistest: start redis-server --sentinel: %v", lastErr)
	return nil
}

// knowsMaster asks the Sentinel for the master's address once and checks
// the answer.
func (s *Sentinel) knowsMaster() error {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer sc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	got, err := sc.GetMasterAddrByName(ctx, SentinelMasterName).Result()
	if err != nil {
		return fmt.Errorf("SENTINEL GET-MASTER-ADDR-BY-NAME %s: %w", SentinelMasterName, err)
	}
	if len(got) != 2 || net.JoinHostPort(got[0], got[1]) != s.master.Addr() {
		return fmt.Errorf("SENTINEL GET-MASTER-ADDR-BY-NAME %s = %q, want %s", SentinelMasterName, got, s.master.Addr())
	}
	return nil
}

// Addr returns the Sentinel's address, 127.0.0.1:port.
func (s *Sentinel) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// MasterName returns the name the master is monitored under.
func (s *Sentinel) MasterName() string {
	return SentinelMasterName
}

// Master returns the monitored master, e.g. to read what a client wrote.
func (s *Sentinel) Master() *Server {
	return s.master
}

// Client returns a new failover client that finds the master through the
// Sentinel, closed when the test ends.
func (s *Sentinel) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMasterName, SentinelAddrs: []string{s.Addr()}})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
