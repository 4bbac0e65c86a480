package node_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/node"
)

// replay feeds inputs to a fresh machine and returns everything it emitted
// (the stable text and the full JSON of each Ready) and its final state.
func replay(t *testing.T, cfg node.Config, inputs []node.Input) (out, state string) {
	t.Helper()
	m := node.New(cfg)
	var b strings.Builder
	for _, in := range inputs {
		if err := m.Step(in); err != nil {
			t.Fatalf("replay: %s: %v", in.Describe(), err)
		}
		rd := m.Ready()
		js, err := json.Marshal(rd)
		if err != nil {
			t.Fatalf("replay: encode Ready: %v", err)
		}
		b.WriteString(in.Describe() + "\n" + rd.Describe())
		b.Write(js)
		b.WriteByte('\n')
	}
	return b.String(), m.Describe()
}

// checkReplay verifies that the inputs the harness fed produce the same
// outputs, byte for byte, on two fresh machines, and leave them in the
// state the harness's machine is in.
func (h *harness) checkReplay() {
	h.t.Helper()
	if len(h.inputs) == 0 {
		return
	}
	out1, state1 := replay(h.t, h.cfg, h.inputs)
	out2, state2 := replay(h.t, h.cfg, h.inputs)
	if out1 != out2 {
		h.t.Errorf("two replays of the same %d inputs differ", len(h.inputs))
	}
	if state1 != state2 || state1 != h.m.Describe() {
		h.t.Errorf("replayed state differs from the scenario's:\n%s\nvs\n%s", state1, h.m.Describe())
	}
}

// TestScenarioDeterminism replays each scenario file's inputs twice.
func TestScenarioDeterminism(t *testing.T) {
	// TestScenarios does the work: see harness.reset and the end of each
	// file. This test exists to name the property; it checks a scenario
	// of its own with many pods at the same instant, where map order would
	// show if it leaked.
	h := newHarness(t)
	h.auto = true
	var sink strings.Builder
	for i := 0; i < 50; i++ {
		name := "p" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		pod := h.newPodFromArgs(name, "Always", []string{"app:busybox", "side:nginx"})
		h.feed(node.PodAdded{Pod: pod}, &sink)
	}
	h.feed(node.Tick{Now: h.now + 1e9}, &sink)
	h.checkReplay()
}
