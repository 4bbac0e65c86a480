package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/model"
)

// Random small clusters for comparing core/sched with model.Schedule:
// 2–12 nodes with labels, zones, taints, cordons, readiness and sizes;
// existing pods with labels, requests and affinity terms of their own
// (some finished, some being deleted, some on nodes that are gone);
// volumes with node affinity and claims in every state; and pending pods
// that use every feature the scheduler has.

// schedScenario is one generated cluster and the pods to place in one
// pass, in order.
type schedScenario struct {
	nodes    []*api.Node
	existing []*api.Pod
	pvs      []*api.PersistentVolume
	pvcs     []*api.PersistentVolumeClaim
	pending  []*api.Pod
	strategy sched.Strategy
}

var (
	zones      = []string{"z0", "z1", "z2"}
	apps       = []string{"web", "db", "cache"}
	namespaces = []string{"default", "default", "default", "other"}
	topoKeys   = []string{api.LabelHostname, api.LabelTopologyZone, api.LabelHostname, api.LabelTopologyZone, "disk"}
	taintPool  = []api.Taint{
		{Key: "spot", Effect: api.TaintEffectPreferNoSchedule},
		{Key: "soft", Value: "x", Effect: api.TaintEffectPreferNoSchedule},
		{Key: "dedicated", Value: "gpu", Effect: api.TaintEffectNoSchedule},
		{Key: "dedicated", Value: "db", Effect: api.TaintEffectNoSchedule},
		{Key: "maint", Effect: api.TaintEffectNoExecute},
		{Key: api.TaintNodeNotReady, Effect: api.TaintEffectNoSchedule},
	}
	tolerationPool = []api.Toleration{
		{Key: "dedicated", Operator: api.TolerationOpExists},
		{Key: "dedicated", Operator: api.TolerationOpEqual, Value: "gpu", Effect: api.TaintEffectNoSchedule},
		{Key: "spot", Operator: api.TolerationOpExists, Effect: api.TaintEffectPreferNoSchedule},
		{Key: "spot", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
		{Key: "soft", Value: "x"},
		{Key: "maint", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute},
		{Key: api.TaintNodeNotReady, Operator: api.TolerationOpExists},
		{Key: api.TaintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
		{Key: api.TaintNodeUnschedulable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
		{Operator: api.TolerationOpExists},
	}
	nodeNamePool = []string{"a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "e1", "e2", "f1", "f2", "g1", "g2"}
)

func genScenario(maxPending int) *rapid.Generator[*schedScenario] {
	return rapid.Custom(func(t *rapid.T) *schedScenario {
		sc := &schedScenario{strategy: sched.Strategy(rapid.SampledFrom([]int{0, 0, 0, 1, 2}).Draw(t, "strategy"))}
		names := slices.Clone(nodeNamePool)
		k := rapid.IntRange(2, 12).Draw(t, "nodes")
		perm := rapid.Permutation(names).Draw(t, "nodeNames")
		for _, name := range perm[:k] {
			sc.nodes = append(sc.nodes, genNode(t, name))
		}
		nExisting := rapid.IntRange(0, 12).Draw(t, "existing")
		for i := range nExisting {
			p := genPod(t, fmt.Sprintf("e%d", i), false)
			// Mostly on live nodes; sometimes on one that is gone.
			p.Spec.NodeName = rapid.SampledFrom(append(perm[:k:k], perm[k%len(perm)])).Draw(t, "on")
			switch rapid.IntRange(0, 9).Draw(t, "state") {
			case 9:
				p.Status.Phase = api.PodSucceeded
			case 8:
				p.Status.Phase = api.PodFailed
			case 7:
				ts := api.Unix(100, 0)
				p.DeletionTimestamp = &ts
				p.Status.Phase = api.PodRunning
			default:
				p.Status.Phase = api.PodRunning
			}
			sc.existing = append(sc.existing, p)
		}
		for i := range rapid.IntRange(0, 3).Draw(t, "pvs") {
			sc.pvs = append(sc.pvs, genPV(t, fmt.Sprintf("pv%d", i), perm[:k]))
		}
		for i := range rapid.IntRange(0, 4).Draw(t, "pvcs") {
			sc.pvcs = append(sc.pvcs, genPVC(t, fmt.Sprintf("c%d", i)))
		}
		for i := range rapid.IntRange(1, maxPending).Draw(t, "pending") {
			sc.pending = append(sc.pending, genPod(t, fmt.Sprintf("p%d", i), true))
		}
		return sc
	})
}

func genNode(t *rapid.T, name string) *api.Node {
	labels := map[string]string{}
	switch rapid.IntRange(0, 9).Draw(t, "hostname") {
	case 9: // no hostname label
	case 8:
		labels[api.LabelHostname] = "host-" + name // not the node's name
	case 7:
		labels[api.LabelHostname] = "shared" // one value on several nodes (SCHED-1)
	default:
		labels[api.LabelHostname] = name
	}
	if rapid.IntRange(0, 4).Draw(t, "noZone") < 4 {
		labels[api.LabelTopologyZone] = rapid.SampledFrom(zones).Draw(t, "zone")
	}
	if rapid.Bool().Draw(t, "hasDisk") {
		labels["disk"] = rapid.SampledFrom([]string{"ssd", "hdd"}).Draw(t, "disk")
	}
	if rapid.Bool().Draw(t, "hasTier") {
		labels["tier"] = rapid.SampledFrom([]string{"1", "2", "3", "x"}).Draw(t, "tier")
	}
	alloc := api.ResourceList{
		api.ResourceCPU:    api.MustParseQuantity(rapid.SampledFrom([]string{"4", "2", "1", "500m"}).Draw(t, "cpu")),
		api.ResourceMemory: api.MustParseQuantity(rapid.SampledFrom([]string{"4Gi", "2Gi", "1Gi"}).Draw(t, "mem")),
	}
	if rapid.IntRange(0, 19).Draw(t, "noMemory") == 19 {
		delete(alloc, api.ResourceMemory) // scored on cpu alone
	}
	if rapid.IntRange(0, 19).Draw(t, "noPods") < 19 {
		alloc[api.ResourcePods] = api.MustParseQuantity(rapid.SampledFrom([]string{"110", "5", "3", "2"}).Draw(t, "maxPods"))
	}
	if rapid.IntRange(0, 3).Draw(t, "hasGPU") == 3 {
		alloc["example.com/gpu"] = api.MustParseQuantity(rapid.SampledFrom([]string{"0", "1", "2"}).Draw(t, "gpus"))
	}
	if rapid.IntRange(0, 3).Draw(t, "hasEphemeral") == 3 {
		alloc[api.ResourceEphemeralStorage] = api.MustParseQuantity("10Gi")
	}
	n := &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Status:     api.NodeStatus{Allocatable: alloc},
	}
	switch rapid.IntRange(0, 29).Draw(t, "ready") {
	case 27:
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionFalse}}
	case 28:
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionUnknown}}
	case 29:
		// no Ready condition at all
	default:
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}
	}
	for range rapid.SampledFrom([]int{0, 0, 0, 1, 1, 2}).Draw(t, "taints") {
		n.Spec.Taints = append(n.Spec.Taints, rapid.SampledFrom(taintPool).Draw(t, "taint"))
	}
	n.Spec.Unschedulable = rapid.IntRange(0, 11).Draw(t, "cordon") == 11
	return n
}

