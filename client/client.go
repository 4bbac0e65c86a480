package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// Config says how to reach and authenticate to one API server.
type Config struct {
	// Server is the base URL, e.g. "https://127.0.0.1:6443".
	Server string
	// Token is the bearer token sent with every request, if not empty.
	Token string
	// CAData is the PEM bundle that verifies the server's certificate;
	// empty means the system roots.
	CAData []byte
	// CertData and KeyData are a PEM client certificate and key, if any.
	CertData, KeyData []byte
	// Insecure skips verification of the server's certificate.
	Insecure      bool
	TLSServerName string
	// Namespace is the context's namespace ("default" when it names none);
	// NamespaceExplicit says it came from --namespace.
	Namespace         string
	NamespaceExplicit bool
	// Context is the kubeconfig context the Config came from, if any.
	Context string
	// Timeout bounds each request other than a watch; 0 means
	// DefaultTimeout, negative means none.
	Timeout time.Duration
	// UserAgent is sent with every request; empty means "capstan".
	UserAgent string
}

// DefaultTimeout bounds a request when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// Client talks to one API server. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// New returns a client for cfg.
func New(cfg *Config) (*Client, error) {
	if cfg == nil || cfg.Server == "" {
		return nil, ErrNoConfig
	}
	base, err := url.Parse(strings.TrimRight(cfg.Server, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("server %q is not an http(s) URL", cfg.Server)
	}
	tlsConf := &tls.Config{InsecureSkipVerify: cfg.Insecure, ServerName: cfg.TLSServerName, MinVersion: tls.VersionTLS12} //nolint:gosec // the user asked for it
	if len(cfg.CAData) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAData) {
			return nil, errors.New("certificate authority data holds no PEM certificate")
		}
		tlsConf.RootCAs = pool
	}
	if len(cfg.CertData) > 0 || len(cfg.KeyData) > 0 {
		cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tlsConf.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	c := &Client{cfg: *cfg, base: base, http: &http.Client{Transport: tr}}
	if c.cfg.UserAgent == "" {
		c.cfg.UserAgent = "capstan"
	}
	return c, nil
}

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// Namespace returns the default namespace of the client's context.
func (c *Client) Namespace() string {
	if c.cfg.Namespace == "" {
		return DefaultNamespace
	}
	return c.cfg.Namespace
}

// Server returns the API server's base URL.
func (c *Client) Server() string { return c.base.String() }

// request is one API call.
type request struct {
	method      string
	info        *api.KindInfo // nil for a raw path
	rawPath     string
	namespace   string
	name        string
	subresource string
	query       url.Values
	body        []byte
	contentType string
}

// Path returns the URL path of a resource: /api/v1/namespaces/NS/pods/NAME
// or /apis/apps/v1/deployments with an empty namespace (all namespaces, or
// a cluster-scoped kind). name and subresource may be empty.
func Path(info *api.KindInfo, namespace, name, subresource string) string {
	var b strings.Builder
	if info.Group == "" {
		b.WriteString("/api/")
	} else {
		b.WriteString("/apis/")
		b.WriteString(info.Group)
		b.WriteByte('/')
	}
	b.WriteString(info.Version)
	if info.Namespaced && namespace != "" {
		b.WriteString("/namespaces/")
		b.WriteString(url.PathEscape(namespace))
	}
	b.WriteByte('/')
	b.WriteString(info.Resource)
	if name != "" {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(name))
		if subresource != "" {
			b.WriteByte('/')
			b.WriteString(subresource)
		}
	}
	return b.String()
}

func (c *Client) url(r *request) string {
	u := *c.base
	p := r.rawPath
	if r.info != nil {
		p = Path(r.info, r.namespace, r.name, r.subresource)
	}
	u.Path = strings.TrimRight(u.Path, "/") + p
	u.RawPath = ""
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	return u.String()
}

// send performs r and returns the response if it succeeded (2xx); any other
// answer is read and returned as an error.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r), body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, req.URL.Path, ctxErr)
		}
		return nil, fmt.Errorf("%s %s: %w", r.method, req.URL.Path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return nil, errorFromResponse(r, resp.StatusCode, data)
}

