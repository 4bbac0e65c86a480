package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/server"
)

// serverFlags are the flags `capstan server` and `capstan up` share.
type serverFlags struct {
	dataDir, listen, logLevel string
	insecure, insecureAny     bool
	tlsSANs                   []string
}

func (f *serverFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "./capstan-data", "directory for the credentials and the embedded etcd")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:6443", "address of the API (host:port)")
	fl.StringVar(&f.logLevel, "log-level", "info", "least severe log level shown: debug, info, warn or error")
	fl.BoolVar(&f.insecure, "insecure-http", false, "serve plain HTTP with NO authentication (local experiments only; loopback only)")
	fl.BoolVar(&f.insecureAny, "insecure-http-any-address", false, "allow --insecure-http on a non-loopback address (anyone who can reach it is admin)")
	fl.StringSliceVar(&f.tlsSANs, "tls-san", nil, "extra DNS name or IP for the serving certificate (repeatable)")
}

// config turns the flags into a server.Config logging to w.
func (f *serverFlags) config(w io.Writer) (server.Config, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return server.Config{}, fmt.Errorf("--log-level %q: want debug, info, warn or error", f.logLevel)
	}
	return server.Config{
		DataDir:            f.dataDir,
		Listen:             f.listen,
		InsecureHTTP:       f.insecure,
		InsecureAnyAddress: f.insecureAny,
		TLSSANs:            f.tlsSANs,
		Logger:             slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})),
		Version:            version,
	}, nil
}

func newServerCommand() *cobra.Command {
	var (
		f             serverFlags
		etcdEndpoints []string
		etcdPrefix    string
		electionTTL   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run an API server and (when elected) the control plane",
		Long: `server runs capstan's Kubernetes-compatible API over etcd, with TLS and
bearer tokens, and campaigns through etcd to run the control plane
(controllers and scheduler). By default it starts an embedded single-member
etcd in DATA-DIR/etcd, on loopback only; --etcd-endpoints uses an existing
etcd cluster instead, which several servers may share (all serve the API,
one runs the control plane).

On first start it writes into DATA-DIR a CA and serving certificate
(pki/), the admin's token (tokens, 0600) and admin.kubeconfig, for kubectl
and capstan; later starts reuse them. SIGINT or SIGTERM stops it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			cfg.EtcdEndpoints, cfg.EtcdPrefix, cfg.ElectionTTL = etcdEndpoints, etcdPrefix, electionTTL
			if etcdPrefix != "" && len(etcdEndpoints) == 0 {
				return fmt.Errorf("--etcd-prefix needs --etcd-endpoints")
			}
			return runServer(cmd.Context(), cfg, nil)
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&etcdEndpoints, "etcd-endpoints", nil, "client URLs of an external etcd cluster (comma-separated) instead of the embedded member")
	fl.StringVar(&etcdPrefix, "etcd-prefix", "", "prefix of every key in the external etcd (servers of one cluster share it)")
	fl.DurationVar(&electionTTL, "election-ttl", 15*time.Second, "lease of the control-plane leader: how long the others wait for a leader that stopped")
	return cmd
}

// runServer starts a server, calls started (if set), and stops it cleanly
// on SIGINT, SIGTERM or when ctx ends.
func runServer(ctx context.Context, cfg server.Config, started func(*server.Server)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	if started != nil {
		started(s)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case <-s.Done():
		serveErr = s.Err()
	}
	stop() // a second Ctrl-C kills the process at once
	cfg.Logger.Info("stopping")
	if err := s.Shutdown(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if serveErr != nil {
		return fmt.Errorf("serving: %w", serveErr)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
