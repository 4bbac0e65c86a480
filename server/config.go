package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jonboulle/clockwork"
)

// Config configures a server process. Only DataDir is required.
type Config struct {
	// DataDir holds the credentials and, unless EtcdEndpoints is set, the
	// embedded etcd member (DataDir/etcd). Created 0700.
	DataDir string
	// Listen is the API's address (default 127.0.0.1:6443; port 0 picks
	// a free one).
	Listen string
	// EtcdEndpoints, if set, are the client URLs of an external etcd
	// cluster to use instead of the embedded member; EtcdPrefix is put
	// before every key there, so several capstan clusters can share one
	// etcd (servers of one cluster must use the same prefix).
	EtcdEndpoints []string
	EtcdPrefix    string
	// InsecureHTTP serves plain HTTP with no authentication (everyone is
	// admin). Only on a loopback address, unless InsecureAnyAddress.
	InsecureHTTP       bool
	InsecureAnyAddress bool
	// TLSSANs are extra names and addresses for the serving certificate.
	TLSSANs []string
	// ElectionTTL is the control-plane leader's lease (default 15s).
	ElectionTTL time.Duration
	// Logger is the server's logger (default slog.Default()).
	Logger *slog.Logger
	// Clock is the wall clock (default the real one).
	Clock clockwork.Clock
	// Version is what /version reports as gitVersion.
	Version string

	// EtcdFast makes the embedded member use test timings (10 ms ticks).
	EtcdFast bool
	// EtcdCompaction is the embedded member's periodic compaction
	// retention (default 5m, as Kubernetes compacts every 5 minutes;
	// negative: none).
	EtcdCompaction time.Duration
	// ShutdownTimeout bounds the drain of HTTP requests at shutdown
	// (default 10s).
	ShutdownTimeout time.Duration
	// DisableControlPlane serves the API only (for tests of the API).
	DisableControlPlane bool
}

func (c *Config) setDefaults() error {
	if c.DataDir == "" {
		return errors.New("server: no data dir")
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:6443"
	}
	if c.ElectionTTL == 0 {
		c.ElectionTTL = 15 * time.Second
	}
	if c.ElectionTTL < time.Second {
		return fmt.Errorf("server: election TTL %v is under the 1s etcd leases allow", c.ElectionTTL)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clockwork.NewRealClock()
	}
	if c.EtcdCompaction == 0 {
		c.EtcdCompaction = 5 * time.Minute
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("server: listen address %q: %w", c.Listen, err)
	}
	if c.InsecureHTTP && !c.InsecureAnyAddress && !isLoopback(host) {
		return fmt.Errorf("server: --insecure-http serves everyone as admin without TLS: refusing to listen on %q, which is not loopback (force it with --insecure-http-any-address)", c.Listen)
	}
	return nil
}

// isLoopback reports whether host is a loopback IP or "localhost".
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
