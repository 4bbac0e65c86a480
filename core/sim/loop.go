package sim

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// Step processes the earliest queued event: the clock jumps to it, it
// fires, and everything that follows at that instant without a latency
// (watch deliveries, control-plane writes, node machine outputs) is
// pumped through. It reports whether there was an event.
func (c *Cluster) Step() bool {
	if c.queue.len() == 0 {
		return false
	}
	e := c.pop()
	c.advance(e.at)
	c.handle(&e)
	c.pump()
	c.steps++
	return true
}

// NextAt returns the time of the earliest queued event, and false if
// nothing is queued: with Step, it lets a caller run to a time one event
// at a time, exactly as RunUntil would (the playground does, to find the
// step at which an invariant first fails).
func (c *Cluster) NextAt() (api.Time, bool) {
	if c.queue.len() == 0 {
		return 0, false
	}
	return c.queue.at(0).at, true
}

// RunUntil processes every event up to and including t, then sets the
// clock to t.
func (c *Cluster) RunUntil(t api.Time) {
	for c.queue.len() > 0 && c.queue.at(0).at <= t {
		c.Step()
	}
	if t > c.now {
		c.advance(t)
		c.pump()
	}
}

// Run runs for d of virtual time.
func (c *Cluster) Run(d time.Duration) { c.RunUntil(c.now + api.Time(d)) }

// DefaultHorizon is how long Stabilize waits for something to happen.
const DefaultHorizon = time.Minute

// stabilizeLimit and stabilizeSteps bound the virtual time and the steps
// Stabilize may take.
const (
	stabilizeLimit = 24 * time.Hour
	stabilizeSteps = 50_000_000
)

// Stabilize runs until the cluster is quiet: nothing but heartbeats
// (leases, node status, probes that change nothing) has happened for
// horizon, and no work (a runtime answer, a fault, a delayed delivery) is
// due within horizon. Control-plane timers are not waited for: the
// machine always has one (each node's lease expiry), so those due within
// the quiet window fire, and those due later (a toleration running out in
// five minutes) are left to an explicit Run. A crash-looping container is
// quiet while it backs off. Stabilize gives up after a day of virtual
// time or fifty million steps.
func (c *Cluster) Stabilize(horizon time.Duration) error {
	if horizon <= 0 {
		horizon = DefaultHorizon
	}
	deadline := c.now + api.Time(stabilizeLimit)
	for steps := 0; ; steps++ {
		if c.now-c.lastActivity >= api.Time(horizon) && !c.workDue(c.now+api.Time(horizon)) {
			return nil
		}
		if c.now > deadline || steps > stabilizeSteps {
			return fmt.Errorf("not stable after %s of virtual time (%d steps)", formatDuration(time.Duration(c.now-deadline)+stabilizeLimit), steps)
		}
		if c.queue.len() == 0 {
			c.advance(c.lastActivity + api.Time(horizon))
			continue
		}
		// Don't overshoot the quiet point: if the next event is beyond
		// it, only the clock moves.
		quiet := c.lastActivity + api.Time(horizon)
		if c.queue.at(0).at > quiet && c.now < quiet && !c.workDue(quiet) {
			c.advance(quiet)
			c.pump()
			continue
		}
		c.Step()
	}
}

// workDue reports whether foreground work is queued at or before t.
func (c *Cluster) workDue(t api.Time) bool {
	if c.foreground == 0 {
		return false
	}
	for i := range c.queue.len() {
		if e := c.queue.at(i); e.at <= t && e.foreground() {
			return true
		}
	}
	return false
}

// activity notes that something other than a heartbeat happened now.
func (c *Cluster) activity() { c.lastActivity = c.now }

// advance moves the clock to t and tells the control plane.
func (c *Cluster) advance(t api.Time) {
	if t <= c.now {
		return
	}
	c.now = t
	c.cp.m.Tick(t)
}

// handle fires one event.
func (c *Cluster) handle(e *event) {
	switch e.kind {
	case evNodeTick:
		n := c.nodes[e.node]
		if n.m == nil || e.gen != n.agentGen {
			return
		}
		c.nodeStep(n, node.Tick{Now: c.now})
		c.schedule(event{at: c.now + api.Time(c.cfg.NodeTick), kind: evNodeTick, node: uint32(n.index), gen: n.agentGen})
	case evRuntime:
		n := c.nodes[e.node]
		if e.gen != n.rt.gen {
			return
		}
		in, tell := c.observed(n, e.in)
		if tell && n.m != nil && e.agent == n.agentGen {
			c.nodeStep(n, in)
		}
	case evDeliver:
		c.releaseHeld()
	case evControlTick:
		if c.cp.timerArmed && c.cp.timerAt <= c.now {
			c.cp.timerArmed = false
		}
	case evControlSync:
		if c.cp.syncQueued {
			c.syncControl()
		}
	case evFault:
		f := c.faults[e.seq]
		delete(c.faults, e.seq)
		if err := c.apply(f); err != nil {
			c.logf("fault", "%s: %v", f.Describe(), err)
		}
	case evCompact:
		c.compact()
		c.schedule(event{at: c.now + api.Time(c.cfg.CompactEvery), kind: evCompact})
	}
}

// pump moves everything that needs no time: watch events to the control
// plane and the nodes, the node machines' outputs; until nothing moves.
// Then, if the control plane has work, it queues a sync of it for this
// instant.
func (c *Cluster) pump() {
	for round := 0; ; round++ {
		progress := c.pollControl()
		progress = c.pumpHub() || progress
		progress = c.drainNodes() || progress
		if !progress {
			break
		}
		if round > 100000 {
			panic("sim: no quiescence within one instant")
		}
	}
	c.maybeSyncControl()
	c.armControlTimer()
}

// compact drops the store's history up to the current revision: every
// watcher has read it (pump just ran), as the API server compacts etcd.
func (c *Cluster) compact() {
	rev := c.revision()
	if rev <= c.mem.CompactedRevision() {
		return
	}
	if err := c.mem.Compact(rev); err != nil {
		panic("sim: compact: " + err.Error())
	}
}
