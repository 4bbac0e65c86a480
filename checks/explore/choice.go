package explore

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of a transition.
type Kind uint8

// The transitions. Each is one atomic step of the world; everything that
// follows from it without another choice (a node machine's writes, the
// store's watch events landing in the queues) happens within it.
const (
	// DeliverControl gives the control plane the next event of its watch.
	DeliverControl Kind = iota + 1
	// SyncControl runs the control plane's Ready and executes its writes,
	// all of them in order (or, with Config.WriteByWrite, puts them in the
	// outbox).
	SyncControl
	// WriteControl executes the next write of the outbox.
	WriteControl
	// DeliverNode gives node Node the next event of its watch, and
	// executes its writes.
	DeliverNode
	// Runtime lets node Node's runtime answer its oldest outstanding
	// action (with Config.EagerRuntime, its oldest start or kill: the
	// others are answered at once).
	Runtime
	// Advance moves the clock to the next deadline and ticks every
	// machine.
	Advance
	// Fault injects the configuration's fault (once).
	Fault
	// Heal ends the partition (once, after a partition fault).
	Heal
	// User takes the configuration's user action (once).
	User
)

// Choice is one transition: a kind and, for node transitions, the index
// of the node.
type Choice struct {
	Kind Kind
	Node uint8
}

// Describe returns the choice as text: "cp-deliver", "deliver n1", ...
// nodes are the names of the nodes, by index.
func (c Choice) Describe(nodes []string) string {
	name := fmt.Sprint("node#", c.Node)
	if int(c.Node) < len(nodes) {
		name = nodes[c.Node]
	}
	switch c.Kind {
	case DeliverControl:
		return "cp-deliver"
	case SyncControl:
		return "cp-sync"
	case WriteControl:
		return "cp-write"
	case DeliverNode:
		return "deliver " + name
	case Runtime:
		return "runtime " + name
	case Advance:
		return "advance"
	case Fault:
		return "fault"
	case Heal:
		return "heal"
	case User:
		return "user"
	}
	return fmt.Sprintf("choice(%d,%d)", c.Kind, c.Node)
}

// Path is a sequence of choices from the initial state.
type Path []Choice

// Describe returns the path as one line of choices; nodes are the names
// of the nodes, by index (Config.NodeNames).
func (p Path) Describe(nodes []string) string {
	parts := make([]string, len(p))
	for i, c := range p {
		parts[i] = c.Describe(nodes)
	}
	return strings.Join(parts, ", ")
}

// ParsePath parses a path as Path.Describe writes it; nodes are the
// names of the nodes, by index.
func ParsePath(s string, nodes []string) (Path, error) {
	var p Path
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		verb, node, _ := strings.Cut(part, " ")
		c := Choice{}
		switch verb {
		case "cp-deliver":
			c.Kind = DeliverControl
		case "cp-sync":
			c.Kind = SyncControl
		case "cp-write":
			c.Kind = WriteControl
		case "deliver":
			c.Kind = DeliverNode
		case "runtime":
			c.Kind = Runtime
		case "advance":
			c.Kind = Advance
		case "fault":
			c.Kind = Fault
		case "heal":
			c.Kind = Heal
		case "user":
			c.Kind = User
		default:
			return nil, fmt.Errorf("unknown choice %q", part)
		}
		if c.Kind == DeliverNode || c.Kind == Runtime {
			i := slices.Index(nodes, node)
			if i < 0 {
				return nil, fmt.Errorf("%q: no node %q", part, node)
			}
			c.Node = uint8(i)
		}
		p = append(p, c)
	}
	return p, nil
}

// Enabled returns the choices possible in the current state, in a fixed
// order: control plane, nodes by index, time, faults.
func (w *World) Enabled() []Choice {
	var out []Choice
	if len(w.cpq) > 0 {
		out = append(out, Choice{Kind: DeliverControl})
	}
	if len(w.outbox) > 0 {
		out = append(out, Choice{Kind: WriteControl})
	} else if w.cp.Pending() {
		out = append(out, Choice{Kind: SyncControl})
	}
	for i, n := range w.nodes {
		if n.m == nil {
			continue
		}
		if len(n.q) > 0 && !n.partitioned {
			out = append(out, Choice{Kind: DeliverNode, Node: uint8(i)})
		}
		if w.runtimeNext(n) >= 0 {
			out = append(out, Choice{Kind: Runtime, Node: uint8(i)})
		}
	}
	if w.canAdvance() {
		out = append(out, Choice{Kind: Advance})
	}
	if f := w.cfg.Fault; f != nil && w.exploring {
		if !w.faulted {
			out = append(out, Choice{Kind: Fault})
		} else if f.Heal && f.Kind == Partition && !w.healed {
			out = append(out, Choice{Kind: Heal})
		}
	}
	if w.cfg.User != nil && w.exploring && !w.acted {
		out = append(out, Choice{Kind: User})
	}
	return out
}

// Quiescent reports whether nothing is pending but the passing of time:
// no event to deliver, no write to make, no work in the control plane, no
// runtime action outstanding.
func (w *World) Quiescent() bool {
	if len(w.cpq) > 0 || len(w.outbox) > 0 || w.cp.Pending() {
		return false
	}
	for _, n := range w.nodes {
		if n.m != nil && ((len(n.q) > 0 && !n.partitioned) || w.runtimeNext(n) >= 0) {
			return false
		}
	}
	return true
}

// Step takes one transition. It panics on a choice that is not enabled
// (a replay that diverged is a bug in the harness: the world is
// deterministic).
func (w *World) Step(c Choice) {
	w.found, w.stale = w.found[:0], w.stale[:0]
	w.steps++
	if w.trace || w.check {
		rev, _ := w.mem.Revision()
		w.revAt = append(w.revAt, rev)
	}
	switch c.Kind {
	case DeliverControl:
		if len(w.cpq) == 0 {
			panic("explore: cp-deliver with nothing to deliver")
		}
		ev := w.cpq[0]
		w.cpq = w.cpq[1:]
		if w.trace {
			w.logf("cp-deliver %s", ev.Describe())
		}
		w.cp.Step(ev)
		w.cpSeen = ev.Revision
	case SyncControl:
		w.syncControl()
	case WriteControl:
		if len(w.outbox) == 0 {
			panic("explore: cp-write with an empty outbox")
		}
		pw := w.outbox[0]
		w.outbox = w.outbox[1:]
		w.execControl(pw)
	case DeliverNode:
		n := w.nodes[c.Node]
		if n.m == nil || len(n.q) == 0 || n.partitioned {
			panic("explore: deliver to " + n.name + " with nothing to deliver")
		}
		ev := n.q[0]
		n.q = n.q[1:]
		if w.trace {
			w.logf("deliver %s %s", n.name, ev.Describe())
		}
		w.deliverNode(n, ev)
	case Runtime:
		n := w.nodes[c.Node]
		i := w.runtimeNext(n)
		if n.m == nil || i < 0 {
			panic("explore: runtime " + n.name + " with nothing outstanding")
		}
		w.answer(n, i)
	case Advance:
		t, ok := w.nextDeadline()
		if !ok {
			panic("explore: advance with no deadline")
		}
		w.advance(t)
	case Fault:
		must(w.InjectFault())
	case Heal:
		w.heal()
	case User:
		w.acted = true
		if w.trace {
			w.logf("user: %s", w.cfg.User.Name)
		}
		must(w.cfg.User.Do(w))
	default:
		panic(fmt.Sprintf("explore: unknown choice %v", c))
	}
	w.pump()
}
