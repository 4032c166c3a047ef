// Package redistest runs real redis-server processes for tests: a single
// server (which a test may stop and restart to simulate an outage) and a
// small Redis Cluster of masters only.
//
// Every server listens on a free loopback port, keeps nothing on disk
// (--save "" --appendonly no, working directory in a temporary directory) and
// is killed when the test ends. The redis-server binary is looked up in PATH;
// a test fails with an install hint when it is missing.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/syncbuf"
)

const (
	// startAttempts bounds how often a server is started on a fresh port
	// when the port chosen turned out to be taken.
	startAttempts = 5
	// readyTimeout bounds the wait for a started server to answer PING.
	readyTimeout = 10 * time.Second
)

// Server is one redis-server process started by Start.
type Server struct {
	bin     string
	dir     string
	port    int
	busPort int      // cluster bus port; 0 unless in cluster mode
	args    []string // extra arguments, used by clusters

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is a running redis-server and the means to wait for its end.
type process struct {
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{} // closed when the process has exited
}

// Start starts a redis-server on a free loopback port and waits until it
// answers PING. The server is killed when the test ends. Start fails the test
// when redis-server is not installed or does not come up.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, false)
}

// start starts a server, in cluster mode with its own bus port when cluster
// is true.
func start(tb testing.TB, cluster bool) *Server {
	tb.Helper()
	bin, ok := redisBin(tb)
	if !ok {
		return nil
	}
	dir := tb.TempDir()
	var lastErr error
	for range startAttempts {
		ports, err := freePorts(2)
		if err != nil {
			tb.Fatalf("redistest: pick a free port: %v", err)
		}
		s := &Server{bin: bin, dir: dir, port: ports[0]}
		if cluster {
			s.busPort = ports[1]
			s.args = []string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-port", strconv.Itoa(s.busPort),
				"--cluster-announce-ip", "127.0.0.1",
				"--cluster-node-timeout", "5000",
			}
		}
		if err := s.launch(); err != nil {
			lastErr = err
			continue
		}
		tb.Cleanup(s.kill)
		return s
	}
	tb.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

// Addr returns the server's address, 127.0.0.1:port. It does not change
// across Stop and Restart.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL returns a redis:// URL for database 0 of the server.
func (s *Server) URL() string {
	return "redis://" + s.Addr() + "/0"
}

// Client returns a new client for the server, closed when the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop kills the server and waits for it to exit, for tests of a Redis
// outage. Stopping a stopped server does nothing.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.kill()
}

// Restart starts a fresh, empty server on the same port after Stop and waits
// until it answers PING. It fails the test when the port was taken meanwhile
// or the server does not come up. Restarting a running server does nothing.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	var err error
	for range startAttempts {
		if err = s.launch(); err == nil {
			return
		}
	}
	tb.Fatalf("redistest: restart redis-server on %s: %v", s.Addr(), err)
}

// launch starts the process unless it runs and waits until it answers PING.
func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	args := append([]string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
	}, s.args...)
	p, err := spawn(s.bin, args, func(exited <-chan struct{}) error {
		return pollReady(exited, func() error { return ping(s.Addr()) })
	})
	if err != nil {
		return fmt.Errorf("redis-server on %s: %w", s.Addr(), err)
	}
	s.proc = p
	return nil
}

// kill kills the process, if any, and waits for it to exit.
func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	stopProcess(s.proc)
	s.proc = nil
}

// ping sends one inline PING over a fresh connection.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return pingOn(conn)
}

// pingOn sends one inline PING on conn, expects +PONG, and closes conn.
func pingOn(conn net.Conn) error {
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
