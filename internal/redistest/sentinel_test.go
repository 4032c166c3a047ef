package redistest_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

func TestStartSentinel(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartSentinel(t)
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want a loopback address", s.Addr())
	}
	if s.Addr() == s.Master().Addr() {
		t.Fatalf("Sentinel and master share address %s", s.Addr())
	}
	if got, want := s.MasterName(), "mymaster"; got != want {
		t.Errorf("MasterName() = %q, want %q", got, want)
	}

	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
	defer sc.Close()
	addr, err := sc.GetMasterAddrByName(ctx, s.MasterName()).Result()
	if err != nil {
		t.Fatalf("SENTINEL GET-MASTER-ADDR-BY-NAME: %v", err)
	}
	if len(addr) != 2 || net.JoinHostPort(addr[0], addr[1]) != s.Master().Addr() {
		t.Errorf("SENTINEL GET-MASTER-ADDR-BY-NAME = %q, want %s", addr, s.Master().Addr())
	}

	// Written through the Sentinel, read on the master itself.
	if err := s.Client(t).Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET via Sentinel: %v", err)
	}
	if got, err := s.Master().Client(t).Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET k on the master = %q, %v; want %q, nil", got, err, "v")
	}

	// The URL form go-redis parses.
	u := "redis://" + s.Addr() + "?master_name=" + s.MasterName()
	opts, err := redis.ParseFailoverURL(u)
	if err != nil {
		t.Fatalf("ParseFailoverURL(%q): %v", u, err)
	}
	byURL := redis.NewFailoverClient(opts)
	defer byURL.Close()
	if got, err := byURL.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET k via %q = %q, %v; want %q, nil", u, got, err, "v")
	}
}
