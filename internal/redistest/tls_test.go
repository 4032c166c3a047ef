package redistest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/regionswitch-bot/regionswitch-bot/internal/redistest"
)

func TestStartTLS(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartTLS(t)
	if got, want := s.URL(), "rediss://"+s.Addr()+"/0"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want a loopback address", s.Addr())
	}

	pemBytes, err := os.ReadFile(s.CAFile())
	if err != nil {
		t.Fatalf("reading CAFile(): %v", err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CAFile() holds no PEM certificate: %q", pemBytes)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("CA certificate: %v", err)
	}
	if !ca.IsCA {
		t.Errorf("CA certificate IsCA = false, want true")
	}

	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET over TLS: %v", err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET k over TLS = %q, %v; want %q, nil", got, err, "v")
	}

	// The URL as go-redis reads it, with the CA file as the only root.
	opts, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", s.URL(), err)
	}
	if opts.TLSConfig == nil {
		t.Fatalf("ParseURL(%q).TLSConfig = nil, want TLS", s.URL())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("CAFile() is not usable as a root")
	}
	opts.TLSConfig.RootCAs = pool
	byURL := redis.NewClient(opts)
	defer byURL.Close()
	if err := byURL.Ping(ctx).Err(); err != nil {
		t.Errorf("PING via URL trusting CAFile(): %v", err)
	}
}

func TestStartTLSRefusesWhatItShould(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartTLS(t)
	for _, tc := range []struct {
		name    string
		opts    *redis.Options
		wantErr func(error) bool
		want    string
	}{
		{
			name: "untrusted certificate",
			opts: &redis.Options{Addr: s.Addr(), TLSConfig: &tls.Config{ServerName: "127.0.0.1", RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}},
			wantErr: func(err error) bool {
				var ua x509.UnknownAuthorityError
				return errors.As(err, &ua)
			},
			want: "x509.UnknownAuthorityError",
		},
		{
			name: "wrong host name",
			opts: &redis.Options{Addr: s.Addr(), TLSConfig: func() *tls.Config { c := s.TLSConfig(); c.ServerName = "redis.example"; return c }()},
			wantErr: func(err error) bool {
				var he x509.HostnameError
				return errors.As(err, &he)
			},
			want: "x509.HostnameError",
		},
		{
			name:    "plain text",
			opts:    &redis.Options{Addr: s.Addr()},
			wantErr: func(err error) bool { return err != nil },
			want:    "an error",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.MaxRetries, tc.opts.DialerRetries = -1, 1
			c := redis.NewClient(tc.opts)
			defer c.Close()
			if err := c.Ping(ctx).Err(); !tc.wantErr(err) {
				t.Errorf("PING: got error %v, want %s", err, tc.want)
			}
		})
	}
}
