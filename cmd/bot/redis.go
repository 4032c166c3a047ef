package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisClient builds a client from REDIS_URL:
//
//	redis://[user:pass@]host:port/db           standalone
//	rediss://...                               standalone over TLS
//	redis+sentinel://[user:pass@]host:port?master_name=mymaster&addr=host2:port   Sentinel
//	redis+cluster://[user:pass@]host:port?addr=host2:port                          Cluster
//
// (rediss+sentinel:// and rediss+cluster:// use TLS). Errors never contain
// the URL, which may hold a password.
func redisClient(raw string) (redis.UniversalClient, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
	}
	base, kind, _ := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" {
		return nil, fmt.Errorf("scheme %q: use redis://, rediss://, redis+sentinel:// or redis+cluster://", u.Scheme)
	}
	u.Scheme = base
	plain := u.String()
	switch kind {
	case "":
		o, err := redis.ParseURL(plain)
		if err != nil {
			return nil, fmt.Errorf("standalone URL: %s", scrub(err, raw))
		}
		return redis.NewClient(o), nil
	case "sentinel":
		o, err := redis.ParseFailoverURL(plain)
		if err != nil {
			return nil, fmt.Errorf("sentinel URL: %s", scrub(err, raw))
		}
		return redis.NewFailoverClient(o), nil
	case "cluster":
		o, err := redis.ParseClusterURL(plain)
		if err != nil {
			return nil, fmt.Errorf("cluster URL: %s", scrub(err, raw))
		}
		return redis.NewClusterClient(o), nil
	}
	return nil, fmt.Errorf("scheme %q: use redis://, rediss://, redis+sentinel:// or redis+cluster://", u.Scheme)
}

// scrub removes the URL (and so any password) from a parse error.
func scrub(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "[redacted]")
		}
	}
	return strings.ReplaceAll(msg, raw, "[REDIS_URL]")
}
