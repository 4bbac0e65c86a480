package node

import (
	"fmt"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// probeState schedules one probe of one running container instance.
//
// Semantics follow the kubelet's prober: the first run is initialDelaySeconds
// after the container started, then one every periodSeconds (run from Tick
// only, never more than one outstanding). A result only changes the verdict
// after successThreshold consecutive successes or failureThreshold
// consecutive failures. The startup probe runs alone until it succeeds, then
// stops; liveness and readiness start then. Readiness starts as "not ready",
// liveness as "alive".
type probeState struct {
	active, outstanding bool
	due                 api.Time
	successes, failures int32
}

func probeSpec(c *api.Container, k ProbeKind) *api.Probe {
	switch k {
	case Liveness:
		return c.LivenessProbe
	case Readiness:
		return c.ReadinessProbe
	}
	return c.StartupProbe
}

func seconds(s int32, def time.Duration) time.Duration {
	if s <= 0 {
		return def
	}
	return time.Duration(s) * time.Second
}

// startProbes resets the probes of container ci, which just started.
func (m *Machine) startProbes(p *podState, ci int) {
	c := p.ctr(ci)
	spec := p.spec(ci)
	c.started = spec.StartupProbe == nil
	c.ready = false
	c.probes = nil
	if spec.LivenessProbe == nil && spec.ReadinessProbe == nil && spec.StartupProbe == nil {
		return
	}
	c.probes = new([3]probeState)
	if c.started {
		m.activateProbe(p, ci, Liveness)
		m.activateProbe(p, ci, Readiness)
	} else {
		m.activateProbe(p, ci, Startup)
	}
}

func (m *Machine) activateProbe(p *podState, ci int, k ProbeKind) {
	c := p.ctr(ci)
	ps := probeSpec(p.spec(ci), k)
	if ps == nil {
		return
	}
	due := c.startedAt + api.Time(seconds(ps.InitialDelaySeconds, 0))
	c.probes[k] = probeState{active: true, due: max(due, m.now)}
}

// syncProbes emits the due probes of container ci. Called from Tick only.
func (m *Machine) syncProbes(p *podState, ci int) {
	c := p.ctr(ci)
	if c.phase != phaseRunning || c.probes == nil || c.killSent {
		return
	}
	spec := p.spec(ci)
	for k := Liveness; k <= Startup; k++ {
		s := &c.probes[k]
		if !s.active || s.outstanding || m.now < s.due {
			continue
		}
		ps := probeSpec(spec, k)
		s.outstanding = true
		s.due = m.after(seconds(ps.PeriodSeconds, 10*time.Second))
		m.act(RunProbe{Pod: p.ref(), Container: spec.Name, ID: c.id, Kind: k,
			Handler: ps.ProbeHandler, Timeout: seconds(ps.TimeoutSeconds, time.Second)})
	}
}

// scheduleProbes asks for a Tick when the next probe of ci is due.
func (m *Machine) scheduleProbes(p *podState, ci int) {
	c := p.ctr(ci)
	if c.phase != phaseRunning || c.probes == nil || c.killSent {
		return
	}
	for k := range c.probes {
		if s := &c.probes[k]; s.active && !s.outstanding {
			m.wakeAt(p, s.due)
		}
	}
}

func (m *Machine) handleProbeResult(e ProbeResult) {
	p, ci := m.current(e.ID)
	if ci < 0 || e.Kind > Startup {
		return
	}
	c := p.ctr(ci)
	if c.phase != phaseRunning || c.probes == nil || !c.probes[e.Kind].outstanding {
		return
	}
	s := &c.probes[e.Kind]
	s.outstanding = false
	spec := p.spec(ci)
	ps := probeSpec(spec, e.Kind)
	if e.Success {
		s.successes, s.failures = s.successes+1, 0
	} else {
		s.successes, s.failures = 0, s.failures+1
		label := e.Kind.String()
		label = strings.ToUpper(label[:1]) + label[1:]
		m.event(p, api.EventTypeWarning, "Unhealthy", label+" probe failed: "+e.Message)
	}
	failThr := ps.FailureThreshold
	if failThr <= 0 {
		failThr = 3
	}
	succThr := max(ps.SuccessThreshold, 1)
	switch e.Kind {
	case Startup:
		if e.Success {
			s.active = false
			c.started = true
			m.activateProbe(p, ci, Liveness)
			m.activateProbe(p, ci, Readiness)
		} else if s.failures >= failThr {
			m.probeKill(p, ci, ps, "startup")
		}
	case Liveness:
		if !e.Success && s.failures >= failThr {
			m.probeKill(p, ci, ps, "liveness")
		}
	case Readiness:
		if e.Success && s.successes >= succThr {
			c.ready = true
		} else if !e.Success && s.failures >= failThr {
			c.ready = false
		}
	}
	m.markDirty(p)
}

// probeKill kills a container whose liveness or startup probe failed; it is
// restarted unless the restart policy is Never.
func (m *Machine) probeKill(p *podState, ci int, ps *api.Probe, what string) {
	c := p.ctr(ci)
	for k := range c.probes {
		c.probes[k].active = false // on hold until the next instance
	}
	grace := p.terminationGrace()
	if g := ps.TerminationGracePeriodSeconds; g != nil && *g >= 0 {
		grace = time.Duration(*g) * time.Second
	}
	msg := fmt.Sprintf("Container %s failed %s probe", p.spec(ci).Name, what)
	if p.restartPolicy() != api.RestartPolicyNever {
		c.restartAfterKill = true
		msg += ", will be restarted"
	}
	m.kill(p, ci, grace, msg)
}

// hasReadiness: container ci has a readiness probe.
func (p *podState) hasReadiness(ci int) bool { return p.spec(ci).ReadinessProbe != nil }
