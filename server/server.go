package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/auth"
	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/etcdserver"
	"github.com/capstan-dev/capstan/server/etcdstore"
	"github.com/capstan-dev/capstan/server/storage"
)

// Server is a running server process: the API on its listener, the store
// over etcd, and the control plane campaigning for leadership.
type Server struct {
	cfg Config
	// URL is the API's base URL (https://, or http:// with InsecureHTTP).
	URL string
	// Kubeconfig is the path of the admin's kubeconfig; AdminToken the
	// admin's bearer token; CAPEM the CA to trust (nil with InsecureHTTP).
	Kubeconfig string
	AdminToken string
	CAPEM      []byte
	// Backend is the store the API serves.
	Backend storage.Backend
	// Metrics holds every collector /metrics serves.
	Metrics *prometheus.Registry

	member      *etcdserver.Server
	cli         *clientv3.Client
	etcdMetrics *etcdMetrics
	http        *http.Server
	// baseCancel ends every request's context (long watches) at shutdown.
	baseCancel context.CancelFunc
	// httpDone is closed when Serve returned, with httpErr its error.
	httpDone chan struct{}
	httpErr  error
	cpCancel context.CancelFunc
	cpDone   chan struct{}

	stopOnce sync.Once
	stopErr  error
}

// Start starts a server and returns once it serves: etcd (embedded or
// external), the credentials, the API on cfg.Listen, the control plane.
// Shutdown stops it. ctx bounds the start only.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{cfg: cfg, Metrics: prometheus.NewRegistry()}
	ok := false
	defer func() {
		if !ok {
			ln.Close()
			s.closeEtcd()
		}
	}()
	s.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	host, port, _ := net.SplitHostPort(ln.Addr().String())
	urlHost := host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		urlHost = "127.0.0.1"
	}
	scheme := "https"
	if cfg.InsecureHTTP {
		scheme = "http"
	}
	s.URL = scheme + "://" + net.JoinHostPort(urlHost, port)
	sans := append([]string(nil), cfg.TLSSANs...)
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		sans = append(sans, host)
	}
	creds, err := EnsureCredentials(cfg.DataDir, sans, s.URL, cfg.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.Kubeconfig, s.AdminToken = creds.Kubeconfig, creds.AdminToken
	if !cfg.InsecureHTTP {
		s.CAPEM = creds.PKI.CAPEM
	} else if err := s.writeInsecureKubeconfig(); err != nil {
		return nil, err
	}
	for _, f := range creds.PKI.Created {
		log.Info("created", "file", creds.PKI.Dir+"/"+f)
	}

	em, err := newEtcdMetrics(s.Metrics)
	if err != nil {
		return nil, err
	}
	s.etcdMetrics = em
	s.member, s.cli, err = startEtcd(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	st := newStore(s.cli, cfg.EtcdPrefix, em)
	s.Backend = st
	if err := bootstrapNamespaces(st, cfg.Clock.Now()); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}

	acfg := apiserver.Config{
		Backend:    st,
		Registerer: s.Metrics,
		Gatherer:   s.Metrics,
		Logger:     log,
		Clock:      cfg.Clock.Now,
	}
	if cfg.Version != "" {
		acfg.Version.GitVersion = cfg.Version
	}
	if cfg.InsecureHTTP {
		acfg.Authenticator, acfg.Authorizer = apiserver.AllowAll{}, apiserver.AllowAll{}
	} else {
		acfg.Authenticator, acfg.Authorizer = creds.Tokens, auth.MastersOnly{}
		// The agents hold the admin's token today (no per-node credentials
		// yet) and require it of whoever reads their logs endpoints.
		acfg.NodeLogsToken = creds.AdminToken
	}
	h, err := apiserver.New(acfg)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}

	baseCtx, baseCancel := context.WithCancel(context.Background())
	s.baseCancel = baseCancel
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          nil,
	}
	if !cfg.InsecureHTTP {
		s.http.TLSConfig = creds.PKI.ServerTLSConfig()
		ln = tlsListener(ln, s.http.TLSConfig)
	} else {
		log.Warn("INSECURE: --insecure-http serves plain HTTP with NO authentication: anyone who can reach " +
			s.URL + " is cluster admin. For local experiments only.")
	}
	s.httpDone = make(chan struct{})
	go func() {
		defer close(s.httpDone)
		s.httpErr = s.http.Serve(ln)
	}()

	cpMetrics := controlplane.NewMetrics(s.Metrics)
	cpCtx, cpCancel := context.WithCancel(context.Background())
	s.cpCancel, s.cpDone = cpCancel, make(chan struct{})
	if cfg.DisableControlPlane {
		close(s.cpDone)
	} else {
		go func() {
			defer close(s.cpDone)
			s.runControlPlane(cpCtx, st, cpMetrics)
		}()
	}
	ok = true
	log.Info("serving", "url", s.URL, "kubeconfig", s.Kubeconfig, "etcd", s.etcdDescription())
	return s, nil
}

