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
// (the server's default propagation, the object's own grace period).
func (w *World) Delete(resource, namespace, name string) error {
	return w.DeleteWith(resource, namespace, name, "")
}

// DeleteWith deletes an object with a propagation policy (Background,
// Foreground, Orphan; "" for the server's default).
func (w *World) DeleteWith(resource, namespace, name, propagation string) error {
	opts := registry.DeleteOptions{PropagationPolicy: propagation}
	if _, err := w.reg.Delete(resource, namespace, name, opts, w.now); err != nil {
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

// Settle takes the canonical schedule until the world is quiescent, moving
// the clock only to deadlines within window of now when nothing else is
// left. It returns the number of transitions taken, or an error after
// limit of them.
//
// The canonical schedule is round-robin over the actors, in Enabled's
// order: the control plane's watch, the control plane's sync (or outbox),
// then each node's watch and runtime; each step takes the first enabled
// actor after the one that took the previous step. It is fair: an actor
// that stays enabled acts within one round, however busy the others are.
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

// actor numbers a choice's actor for the round-robin: 0 the control
// plane's watch, 1 its sync or outbox, then two per node.
func actor(c Choice) int {
	switch c.Kind {
	case DeliverControl:
		return 0
	case SyncControl, WriteControl:
		return 1
	case DeliverNode:
		return 2 + 2*int(c.Node)
	case Runtime:
		return 3 + 2*int(c.Node)
	}
	return -1
}

// canonical returns the choice the canonical schedule takes, if any, and
// moves the round-robin on.
func (w *World) canonical(window time.Duration) (Choice, bool) {
	var first, next, advance *Choice
	en := w.Enabled()
	for i := range en {
		c := &en[i]
		a := actor(*c)
		switch {
		case c.Kind == Advance:
			if t, _ := w.nextDeadline(); t <= w.now+api.Time(window) {
				advance = c
			}
		case a < 0: // faults and users are never canonical
		case first == nil:
			first = c
			fallthrough
		default:
			if next == nil && a >= w.rr {
				next = c
			}
		}
	}
	if next == nil {
		next = first
	}
	switch {
	case next != nil:
		w.rr = actor(*next) + 1
		return *next, true
	case advance != nil:
		return *advance, true
	}
	return Choice{}, false
}
