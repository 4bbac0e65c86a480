package sched

import (
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// Builders for small test clusters.

type nodeOpt func(*api.Node)

func mkNode(name, cpu, mem string, opts ...nodeOpt) *api.Node {
	n := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.LabelHostname: name}},
		Status: api.NodeStatus{
			Allocatable: api.ResourceList{
				api.ResourceCPU:    api.MustParseQuantity(cpu),
				api.ResourceMemory: api.MustParseQuantity(mem),
				api.ResourcePods:   api.MustParseQuantity("110"),
			},
			Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func nodeLabels(kv ...string) nodeOpt {
	return func(n *api.Node) {
		for i := 0; i < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func zone(z string) nodeOpt { return nodeLabels(api.LabelTopologyZone, z) }

func taint(key, value, effect string) nodeOpt {
	return func(n *api.Node) {
		n.Spec.Taints = append(n.Spec.Taints, api.Taint{Key: key, Value: value, Effect: effect})
	}
}

func cordoned(n *api.Node) { n.Spec.Unschedulable = true }

func readiness(status string) nodeOpt {
	return func(n *api.Node) { n.Status.Conditions[0].Status = status }
}

func allocatable(name, q string) nodeOpt {
	return func(n *api.Node) { n.Status.Allocatable[name] = api.MustParseQuantity(q) }
}

type podOpt func(*api.Pod)

func mkPod(name, cpu, mem string, opts ...podOpt) *api.Pod {
	req := api.ResourceList{}
	if cpu != "" {
		req[api.ResourceCPU] = api.MustParseQuantity(cpu)
	}
	if mem != "" {
		req[api.ResourceMemory] = api.MustParseQuantity(mem)
	}
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{}},
		Spec: api.PodSpec{Containers: []api.Container{{
			Name: "c", Image: "img", Resources: api.ResourceRequirements{Requests: req},
		}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func podLabels(kv ...string) podOpt {
	return func(p *api.Pod) {
		for i := 0; i < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func onNode(name string) podOpt { return func(p *api.Pod) { p.Spec.NodeName = name } }

func nodeSelector(kv ...string) podOpt {
	return func(p *api.Pod) {
		p.Spec.NodeSelector = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			p.Spec.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}

func tolerate(key, op, value, effect string) podOpt {
	return func(p *api.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, api.Toleration{Key: key, Operator: op, Value: value, Effect: effect})
	}
}

func affinity(p *api.Pod) *api.Affinity {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &api.Affinity{}
	}
	return p.Spec.Affinity
}

func sel(kv ...string) *api.LabelSelector {
	s := &api.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i < len(kv); i += 2 {
		s.MatchLabels[kv[i]] = kv[i+1]
	}
	return s
}

func requiredNodeAffinity(key, op string, values ...string) podOpt {
	return func(p *api.Pod) {
		a := affinity(p)
		a.NodeAffinity = &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
			NodeSelectorTerms: []api.NodeSelectorTerm{{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}},
		}}
	}
}

func preferredNodeAffinity(weight int32, key, op string, values ...string) podOpt {
	return func(p *api.Pod) {
		a := affinity(p)
		if a.NodeAffinity == nil {
			a.NodeAffinity = &api.NodeAffinity{}
		}
		a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			api.PreferredSchedulingTerm{Weight: weight, Preference: api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}})
	}
}

func antiAffinity(topologyKey string, s *api.LabelSelector) podOpt {
	return func(p *api.Pod) {
		a := affinity(p)
		if a.PodAntiAffinity == nil {
			a.PodAntiAffinity = &api.PodAntiAffinity{}
		}
		a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution,
			api.PodAffinityTerm{LabelSelector: s, TopologyKey: topologyKey})
	}
}

func podAffinity(topologyKey string, s *api.LabelSelector) podOpt {
	return func(p *api.Pod) {
		a := affinity(p)
		if a.PodAffinity == nil {
			a.PodAffinity = &api.PodAffinity{}
		}
		a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution,
			api.PodAffinityTerm{LabelSelector: s, TopologyKey: topologyKey})
	}
}

func preferredPodAffinity(weight int32, topologyKey string, s *api.LabelSelector) podOpt {
	return func(p *api.Pod) {
		a := affinity(p)
		if a.PodAffinity == nil {
			a.PodAffinity = &api.PodAffinity{}
		}
		a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			api.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: api.PodAffinityTerm{LabelSelector: s, TopologyKey: topologyKey}})
	}
}

func preferredAntiAffinity(weight int32, topologyKey string, s *api.LabelSelector) podOpt {
	return func(p *api.Pod) {
		a := affinity(p)
		if a.PodAntiAffinity == nil {
			a.PodAntiAffinity = &api.PodAntiAffinity{}
		}
		a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			api.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: api.PodAffinityTerm{LabelSelector: s, TopologyKey: topologyKey}})
	}
}

func spread(maxSkew int32, key, when string, s *api.LabelSelector) podOpt {
	return func(p *api.Pod) {
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints,
			api.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: s})
	}
}

func claim(name string) podOpt {
	return func(p *api.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: name,
			PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: name}})
	}
}

func request(name, q string) podOpt {
	return func(p *api.Pod) { p.Spec.Containers[0].Resources.Requests[name] = api.MustParseQuantity(q) }
}

// cluster returns a scheduler holding the nodes.
func cluster(cfg Config, nodes ...*api.Node) *Scheduler {
	s := New(cfg)
	for _, n := range nodes {
		s.AddNode(n)
	}
	return s
}

// mustSchedule schedules p and fails unless it lands on want.
func mustSchedule(t *testing.T, s *Scheduler, p *api.Pod, want string) Result {
	t.Helper()
	r := s.Schedule(p)
	if r.Status != Scheduled || r.Node != want {
		t.Fatalf("%s: got %v on %q, want %q; %s\n%s", p.Name, r.Status, r.Node, want, r.Message(), s.Explain(p).DescribeScores())
	}
	return r
}

// mustFail schedules p and fails unless it is unschedulable with msg.
func mustFail(t *testing.T, s *Scheduler, p *api.Pod, msg string) Result {
	t.Helper()
	r := s.Schedule(p)
	if r.Status != Unschedulable {
		t.Fatalf("%s: got %v on %q, want unschedulable", p.Name, r.Status, r.Node)
	}
	if msg != "" && r.Message() != msg {
		t.Fatalf("%s: message\n got %q\nwant %q", p.Name, r.Message(), msg)
	}
	return r
}
