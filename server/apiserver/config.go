package apiserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/server/storage"
)

// Config configures the handler New returns.
type Config struct {
	// Backend stores the objects. Required.
	Backend storage.Backend
	// Authenticator says who sent a request; Authorizer whether they may.
	// Both are required: AllowAll serves either role for a server that
	// opts into no security (tests, --insecure-http experiments).
	Authenticator Authenticator
	Authorizer    Authorizer
	// Clock returns the time that stamps writes (creationTimestamp,
	// deletionTimestamp). nil means time.Now.
	Clock func() time.Time
	// Registerer receives the handler's metrics and Gatherer serves
	// /metrics. The server registers its own collectors (etcd, scheduler,
	// controllers) on the same Registerer to have them served too. If both
	// are nil a new prometheus.Registry serves both roles; a Registerer
	// that is a *prometheus.Registry is its own Gatherer.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// MaxBodyBytes bounds request bodies (413 RequestEntityTooLarge
	// beyond). 0 means 3 MiB, as Kubernetes.
	MaxBodyBytes int64
	// Version is what /version reports. Zero fields get defaults.
	Version VersionInfo
	// Logger logs failures and, at debug level, every request. nil
	// discards.
	Logger *slog.Logger
	// DefaultTolerationSeconds is passed to core/registry (0 means 300).
	DefaultTolerationSeconds int64
	// BookmarkInterval is how often a watch that asked for bookmarks gets
	// one. 0 means one minute, as Kubernetes.
	BookmarkInterval time.Duration
	// MinWatchTimeout: a watch without timeoutSeconds ends after a random
	// time between it and twice it, so clients reconnect at spread
	// instants (Kubernetes' --min-request-timeout). 0 means 30 minutes.
	MinWatchTimeout time.Duration
	// ReadyChecks are run by /readyz after the backend's check; the server
	// adds its own (etcd quorum, leader election) here.
	ReadyChecks []Check
	// NodeLogsToken is the bearer token presented to the node agents'
	// logs endpoints (nodeagent/logs) when pods/NAME/log is proxied to
	// them: the token the agents hold (today the admin's, which they use
	// to reach this API). "" answers the log subresource 503.
	// NodeLogsTransport reaches them (default: HTTPS without verifying
	// the agents' self-signed certificates, see nodeLogsTransport).
	NodeLogsToken     string
	NodeLogsTransport http.RoundTripper
}

// Check is one named readiness check; Run returns nil when ready.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// VersionInfo is the answer of /version (k8s.io/apimachinery's version.Info).
type VersionInfo struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

// UserInfo is who made a request.
type UserInfo struct {
	Name   string
	UID    string
	Groups []string
}

// Authenticator identifies the sender of a request. An error means the
// request is not authenticated: the answer is 401 Unauthorized with the
// error's text.
type Authenticator interface {
	Authenticate(r *http.Request) (UserInfo, error)
}

// Attributes describe what a request does, for an Authorizer: a resource
// request (ResourceRequest true: Verb, APIGroup, Resource, ...) or a
// request for a non-resource Path (discovery, /metrics, /openapi).
type Attributes struct {
	// Verb is Kubernetes' verb: get, list, watch, create, update, patch,
	// delete, deletecollection; for non-resource requests the lower-case
	// HTTP method.
	Verb            string
	APIGroup        string
	APIVersion      string
	Resource        string
	Subresource     string
	Namespace       string
	Name            string
	ResourceRequest bool
	Path            string
}

// Authorizer decides whether a user may do what Attributes describe. A
// denial is 403 Forbidden with reason in the message; an error 500.
type Authorizer interface {
	Authorize(ctx context.Context, u UserInfo, a Attributes) (allowed bool, reason string, err error)
}

// AllowAll authenticates every request as the anonymous user and allows
// everything. Only for a server that explicitly opts out of security.
type AllowAll struct{}

// Authenticate returns system:anonymous.
func (AllowAll) Authenticate(*http.Request) (UserInfo, error) {
	return UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, nil
}

// Authorize allows.
func (AllowAll) Authorize(context.Context, UserInfo, Attributes) (bool, string, error) {
	return true, "", nil
}

// DefaultMaxBodyBytes is Kubernetes' limit on request bodies.
const DefaultMaxBodyBytes = 3 << 20

func (c *Config) setDefaults() error {
	if c.Backend == nil {
		return errors.New("apiserver: Config.Backend is required")
	}
	if c.Authenticator == nil || c.Authorizer == nil {
		return errors.New("apiserver: Config.Authenticator and Config.Authorizer are required (apiserver.AllowAll opts out of security explicitly)")
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.NodeLogsTransport == nil {
		c.NodeLogsTransport = nodeLogsTransport
	}
	if c.Registerer == nil && c.Gatherer == nil {
		r := prometheus.NewRegistry()
		c.Registerer, c.Gatherer = r, r
	}
	if c.Gatherer == nil {
		if g, ok := c.Registerer.(prometheus.Gatherer); ok {
			c.Gatherer = g
		} else {
			return errors.New("apiserver: Config.Gatherer is required when Registerer is not a prometheus.Gatherer")
		}
	}
	if c.Registerer == nil {
		return errors.New("apiserver: Config.Registerer is required with a Gatherer")
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.BookmarkInterval <= 0 {
		c.BookmarkInterval = time.Minute
	}
	if c.MinWatchTimeout <= 0 {
		c.MinWatchTimeout = 30 * time.Minute
	}
	v := &c.Version
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&v.Major, "1")
	def(&v.Minor, "32")
	def(&v.GitVersion, "v1.32.0-capstan")
	def(&v.GitTreeState, "clean")
	def(&v.GoVersion, runtime.Version())
	def(&v.Compiler, runtime.Compiler)
	def(&v.Platform, runtime.GOOS+"/"+runtime.GOARCH)
	return nil
}

// New returns the API as an http.Handler, safe for concurrent use.
func New(cfg Config) (http.Handler, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:     cfg,
		backend: cfg.Backend,
		metrics: m,
		log:     cfg.Logger,
		regCfg:  registry.Config{IDs: cryptoIDs{}, DefaultTolerationSeconds: cfg.DefaultTolerationSeconds},
	}
	s.reg = registry.New(cfg.Backend, s.regCfg)
	s.discovery = newDiscovery()
	s.openapi = newOpenAPI()
	s.metricsHandler = newMetricsHandler(cfg.Gatherer)
	return s, nil
}
