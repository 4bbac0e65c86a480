package sim

import (
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
)

// controlPlane is the control-plane machine and its connection to the
// store: a watch of everything, possibly delayed or reordered, and the
// writes it asks for, executed through the registry.
type controlPlane struct {
	m   *control.Machine
	w   store.Watcher
	buf eventBuf
	// delay holds every watch event back this long; reorder shuffles
	// each batch delivered.
	delay   time.Duration
	reorder bool
	// held are watch events waiting for their delivery time.
	// Invariant: sorted by at (events are held in arrival order).
	held []heldEvent
	// restarts counts RestartControlPlane calls (each new machine gets a
	// fresh name generator seed).
	restarts int
	// timerAt is the time of the evControlTick queued for the machine's
	// next timer, if timerArmed.
	timerAt    api.Time
	timerArmed bool
	// syncQueued: an evControlSync is queued.
	syncQueued bool
}

type heldEvent struct {
	at api.Time
	ev store.Event
}

// startControlPlane builds a control-plane machine from a List of the
// store at its current revision, then watches from the next revision:
// how a restarted kube-controller-manager rebuilds its informers.
func (c *Cluster) startControlPlane(incarnation int) {
	cfg := c.cfg.Control
	cfg.Seed = mix(c.cfg.Seed, 0xc0+uint64(incarnation))
	cfg.RecordEvents = !c.cfg.DisableEvents
	m := control.New(cfg)
	list, err := c.st.List(api.KeyPrefix, store.ListOptions{})
	if err != nil {
		panic("sim: list for the control plane: " + err.Error())
	}
	for _, obj := range list.Items {
		rev, err := store.ParseResourceVersion("", obj.GetObjectMeta().ResourceVersion)
		if err != nil {
			panic("sim: " + err.Error())
		}
		key, _ := api.KeyOf(obj)
		m.Step(store.Event{Type: store.Added, Key: key, Object: obj, Revision: rev})
	}
	w, err := c.st.Watch(api.KeyPrefix, list.Revision+1)
	if err != nil {
		panic("sim: watch for the control plane: " + err.Error())
	}
	if c.cp.w != nil {
		c.cp.w.Close()
	}
	c.cp.m, c.cp.w, c.cp.held, c.cp.timerArmed, c.cp.syncQueued = m, w, nil, false, false
	m.Tick(c.now)
}

// RestartControlPlane throws the control-plane machine away, with its
// pending deliveries, and builds a new one from a List of the store.
func (c *Cluster) RestartControlPlane() {
	c.cp.restarts++
	c.logf("cp", "restart: new machine from a list at revision %d", c.revision())
	c.startControlPlane(c.cp.restarts + 1)
	c.activity()
}

// SetWatchDelay delays every watch event to the control plane by d
// (0: deliver at once).
func (c *Cluster) SetWatchDelay(d time.Duration) {
	c.cp.delay = d
	c.logf("cp", "watch delay %s", formatDuration(d))
}

// SetWatchReorder makes deliveries to the control plane come in a
// shuffled order (within each batch).
func (c *Cluster) SetWatchReorder(on bool) {
	c.cp.reorder = on
	c.logf("cp", "watch reorder %v", on)
}

// pollControl moves watch events to the machine (or holds them). It
// reports whether there were any. Delivered at once, they are taken
// pollChunk at a time, in one array (stepping them writes nothing);
// held or shuffled, all at once, as one batch.
func (c *Cluster) pollControl() bool {
	cp := &c.cp
	limit := 0
	if cp.delay == 0 && !cp.reorder {
		limit = pollChunk
	}
	progress := false
	for {
		evs, err := cp.buf.poll(cp.w, limit)
		if err != nil {
			// Fell behind a compaction: list and watch again, as an
			// informer does.
			c.logf("cp", "watch lost (%v): relist", err)
			c.startControlPlane(cp.restarts + 1)
			return true
		}
		progress = progress || len(evs) > 0
		switch {
		case len(evs) == 0:
		case cp.delay > 0:
			at := c.now + api.Time(cp.delay)
			for _, ev := range evs {
				cp.held = append(cp.held, heldEvent{at: at, ev: ev})
			}
			c.schedule(event{at: at, kind: evDeliver})
		default:
			c.deliverControl(evs)
		}
		cp.buf.done(evs) // held events were copied
		if limit == 0 || len(evs) < limit {
			return progress
		}
	}
}

