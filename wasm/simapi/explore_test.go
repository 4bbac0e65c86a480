package simapi

import (
	"slices"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// Explore finds runs that break an invariant and offers the shortest as
// a trace: cut at the exact step of its first violation, which a page
// loading the trace at its Show time sees red from that same step. The
// shipped core breaks no model invariant, so the test plants one that
// the explorer's faults break: "no node is ever NotReady or Unknown".
func TestExploreFindsShortestTrace(t *testing.T) {
	defer func(old []invariant) { invariants = old }(invariants)
	notReady := func(s *model.Snapshot) []model.Violation {
		var vs []model.Violation
		for _, n := range s.Nodes {
			if readyOf(n) != api.ConditionTrue {
				vs = append(vs, model.Violation{Invariant: "NodesStayReady", Object: "nodes/" + n.Name, Message: "Ready=" + readyOf(n)})
			}
		}
		return vs
	}
	invariants = append(slices.Clone(invariants), invariant{name: "NodesStayReady", kind: "safety", snap: notReady})

	s := New()
	sc := testScript()
	sc.Actions = sc.Actions[:2] // three nodes and a Deployment, no fault
	call[State](t, s, Request{Cmd: "load", Script: &sc, T: 10_000})
	ex := call[Exploration](t, s, Request{Cmd: "explore", From: 0, Runs: 6, Faults: 2})
	if ex.Failures == 0 || ex.Shortest == nil {
		t.Fatalf("no failing run in %+v", ex.Runs)
	}
	tr := ex.Shortest
	if tr.Invariant != "NodesStayReady" || tr.Show != ceilGrid(tr.T) || tr.Show < tr.T {
		t.Fatalf("shortest trace %+v", tr)
	}
	for _, r := range ex.Runs {
		if r.Invariant != "" && r.At < tr.T {
			t.Errorf("run %d broke %s at %d ms, before the shortest trace's %d ms", r.Seed, r.Invariant, r.At, tr.T)
		}
	}
	if len(tr.Script.Actions) <= len(sc.Actions) {
		t.Fatalf("the trace has no fault: %+v", tr.Script.Actions)
	}
	for _, a := range tr.Script.Actions {
		if a.At > tr.T {
			t.Errorf("the trace keeps %q at %d ms, after its violation at %d ms", a.Line, a.At, tr.T)
		}
	}

	t.Logf("%d of %d runs failed; shortest: %s at %d ms (%d actions): %s", ex.Failures, len(ex.Runs), tr.Invariant, tr.T, len(tr.Script.Actions), tr.Violation)
	page := New()
	st := call[State](t, page, Request{Cmd: "load", Script: &tr.Script, T: tr.Show})
	v := st.Invariants[invariantIndex(t, "NodesStayReady")]
	if v.OK || v.FirstAt != tr.T || v.First != tr.Violation {
		t.Errorf("the trace loaded at %d ms shows %+v; explore said %s at %d ms", tr.Show, v, tr.Violation, tr.T)
	}
}
