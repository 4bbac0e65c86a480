package runtime

import (
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
)

// TestPodSharesOneShim: a pod's containers share one shim, which outlives
// one of them being killed, removed and created again; another pod gets
// its own.
func TestPodSharesOneShim(t *testing.T) {
	r := newRig(t, 7)
	shims := func(want int, when string) {
		t.Helper()
		pids, err := containerdtest.ShimPIDs(r.d.Socket)
		if err != nil || len(pids) != want {
			t.Fatalf("%s: shims %v (%v), want %d", when, pids, err, want)
		}
	}
	p := pod("two")
	a := r.run(sh(p, "a", "sleep 3600"))
	b := r.run(sh(p, "b", "sleep 3600"))
	shims(1, "two containers of one pod")
	if in, ok := r.do(node.KillContainer{Pod: p, Container: "a", ID: a}).(node.ContainerKilled); !ok {
		t.Fatalf("kill a: %s", in.Describe())
	}
	if in, ok := r.do(node.RemoveContainer{Pod: p, Container: "a", ID: a}).(node.ContainerRemoved); !ok {
		t.Fatalf("remove a: %s", in.Describe())
	}
	if code, out, err := r.rt.Exec(r.ctx, b, []string{"true"}, 10*time.Second); err != nil || code != 0 {
		t.Fatalf("exec in b after a went: %d %v %s", code, err, out)
	}
	shims(1, "a removed, b running")
	again := sh(p, "a", "sleep 3600")
	again.Attempt = 1
	r.run(again)
	shims(1, "a created again")
	r.run(sh(pod("other"), "c", "sleep 3600"))
	shims(2, "another pod")
}
