package controlplane

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/store"
)

// Metrics are the control plane's figures for /metrics. A nil *Metrics
// records nothing.
type Metrics struct {
	writes        *prometheus.CounterVec
	writeDuration *prometheus.HistogramVec
	bindings      prometheus.Counter
	pending       prometheus.Gauge
	queuedWrites  prometheus.Gauge
	readyDuration prometheus.Histogram
	events        prometheus.Counter
	relists       prometheus.Counter
	leader        prometheus.Gauge
	terms         prometheus.Counter
}

// NewMetrics makes the control plane's metrics and registers them with
// reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "capstan_controlplane_writes_total",
			Help: "Writes the control plane executed, by operation, kind and result (ok, or the failure's Status reason).",
		}, []string{"op", "kind", "result"}),
		writeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "capstan_controlplane_write_duration_seconds",
			Help:    "Time to execute one control-plane write through the registry and the store.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"op"}),
		bindings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "capstan_scheduler_bindings_total",
			Help: "Pods the scheduler bound to a node.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "capstan_scheduler_pending_pods",
			Help: "Pods not bound to a node, not finished and not being deleted, as the leader's control plane sees them.",
		}),
		queuedWrites: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "capstan_controlplane_queued_writes",
			Help: "Writes the machine asked for that no writer has started yet.",
		}),
		readyDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "capstan_controlplane_sync_duration_seconds",
			Help:    "Time the controllers took in one Ready (a sync of every dirty key).",
			Buckets: prometheus.ExponentialBuckets(0.00005, 4, 10),
		}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "capstan_controlplane_watch_events_total",
			Help: "Store events fed to the control-plane machine.",
		}),
		relists: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "capstan_controlplane_relists_total",
			Help: "Machines rebuilt from a new List within a term (a watch behind a compaction, or a store error).",
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "capstan_controlplane_leader",
			Help: "1 while this server is the elected leader running the control plane, else 0.",
		}),
		terms: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "capstan_controlplane_leader_terms_total",
			Help: "Times this server became the leader.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.writes, m.writeDuration, m.bindings, m.pending, m.queuedWrites,
			m.readyDuration, m.events, m.relists, m.leader, m.terms)
	}
	return m
}

func (m *Metrics) observeWrite(w control.Write, err error, d time.Duration) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = string(api.ReasonForError(err))
		if result == "" {
			result = "Unknown"
		}
	} else if w.Op == control.OpBind {
		m.bindings.Inc()
	}
	op := w.Op.String()
	m.writes.WithLabelValues(op, w.Kind(), result).Inc()
	m.writeDuration.WithLabelValues(op).Observe(d.Seconds())
}

func (m *Metrics) observeReady(d time.Duration) {
	if m != nil {
		m.readyDuration.Observe(d.Seconds())
	}
}

func (m *Metrics) observeEvents(n int) {
	if m != nil {
		m.events.Add(float64(n))
	}
}

func (m *Metrics) queued(n int) {
	if m != nil {
		m.queuedWrites.Add(float64(n))
	}
}

func (m *Metrics) setPending(n int) {
	if m != nil {
		m.pending.Set(float64(n))
	}
}

// SetLeader records whether this server leads now.
func (m *Metrics) SetLeader(leading bool) {
	if m == nil {
		return
	}
	if leading {
		m.leader.Set(1)
		m.terms.Inc()
	} else {
		m.leader.Set(0)
	}
}

// pendingPods counts the pods the scheduler still has to place, from the
// events the machine is fed.
type pendingPods struct{ keys map[string]struct{} }

func (p *pendingPods) observe(ev store.Event) {
	pod, ok := ev.Object.(*api.Pod)
	if !ok {
		return
	}
	if p.keys == nil {
		p.keys = map[string]struct{}{}
	}
	if ev.Type != store.Deleted && pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil &&
		pod.Status.Phase != api.PodSucceeded && pod.Status.Phase != api.PodFailed {
		p.keys[ev.Key] = struct{}{}
	} else {
		delete(p.keys, ev.Key)
	}
}

func (p *pendingPods) count() int { return len(p.keys) }
