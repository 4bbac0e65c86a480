// Package apifake is an in-memory API server for the node agent's tests:
// core/registry's API semantics (defaulting, validation, UIDs, resource
// versions, graceful pod deletion) over core/store's in-memory store,
// behind nodeapi.API. Field selectors support spec.nodeName and
// metadata.name. Faults can be switched on: Fail makes every write fail
// until switched off again.
package apifake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
)

// API is the fake. Safe for concurrent use.
type API struct {
	mu     sync.Mutex
	st     *store.Memory
	reg    *registry.Registry
	now    func() time.Time
	wake   chan struct{} // closed and replaced on every write
	failOn bool
	writes int
}

// New returns an empty fake API with the default namespaces.
func New() *API {
	st := store.NewMemory()
	a := &API{st: st, reg: registry.New(st, registry.Config{Seed: 1}), now: time.Now, wake: make(chan struct{})}
	for _, ns := range []string{"default", "kube-system", "kube-node-lease"} {
		if _, err := a.Create(context.Background(), &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: api.ObjectMeta{Name: ns}}); err != nil {
			panic(err) // cannot happen on an empty store
		}
	}
	return a
}

var _ nodeapi.API = (*API)(nil)

// Fail makes every write fail (true) or succeed again (false).
func (a *API) Fail(on bool) {
	a.mu.Lock()
	a.failOn = on
	a.mu.Unlock()
}

// Writes counts the writes made so far.
func (a *API) Writes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.writes
}

func (a *API) t() api.Time { return api.Time(a.now().UnixNano()) }

// write runs f under the lock and wakes the watchers.
func (a *API) write(f func() (api.Object, error)) (api.Object, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failOn {
		return nil, api.NewInternalError(errors.New("apifake: writes are failing"))
	}
	a.writes++
	obj, err := f()
	close(a.wake)
	a.wake = make(chan struct{})
	if obj != nil {
		obj = api.CopyObject(obj)
	}
	return obj, err
}

func resource(kind string) (*api.KindInfo, error) {
	if info, ok := api.LookupKind(kind); ok {
		return info, nil
	}
	if info, ok := api.LookupResource(kind); ok {
		return info, nil
	}
	return nil, api.NewBadRequest(fmt.Sprintf("unknown kind %q", kind))
}

// Get implements nodeapi.API.
func (a *API) Get(_ context.Context, kind, ns, name string) (api.Object, error) {
	info, err := resource(kind)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	obj, err := a.reg.Get(info.Resource, ns, name)
	if err != nil {
		return nil, err
	}
	return api.CopyObject(obj), nil
}

// matches applies a field selector ("spec.nodeName=x", "metadata.name=y",
// comma-separated).
func matches(obj api.Object, fs string) bool {
	if fs == "" {
		return true
	}
	for _, term := range strings.Split(fs, ",") {
		k, v, _ := strings.Cut(term, "=")
		v = strings.TrimPrefix(v, "=")
		var have string
		switch k {
		case "metadata.name":
			have = obj.GetObjectMeta().Name
		case "metadata.namespace":
			have = obj.GetObjectMeta().Namespace
		case "spec.nodeName":
			if p, ok := obj.(*api.Pod); ok {
				have = p.Spec.NodeName
			}
		}
		if have != v {
			return false
		}
	}
	return true
}

func prefix(info *api.KindInfo, ns string) string {
	if ns == "" || !info.Namespaced {
		return api.KeyPrefix + info.Resource + "/"
	}
	return api.KeyPrefix + info.Resource + "/" + ns + "/"
}

// List implements nodeapi.API.
func (a *API) List(_ context.Context, kind, ns, fs string) ([]api.Object, string, error) {
	info, err := resource(kind)
	if err != nil {
		return nil, "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	res, err := a.st.List(prefix(info, ns), store.ListOptions{})
	if err != nil {
		return nil, "", err
	}
	var out []api.Object
	for _, o := range res.Items {
		if matches(o, fs) {
			out = append(out, api.CopyObject(o))
		}
	}
	return out, strconv.FormatInt(res.Revision, 10), nil
}

// Watch implements nodeapi.API. Objects that stop matching the field
// selector are sent as DELETED, those that start as ADDED, as Kubernetes
// does.
func (a *API) Watch(ctx context.Context, kind, ns, fs, rv string) (nodeapi.Watch, error) {
	info, err := resource(kind)
	if err != nil {
		return nil, err
	}
	from := int64(0)
	if rv != "" {
		n, err := strconv.ParseInt(rv, 10, 64)
		if err != nil {
			return nil, api.NewBadRequest("bad resourceVersion " + rv)
		}
		from = n + 1
	}
	a.mu.Lock()
	sw, err := a.st.Watch(prefix(info, ns), from)
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	return &watch{a: a, sw: sw, fs: fs, ctx: wctx, cancel: cancel}, nil
}

type watch struct {
	a      *API
	sw     store.Watcher
	fs     string
	ctx    context.Context
	cancel context.CancelFunc
	queue  []nodeapi.Event
}

func (w *watch) Next() (nodeapi.Event, error) {
	for {
		if len(w.queue) > 0 {
			ev := w.queue[0]
			w.queue = w.queue[1:]
			return ev, nil
		}
		w.a.mu.Lock()
		evs, err := w.sw.Poll(0)
		wake := w.a.wake
		w.a.mu.Unlock()
		if err != nil {
			return nodeapi.Event{}, api.NewGone(err.Error())
		}
		for _, e := range evs {
			now := matches(e.Object, w.fs)
			was := e.PrevObject != nil && matches(e.PrevObject, w.fs)
			typ := string(e.Type)
			switch {
			case e.Type == store.Deleted && !was && !now:
				continue
			case e.Type == store.Deleted:
			case now && !was:
				typ = "ADDED"
			case !now && was:
				typ = "DELETED"
			case !now:
				continue
			}
			w.queue = append(w.queue, nodeapi.Event{Type: typ, Object: api.CopyObject(e.Object)})
		}
		if len(w.queue) > 0 {
			continue
		}
		select {
		case <-wake:
		case <-w.ctx.Done():
			return nodeapi.Event{}, w.ctx.Err()
		}
	}
}

func (w *watch) Stop() { w.cancel() }

// Create implements nodeapi.API.
func (a *API) Create(_ context.Context, obj api.Object) (api.Object, error) {
	obj = api.CopyObject(obj)
	return a.write(func() (api.Object, error) { return a.reg.Create(obj, a.t()) })
}

// Update implements nodeapi.API.
func (a *API) Update(_ context.Context, obj api.Object) (api.Object, error) {
	obj = api.CopyObject(obj)
	return a.write(func() (api.Object, error) { return a.reg.Update(obj, a.t()) })
}

// UpdateStatus implements nodeapi.API.
func (a *API) UpdateStatus(_ context.Context, obj api.Object) (api.Object, error) {
	obj = api.CopyObject(obj)
	return a.write(func() (api.Object, error) { return a.reg.UpdateStatus(obj, a.t()) })
}

// Delete implements nodeapi.API.
func (a *API) Delete(_ context.Context, kind, ns, name string, grace *int64, uid string) error {
	info, err := resource(kind)
	if err != nil {
		return err
	}
	_, err = a.write(func() (api.Object, error) {
		return a.reg.Delete(info.Resource, ns, name, registry.DeleteOptions{GracePeriodSeconds: grace,
			Preconditions: store.Preconditions{UID: uid}}, a.t())
	})
	return err
}