func genSelector(t *rapid.T, label string) *api.LabelSelector {
	app := rapid.SampledFrom(apps).Draw(t, label+"App")
	switch rapid.IntRange(0, 9).Draw(t, label+"Kind") {
	case 9:
		return nil // matches nothing
	case 8:
		return &api.LabelSelector{} // matches everything
	case 7:
		return &api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "app", Operator: api.LabelSelectorOpIn, Values: []string{app, rapid.SampledFrom(apps).Draw(t, label+"App2")}}}}
	case 6:
		return &api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "app", Operator: api.LabelSelectorOpNotIn, Values: []string{app}}}}
	case 5:
		return &api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "track", Operator: api.LabelSelectorOpExists}}}
	}
	return &api.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

func genAffinityTerm(t *rapid.T, label string) api.PodAffinityTerm {
	term := api.PodAffinityTerm{LabelSelector: genSelector(t, label), TopologyKey: rapid.SampledFrom(topoKeys).Draw(t, label+"Key")}
	switch rapid.IntRange(0, 9).Draw(t, label+"Ns") {
	case 9:
		term.Namespaces = []string{"other"}
	case 8:
		term.Namespaces = []string{"default", "other"}
	case 7:
		term.NamespaceSelector = &api.LabelSelector{} // all namespaces
	case 6:
		term.NamespaceSelector = &api.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	}
	return term
}

