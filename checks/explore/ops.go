package explore

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
)

// nextDeadline returns when the clock moves next if nothing else
// happens: the control plane's next timer (lease expiries, retries,
// tolerations ...) or the next periodic tick of a live node (its lease
// renewals, and the pod timers it keeps: the harness ticks nodes every
// NodeTick, as core/sim does every second).
func (w *World) nextDeadline() (api.Time, bool) {
	t, ok := w.cp.NextTimer()
	if ok && t <= w.now {
		t = w.now + 1 // due already: it fires on the next Tick
	}
	for _, n := range w.nodes {
		if n.m == nil {
			continue
		}
		nt := n.ticked + api.Time(w.cfg.NodeTick)
		if nt <= w.now {
			nt = w.now + 1
		}
		if !ok || nt < t {
			t, ok = nt, true
		}
	}
	return t, ok
}

// canAdvance reports whether the clock may move: there is a deadline and
// it is within the horizon.
func (w *World) canAdvance() bool {
	t, ok := w.nextDeadline()
	if !ok || (w.exploring && t > w.start+api.Time(w.cfg.Horizon)) {
		return false
	}
	return !w.cfg.AdvanceWhenCaughtUp || len(w.cpq) == 0
}

// advance moves the clock to t and ticks the control plane, then every
// live node (partitioned ones too: time passes for them).
func (w *World) advance(t api.Time) {
	w.now = t
	if w.trace {
		w.logf("advance to %s", w.elapsed())
	}
	w.cp.Tick(t)
	for _, n := range w.nodes {
		if n.m != nil {
			w.tickNode(n)
		}
	}
}

// InjectFault applies the configuration's fault now. Setup may call it
// (the fault has happened before exploration starts); otherwise it is a
// choice, enabled until taken.
func (w *World) InjectFault() error {
	f := w.cfg.Fault
	if f == nil || w.faulted {
		return fmt.Errorf("no fault to inject")
	}
	w.faulted = true
	switch f.Kind {
	case Crash:
		return w.Crash(f.Node)
	case Partition:
		return w.Partition(f.Node)
	}
	return fmt.Errorf("unknown fault %d", f.Kind)
}

func (w *World) heal() {
	w.healed = true
	n := w.node(w.cfg.Fault.Node)
	n.partitioned = false
	w.logf("heal %s: %d held deliveries", n.name, len(n.q))
}

// Crash stops a node for good: its machine, its watch and its runtime
// (with every container) are gone; its Node and Lease stay in the store.
func (w *World) Crash(name string) error {
	n := w.node(name)
	if n == nil || n.m == nil {
		return fmt.Errorf("crash: no live node %q", name)
	}
	n.m, n.q, n.rt = nil, nil, nil
	n.w.Close()
	w.logf("crash %s", name)
	return nil
}

// Partition cuts a node off the API: its writes fail, what the API has
// for it is held until it heals; its machine and runtime go on.
func (w *World) Partition(name string) error {
	n := w.node(name)
	if n == nil || n.m == nil {
		return fmt.Errorf("partition: no live node %q", name)
	}
	n.partitioned = true
	w.logf("partition %s", name)
	return nil
}

// Create creates objects through the registry, as a user would (the
// objects are copied).
func (w *World) Create(objs ...api.Object) error {
	for _, o := range objs {
		if _, err := w.reg.Create(o, w.now); err != nil {
			return err
		}
	}
	w.pump()
	return nil
}

// Delete deletes an object through the registry, as a user would
// (background propagation, the object's own grace period).
func (w *World) Delete(resource, namespace, name string) error {
	if _, err := w.reg.Delete(resource, namespace, name, registry.DeleteOptions{}, w.now); err != nil {
		return err
	}
	w.pump()
	return nil
}

// SetImage sets the image of container of Deployment namespace/name's
// template, as kubectl set image does.
func (w *World) SetImage(namespace, name, container, image string) error {
	cur, err := w.mem.Get(api.KeyFor("deployments", namespace, name))
	if err != nil {
		return err
	}
	d := api.DeepCopy(cur.(*api.Deployment))
	found := false
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == container {
			c.Image, found = image, true
		}
	}
	if !found {
		return fmt.Errorf("set image: no container %q", container)
	}
	if _, err := w.reg.Update(d, w.now); err != nil {
		return err
	}
	w.pump()
	return nil
}

// AdvanceBy moves the clock forward by d, stopping at every deadline on
// the way (so that timers fire when they are due) and settling after
// each.
func (w *World) AdvanceBy(d time.Duration) error {
	end := w.now + api.Time(d)
	for {
		t, ok := w.nextDeadline()
		if !ok || t > end {
			break
		}
		w.advance(t)
		w.pump()
		if _, err := w.Settle(0, 10000); err != nil {
			return err
		}
	}
	if end > w.now {
		w.advance(end)
		w.pump()
	}
	_, err := w.Settle(0, 10000)
	return err
}

// Settle takes the canonical schedule until the world is quiescent: the
// first enabled choice in Enabled's order (control-plane events first,
// then its sync, then each node's events and runtime answers in node
// order), moving the clock only to deadlines within window of now when
// nothing else is left. It returns the number of transitions taken, or an
// error after limit of them.
func (w *World) Settle(window time.Duration, limit int) (int, error) {
	for steps := 0; ; steps++ {
		if steps >= limit {
			return steps, fmt.Errorf("not quiescent after %d transitions", limit)
		}
		c, ok := w.canonical(window)
		if !ok {
			return steps, nil
		}
		w.Step(c)
	}
}

// canonical returns the choice the canonical schedule takes, if any.
func (w *World) canonical(window time.Duration) (Choice, bool) {
	for _, c := range w.Enabled() {
		switch c.Kind {
		case Fault, Heal, User:
			continue
		case Advance:
			if t, _ := w.nextDeadline(); t > w.now+api.Time(window) {
				continue
			}
		}
		return c, true
	}
	return Choice{}, false
}
