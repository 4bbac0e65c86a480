package node_test

import (
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// TestNoWriteLoop: a healthy node under a long stable run, fed back every
// pod status and node status it writes (as the API's watch would), writes
// nothing beyond its periodic node status reports (BUG-1 and BUG-2 made
// the machine compare the API's versions with its own writes).
func TestNoWriteLoop(t *testing.T) {
	h := newHarness(t)
	h.reset(node.Config{NodeName: "n1", NodeStatusInterval: 5 * time.Minute})
	h.auto = true
	var out strings.Builder
	for _, name := range []string{"a", "b"} {
		pod := h.newPodFromArgs(name, "", []string{"app:nginx"})
		h.feed(node.PodAdded{Pod: pod}, &out)
	}
	podWrites, nodeWrites := 0, 0
	echo := func(rd *node.Ready) {
		for _, u := range rd.StatusUpdates {
			podWrites++
			h.step(node.PodUpdated{Pod: h.pods[u.Pod.Name]})
		}
		if rd.NodeStatus != nil {
			nodeWrites++
			n := &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}
			rd.NodeStatus.Status.DeepCopyInto(&n.Status)
			h.step(node.NodeUpdated{Node: n})
		}
	}
	// Settle: the pods start (their statuses are echoed too).
	for range 3 {
		h.now += api.Time(time.Second)
		h.step(node.Tick{Now: h.now})
		rd := h.m.Ready()
		h.record(&rd)
		echo(&rd)
	}
	podWrites, nodeWrites = 0, 0
	for range 3600 {
		h.now += api.Time(time.Second)
		h.step(node.Tick{Now: h.now})
		for range 3 { // the echoes' own outputs, if any
			rd := h.m.Ready()
			h.record(&rd)
			echo(&rd)
		}
	}
	if podWrites != 0 {
		t.Errorf("%d pod status writes in a stable hour, want 0", podWrites)
	}
	if nodeWrites != 12 {
		t.Errorf("%d node status writes in an hour, want 12 (every 5m)", nodeWrites)
	}
}
