package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// Cluster is a Redis Cluster of masters only, started by StartCluster.
type Cluster struct {
	nodes []*Server
}

// StartCluster starts masters redis-server processes with cluster mode on,
// splits the 16384 hash slots between them (CLUSTER ADDSLOTSRANGE), joins
// them (CLUSTER MEET) and waits until every node reports cluster_state:ok.
// The processes are killed when the test ends. It fails the test when
// masters is less than 1 or the cluster does not form.
func StartCluster(tb testing.TB, masters int) *Cluster {
	tb.Helper()
	if masters < 1 {
		tb.Fatalf("redistest: StartCluster: masters = %d, want at least 1", masters)
	}
	c := &Cluster{}
	for range masters {
		c.nodes = append(c.nodes, start(tb, true))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clients := make([]*redis.Client, masters)
	for i, s := range c.nodes {
		clients[i] = s.Client(tb)
	}
	for i, cl := range clients {
		first := i * clusterSlots / masters
		last := (i+1)*clusterSlots/masters - 1
		if err := cl.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", first, last).Err(); err != nil {
			tb.Fatalf("redistest: node %s: CLUSTER ADDSLOTSRANGE %d %d: %v", c.nodes[i].Addr(), first, last, err)
		}
	}
	for i := 1; i < masters; i++ {
		n := c.nodes[i]
		if err := clients[0].Do(ctx, "CLUSTER", "MEET", "127.0.0.1", n.port, n.busPort).Err(); err != nil {
			tb.Fatalf("redistest: CLUSTER MEET %s: %v", n.Addr(), err)
		}
	}
	for i, cl := range clients {
		if err := waitClusterOK(ctx, cl, masters); err != nil {
			tb.Fatalf("redistest: node %s: %v", c.nodes[i].Addr(), err)
		}
	}
	return c
}

// Addrs returns the addresses of the cluster's nodes.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		addrs[i] = s.Addr()
	}
	return addrs
}

// Client returns a new cluster client for the cluster, closed when the test
// ends.
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	tb.Cleanup(func() { _ = cl.Close() })
	return cl
}

// waitClusterOK polls CLUSTER INFO until the node reports cluster_state:ok
// and knows all masters, or ctx ends.
func waitClusterOK(ctx context.Context, cl *redis.Client, masters int) error {
	want := "cluster_known_nodes:" + strconv.Itoa(masters)
	var info string
	for {
		var err error
		info, err = cl.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, want) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster not ok: %w (last CLUSTER INFO: %v %q)", ctx.Err(), err, info)
		case <-time.After(20 * time.Millisecond): // readiness poll
		}
	}
}
