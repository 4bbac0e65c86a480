package apiserver

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/server/storage"
)

// server is the handler New returns.
type server struct {
	cfg       Config
	backend   storage.Backend
	reg       *registry.Registry
	regCfg    registry.Config
	metrics   *metrics
	log       *slog.Logger
	discovery *discovery
	openapi   *openAPI
	// metricsHandler serves /metrics.
	metricsHandler http.Handler
}

// request is one request being served.
type request struct {
	w     *responseWriter
	r     *http.Request
	ri    *requestInfo
	query url.Values
	user  UserInfo
}

// now is the registry's time of the request.
func (s *server) now() api.Time { return api.Unix(0, s.cfg.Clock().UnixNano()) }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &responseWriter{ResponseWriter: w}
	start := time.Now()
	s.metrics.inflight.Inc()
	req := &request{w: rw, r: r}
	defer func() {
		s.metrics.inflight.Dec()
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving a request", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !rw.wroteHeader {
				s.writeError(rw, r, api.NewInternalError(fmt.Errorf("panic: %v", p)), "", "")
			}
		}
		s.metrics.observe(req.ri, r.Method, rw.code, time.Since(start))
		s.log.Debug("request", "method", r.Method, "uri", r.URL.RequestURI(), "code", rw.code,
			"user", req.user.Name, "duration", time.Since(start))
	}()
	s.serve(req)
}

func (s *server) serve(req *request) {
	w, r := req.w, req.r
	path := r.URL.Path
	switch path {
	case "/healthz", "/livez":
		s.serveHealth(w, r, false)
		return
	case "/readyz":
		s.serveHealth(w, r, true)
		return
	case "/version":
		writeJSON(w, http.StatusOK, s.cfg.Version, output{})
		return
	}
	user, err := s.cfg.Authenticator.Authenticate(r)
	if err != nil {
		s.writeError(w, r, api.NewUnauthorized(err.Error()), "", "")
		return
	}
	req.user = user
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, api.NewBadRequest(fmt.Sprintf("malformed query string: %v", err)), "", "")
		return
	}
	req.query = q
	if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/apis/") {
		watch, err := boolParam(q, "watch")
		if err != nil {
			s.writeError(w, r, err, "", "")
			return
		}
		if ri, ok := parseResourcePath(r.Method, path, watch); ok {
			req.ri = ri
			if ri.verb == "" {
				s.writeError(w, r, newMethodNotAllowed(r.Method, path), "", "")
				return
			}
			ns := ri.namespace
			if ri.resource == "namespaces" {
				ns = ri.name // a namespace is in itself, for authorization (as Kubernetes)
			}
			if !s.authorize(req, Attributes{
				Verb: ri.verb, APIGroup: ri.group, APIVersion: ri.version, Resource: ri.resource,
				Subresource: ri.subresource, Namespace: ns, Name: ri.name, ResourceRequest: true, Path: path,
			}) {
				return
			}
			s.serveResource(req)
			return
		}
	}
	if !s.authorize(req, Attributes{Verb: strings.ToLower(r.Method), Path: path}) {
		return
	}
	if path == "/metrics" {
		s.serveMetrics(w, r)
		return
	}
	if s.serveDiscovery(w, r) || s.serveOpenAPI(w, r) {
		return
	}
	s.writeError(w, r, newPathNotFound(path), "", "")
}

// authorize asks the Authorizer and answers 403 (or 500 on its error)
// when the request may not proceed.
func (s *server) authorize(req *request, a Attributes) bool {
	ok, reason, err := s.cfg.Authorizer.Authorize(req.r.Context(), req.user, a)
	if ok {
		return true
	}
	if err != nil {
		s.writeError(req.w, req.r, api.NewInternalError(fmt.Errorf("authorizing: %w", err)), "", "")
		return false
	}
	var msg string
	if a.ResourceRequest {
		res := a.Resource
		if a.Subresource != "" {
			res += "/" + a.Subresource
		}
		msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q", req.user.Name, a.Verb, res, a.APIGroup)
		if a.Namespace != "" {
			msg += fmt.Sprintf(" in the namespace %q", a.Namespace)
		} else {
			msg += " at the cluster scope"
		}
	} else {
		msg = fmt.Sprintf("User %q cannot %s path %q", req.user.Name, a.Verb, a.Path)
	}
	if reason != "" {
		msg += ": " + reason
	}
	resource := a.Resource
	if !a.ResourceRequest {
		resource = ""
	}
	s.writeError(req.w, req.r, api.NewForbidden(resource, a.Name, fmt.Errorf("%s", msg)), "", "")
	return false
}

// serveResource dispatches a resource request by verb and subresource.
func (s *server) serveResource(req *request) {
	ri := req.ri
	switch ri.subresource {
	case "status":
		s.serveStatus(req)
		return
	case "scale":
		s.serveScale(req)
		return
	case "binding":
		s.serveBinding(req)
		return
	case "eviction":
		s.serveEviction(req)
		return
	case "log":
		s.serveLog(req)
		return
	}
	switch ri.verb {
	case "get":
		s.serveGet(req)
	case "list":
		s.serveList(req)
	case "watch":
		s.serveWatch(req)
	case "create":
		s.serveCreate(req)
	case "update":
		s.serveUpdate(req)
	case "patch":
		s.servePatch(req)
	case "delete":
		s.serveDelete(req)
	case "deletecollection":
		s.serveDeleteCollection(req)
	default:
		s.writeError(req.w, req.r, newMethodNotAllowed(req.r.Method, req.r.URL.Path), "", "")
	}
}

// fail answers err about the request's resource and name.
func (s *server) fail(req *request, err error) {
	s.writeError(req.w, req.r, err, req.ri.resource, req.ri.name)
}

// responseWriter records the status code and passes Flush through.
type responseWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
