package simapi

import (
	"fmt"
	"testing"
)

// TestBoundedRunsEqualOneRun: a load or run cut into calls of MaxSteps
// events (each answering Partial until the last) ends in exactly the
// state, invariant verdicts and event log of one unbounded call, for a
// small cluster (invariants checked after every step) and one above
// DefaultPerStepPods (grid checks), across actions and a compaction.
func TestBoundedRunsEqualOneRun(t *testing.T) {
	big := Script{Seed: 3, Actions: []Action{
		{At: 0, Line: "add-node n1 n2 n3 n4 n5 n6 n7 n8 n9 n10 n11 n12 n13 n14 n15 n16 n17 n18 n19 n20 cpu=8 memory=32Gi"},
		{At: 0, Line: "apply", Body: web},
		{At: 1_500, Line: "scale deployment/web 240"},
		{At: 40_000, Line: "crash-node n3"},
	}}
	const end = 330_000 // past the first compaction (5 min)
	for _, tc := range []struct {
		name string
		sc   Script
		maxs []int
	}{{"small", testScript(), []int{1, 37}}, {"big", big, []int{50, 1000}}} {
		name, sc := tc.name, tc.sc
		t.Run(name, func(t *testing.T) {
			one := New()
			want := one.Call([]byte(mustJSON(Request{Cmd: "load", Script: &sc, T: end})))
			wantLog := call[map[string]string](t, one, Request{Cmd: "describe"})

			for _, max := range tc.maxs {
				s := New()
				calls, last, inInstant := 0, int64(-1), 0
				st := call[State](t, s, Request{Cmd: "load", Script: &sc, T: end, MaxSteps: max})
				for calls = 1; st.Partial; calls++ {
					if st.T > end || st.T < last {
						t.Fatalf("max %d: a partial answer at %d ms (before it %d, target %d)", max, st.T, last, end)
					}
					if st.T == last {
						inInstant++
					}
					if calls == 5 {
						// Asked for the partial cursor's time, unbounded, an
						// interrupted session gives what one call to it does.
						mid := New()
						want := mid.Call([]byte(mustJSON(Request{Cmd: "load", Script: &sc, T: st.T})))
						if got := s.Call([]byte(mustJSON(Request{Cmd: "run", T: st.T}))); string(got) != string(want) {
							t.Fatalf("max %d: a run to the partial cursor %d ms differs from a load to it:\n%s\n%s", max, st.T, got, want)
						}
					}
					last = st.T
					st = call[State](t, s, Request{Cmd: "run", T: end, MaxSteps: max})
				}
				if uint64(calls) < st.Steps/uint64(4*max) {
					t.Fatalf("max %d: %d calls for %d steps: the run was not cut", max, calls, st.Steps)
				}
				if max == 1 && inInstant == 0 {
					t.Errorf("max 1: no call stopped inside a virtual instant")
				}
				got := s.Call([]byte(mustJSON(Request{Cmd: "state"})))
				if string(got) != string(want) {
					t.Fatalf("max %d (%d calls): the state differs from one call's:\n%s\n%s", max, calls, got, want)
				}
				if log := call[map[string]string](t, s, Request{Cmd: "describe"}); fmt.Sprint(log) != fmt.Sprint(wantLog) {
					t.Fatalf("max %d: the cluster or its log differs from one call's", max)
				}
			}
			if st := call[State](t, one, Request{Cmd: "state"}); name == "big" && st.Counts["R"]+st.Counts["N"] != 240 {
				t.Errorf("the big cluster runs only %v", st.Counts)
			}
		})
	}
}

// TestPerStepChecksStopWhenTheClusterGrows: a session that starts small
// (per-step checks) and scales to 300 pods at once stops checking
// after every step as soon as the cluster passes DefaultPerStepPods
// (before, it went on until the next check point, running the reference
// scheduler over thousands of pods after every step: a big example's
// first second took minutes in the page), and still ends in the state of
// a session that never checks per step.
func TestPerStepChecksStopWhenTheClusterGrows(t *testing.T) {
	big := Script{Seed: 5, Actions: []Action{
		{At: 0, Line: "add-node n1 n2 n3 n4 n5 n6 n7 n8 n9 n10 cpu=16 memory=64Gi"},
		{At: 0, Line: "apply", Body: web},
		{At: 0, Line: "scale deployment/web 300"},
	}}
	s := New()
	got := s.Call([]byte(mustJSON(Request{Cmd: "load", Script: &big, T: 3_000})))
	if s.stepCheckedPods == 0 || s.stepCheckedPods > DefaultPerStepPods {
		t.Errorf("checks after a step saw up to %d pods (per-step limit %d)", s.stepCheckedPods, DefaultPerStepPods)
	}
	grid := New()
	grid.perStepPods = 0
	if want := grid.Call([]byte(mustJSON(Request{Cmd: "load", Script: &big, T: 3_000}))); string(got) != string(want) {
		t.Errorf("the state differs from a grid-only session's:\n%s\n%s", got, want)
	}
	if st := call[State](t, s, Request{Cmd: "state"}); st.Counts["R"] != 300 {
		t.Errorf("pods %v, want 300 running", st.Counts)
	}
}
