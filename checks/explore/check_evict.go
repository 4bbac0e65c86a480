package explore

import (
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// EvictedAtOnce (checked at quiescent states, when pods get no default
// tolerations: Config.DefaultTolerationSeconds < 0): a pod with no
// tolerations bound to a node tainted NoExecute is being deleted once
// nothing is left to do but wait. The taint manager deletes a pod that
// does not tolerate a NoExecute taint "at once" (core/control's
// syncTaints, kube's NoExecuteTaintManager); at a quiescent state the
// control plane has seen everything, so it has had its chance. The
// explorer's own property.
func EvictedAtOnce(s *model.Snapshot) []model.Violation {
	var out []model.Violation
	for _, n := range s.Nodes {
		var taint *api.Taint
		for i := range n.Spec.Taints {
			if n.Spec.Taints[i].Effect == api.TaintEffectNoExecute {
				taint = &n.Spec.Taints[i]
				break
			}
		}
		if taint == nil {
			continue
		}
		for _, p := range model.BoundPods(s.Pods) {
			if p.Spec.NodeName != n.Name || p.DeletionTimestamp != nil || len(p.Spec.Tolerations) > 0 {
				continue
			}
			out = append(out, model.Violation{Invariant: "EvictedAtOnce", Object: "Pod " + p.Namespace + "/" + p.Name,
				Message: "no tolerations, on node " + n.Name + " tainted " + taint.Key + ":NoExecute, and not being deleted at rest"})
		}
	}
	return out
}
