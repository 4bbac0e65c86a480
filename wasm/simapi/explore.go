package simapi

import (
	"fmt"
	"slices"
	"sort"

	"github.com/capstan-dev/capstan/core/api"
)

// Exploration is the answer to explore: one line per run, and the
// shortest failing trace found, as a script to load (the page makes it a
// link).
type Exploration struct {
	Runs     []ExploreRun `json:"runs"`
	Failures int          `json:"failures"`
	Shortest *Trace       `json:"shortest,omitempty"`
}

// ExploreRun is one run: its seed, the faults it added, and its first
// safety violation if any.
type ExploreRun struct {
	Seed      uint64   `json:"seed"`
	Faults    []string `json:"faults"`
	Invariant string   `json:"invariant,omitempty"`
	At        int64    `json:"at"`
	Violation string   `json:"violation,omitempty"`
}

// Trace is a failing run cut at its first violation. T is the exact
// time of the step that broke it; Show the first check point after it (a
// grid second), where a page loading the trace sees it red.
type Trace struct {
	Script    Script `json:"script"`
	T         int64  `json:"t"`
	Show      int64  `json:"show"`
	Invariant string `json:"invariant"`
	Violation string `json:"violation"`
}

// explore replays the session's script to its cursor (at least two
// minutes) under other seeds with random faults added (node crashes and
// restarts, partitions and heals, control-plane restarts, container
// crashes), and reports the runs that broke a safety invariant. The
// shortest failing one (earliest violation, then fewest actions) is cut
// at its violation and its added faults are dropped one by one while it
// still fails.
func (s *Session) explore(r *Request) *Exploration {
	runs, faults := r.Runs, r.Faults
	if runs <= 0 {
		runs = 10
	}
	if faults <= 0 {
		faults = 3
	}
	horizon := max(s.now(), 120_000)
	var nodes []string
	for _, o := range s.list("nodes") {
		nodes = append(nodes, o.(*api.Node).Name)
	}
	base := Script{Seed: s.script.Seed, Strategy: s.script.Strategy, Actions: s.script.Actions[:s.next]}
	ex := &Exploration{Runs: []ExploreRun{}}
	var best *Trace
	var bestN int
	for i := r.From + 1; i <= r.From+runs; i++ {
		g := rng{s: mix(base.Seed, uint64(i))}
		sc := base
		sc.Seed = base.Seed + uint64(i)
		var added []Action
		for k := 0; k < faults && len(nodes) > 0; k++ {
			added = append(added, randomFault(&g, nodes, horizon)...)
		}
		sc.Actions = merge(base.Actions, added)
		run := ExploreRun{Seed: sc.Seed, Faults: []string{}, At: -1}
		for _, a := range added {
			run.Faults = append(run.Faults, fmt.Sprintf("%s at %s", a.Line, fmtMs(a.At)))
		}
		if tr := runScript(sc, horizon, s.maxCheckPods); tr != nil {
			ex.Failures++
			run.Invariant, run.At, run.Violation = tr.Invariant, tr.T, tr.Violation
			if best == nil || tr.T < best.T || (tr.T == best.T && len(tr.Script.Actions) < bestN) {
				best, bestN = tr, len(tr.Script.Actions)
			}
		}
		ex.Runs = append(ex.Runs, run)
	}
	if best != nil {
		ex.Shortest = shrink(best, len(base.Actions), s.maxCheckPods)
	}
	return ex
}

// runScript runs sc to horizon and returns it cut at its first safety
// violation, nil if none.
func runScript(sc Script, horizon int64, maxCheckPods int) *Trace {
	s := &Session{maxCheckPods: maxCheckPods, perStepPods: DefaultPerStepPods, exact: true}
	s.reset(sc)
	s.runTo(horizon)
	var first *InvariantView
	for i := range s.inv.views {
		v := &s.inv.views[i]
		if v.Kind == "safety" && v.FirstAt >= 0 && (first == nil || v.FirstAt < first.FirstAt) {
			first = v
		}
	}
	if first == nil {
		return nil
	}
	cut := sc
	cut.Actions = nil
	for _, a := range sc.Actions {
		if a.At <= first.FirstAt {
			cut.Actions = append(cut.Actions, a)
		}
	}
	return &Trace{Script: cut, T: first.FirstAt, Show: ceilGrid(first.FirstAt), Invariant: first.Name, Violation: first.First}
}

