// Package probe runs core/node's RunProbe actions the way the kubelet's
// prober does: an exec probe runs its command in the container (success is
// exit code 0), a TCP probe connects to the port, an HTTP probe GETs the
// URL (success is a status in [200, 400); redirects are not followed, and
// HTTPS certificates are not checked). Network probes go to the pod's
// address unless the probe names a host; a named port is looked up among
// the container's ports. Each probe ends within its timeout, and its
// outcome comes back as a node.ProbeResult, a timeout being a failure.
package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// Execer runs a command in a running container (nodeagent/runtime's Exec).
type Execer interface {
	Exec(ctx context.Context, id string, cmd []string, timeout time.Duration) (int, []byte, error)
}

// Target is what a probe needs to know of its pod.
type Target struct {
	// PodIP is the pod's address (the node's for hostNetwork pods).
	PodIP string
	// Ports are the container's ports, for named ports.
	Ports []api.ContainerPort
}

// Prober runs probes.
type Prober struct {
	exec   Execer
	client *http.Client
}

// New returns a Prober running exec probes through exec.
func New(exec Execer) *Prober {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // as the kubelet: probes do not verify
		DisableKeepAlives: true,
		Proxy:             nil,
	}
	return &Prober{exec: exec, client: &http.Client{Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Run runs probe a once against t.
func (p *Prober) Run(ctx context.Context, a node.RunProbe, t Target) node.ProbeResult {
	res := node.ProbeResult{ID: a.ID, Kind: a.Kind}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	var err error
	switch h := a.Handler; {
	case h.Exec != nil:
		err = p.runExec(ctx, a.ID, h.Exec.Command, timeout)
	case h.HTTPGet != nil:
		err = p.runHTTP(ctx, h.HTTPGet, t, timeout)
	case h.TCPSocket != nil:
		err = runTCP(ctx, h.TCPSocket, t, timeout)
	default:
		err = errors.New("probe has no handler")
	}
	if err != nil {
		res.Message = err.Error()
	} else {
		res.Success = true
	}
	return res
}

func (p *Prober) runExec(ctx context.Context, id string, cmd []string, timeout time.Duration) error {
	if len(cmd) == 0 {
		return errors.New("exec probe has no command")
	}
	code, out, err := p.exec.Exec(ctx, id, cmd, timeout)
	if err != nil {
		return fmt.Errorf("command %q: %w", strings.Join(cmd, " "), err)
	}
	if code != 0 {
		return fmt.Errorf("command %q exited with %d: %s", strings.Join(cmd, " "), code, strings.TrimSpace(string(out)))
	}
	return nil
}

// port resolves a probe's port against the container's ports.
func port(p api.IntOrString, t Target) (int, error) {
	if !p.IsString {
		if p.IntVal <= 0 || p.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port %d", p.IntVal)
		}
		return int(p.IntVal), nil
	}
	for _, cp := range t.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil && n > 0 && n <= 65535 {
		return n, nil
	}
	return 0, fmt.Errorf("port %q not found among the container's ports", p.StrVal)
}

func host(h string, t Target) (string, error) {
	if h != "" {
		return h, nil
	}
	if t.PodIP == "" {
		return "", errors.New("the pod has no address yet")
	}
	return t.PodIP, nil
}

func (p *Prober) runHTTP(ctx context.Context, g *api.HTTPGetAction, t Target, timeout time.Duration) error {
	h, err := host(g.Host, t)
	if err != nil {
		return err
	}
	n, err := port(g.Port, t)
	if err != nil {
		return err
	}
	scheme := strings.ToLower(g.Scheme)
	if scheme == "" {
		scheme = "http"
	}
	path := g.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	url := scheme + "://" + net.JoinHostPort(h, strconv.Itoa(n)) + path
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "capstan-probe/1.0")
	req.Header.Set("Accept", "*/*")
	for _, hd := range g.HTTPHeaders {
		if strings.EqualFold(hd.Name, "Host") {
			req.Host = hd.Value
		} else {
			req.Header.Set(hd.Name, hd.Value)
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("Get %q: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 10<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

func runTCP(ctx context.Context, s *api.TCPSocketAction, t Target, timeout time.Duration) error {
	h, err := host(s.Host, t)
	if err != nil {
		return err
	}
	n, err := port(s.Port, t)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(h, strconv.Itoa(n)))
	if err != nil {
		return err
	}
	return conn.Close()
}
