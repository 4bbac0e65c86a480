package controlplane_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/controlplane/cptest"
	"github.com/capstan-dev/capstan/server/storage"
)

// env is a store with the bootstrap namespaces and a registry the test
// writes through.
type env struct {
	b   storage.Backend
	reg *registry.Registry
	mu  sync.Mutex // guards reg
}

func newEnv(t *testing.T, b storage.Backend) *env {
	t.Helper()
	e := &env{b: b, reg: registry.New(b, registry.Config{Seed: 1})}
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		obj := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}
		if _, err := e.reg.Create(obj, now()); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func now() api.Time { return api.Time(time.Now().UnixNano()) }

func (e *env) create(t *testing.T, obj api.Object) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.reg.Create(obj, now()); err != nil {
		t.Fatal(err)
	}
}

func (e *env) addNodes(t *testing.T, names ...string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range names {
		if err := cptest.Register(e.reg, n, now()); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) pods(t *testing.T) []*api.Pod {
	t.Helper()
	l, err := e.b.List(api.KeyPrefix+"pods/", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*api.Pod, len(l.Items))
	for i, o := range l.Items {
		out[i] = o.(*api.Pod)
	}
	return out
}

// eventually polls cond every 20ms for up to d, failing with the last
// reason it gave.
func eventually(t *testing.T, d time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// start runs the loop until the test ends; it returns Run's result.
func start(t *testing.T, cfg controlplane.Config) <-chan error {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(finished)
		done <- controlplane.Run(ctx, cfg)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return 10s after its context ended")
		}
	})
	return done
}

// With no nodes a Deployment's pods are Pending, PodScheduled=False with
// reason Unschedulable and the scheduler's message; once nodes register,
// each pod is bound exactly once.
func TestPendingThenBound(t *testing.T) {
	e := newEnv(t, storage.NewLocked(store.NewMemory()))
	rec, err := cptest.RecordBindings(e.b, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Stop()
	reg := prometheus.NewRegistry()
	m := controlplane.NewMetrics(reg)
	start(t, controlplane.Config{Backend: e.b, Metrics: m})
	e.create(t, cptest.Deployment("web", 3))

	eventually(t, 10*time.Second, func() (bool, string) {
		pods := e.pods(t)
		if len(pods) != 3 {
			return false, fmt.Sprintf("%d pods, want 3", len(pods))
		}
		for _, p := range pods {
			c := podCondition(p, api.PodScheduled)
			if c == nil || c.Status != api.ConditionFalse || c.Reason != "Unschedulable" {
				return false, fmt.Sprintf("pod %s: PodScheduled %+v, want False/Unschedulable", p.Name, c)
			}
			if c.Message != "no nodes available to schedule pods" {
				t.Fatalf("pod %s: message %q", p.Name, c.Message)
			}
		}
		return true, ""
	})
	if got := metric(t, reg, "capstan_scheduler_pending_pods"); got != 3 {
		t.Errorf("pending pods gauge %v, want 3", got)
	}

	e.addNodes(t, "node-a", "node-b")
	eventually(t, 10*time.Second, func() (bool, string) {
		for _, p := range e.pods(t) {
			if p.Spec.NodeName == "" {
				return false, "pod " + p.Name + " not bound"
			}
		}
		return true, ""
	})
	e.create(t, cptest.Deployment("api", 4))
	eventually(t, 10*time.Second, func() (bool, string) {
		bound, err := rec.Check()
		if err != nil {
			t.Fatal(err)
		}
		return bound == 7, fmt.Sprintf("%d pods bound, want 7", bound)
	})
	eventually(t, 5*time.Second, func() (bool, string) {
		b := metric(t, reg, "capstan_scheduler_bindings_total")
		p := metric(t, reg, "capstan_scheduler_pending_pods")
		return b == 7 && p == 0, fmt.Sprintf("bindings_total %v, pending %v; want 7, 0", b, p)
	})
}

func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	return cptest.Metric(t, reg, name)
}

// compactingBackend makes the first watch fall behind a compaction at its
// first Next.
type compactingBackend struct {
	storage.Backend
	mu      sync.Mutex
	watches int
}