func genNodeRequirement(t *rapid.T, label string) api.NodeSelectorRequirement {
	switch rapid.IntRange(0, 7).Draw(t, label) {
	case 0:
		return api.NodeSelectorRequirement{Key: api.LabelTopologyZone, Operator: api.LabelSelectorOpIn, Values: []string{rapid.SampledFrom(zones).Draw(t, label+"Zone"), rapid.SampledFrom(zones).Draw(t, label+"Zone2")}}
	case 1:
		return api.NodeSelectorRequirement{Key: "disk", Operator: api.LabelSelectorOpNotIn, Values: []string{"hdd"}}
	case 2:
		return api.NodeSelectorRequirement{Key: "tier", Operator: rapid.SampledFrom([]string{api.NodeSelectorOpGt, api.NodeSelectorOpLt}).Draw(t, label+"Op"), Values: []string{rapid.SampledFrom([]string{"1", "2"}).Draw(t, label+"Bound")}}
	case 3:
		return api.NodeSelectorRequirement{Key: "disk", Operator: api.LabelSelectorOpExists}
	case 4:
		return api.NodeSelectorRequirement{Key: "tier", Operator: api.LabelSelectorOpDoesNotExist}
	case 5:
		return api.NodeSelectorRequirement{Key: api.LabelHostname, Operator: api.LabelSelectorOpIn, Values: []string{rapid.SampledFrom(nodeNamePool).Draw(t, label+"Host"), rapid.SampledFrom(nodeNamePool).Draw(t, label+"Host2")}}
	case 6:
		return api.NodeSelectorRequirement{Key: "metadata.name", Operator: api.LabelSelectorOpNotIn, Values: []string{rapid.SampledFrom(nodeNamePool).Draw(t, label+"Name")}}
	}
	return api.NodeSelectorRequirement{Key: "metadata.name", Operator: api.LabelSelectorOpIn, Values: []string{rapid.SampledFrom(nodeNamePool).Draw(t, label+"Name"), rapid.SampledFrom(nodeNamePool).Draw(t, label+"Name2"), rapid.SampledFrom(nodeNamePool).Draw(t, label+"Name3")}}
}

// genNodeTerm draws a node selector term: label expressions, and
// sometimes a field expression (metadata.name) in MatchFields.
func genNodeTerm(t *rapid.T, label string) api.NodeSelectorTerm {
	var term api.NodeSelectorTerm
	for i := range rapid.IntRange(1, 2).Draw(t, label+"Reqs") {
		r := genNodeRequirement(t, fmt.Sprint(label, "Req", i))
		if r.Key == "metadata.name" {
			term.MatchFields = append(term.MatchFields, r)
		} else {
			term.MatchExpressions = append(term.MatchExpressions, r)
		}
	}
	return term
}

func genRequests(t *rapid.T, label string) api.ResourceList {
	req := api.ResourceList{}
	if cpu := rapid.SampledFrom([]string{"", "", "0", "100m", "250m", "500m", "1", "2"}).Draw(t, label+"CPU"); cpu != "" {
		req[api.ResourceCPU] = api.MustParseQuantity(cpu)
	}
	if mem := rapid.SampledFrom([]string{"", "", "0", "128Mi", "256Mi", "1Gi", "3Gi"}).Draw(t, label+"Mem"); mem != "" {
		req[api.ResourceMemory] = api.MustParseQuantity(mem)
	}
	if rapid.IntRange(0, 5).Draw(t, label+"GPU") == 5 {
		req["example.com/gpu"] = api.MustParseQuantity(rapid.SampledFrom([]string{"0", "1", "2"}).Draw(t, label+"GPUs"))
	}
	if rapid.IntRange(0, 7).Draw(t, label+"Eph") == 7 {
		req[api.ResourceEphemeralStorage] = api.MustParseQuantity(rapid.SampledFrom([]string{"1Gi", "20Gi"}).Draw(t, label+"EphSize"))
	}
	return req
}

