package redistest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

func TestStart(t *testing.T) {
	ctx := context.Background()
	s := redistest.Start(t)
	if got, want := s.URL(), "redis://"+s.Addr()+"/0"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want a loopback address", s.Addr())
	}
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET k = %q, %v; want %q, nil", got, err, "v")
	}

	opts, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", s.URL(), err)
	}
	byURL := redis.NewClient(opts)
	defer byURL.Close()
	if err := byURL.Ping(ctx).Err(); err != nil {
		t.Errorf("PING via URL: %v", err)
	}
}

func TestStartTwoServers(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers share address %s", a.Addr())
	}
}

func TestStopRestart(t *testing.T) {
	ctx := context.Background()
	s := redistest.Start(t)
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}

	s.Stop(t)
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING after Stop: got nil error, want a connection error")
	}
	s.Stop(t) // stopping twice is harmless

	s.Restart(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	if n, err := c.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Errorf("EXISTS k after Restart = %d, %v; want 0, nil (a fresh server)", n, err)
	}
	if err := c.Set(ctx, "k2", "v2", 0).Err(); err != nil {
		t.Errorf("SET after Restart: %v", err)
	}
	s.Restart(t) // restarting a running server is harmless
	if got, err := c.Get(ctx, "k2").Result(); err != nil || got != "v2" {
		t.Errorf("GET k2 = %q, %v; want %q, nil", got, err, "v2")
	}
}

func TestStartCluster(t *testing.T) {
	ctx := context.Background()
	cl := redistest.StartCluster(t, 3)
	if got := len(cl.Addrs()); got != 3 {
		t.Fatalf("len(Addrs()) = %d, want 3", got)
	}
	c := cl.Client(t)

	slots := map[int64]bool{}
	for i := range 20 {
		key := fmt.Sprintf("key-%d", i)
		if err := c.Set(ctx, key, i, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", key, err)
		}
		slot, err := c.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			t.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
		}
		slots[slot] = true
	}
	if len(slots) < 2 {
		t.Errorf("keys landed in %d slots, want several", len(slots))
	}
	for i := range 20 {
		key := fmt.Sprintf("key-%d", i)
		if got, err := c.Get(ctx, key).Int(); err != nil || got != i {
			t.Errorf("GET %s = %d, %v; want %d, nil", key, got, err, i)
		}
	}

	// Every master holds some of the keys: the slots really are split.
	var mu sync.Mutex
	var perNode []int64
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		mu.Lock()
		perNode = append(perNode, n)
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatalf("DBSIZE on masters: %v", err)
	}
	if len(perNode) != 3 {
		t.Fatalf("masters seen = %d, want 3", len(perNode))
	}
	for i, n := range perNode {
		if n == 0 {
			t.Errorf("master %d holds no key; got sizes %v", i, perNode)
		}
	}

	// Keys sharing a hash tag may be used together in one script.
	res, err := c.Eval(ctx, `redis.call('SET', KEYS[1], 'a'); redis.call('SET', KEYS[2], 'b'); return redis.call('MGET', KEYS[1], KEYS[2])`,
		[]string{"t:{x}:1", "t:{x}:2"}).StringSlice()
	if err != nil || strings.Join(res, ",") != "a,b" {
		t.Errorf("EVAL over one hash tag = %v, %v; want [a b], nil", res, err)
	}
}

// fatalTB records Fatal calls and ends the calling goroutine like testing.T.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatal(args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.Fatal(fmt.Sprintf(format, args...))
}

func TestStartWithoutRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ftb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		redistest.Start(ftb)
		t.Error("Start returned, want a fatal error")
	}()
	<-done
	want := "redis-server not found: apt-get install -y redis-server"
	if ftb.msg != want {
		t.Errorf("fatal message = %q, want %q", ftb.msg, want)
	}
}