// do performs r within the client's timeout and returns the response body.
func (c *Client) do(ctx context.Context, r *request) ([]byte, error) {
	if t := c.timeout(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading response: %w", r.method, c.url(r), err)
	}
	return data, nil
}

func (c *Client) timeout() time.Duration {
	switch {
	case c.cfg.Timeout == 0:
		return DefaultTimeout
	case c.cfg.Timeout < 0:
		return 0
	}
	return c.cfg.Timeout
}

// errorFromResponse turns a failed response into a *api.StatusError: the
// Status the server sent, or one made from the HTTP code (as client-go's
// NewGenericServerResponse does) when the body is not a Status.
func errorFromResponse(r *request, code int, body []byte) error {
	var st api.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" && st.Status != api.StatusSuccess {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		st.Status = api.StatusFailure
		return &api.StatusError{ErrStatus: st}
	}
	reason, msg := genericReason(code)
	resource := ""
	if r.info != nil {
		resource = r.info.Resource
	}
	if r.info != nil {
		verb := strings.ToLower(r.method)
		if r.method == http.MethodGet && r.name == "" {
			verb = "list"
		}
		msg = fmt.Sprintf("%s (%s %s", msg, verb, resource)
		if r.name != "" {
			msg += " " + r.name
		}
		msg += ")"
	}
	if text := strings.TrimSpace(string(body)); text != "" && len(text) < 512 && code >= 500 {
		msg = fmt.Sprintf("an error on the server (%q) has prevented the request from succeeding", text)
	}
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: int32(code), Reason: reason, Message: msg,
		Details: &api.StatusDetails{Name: r.name, Kind: resource},
	}}
}

// genericReason is the reason and message for a bare HTTP code.
func genericReason(code int) (api.StatusReason, string) {
	switch code {
	case http.StatusBadRequest:
		return api.StatusReasonBadRequest, "the server rejected our request for an unknown reason"
	case http.StatusUnauthorized:
		return api.StatusReasonUnauthorized, "the server has asked for the client to provide credentials"
	case http.StatusForbidden:
		return api.StatusReasonForbidden, "the server does not allow access to the requested resource"
	case http.StatusNotFound:
		return api.StatusReasonNotFound, "the server could not find the requested resource"
	case http.StatusMethodNotAllowed:
		return api.StatusReasonMethodNotAllowed, "the server does not allow this method on the requested resource"
	case http.StatusConflict:
		return api.StatusReasonConflict, "the server reported a conflict"
	case http.StatusGone:
		return api.StatusReasonGone, "the requested resource is no longer available"
	case http.StatusRequestEntityTooLarge:
		return api.StatusReasonRequestEntityTooLarge, "the request entity is too large"
	case http.StatusUnprocessableEntity:
		return api.StatusReasonInvalid, "the server rejected our request due to an error in our request"
	case http.StatusTooManyRequests:
		return "TooManyRequests", "the server has received too many requests and has asked us to try again later"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable", "the server is currently unable to handle the request"
	case http.StatusGatewayTimeout:
		return "Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"
	}
	if code >= 500 {
		return api.StatusReasonInternalError, "an error on the server has prevented the request from succeeding"
	}
	return api.StatusReasonUnknown, fmt.Sprintf("the server responded with the status code %d but did not return more information", code)
}

// Raw performs a GET of a path outside the resource tree (/version,
// /healthz, discovery) and returns the body.
func (c *Client) Raw(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, &request{method: http.MethodGet, rawPath: path})
}

// Version is the server's /version answer.
type Version struct {
	Major      string `json:"major"`
	Minor      string `json:"minor"`
	GitVersion string `json:"gitVersion"`
	GitCommit  string `json:"gitCommit,omitempty"`
	GoVersion  string `json:"goVersion,omitempty"`
	Platform   string `json:"platform,omitempty"`
}

// ServerVersion returns the server's /version.
func (c *Client) ServerVersion(ctx context.Context) (*Version, error) {
	data, err := c.Raw(ctx, "/version")
	if err != nil {
		return nil, err
	}
	var v Version
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decoding /version: %w", err)
	}
	return &v, nil
}