// maybeSyncControl queues a sync of the control plane at the current
// instant if it has work, after the events already queued for the
// instant: the controllers then see every change of the instant at once,
// as a real controller drains its queue while events pile up.
func (c *Cluster) maybeSyncControl() {
	if c.cp.syncQueued || !c.cp.m.Pending() {
		return
	}
	c.cp.syncQueued = true
	c.schedule(event{at: c.now, kind: evControlSync})
}

// syncControl runs the control plane's controllers and executes their
// writes.
func (c *Cluster) syncControl() {
	c.cp.syncQueued = false
	ws := c.cp.m.Ready()
	for i := range ws.Len() {
		c.execControlWrite(ws.At(i))
	}
}

// releaseHeld delivers the held events that are due.
func (c *Cluster) releaseHeld() {
	cp := &c.cp
	n := 0
	for n < len(cp.held) && cp.held[n].at <= c.now {
		n++
	}
	if n == 0 {
		return
	}
	evs := make([]store.Event, n)
	for i := range evs {
		evs[i] = cp.held[i].ev
	}
	cp.held = append(cp.held[:0], cp.held[n:]...)
	c.deliverControl(evs)
}

// deliverControl steps events into the machine, shuffled if asked.
func (c *Cluster) deliverControl(evs []store.Event) {
	if c.cp.reorder && len(evs) > 1 {
		for i := len(evs) - 1; i > 0; i-- {
			j := c.rng.intn(int64(i + 1))
			evs[i], evs[j] = evs[j], evs[i]
		}
		c.logf("cp", "deliver %d events reordered", len(evs))
	}
	for _, ev := range evs {
		c.cp.m.Step(ev)
	}
}

// execControlWrite performs one write of the control plane through the
// registry, and reports a failure back to the machine.
func (c *Cluster) execControlWrite(w control.Write) {
	var (
		err  error
		line string
	)
	now := c.now
	c.writes++
	switch w.Op {
	case control.OpCreate:
		_, err = c.reg.CreateShared(w.Key, w.Object, now)
	case control.OpUpdate:
		_, err = c.reg.Update(w.Object, now)
	case control.OpUpdateStatus:
		// The object is handed over (control.Write): the store keeps it
		// as the new version and sets the new resourceVersion in it, so
		// the line logged, which shows the expected one, is made first.
		if c.logging() {
			line = w.Describe()
		}
		_, err = c.reg.UpdateStatusShared(w.Object, now)
	case control.OpDelete:
		_, err = c.reg.Delete(w.Resource(), w.Namespace(), w.Name(), registry.DeleteOptions{
			GracePeriodSeconds: w.GracePeriodSeconds,
			Preconditions:      w.Preconditions,
			PropagationPolicy:  w.Propagation,
		}, now)
	case control.OpBind:
		_, err = c.reg.Bind(w.Namespace(), w.Name(), w.Preconditions.UID, w.Node, now)
	}
	if err != nil {
		f := control.WriteFailed{Write: w, Reason: api.ReasonForError(err), Message: err.Error()}
		if c.logging() {
			c.logLine("cp", f.Describe())
		}
		c.cp.m.Failed(f)
		return
	}
	if w.Resource() != "events" {
		c.activity()
		if c.logging() {
			if line == "" {
				line = w.Describe()
			}
			c.logLine("cp", line)
		}
	}
}

// armControlTimer makes sure an evControlTick is queued for the machine's
// next timer.
func (c *Cluster) armControlTimer() {
	t, ok := c.cp.m.NextTimer()
	if !ok {
		return
	}
	if t <= c.now {
		t = c.now + 1 // due already: the machine acts on the next Tick
	}
	if c.cp.timerArmed && c.cp.timerAt <= t {
		return
	}
	c.cp.timerAt, c.cp.timerArmed = t, true
	c.schedule(event{at: t, kind: evControlTick})
}

func (c *Cluster) revision() int64 {
	r, _ := c.st.Revision()
	return r
}