// genPod draws a pod; pending pods use every scheduling feature, existing
// ones mostly labels, requests and affinity terms that act on later pods.
func genPod(t *rapid.T, name string, pending bool) *api.Pod {
	p := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: rapid.SampledFrom(namespaces).Draw(t, "ns"), UID: "uid-" + name,
			Labels: map[string]string{"app": rapid.SampledFrom(apps).Draw(t, "app")}},
	}
	if rapid.Bool().Draw(t, "hasTrack") {
		p.Labels["track"] = rapid.SampledFrom([]string{"stable", "canary"}).Draw(t, "track")
	}
	p.Spec.Containers = []api.Container{{Name: "c", Image: "img", Resources: api.ResourceRequirements{Requests: genRequests(t, "c0")}}}
	if rapid.IntRange(0, 3).Draw(t, "twoContainers") == 3 {
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "d", Image: "img", Resources: api.ResourceRequirements{Requests: genRequests(t, "c1")}})
	}
	if rapid.IntRange(0, 5).Draw(t, "init") == 5 {
		p.Spec.InitContainers = []api.Container{{Name: "i", Image: "img", Resources: api.ResourceRequirements{Requests: genRequests(t, "i0")}}}
	}
	aff := &api.Affinity{}
	odds := 6 // existing pods carry fewer constraints
	if pending {
		odds = 3
		if rapid.IntRange(0, 3).Draw(t, "hasNodeSelector") == 3 {
			p.Spec.NodeSelector = map[string]string{}
			switch rapid.IntRange(0, 2).Draw(t, "nodeSelector") {
			case 0:
				p.Spec.NodeSelector["disk"] = "ssd"
			case 1:
				p.Spec.NodeSelector[api.LabelTopologyZone] = rapid.SampledFrom(zones).Draw(t, "selZone")
			default:
				p.Spec.NodeSelector[api.LabelHostname] = rapid.SampledFrom(nodeNamePool).Draw(t, "selHost")
			}
		}
		if rapid.IntRange(0, odds).Draw(t, "hasRequired") == odds {
			ns := &api.NodeSelector{}
			for i := range rapid.IntRange(0, 2).Draw(t, "terms") {
				ns.NodeSelectorTerms = append(ns.NodeSelectorTerms, genNodeTerm(t, fmt.Sprint("term", i)))
			}
			aff.NodeAffinity = &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: ns}
		}
		if rapid.IntRange(0, odds).Draw(t, "hasPreferred") == odds {
			if aff.NodeAffinity == nil {
				aff.NodeAffinity = &api.NodeAffinity{}
			}
			for i := range rapid.IntRange(1, 3).Draw(t, "prefTerms") {
				aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
					api.PreferredSchedulingTerm{Weight: int32(rapid.IntRange(1, 100).Draw(t, "prefWeight")), Preference: genNodeTerm(t, fmt.Sprint("pref", i))})
			}
		}
		for range rapid.IntRange(0, 3).Draw(t, "tolerations") {
			p.Spec.Tolerations = append(p.Spec.Tolerations, rapid.SampledFrom(tolerationPool).Draw(t, "toleration"))
		}
		for i := range rapid.IntRange(0, 2).Draw(t, "spread") {
			l := fmt.Sprint("spread", i)
			c := api.TopologySpreadConstraint{
				MaxSkew:           int32(rapid.IntRange(1, 3).Draw(t, l+"Skew")),
				TopologyKey:       rapid.SampledFrom(topoKeys).Draw(t, l+"Key"),
				WhenUnsatisfiable: rapid.SampledFrom([]string{api.DoNotSchedule, api.ScheduleAnyway}).Draw(t, l+"When"),
				LabelSelector:     genSelector(t, l),
			}
			if rapid.IntRange(0, 4).Draw(t, l+"HasMinDomains") == 4 {
				md := int32(rapid.IntRange(1, 4).Draw(t, l+"MinDomains"))
				c.MinDomains = &md
			}
			if rapid.IntRange(0, 4).Draw(t, l+"HasMatchLabelKeys") == 4 {
				c.MatchLabelKeys = []string{rapid.SampledFrom([]string{"track", "app"}).Draw(t, l+"MatchLabelKey")}
			}
			p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
		}
		if rapid.IntRange(0, 7).Draw(t, "hasClaim") == 7 {
			for i := range rapid.IntRange(1, 2).Draw(t, "claims") {
				p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: fmt.Sprint("data", i), PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{
					ClaimName: rapid.SampledFrom([]string{"c0", "c1", "c2", "c3", "missing"}).Draw(t, "claim")}})
			}
		}
	}
	if rapid.IntRange(0, odds+2).Draw(t, "hasPodAffinity") == odds+2 {
		aff.PodAffinity = &api.PodAffinity{}
		for i := range rapid.IntRange(1, 2).Draw(t, "affTerms") {
			aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, genAffinityTerm(t, fmt.Sprint("aff", i)))
		}
	}
	if rapid.IntRange(0, odds).Draw(t, "hasAntiAffinity") == odds {
		aff.PodAntiAffinity = &api.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{genAffinityTerm(t, "anti")}}
	}
	if rapid.IntRange(0, odds).Draw(t, "hasPreferredPod") == odds {
		w := api.WeightedPodAffinityTerm{Weight: int32(rapid.IntRange(1, 100).Draw(t, "prefPodWeight")), PodAffinityTerm: genAffinityTerm(t, "prefPod")}
		if rapid.Bool().Draw(t, "prefAnti") {
			if aff.PodAntiAffinity == nil {
				aff.PodAntiAffinity = &api.PodAntiAffinity{}
			}
			aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution, w)
		} else {
			if aff.PodAffinity == nil {
				aff.PodAffinity = &api.PodAffinity{}
			}
			aff.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(aff.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution, w)
		}
	}
	if *aff != (api.Affinity{}) {
		p.Spec.Affinity = aff
	}
	return p
}

