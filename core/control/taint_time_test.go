package control

import (
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// tolerationTime: a pod stays on a node with NoExecute taints for the
// shortest tolerationSeconds among the tolerations it uses (Kubernetes'
// getMinTolerationTime), forever if none of them is limited, not at all if
// one taint is not tolerated; the default toleration covers only the
// not-ready and unreachable taints a pod says nothing about. (Found
// missing by the planted bug evict-uses-longest-toleration.)
func TestTolerationTime(t *testing.T) {
	m := New(Config{DefaultTolerationSeconds: 300})
	secs := func(n int64) *int64 { return &n }
	unreachable := api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoExecute}
	notReady := api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintEffectNoExecute}
	custom := api.Taint{Key: "maintenance", Value: "soon", Effect: api.TaintEffectNoExecute}
	tol := func(key string, s *int64) api.Toleration {
		return api.Toleration{Key: key, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: s}
	}
	for _, tc := range []struct {
		name    string
		tols    []api.Toleration
		taints  []api.Taint
		want    time.Duration
		forever bool
	}{
		{"shortest of two", []api.Toleration{tol(api.TaintNodeUnreachable, secs(100)), tol(api.TaintNodeNotReady, secs(50))},
			[]api.Taint{unreachable, notReady}, 50 * time.Second, false},
		{"shortest of two, other order", []api.Toleration{tol(api.TaintNodeNotReady, secs(50)), tol(api.TaintNodeUnreachable, secs(100))},
			[]api.Taint{notReady, unreachable}, 50 * time.Second, false},
		{"one taint untolerated", []api.Toleration{tol(api.TaintNodeUnreachable, secs(100))},
			[]api.Taint{unreachable, custom}, 0, false},
		{"unlimited", []api.Toleration{tol("maintenance", nil)}, []api.Taint{custom}, 0, true},
		{"default toleration", nil, []api.Taint{unreachable}, 300 * time.Second, false},
		{"own toleration beats the default", []api.Toleration{tol(api.TaintNodeUnreachable, secs(5))},
			[]api.Taint{unreachable, notReady}, 5 * time.Second, false},
		{"negative seconds count as zero", []api.Toleration{tol("maintenance", secs(-10))}, []api.Taint{custom}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &api.Pod{Spec: api.PodSpec{Tolerations: tc.tols}}
			got, forever := m.tolerationTime(p, tc.taints)
			if got != tc.want || forever != tc.forever {
				t.Fatalf("tolerationTime = %v, forever %v; want %v, forever %v", got, forever, tc.want, tc.forever)
			}
		})
	}
}
