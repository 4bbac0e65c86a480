package cptest

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

// Bindings records, from a watch of every pod, each pod's spec.nodeName
// over time.
type Bindings struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// byUID is each pod's history of distinct nodeName values, "" first
	// when it was seen unbound.
	byUID map[string]*podHistory
	err   error
}

type podHistory struct {
	key   string
	nodes []string
}

// RecordBindings watches pods in b from revision from (which must not be
// compacted; 2 for a store whose history is whole) until Stop.
func RecordBindings(b storage.Backend, from int64) (*Bindings, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := b.WatchStream(ctx, api.KeyPrefix+"pods/", from)
	if err != nil {
		cancel()
		return nil, err
	}
	r := &Bindings{cancel: cancel, done: make(chan struct{}), byUID: map[string]*podHistory{}}
	go func() {
		defer close(r.done)
		defer s.Close()
		for {
			evs, err := s.Next(ctx, 0)
			if err != nil || len(evs) == 0 {
				if ctx.Err() == nil {
					r.mu.Lock()
					r.err = fmt.Errorf("binding watch ended: %v", err)
					r.mu.Unlock()
				}
				return
			}
			r.mu.Lock()
			for _, ev := range evs {
				r.observe(ev)
			}
			r.mu.Unlock()
		}
	}()
	return r, nil
}

func (r *Bindings) observe(ev store.Event) {
	p, ok := ev.Object.(*api.Pod)
	if !ok {
		return
	}
	h := r.byUID[p.UID]
	if h == nil {
		h = &podHistory{key: ev.Key}
		r.byUID[p.UID] = h
	}
	if n := len(h.nodes); n == 0 || h.nodes[n-1] != p.Spec.NodeName {
		h.nodes = append(h.nodes, p.Spec.NodeName)
	}
}

// Stop ends the watch.
func (r *Bindings) Stop() {
	r.cancel()
	<-r.done
}

// Check returns an error naming every pod whose nodeName was set more than
// once or changed (history other than [node] or ["", node]), and the
// number of pods bound exactly once.
func (r *Bindings) Check() (bound int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	var bad []string
	for uid, h := range r.byUID {
		nodes := h.nodes
		if len(nodes) > 0 && nodes[0] == "" {
			nodes = nodes[1:]
		}
		switch {
		case len(nodes) == 1:
			bound++
		case len(nodes) > 1:
			bad = append(bad, fmt.Sprintf("%s (uid %s): nodeName %q", h.key, uid, h.nodes))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return bound, fmt.Errorf("pods bound more than once: %v", bad)
	}
	return bound, nil
}