func genPV(t *rapid.T, name string, nodes []string) *api.PersistentVolume {
	pv := &api.PersistentVolume{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec:       api.PersistentVolumeSpec{Local: &api.LocalVolumeSource{Path: "/data/" + name}},
	}
	var req api.NodeSelectorRequirement
	switch rapid.IntRange(0, 3).Draw(t, "pvAffinity") {
	case 0:
		return pv
	case 1:
		req = api.NodeSelectorRequirement{Key: api.LabelTopologyZone, Operator: api.LabelSelectorOpIn, Values: []string{rapid.SampledFrom(zones).Draw(t, "pvZone")}}
	case 2:
		req = api.NodeSelectorRequirement{Key: api.LabelHostname, Operator: api.LabelSelectorOpIn, Values: []string{rapid.SampledFrom(nodes).Draw(t, "pvHost")}}
	default:
		req = api.NodeSelectorRequirement{Key: "metadata.name", Operator: api.LabelSelectorOpIn, Values: []string{rapid.SampledFrom(nodes).Draw(t, "pvNode")}}
	}
	term := api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{req}}
	if req.Key == "metadata.name" {
		term = api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{req}}
	}
	pv.Spec.NodeAffinity = &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{term}}}
	return pv
}

func genPVC(t *rapid.T, name string) *api.PersistentVolumeClaim {
	c := &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
	}
	switch rapid.IntRange(0, 7).Draw(t, "pvcState") {
	case 7: // unbound
	case 6:
		c.Spec.VolumeName = "pv-gone"
	case 5:
		ts := api.Unix(100, 0)
		c.DeletionTimestamp = &ts
		c.Spec.VolumeName = "pv0"
	default:
		c.Spec.VolumeName = rapid.SampledFrom([]string{"pv0", "pv1", "pv2"}).Draw(t, "volume")
	}
	return c
}

// newScheduler returns a core/sched Scheduler without sampling, fed the
// scenario's nodes (in the given order), existing pods and volumes.
func (sc *schedScenario) newScheduler(nodes []*api.Node) *sched.Scheduler {
	return sc.newSchedulerPodsFirst(nodes, false)
}

