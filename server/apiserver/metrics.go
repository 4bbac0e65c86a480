package apiserver

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the handler's Prometheus figures, named as kube-apiserver's.
type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	inflight    prometheus.Gauge
	watchers    *prometheus.GaugeVec
	watchEvents *prometheus.CounterVec
	handler     http.Handler
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Requests served, by verb, resource, subresource and HTTP code.",
		}, []string{"verb", "resource", "subresource", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "Latency of requests (watches excluded), by verb, resource, subresource and HTTP code.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"verb", "resource", "subresource", "code"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiserver_current_inflight_requests",
			Help: "Requests being served, watches included.",
		}),
		watchers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_registered_watchers",
			Help: "Open watches, by resource.",
		}, []string{"resource"}),
		watchEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_watch_events_total",
			Help: "Events sent to watchers, by resource.",
		}, []string{"resource"}),
	}
	var err error
	m.requests = register(reg, m.requests, &err)
	m.latency = register(reg, m.latency, &err)
	m.inflight = register(reg, m.inflight, &err)
	m.watchers = register(reg, m.watchers, &err)
	m.watchEvents = register(reg, m.watchEvents, &err)
	return m, err
}

// register registers c, or returns the collector already registered
// under its name (two handlers on one registry share their figures).
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		if *errp == nil {
			*errp = err
		}
	}
	return c
}

// observe records one finished request.
func (m *metrics) observe(ri *requestInfo, method string, code int, d time.Duration) {
	if code == 0 {
		code = http.StatusOK
	}
	verb, resource, sub := method, "", ""
	if ri != nil {
		resource, sub = ri.resource, ri.subresource
		switch ri.verb {
		case "create":
			verb = "POST"
		case "update":
			verb = "PUT"
		case "":
		default:
			verb = strings.ToUpper(ri.verb)
		}
	}
	c := strconv.Itoa(code)
	m.requests.WithLabelValues(verb, resource, sub, c).Inc()
	if verb != "WATCH" {
		m.latency.WithLabelValues(verb, resource, sub, c).Observe(d.Seconds())
	}
}

// serveMetrics answers /metrics from the Gatherer.
func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s.metricsHandler.ServeHTTP(w, r)
}

func newMetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
