package apiserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// LogsPortLabel is the Node label in which a node agent advertises the
// port of its logs endpoint (nodeagent/logs); DefaultLogsPort (the
// kubelet's) is used when the label is absent.
const (
	LogsPortLabel   = "capstan.dev/logs-port"
	DefaultLogsPort = 10250
)

// nodeLogsTransport reaches the agents' logs endpoints. Their certificates
// are self-signed, so they are not verified (as kube-apiserver without
// --kubelet-certificate-authority); the bearer token is what the agent
// checks.
var nodeLogsTransport http.RoundTripper = &http.Transport{
	TLSClientConfig:     &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // agents' certs are self-signed; see Config.NodeLogsToken
	TLSHandshakeTimeout: 10 * time.Second,
	MaxIdleConnsPerHost: 4,
}

// newNodeError is a Status for a node's logs endpoint that cannot serve:
// 503 ServiceUnavailable, or 502 with reason InternalError when the
// endpoint answered something unusable.
func newNodeError(code int, msg string) *api.StatusError {
	reason := api.StatusReason("ServiceUnavailable")
	if code != http.StatusServiceUnavailable {
		reason = api.StatusReasonInternalError
	}
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: int32(code), Reason: reason, Message: msg,
		Details: &api.StatusDetails{},
	}}
}

// logQuery checks the log subresource's query and returns the agent's.
func logQuery(q url.Values) (url.Values, error) {
	out := url.Values{}
	for _, b := range []string{"follow", "previous"} {
		if s := q.Get(b); s != "" {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return nil, api.NewBadRequest(fmt.Sprintf("%s: must be true or false, not %q", b, s))
			}
			out.Set(b, strconv.FormatBool(v))
		}
	}
	for _, p := range []struct {
		name string
		min  int64
	}{{"tailLines", 0}, {"limitBytes", 1}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < p.min {
				return nil, api.NewBadRequest(fmt.Sprintf("%s: must be an integer >= %d, not %q", p.name, p.min, s))
			}
			out.Set(p.name, strconv.FormatInt(n, 10))
		}
	}
	return out, nil
}

// logContainer returns the container of pod whose log is asked for.
func logContainer(pod *api.Pod, want string) (string, error) {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	if want == "" {
		if len(pod.Spec.Containers) == 1 {
			return pod.Spec.Containers[0].Name, nil
		}
		return "", api.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", pod.Name, names))
	}
	for _, n := range names {
		if n == want {
			return want, nil
		}
	}
	return "", api.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", want, pod.Name))
}

// logsEndpoint returns host:port of the logs endpoint of node.
func logsEndpoint(node *api.Node) (string, error) {
	host := ""
	for _, t := range []string{"InternalIP", "Hostname", "ExternalIP"} {
		for _, a := range node.Status.Addresses {
			if a.Type == t && host == "" {
				host = a.Address
			}
		}
	}
	if host == "" {
		return "", newNodeError(http.StatusServiceUnavailable, fmt.Sprintf("node %s has no address to reach its logs endpoint at", node.Name))
	}
	port := DefaultLogsPort
	if s, ok := node.Labels[LogsPortLabel]; ok {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			return "", newNodeError(http.StatusServiceUnavailable, fmt.Sprintf("node %s: label %s=%q is not a port", node.Name, LogsPortLabel, s))
		}
		port = p
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// serveLog answers GET pods/NAME/log by proxying to the logs endpoint of
// the agent of the pod's node, streaming its answer (follow included).
func (s *server) serveLog(req *request) {
	if req.ri.verb != "get" {
		s.fail(req, newMethodNotAllowed(req.r.Method, req.r.URL.Path))
		return
	}
	q, err := logQuery(req.query)
	if err != nil {
		s.fail(req, err)
		return
	}
	obj, err := s.backend.Get(req.ri.objectKey())
	if err != nil {
		s.fail(req, err)
		return
	}
	pod := obj.(*api.Pod)
	container, err := logContainer(pod, req.query.Get("container"))
	if err != nil {
		s.fail(req, err)
		return
	}
	if pod.Spec.NodeName == "" {
		s.fail(req, api.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name)))
		return
	}
	if s.cfg.NodeLogsToken == "" {
		s.fail(req, newNodeError(http.StatusServiceUnavailable, "this server has no credential for the nodes' logs endpoints"))
		return
	}
	nobj, err := s.backend.Get(api.KeyFor("nodes", "", pod.Spec.NodeName))
	if err != nil {
		if err = toStatusError(err, "nodes", pod.Spec.NodeName); api.IsNotFound(err) {
			err = newNodeError(http.StatusServiceUnavailable, fmt.Sprintf("node %s of pod %s is not registered", pod.Spec.NodeName, pod.Name))
		}
		s.fail(req, err)
		return
	}
	hostPort, err := logsEndpoint(nobj.(*api.Node))
	if err != nil {
		s.fail(req, err)
		return
	}
	u := url.URL{Scheme: "https", Host: hostPort, RawQuery: q.Encode(),
		Path: "/containerLogs/" + url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name) + "/" + url.PathEscape(container)}
	areq, err := http.NewRequestWithContext(req.r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		s.fail(req, api.NewInternalError(err))
		return
	}
	areq.Header.Set("Authorization", "Bearer "+s.cfg.NodeLogsToken)
	resp, err := s.cfg.NodeLogsTransport.RoundTrip(areq)
	if err != nil {
		s.fail(req, newNodeError(http.StatusServiceUnavailable, fmt.Sprintf("node %s is unreachable at %s: %v", pod.Spec.NodeName, hostPort, err)))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		detail := strings.TrimSpace(string(msg))
		switch resp.StatusCode {
		case http.StatusNotFound:
			s.fail(req, &api.StatusError{ErrStatus: api.Status{
				TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: api.StatusFailure,
				Code: http.StatusNotFound, Reason: api.StatusReasonNotFound, Details: &api.StatusDetails{Name: pod.Name, Kind: "pods"},
				Message: fmt.Sprintf("no log of container %s of pod %s on node %s: %s", container, pod.Name, pod.Spec.NodeName, detail),
			}})
		case http.StatusBadRequest:
			s.fail(req, api.NewBadRequest(detail))
		default:
			s.fail(req, newNodeError(http.StatusBadGateway, fmt.Sprintf("the logs endpoint of node %s answered %s: %s", pod.Spec.NodeName, resp.Status, detail)))
		}
		return
	}
	req.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	req.w.WriteHeader(http.StatusOK)
	req.w.Flush()
	buf := make([]byte, 32<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := req.w.Write(buf[:n]); werr != nil {
				return
			}
			req.w.Flush()
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				s.log.Debug("log stream ended", "pod", pod.Namespace+"/"+pod.Name, "err", rerr)
			}
			return
		}
	}
}