// ceilGrid is the first grid point at or after t.
func ceilGrid(t int64) int64 {
	return (t + Grid - 1) / Grid * Grid
}

// shrink drops the actions after the first keep ones (the user's), one
// at a time from the last, while the run still breaks the same invariant.
func shrink(tr *Trace, keep, maxCheckPods int) *Trace {
	for i := len(tr.Script.Actions) - 1; i >= keep; i-- {
		sc := tr.Script
		sc.Actions = slices.Delete(slices.Clone(sc.Actions), i, i+1)
		if t := runScript(sc, tr.Show, maxCheckPods); t != nil && t.Invariant == tr.Invariant {
			tr = t
		}
	}
	return tr
}

// randomFault draws one fault (and its end, for those that have one) at
// a whole second within the first 90% of the horizon.
func randomFault(g *rng, nodes []string, horizon int64) []Action {
	at := 1000 * (1 + g.intn(max(1, horizon*9/10/1000)))
	n := nodes[g.intn(int64(len(nodes)))]
	later := at + 1000*(5+g.intn(120))
	switch g.intn(5) {
	case 0:
		return []Action{{At: at, Line: "crash-node " + n}}
	case 1:
		return []Action{{At: at, Line: "crash-node " + n}, {At: later, Line: "restart-node " + n}}
	case 2:
		return []Action{{At: at, Line: "partition " + n}, {At: later, Line: "heal " + n}}
	case 3:
		return []Action{{At: at, Line: "restart-control-plane"}}
	}
	return []Action{{At: at, Line: "crash-node " + n + " keep-containers"}, {At: later, Line: "restart-node " + n}}
}

// merge merges two time-ordered action lists, a's first on ties.
func merge(a, b []Action) []Action {
	out := append(slices.Clone(a), b...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

func fmtMs(t int64) string {
	return fmt.Sprintf("%d.%03ds", t/1000, t%1000)
}

// rng is splitmix64, seeded from the script: explore's draws are
// reproducible.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

func mix(a, b uint64) uint64 {
	g := rng{s: a ^ (b * 0x9e3779b97f4a7c15)}
	return g.next()
}

// Comparison is the answer to compare: the script run to the cursor
// under two strategies, and the pods placed differently.
type Comparison struct {
	StateA *State    `json:"a"`
	StateB *State    `json:"b"`
	Differ []PodDiff `json:"differ"`
	Names  [2]string `json:"names"`
}

// PodDiff is a pod placed on different nodes (or only in one run).
type PodDiff struct {
	Pod string `json:"pod"`
	A   string `json:"a"`
	B   string `json:"b"`
}

func (s *Session) compare(r *Request) (*Comparison, error) {
	t := s.now()
	cmp := &Comparison{Differ: []PodDiff{}, Names: [2]string{r.A, r.B}}
	placed := [2]map[string]string{}
	for k, st := range []string{r.A, r.B} {
		if _, err := strategyOf(st); err != nil {
			return nil, err
		}
		sc := Script{Seed: s.script.Seed, Strategy: st, Actions: s.script.Actions[:s.next]}
		o := &Session{maxCheckPods: s.maxCheckPods}
		o.reset(sc)
		o.runTo(t)
		state := o.state()
		state.Log = []string{}
		if k == 0 {
			cmp.StateA = state
		} else {
			cmp.StateB = state
		}
		placed[k] = map[string]string{}
		for _, obj := range o.list("pods") {
			p := obj.(*api.Pod)
			node := p.Spec.NodeName
			if node == "" {
				node = "-"
			}
			placed[k][p.Namespace+"/"+p.Name] = node
		}
	}
	var names []string
	for n := range placed[0] {
		names = append(names, n)
	}
	for n := range placed[1] {
		if _, ok := placed[0][n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		a, b := placed[0][n], placed[1][n]
		if a == "" {
			a = "(none)"
		}
		if b == "" {
			b = "(none)"
		}
		if a != b {
			cmp.Differ = append(cmp.Differ, PodDiff{Pod: n, A: a, B: b})
		}
	}
	return cmp, nil
}
