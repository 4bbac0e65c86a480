package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/etcdserver"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// etcdMetrics are the store's round trips to etcd.
type etcdMetrics struct {
	latency  *prometheus.HistogramVec
	requests *prometheus.CounterVec
}

func newEtcdMetrics(reg prometheus.Registerer) (*etcdMetrics, error) {
	m := &etcdMetrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "capstan_etcd_request_duration_seconds",
			Help:    "Latency of the store's etcd round trips, by operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"operation"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "capstan_etcd_requests_total",
			Help: "The store's etcd round trips, by operation and result (ok, a store error code such as Conflict, or error).",
		}, []string{"operation", "result"}),
	}
	for _, c := range []prometheus.Collector{m.latency, m.requests} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("etcd metrics: %w", err)
		}
	}
	return m, nil
}

// observe is etcdstore's Observe hook.
func (m *etcdMetrics) observe(op string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = string(store.CodeOf(err))
		if result == "" {
			result = "error"
		}
	}
	m.latency.WithLabelValues(op).Observe(d.Seconds())
	m.requests.WithLabelValues(op, result).Inc()
}

// startEtcd starts the embedded member in dataDir/etcd, or connects to the
// external cluster, and returns the client (and the member, nil for an
// external cluster).
func startEtcd(ctx context.Context, cfg Config) (*etcdserver.Server, *clientv3.Client, error) {
	if len(cfg.EtcdEndpoints) > 0 {
		cli, err := clientv3.New(clientv3.Config{
			Endpoints:   cfg.EtcdEndpoints,
			DialTimeout: 10 * time.Second,
			Context:     context.WithoutCancel(ctx),
			Logger:      quietZap(),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("etcd %v: %w", cfg.EtcdEndpoints, err)
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := cli.Get(sctx, cfg.EtcdPrefix+"/registry/", clientv3.WithCountOnly()); err != nil {
			cli.Close()
			return nil, nil, fmt.Errorf("etcd %v does not answer: %w", cfg.EtcdEndpoints, err)
		}
		return nil, cli, nil
	}
	ecfg := etcdserver.Config{
		Dir:    filepath.Join(cfg.DataDir, "etcd"),
		Fast:   cfg.EtcdFast,
		Logger: cfg.Logger,
	}
	if cfg.EtcdCompaction > 0 {
		ecfg.AutoCompaction = cfg.EtcdCompaction
	}
	// etcd warns at start about things that are choices here (one port
	// for HTTP and gRPC, simple auth tokens): errors only, unless the
	// server logs at debug level.
	level := slog.LevelError
	if cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		level = slog.LevelInfo
	}
	ecfg.LogLevel = &level
	member, err := etcdserver.Start(ctx, ecfg)
	if err != nil {
		return nil, nil, err
	}
	return member, member.Client(), nil
}

// newStore returns the etcd-backed store.
func newStore(cli *clientv3.Client, prefix string, m *etcdMetrics) *etcdstore.Store {
	return etcdstore.New(cli, etcdstore.Options{Prefix: prefix, Observe: m.observe})
}

// quietZap is the external etcd client's logger: errors only, to stderr
// (the client logs every retry as a warning).
func quietZap() *zap.Logger {
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(zap.ErrorLevel)
	zc.Sampling = nil
	l, err := zc.Build()
	if err != nil {
		return zap.NewNop()
	}
	return l
}
