package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// readyTimeout bounds each readiness check.
const readyTimeout = 5 * time.Second

// serveHealth answers /healthz and /livez (the process serves: ok) and
// /readyz (the backend answers, and every Config.ReadyChecks passes).
// ?verbose lists the checks, as Kubernetes does.
func (s *server) serveHealth(w http.ResponseWriter, r *http.Request, ready bool) {
	checks := []Check{{Name: "ping", Run: func(context.Context) error { return nil }}}
	if ready {
		checks = append(checks, Check{Name: "backend", Run: s.backendReady})
		checks = append(checks, s.cfg.ReadyChecks...)
	}
	var b strings.Builder
	failed := false
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := c.Run(ctx)
		cancel()
		if err != nil {
			failed = true
			fmt.Fprintf(&b, "[-]%s failed: %v\n", c.Name, err)
			s.log.Warn("health check failed", "check", c.Name, "err", err)
		} else {
			fmt.Fprintf(&b, "[+]%s ok\n", c.Name)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	name := strings.TrimPrefix(r.URL.Path, "/")
	if failed {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "%s%s check failed\n", b.String(), name)
		return
	}
	if r.URL.Query().Has("verbose") {
		fmt.Fprintf(w, "%s%s check passed\n", b.String(), name)
		return
	}
	fmt.Fprint(w, "ok")
}

// backendReady asks the backend its revision, giving up when ctx ends
// (a backend that hangs is not ready).
func (s *server) backendReady(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		_, err := s.backend.Revision()
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("the backend did not answer within %v", readyTimeout)
	}
}
