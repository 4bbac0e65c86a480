package etcdserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
)

// Config says how to start a member. Only Dir is required.
type Config struct {
	// Dir is the member's data directory (created 0700 if absent). Starting
	// again on the same Dir keeps all data.
	Dir string
	// Name is the member's name in its cluster; "capstan" if empty.
	Name string
	// ClientURL and PeerURL are where the member listens, e.g.
	// "http://127.0.0.1:2379"; a free loopback port is picked for each
	// one left empty. Hosts other than 127.0.0.1 are refused.
	ClientURL, PeerURL string
	// InitialCluster lists every member of a new cluster as
	// "name=peerURL,name=peerURL"; empty means a single-member cluster of
	// this member. Ignored when Dir already holds a member.
	InitialCluster string
	// ClusterToken tells clusters apart at bootstrap; "capstan" if empty.
	ClusterToken string
	// Fast sets raft timings for tests: TickMs=10, ElectionMs=100
	// (etcd's defaults, 100 and 1000, otherwise).
	Fast bool
	// AutoCompaction, when positive, has etcd compact the history older
	// than this period on its own (etcd's periodic auto-compaction).
	AutoCompaction time.Duration
	// TCPClient makes Client() a gRPC client of the loopback ClientURL
	// instead of the in-process one. Both behave the same; the in-process
	// client saves the sockets and is faster (docs/benchmarks.md).
	TCPClient bool
	// Logger receives etcd's logs, tagged component=etcd; the default
	// writes text to stderr.
	Logger *slog.Logger
	// LogLevel is the least severe etcd message logged; the zero value
	// means slog.LevelWarn (etcd logs a lot at info).
	LogLevel *slog.Level
	// StartTimeout bounds the wait for the member to be ready (a leader
	// elected, requests served); 0 means 60 s. A member of a new
	// cluster is only ready once a quorum of members has started.
	StartTimeout time.Duration
}

// Server is a running embedded member.
type Server struct {
	e         *embed.Etcd
	cli       *clientv3.Client
	cfg       Config
	clientURL string
	peerURL   string
	closeOnce sync.Once
	closeErr  error
	// closing quiets etcd's logs of its own shutdown.
	closing *atomic.Bool
	// lock holds the data directory (lockDir) until the member stops.
	lock *os.File
}

// Start starts a member and waits until it serves requests, or ctx ends,
// or cfg.StartTimeout passes. On error nothing is left running.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("etcdserver: no data directory")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("etcdserver: %w", err)
	}
	if cfg.Name == "" {
		cfg.Name = "capstan"
	}
	if cfg.ClusterToken == "" {
		cfg.ClusterToken = "capstan"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	// A port picked free can be taken by someone else before etcd binds
	// it: pick again a few times.
	picked := cfg.ClientURL == "" || cfg.PeerURL == ""
	for attempt := 0; ; attempt++ {
		s, err := start(ctx, cfg)
		if err == nil {
			s.lock = lock
			return s, nil
		}
		if !picked || attempt == 4 || !isAddrInUse(err) {
			lock.Close()
			return nil, err
		}
	}
}

func isAddrInUse(err error) bool {
	return err != nil && strings.Contains(err.Error(), "address already in use")
}

