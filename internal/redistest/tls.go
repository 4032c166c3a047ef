package redistest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TLSServer is a redis-server that listens only for TLS connections, started
// by StartTLS. Its certificate, for 127.0.0.1, is signed by a CA made for
// the test: a client trusts it only when given CAFile (or TLSConfig).
type TLSServer struct {
	port   int
	caFile string
	roots  *x509.CertPool
}

// StartTLS makes a CA and a server certificate for 127.0.0.1 (ECDSA P-256),
// writes them to a temporary directory and starts a redis-server with TLS on
// a free loopback port and no plain-text port. Clients need not present a
// certificate (tls-auth-clients no). It waits until the server answers PING
// over a connection that verifies its certificate. The server is killed when
// the test ends. StartTLS skips the test when this redis-server was built
// without TLS, and fails it when redis-server is missing or does not come up.
func StartTLS(tb testing.TB) *TLSServer {
	tb.Helper()
	bin, ok := redisBin(tb)
	if !ok {
		return nil
	}
	if reason := tlsUnsupported(bin); reason != "" {
		tb.Skip(reason)
		return nil
	}
	dir := tb.TempDir()
	pki, err := writePKI(dir)
	if err != nil {
		tb.Fatalf("redistest: make TLS certificates: %v", err)
	}
	var lastErr error
	for range startAttempts {
		ports, err := freePorts(1)
		if err != nil {
			tb.Fatalf("redistest: pick a free port: %v", err)
		}
		s := &TLSServer{port: ports[0], caFile: pki.caFile, roots: pki.roots}
		args := []string{
			"--port", "0",
			"--tls-port", strconv.Itoa(s.port),
			"--tls-cert-file", pki.certFile,
			"--tls-key-file", pki.keyFile,
			"--tls-ca-cert-file", pki.caFile,
			"--tls-auth-clients", "no",
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--dir", dir,
			"--daemonize", "no",
			"--logfile", "",
		}
		proc, err := spawn(bin, args, func(exited <-chan struct{}) error {
			return pollReady(exited, func() error { return pingTLS(s.Addr(), s.TLSConfig()) })
		})
		if err != nil {
			lastErr = err
			continue
		}
		tb.Cleanup(func() { stopProcess(proc) })
		return s
	}
	tb.Fatalf("redistest: start redis-server with TLS: %v", lastErr)
	return nil
}

// Addr returns the server's TLS address, 127.0.0.1:port.
func (s *TLSServer) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL returns a rediss:// URL for database 0 of the server.
func (s *TLSServer) URL() string {
	return "rediss://" + s.Addr() + "/0"
}

// CAFile returns the path of the PEM file holding the CA certificate that
// signed the server's certificate, e.g. for SSL_CERT_FILE.
func (s *TLSServer) CAFile() string {
	return s.caFile
}

// TLSConfig returns a client configuration that trusts the server's CA
// only and verifies the certificate for 127.0.0.1.
func (s *TLSServer) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Client returns a new client for the server that verifies its
// certificate, closed when the test ends.
func (s *TLSServer) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), TLSConfig: s.TLSConfig()})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// noTLS matches what a redis-server built without TLS says about a TLS
// directive.
var noTLS = regexp.MustCompile(`(?i)bad directive|tls.*not (supported|available|built)`)

// tlsUnsupported returns why bin cannot serve TLS, or "" when it can. It
// runs bin with a TLS directive and nothing to listen on: a build with TLS
// accepts the directive and exits because it has no port; one without TLS
// rejects the directive.
func tlsUnsupported(bin string) string {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "--port", "0", "--tls-port", "0", "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "").CombinedOutput()
	if noTLS.Match(out) {
		return fmt.Sprintf("redistest: %s was built without TLS support (it rejects --tls-port): %s", bin, lastLine(out))
	}
	return ""
}

// lastLine returns the last non-empty line of out.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// pki is the certificates StartTLS writes.
type pki struct {
	caFile, certFile, keyFile string
	roots                     *x509.CertPool
}

// writePKI makes a self-signed CA and a server certificate for 127.0.0.1
// (and localhost) signed by it, and writes ca.crt, server.crt and
// server.key (PKCS #8, mode 0600) to dir.
func writePKI(dir string) (*pki, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "redistest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}

	p := &pki{
		caFile:   filepath.Join(dir, "ca.crt"),
		certFile: filepath.Join(dir, "server.crt"),
		keyFile:  filepath.Join(dir, "server.key"),
		roots:    x509.NewCertPool(),
	}
	p.roots.AddCert(ca)
	for _, f := range []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{
		{p.caFile, "CERTIFICATE", caDER, 0o644},
		{p.certFile, "CERTIFICATE", der, 0o644},
		{p.keyFile, "PRIVATE KEY", keyDER, 0o600},
	} {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), f.mode); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// serial returns a random 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

// pingTLS sends one inline PING over a fresh TLS connection that verifies
// the server's certificate with cfg.
func pingTLS(addr string, cfg *tls.Config) error {
	d := &net.Dialer{Timeout: time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	return pingOn(conn)
}