// runControlPlane campaigns and, while leading, runs the loop.
func (s *Server) runControlPlane(ctx context.Context, st storage.Backend, m *controlplane.Metrics) {
	hostname, _ := os.Hostname()
	identity := hostname + " " + s.URL + " pid " + strconv.Itoa(os.Getpid())
	err := controlplane.Lead(ctx, controlplane.ElectionConfig{
		Client:   s.cli,
		Key:      s.cfg.EtcdPrefix + "/capstan/controlplane-leader",
		TTL:      s.cfg.ElectionTTL,
		Identity: identity,
		Clock:    s.cfg.Clock,
		Logger:   s.cfg.Logger,
		Metrics:  m,
	}, func(ctx context.Context, t controlplane.Term) error {
		// The machine's writes go through a store whose every etcd
		// transaction also requires this term's election key: a deposed
		// leader's writes fail in etcd itself.
		fenced := etcdstore.New(s.cli, etcdstore.Options{Prefix: s.cfg.EtcdPrefix, Observe: s.etcdMetrics.observe, KV: t.FenceKV(s.cli.KV)})
		hk := controlplane.HousekeepingConfig{Backend: st, Writer: fenced, Clock: s.cfg.Clock, Logger: s.cfg.Logger}
		if s.member == nil {
			// An external etcd: compact its history as Kubernetes'
			// API server does (the embedded member compacts itself).
			hk.CompactInterval = 5 * time.Minute
		}
		hkDone := make(chan struct{})
		go func() {
			defer close(hkDone)
			controlplane.Housekeep(ctx, hk)
		}()
		defer func() { <-hkDone }()
		return controlplane.Run(ctx, controlplane.Config{
			Backend: st,
			Writer:  fenced,
			Control: control.Config{RecordEvents: true},
			Clock:   s.cfg.Clock,
			Logger:  s.cfg.Logger,
			Metrics: m,
		})
	})
	if err != nil {
		s.cfg.Logger.Error("control plane", "err", err)
	}
}

// Shutdown stops the server gracefully: the control plane stops and
// resigns its leadership, the HTTP server drains (watches end), etcd
// closes. Idempotent.
func (s *Server) Shutdown() error {
	s.stopOnce.Do(func() {
		s.cpCancel()
		<-s.cpDone
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		s.baseCancel()
		err := s.http.Shutdown(ctx)
		if err != nil {
			s.http.Close()
		}
		<-s.httpDone
		if serr := s.httpErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		if cerr := s.closeEtcd(); err == nil {
			err = cerr
		}
		s.stopErr = err
		s.cfg.Logger.Info("stopped")
	})
	return s.stopErr
}

// Crash stops the server the way a crash looks to the others, at once:
// the etcd client goes away without resigning (its election lease expires
// after the TTL), the listener and connections close, nothing is drained
// or waited for. For tests.
func (s *Server) Crash() {
	s.stopOnce.Do(func() {
		s.cli.Close()
		s.cpCancel()
		s.baseCancel()
		s.http.Close()
		if s.member != nil {
			s.member.Kill()
		}
	})
}

// Done is closed when the HTTP server has stopped serving, on its own or
// through Shutdown; Err then says why.
func (s *Server) Done() <-chan struct{} { return s.httpDone }

// Err is why the HTTP server stopped serving (after Done is closed):
// http.ErrServerClosed after Shutdown.
func (s *Server) Err() error {
	<-s.httpDone
	return s.httpErr
}

func (s *Server) closeEtcd() error {
	if s.member != nil {
		return s.member.Close()
	}
	if s.cli != nil {
		return s.cli.Close()
	}
	return nil
}

func (s *Server) etcdDescription() string {
	if s.member != nil {
		return "embedded " + s.member.ClientURL() + " in " + s.member.Dir()
	}
	return fmt.Sprint(s.cfg.EtcdEndpoints)
}

// bootstrapNamespaces creates the namespaces every cluster has, as
// Kubernetes' API server does at start.
func bootstrapNamespaces(st storage.Backend, now time.Time) error {
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	reg := registry.New(st, registry.Config{Seed: binary.LittleEndian.Uint64(seed[:])})
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		obj := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}
		if _, err := reg.Create(obj, api.Time(now.UnixNano())); err != nil && !api.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	return nil
}
