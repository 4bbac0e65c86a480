package simapi

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/model"
)

// why explains p's placement. A pending pod is explained by the control
// plane's scheduler as it stands (what it would decide now); a placed
// pod by a fresh scheduler of the same strategy that holds the cluster
// without the pod and scores every node, so the page can show how its
// node compares with the others now.
func (s *Session) why(p *api.Pod) *Why {
	if p.Spec.NodeName == "" {
		ex, ok := s.c.Control().Explain(p.Namespace, p.Name)
		if !ok {
			return nil
		}
		return whyOf("the control plane's scheduler, now", ex)
	}
	if model.Terminated(p) {
		return nil
	}
	cfg := s.c.Control().Config().Scheduler
	cfg.PercentageOfNodesToScore = 100
	sc := sched.New(cfg)
	for _, o := range s.list("nodes") {
		sc.AddNode(o.(*api.Node))
	}
	for _, o := range s.list("persistentvolumes") {
		sc.AddPV(o.(*api.PersistentVolume))
	}
	for _, o := range s.list("persistentvolumeclaims") {
		sc.AddPVC(o.(*api.PersistentVolumeClaim))
	}
	for _, o := range s.list("pods") {
		q := o.(*api.Pod)
		if q.Spec.NodeName != "" && !model.Terminated(q) && !(q.Namespace == p.Namespace && q.Name == p.Name) {
			sc.AddPod(q)
		}
	}
	cp := *p
	cp.Spec.NodeName = ""
	w := whyOf("a "+cfg.Strategy.String()+" scheduler over the cluster without the pod, every node scored", sc.Explain(&cp))
	w.Chosen = p.Spec.NodeName
	return w
}

func whyOf(source string, ex sched.Explanation) *Why {
	w := &Why{Source: source, Status: ex.Result.Status.String(), Message: ex.Result.Message(),
		Chosen: ex.Result.Node, Scorers: ex.Scorers, Weights: ex.Weights, Nodes: []WhyNode{}}
	if w.Scorers == nil {
		w.Scorers = []string{}
	}
	if w.Weights == nil {
		w.Weights = []int64{}
	}
	for _, n := range ex.Nodes {
		w.Nodes = append(w.Nodes, WhyNode{Node: n.Node, Reasons: n.Reasons, Scores: n.Scores, Total: n.Total})
	}
	// Feasible nodes first, best first; then the filtered ones by name.
	slices.SortStableFunc(w.Nodes, func(a, b WhyNode) int {
		fa, fb := len(a.Reasons) == 0, len(b.Reasons) == 0
		switch {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		case fa && a.Total != b.Total:
			return compare(b.Total, a.Total)
		}
		if a.Node < b.Node {
			return -1
		}
		if a.Node > b.Node {
			return 1
		}
		return 0
	})
	return w
}