// newSchedulerPodsFirst is newScheduler, feeding the existing pods before
// the nodes when podsFirst (they wait on ghost nodes until theirs comes).
func (sc *schedScenario) newSchedulerPodsFirst(nodes []*api.Node, podsFirst bool) *sched.Scheduler {
	s := sched.New(sched.Config{PercentageOfNodesToScore: 100, Strategy: sc.strategy})
	if podsFirst {
		for _, p := range sc.existing {
			s.AddPod(p)
		}
	}
	for _, n := range nodes {
		s.AddNode(n)
	}
	if !podsFirst {
		for _, p := range sc.existing {
			s.AddPod(p)
		}
	}
	for _, pv := range sc.pvs {
		s.AddPV(pv)
	}
	for _, c := range sc.pvcs {
		s.AddPVC(c)
	}
	return s
}

// modelOptions returns the reference scheduler's options for the
// scenario's strategy.
func (sc *schedScenario) modelOptions() model.Options {
	switch sc.strategy {
	case sched.MostAllocated:
		return model.Options{Strategy: model.MostAllocated}
	case sched.BalancedAllocation:
		return model.Options{Strategy: model.BalancedAllocation}
	}
	return model.Options{Strategy: model.LeastAllocated}
}

// bindTo returns a copy of p bound to node.
func bindTo(p *api.Pod, node string) *api.Pod {
	b := api.DeepCopy(p)
	b.Spec.NodeName = node
	b.Status.Phase = api.PodPending
	return b
}

// fitMessage builds kube's FitError text from the reference's reasons, as
// sched.Result.Message words it: "0/N nodes are available: " then the
// "count reason" pairs sorted as strings, then a period.
func fitMessage(numNodes int, reasons map[string][]string) string {
	counts := map[string]int{}
	for _, why := range reasons {
		for _, r := range why {
			counts[r]++
		}
	}
	var parts []string
	for r, n := range counts {
		parts = append(parts, fmt.Sprint(n, " ", r))
	}
	sort.Strings(parts)
	msg := fmt.Sprintf("0/%d nodes are available:", numNodes)
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, ", ") + "."
	}
	return msg
}

// describeScenario prints the scenario compactly, for failure messages.
func (sc *schedScenario) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "strategy %v\n", sc.strategy)
	for _, n := range sc.nodes {
		fmt.Fprintf(&b, "node %s labels=%v taints=%v unschedulable=%v conditions=%v alloc=%v\n", n.Name, n.Labels, n.Spec.Taints, n.Spec.Unschedulable, n.Status.Conditions, n.Status.Allocatable)
	}
	for _, p := range sc.existing {
		fmt.Fprintf(&b, "existing %s\n", describePod(p))
	}
	for _, pv := range sc.pvs {
		fmt.Fprintf(&b, "pv %s affinity=%s\n", pv.Name, jsonOf(pv.Spec.NodeAffinity))
	}
	for _, c := range sc.pvcs {
		fmt.Fprintf(&b, "pvc %s volume=%q deleting=%v\n", c.Name, c.Spec.VolumeName, c.DeletionTimestamp != nil)
	}
	for _, p := range sc.pending {
		fmt.Fprintf(&b, "pending %s\n", describePod(p))
	}
	return b.String()
}

func describePod(p *api.Pod) string {
	return fmt.Sprintf("%s/%s on=%q phase=%s deleting=%v labels=%v spec=%s", p.Namespace, p.Name, p.Spec.NodeName, p.Status.Phase,
		p.DeletionTimestamp != nil, p.Labels, jsonOf(struct {
			Containers     []api.Container                `json:"containers"`
			InitContainers []api.Container                `json:"initContainers,omitempty"`
			NodeSelector   map[string]string              `json:"nodeSelector,omitempty"`
			Affinity       *api.Affinity                  `json:"affinity,omitempty"`
			Tolerations    []api.Toleration               `json:"tolerations,omitempty"`
			Spread         []api.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
			Volumes        []api.Volume                   `json:"volumes,omitempty"`
		}{p.Spec.Containers, p.Spec.InitContainers, p.Spec.NodeSelector, p.Spec.Affinity, p.Spec.Tolerations, p.Spec.TopologySpreadConstraints, p.Spec.Volumes}))
}
