package node

import (
	"fmt"
	"sort"
	"strings"
)

// Describe returns the machine's whole state as stable text: the node, then
// every pod in key order with its containers, volumes and runtime
// containers, then orphans. Two machines fed the same inputs describe
// themselves identically.
func (m *Machine) Describe() string {
	var b strings.Builder
	runtime := "healthy"
	if !m.runtimeHealthy {
		runtime = fmt.Sprintf("unhealthy(%s)", m.runtimeMessage)
	}
	fmt.Fprintf(&b, "node %s now=%s runtime=%s synced=%t", m.cfg.NodeName, fmtTime(m.now), runtime, m.podsSynced)
	if n := &m.node; n.leaseSent {
		fmt.Fprintf(&b, " lease=%s", fmtTime(n.leaseAt))
	}
	if n := &m.node; n.statusSent {
		fmt.Fprintf(&b, " status=%s ready=%t", fmtTime(n.statusAt), n.ready)
	}
	nsvc := 0
	for _, svcs := range m.objs.services {
		nsvc += len(svcs)
	}
	fmt.Fprintf(&b, "\nobjects secrets=%d configmaps=%d services=%d claims=%d volumes=%d\n",
		len(m.objs.secrets), len(m.objs.configMaps), nsvc, len(m.objs.claims), len(m.objs.volumes))
	for _, p := range m.sortedPods() {
		m.describePod(&b, p)
	}
	var orphans []string
	for id, o := range m.orphans {
		state := "running"
		if o.stopped {
			state = "stopped"
		}
		orphans = append(orphans, fmt.Sprintf("orphan %s %s/%s %s %s sent=%t", id, o.rc.PodNamespace, o.rc.PodName, o.rc.Container, state, o.sent))
	}
	sort.Strings(orphans)
	for _, s := range orphans {
		b.WriteString(s + "\n")
	}
	var unclaimed []string
	for uid, list := range m.unclaimed {
		for _, rc := range list {
			unclaimed = append(unclaimed, fmt.Sprintf("unclaimed %s pod=%s %s %s", rc.ID, uid, rc.Container, rc.State))
		}
	}
	sort.Strings(unclaimed)
	for _, s := range unclaimed {
		b.WriteString(s + "\n")
	}
	return b.String()
}

func (m *Machine) describePod(b *strings.Builder, p *podState) {
	fmt.Fprintf(b, "pod %s uid=%s phase=%s start=%s", p.ref(), p.pod.UID, m.podStatus(p, false).Phase, fmtTime(p.startTime))
	if p.terminal != termNone {
		fmt.Fprintf(b, " terminal=%s", p.terminal)
		if p.reason() != "" {
			fmt.Fprintf(b, "(%s)", p.reason())
		}
	}
	if p.deleting {
		fmt.Fprintf(b, " deleting(grace=%s)", fmtDuration(p.stopGrace()))
	}
	if p.gone {
		b.WriteString(" gone")
	}
	if p.finished {
		b.WriteString(" finished")
	}
	if p.hasWake {
		fmt.Fprintf(b, " wake=%s", fmtTime(p.wake))
	}
	b.WriteByte('\n')
	for ci := range p.nCtrs() {
		c := p.ctr(ci)
		x := c.rare()
		kind := ""
		if ci < p.nInit() {
			kind = "init "
		}
		fmt.Fprintf(b, "  %s%s: %s attempt=%d", kind, c.name(p, ci), c.phase, c.attempt)
		if c.id != "" {
			fmt.Fprintf(b, " id=%s", c.id)
		}
		if x.prevID != "" {
			fmt.Fprintf(b, " prev=%s", x.prevID)
		}
		if c.term != nil {
			fmt.Fprintf(b, " exit=%d(%s)", c.term.exitCode, c.term.reason)
		}
		if x.waitReason != "" {
			fmt.Fprintf(b, " waiting=%s", x.waitReason)
		}
		if c.started {
			b.WriteString(" started")
		}
		if c.ready {
			b.WriteString(" ready")
		}
		if c.killSent {
			fmt.Fprintf(b, " killing(by=%s)", fmtTime(x.killDeadline))
		}
		if d := x.restartBackoff.delay; d > 0 {
			fmt.Fprintf(b, " backoff=%s", fmtDuration(d))
		}
		if d := x.pull.delay; d > 0 {
			fmt.Fprintf(b, " pull-backoff=%s", fmtDuration(d))
		}
		if c.probes != nil {
			for k := Liveness; k <= Startup; k++ {
				if s := &c.probes[k]; s.active {
					fmt.Fprintf(b, " %s(due=%s ok=%d fail=%d", k, fmtTime(s.due), s.successes, s.failures)
					if s.outstanding {
						b.WriteString(" running")
					}
					b.WriteString(")")
				}
			}
		}
		b.WriteByte('\n')
	}
	for vi := range p.vols() {
		s := &p.vols()[vi]
		fmt.Fprintf(b, "  volume %s: %s", p.pod.Spec.Volumes[vi].Name, s.phase)
		if s.kind != "" {
			fmt.Fprintf(b, " %s", s.kind)
		}
		if s.msg != "" {
			fmt.Fprintf(b, " (%s)", s.msg)
		}
		b.WriteByte('\n')
	}
	if ids := m.rt.ids(p); len(ids) > 0 {
		for i, id := range ids {
			if m.rt.find(id).removing {
				ids[i] += "(removing)"
			}
		}
		sort.Strings(ids)
		fmt.Fprintf(b, "  runtime: %s\n", describeList(ids))
	}
}