func (c *compactingBackend) WatchStream(ctx context.Context, prefix string, from int64) (storage.Stream, error) {
	s, err := c.Backend.WatchStream(ctx, prefix, from)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watches++
	if err != nil || c.watches > 1 {
		return s, err
	}
	return compactedStream{s}, nil
}

type compactedStream struct{ storage.Stream }

func (compactedStream) Next(context.Context, int) ([]store.Event, error) {
	return nil, &store.Error{Code: store.Compacted, Message: "required revision has been compacted"}
}

// A watch that falls behind a compaction makes a new machine from a new
// List, which carries on.
func TestRelistAfterCompaction(t *testing.T) {
	b := &compactingBackend{Backend: storage.NewLocked(store.NewMemory())}
	e := newEnv(t, b)
	e.addNodes(t, "node-a")
	reg := prometheus.NewRegistry()
	start(t, controlplane.Config{Backend: b, Metrics: controlplane.NewMetrics(reg)})
	e.create(t, cptest.Deployment("web", 2))
	eventually(t, 10*time.Second, func() (bool, string) {
		n := 0
		for _, p := range e.pods(t) {
			if p.Spec.NodeName != "" {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d pods bound, want 2", n)
	})
	if got := metric(t, reg, "capstan_controlplane_relists_total"); got != 1 {
		t.Errorf("relists %v, want 1", got)
	}
}

// fencedWriter refuses every write once fenced is set, as the etcd store
// guarded by the leader key does after the lease expired.
type fencedWriter struct {
	store.Store
	mu     sync.Mutex
	fenced bool
	writes int
}

func (f *fencedWriter) do() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fenced {
		return fmt.Errorf("etcd: leader key gone: %w", controlplane.ErrFenced)
	}
	f.writes++
	return nil
}

func (f *fencedWriter) Create(o api.Object) (api.Object, error) {
	if err := f.do(); err != nil {
		return nil, err
	}
	return f.Store.Create(o)
}

func (f *fencedWriter) Update(o api.Object) (api.Object, error) {
	if err := f.do(); err != nil {
		return nil, err
	}
	return f.Store.Update(o)
}

func (f *fencedWriter) Delete(k string, p store.Preconditions) (api.Object, error) {
	if err := f.do(); err != nil {
		return nil, err
	}
	return f.Store.Delete(k, p)
}

// A write refused for lost leadership ends the term: Run returns ErrFenced
// and nothing more is written.
func TestFencedWriteStops(t *testing.T) {
	b := storage.NewLocked(store.NewMemory())
	e := newEnv(t, b)
	w := &fencedWriter{Store: b, fenced: true}
	done := start(t, controlplane.Config{Backend: b, Writer: w})
	e.create(t, cptest.Deployment("web", 2))
	select {
	case err := <-done:
		if !errors.Is(err, controlplane.ErrFenced) {
			t.Fatalf("Run = %v, want ErrFenced", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after a fenced write")
	}
	if w.writes != 0 {
		t.Errorf("%d writes went through", w.writes)
	}
	if len(e.pods(t)) != 0 {
		t.Error("pods were created")
	}
}

// Once Run's context ends no write is started: a slow store holding a
// write shows every later one refused by the guard.
func TestNoWriteAfterStop(t *testing.T) {
	b := storage.NewLocked(store.NewMemory())
	e := newEnv(t, b)
	e.addNodes(t, "node-a")
	w := &fencedWriter{Store: b}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- controlplane.Run(ctx, controlplane.Config{Backend: b, Writer: w, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	e.create(t, cptest.Deployment("web", 1))
	eventually(t, 10*time.Second, func() (bool, string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.writes > 0, "no write yet"
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	w.mu.Lock()
	before := w.writes
	w.mu.Unlock()
	e.create(t, cptest.Deployment("more", 3))
	time.Sleep(200 * time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writes != before {
		t.Errorf("%d writes after Run returned", w.writes-before)
	}
}

func podCondition(p *api.Pod, typ string) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