func start(ctx context.Context, cfg Config) (*Server, error) {
	clientURL, err := loopbackURL("client", cfg.ClientURL)
	if err != nil {
		return nil, err
	}
	peerURL, err := loopbackURL("peer", cfg.PeerURL)
	if err != nil {
		return nil, err
	}
	ec := embed.NewConfig()
	ec.Name = cfg.Name
	ec.Dir = cfg.Dir
	ec.ListenClientUrls = []url.URL{*clientURL}
	ec.AdvertiseClientUrls = []url.URL{*clientURL}
	ec.ListenPeerUrls = []url.URL{*peerURL}
	ec.AdvertisePeerUrls = []url.URL{*peerURL}
	ec.InitialCluster = cfg.InitialCluster
	if ec.InitialCluster == "" {
		ec.InitialCluster = cfg.Name + "=" + peerURL.String()
	}
	ec.InitialClusterToken = cfg.ClusterToken
	ec.ClusterState = embed.ClusterStateFlagNew
	if cfg.Fast {
		ec.TickMs, ec.ElectionMs = 10, 100
	}
	if cfg.AutoCompaction > 0 {
		ec.AutoCompactionMode = "periodic"
		ec.AutoCompactionRetention = cfg.AutoCompaction.String()
	}
	level := slog.LevelWarn
	if cfg.LogLevel != nil {
		level = *cfg.LogLevel
	}
	closing := new(atomic.Bool)
	ec.Logger = "zap"
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.New(newSlogCore(cfg.Logger.With("component", "etcd").Handler(), level, closing)))

	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("etcdserver: starting member %s in %s: %w", cfg.Name, cfg.Dir, err)
	}
	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		abort(e, closing)
		return nil, fmt.Errorf("etcdserver: member %s: %w", cfg.Name, err)
	case <-ctx.Done():
		abort(e, closing)
		return nil, fmt.Errorf("etcdserver: member %s not ready: %w", cfg.Name, ctx.Err())
	case <-timer.C:
		abort(e, closing)
		return nil, fmt.Errorf("etcdserver: member %s not ready after %v", cfg.Name, cfg.StartTimeout)
	}
	s := &Server{e: e, cfg: cfg, clientURL: clientURL.String(), peerURL: peerURL.String(), closing: closing}
	if cfg.TCPClient {
		s.cli, err = clientv3.New(clientv3.Config{
			Endpoints:   []string{s.clientURL},
			DialTimeout: 5 * time.Second,
			Logger:      zap.New(newSlogCore(cfg.Logger.With("component", "etcd-client").Handler(), level, closing)),
		})
		if err != nil {
			closing.Store(true)
			e.Close()
			return nil, fmt.Errorf("etcdserver: client of %s: %w", s.clientURL, err)
		}
	} else {
		s.cli = v3client.New(e.Server)
	}
	return s, nil
}

// abort stops a member that is not serving (embed's Close alone waits
// forever for a member that never became ready: stopping the server first
// releases it).
func abort(e *embed.Etcd, closing *atomic.Bool) {
	closing.Store(true)
	e.Server.HardStop()
	e.Close()
}

// Client returns the member's client, ready for use. Close closes it.
func (s *Server) Client() *clientv3.Client { return s.cli }

// ClientURL returns the URL clients reach the member at, such as
// "http://127.0.0.1:40123".
func (s *Server) ClientURL() string { return s.clientURL }

// PeerURL returns the URL the other members reach this one at.
func (s *Server) PeerURL() string { return s.peerURL }

// Name returns the member's name.
func (s *Server) Name() string { return s.cfg.Name }

// Dir returns the member's data directory.
func (s *Server) Dir() string { return s.cfg.Dir }

// Config returns the configuration the member runs with, with the URLs it
// was given (or picked) filled in: Start(ctx, s.Config()) after Close
// restarts the same member on the same data.
func (s *Server) Config() Config {
	c := s.cfg
	c.ClientURL, c.PeerURL = s.clientURL, s.peerURL
	return c
}

// IsLeader reports whether the member is its cluster's raft leader now.
func (s *Server) IsLeader() bool {
	return s.e.Server.Leader() == s.e.Server.MemberID()
}

// ID returns the member's ID in its cluster.
func (s *Server) ID() uint64 { return uint64(s.e.Server.MemberID()) }

// Leader returns the ID of the member this one knows as the leader, 0 if
// none.
func (s *Server) Leader() uint64 { return uint64(s.e.Server.Leader()) }

// Stopped is closed when the member stops, after Close or on a fatal
// error.
func (s *Server) Stopped() <-chan struct{} { return s.e.Server.StopNotify() }

// Kill stops the member abruptly, as a crash would as far as the other
// members see it: no leadership transfer, no goodbye. Its data stays in
// Dir (what was fsynced). For fault tests; Close is the clean stop.
func (s *Server) Kill() {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		s.e.Server.HardStop()
		s.cli.Close()
		s.e.Close()
		<-s.e.Server.StopNotify()
		s.lock.Close()
	})
}

// Close closes the client, then stops the member and waits for it: its
// listeners are closed and its data is on disk when Close returns.
// Idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
			s.closeErr = fmt.Errorf("etcdserver: closing the client of %s: %w", s.cfg.Name, err)
		}
		// Stopping the server first (handing leadership over if it
		// leads) closes its peer connections; embed's Close would
		// otherwise wait a second for them to go idle.
		s.e.Server.Stop()
		s.e.Close()
		<-s.e.Server.StopNotify()
		s.lock.Close()
	})
	return s.closeErr
}
