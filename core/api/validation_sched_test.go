package api

import "testing"

func TestValidateTolerations(t *testing.T) {
	secs := int64(60)
	runPodCases(t, []podCase{
		{"good tolerations", func(p *Pod) {
			p.Spec.Tolerations = []Toleration{
				{Operator: "Exists"},
				{Key: "dedicated", Value: "gpu", Effect: "NoSchedule"},
				{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: &secs},
			}
		}, nil},
		{"bad tolerations", func(p *Pod) {
			p.Spec.Tolerations = []Toleration{
				{Key: "dedicated", Operator: "Exists", Value: "gpu"},
				{Operator: "Equal", Value: "x"},
				{Key: "k", Operator: "Like"},
				{Key: "k", Effect: "NoRun"},
				{Key: "k", Effect: "NoSchedule", TolerationSeconds: &secs},
				{Key: "bad key", Value: "-v-"},
			}
		}, []string{
			`spec.tolerations[0].operator: Invalid value: {"key":"dedicated","operator":"Exists","value":"gpu"}: value must be empty when ` + "`operator`" + ` is 'Exists'`,
			`spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when ` + "`key`" + ` is empty, which means "match all values and all keys"`,
			`spec.tolerations[2].operator: Unsupported value: "Like": supported values: "Equal", "Exists"`,
			`spec.tolerations[3].effect: Unsupported value: "NoRun": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"`,
			`spec.tolerations[4].effect: Invalid value: "NoSchedule": effect must be 'NoExecute' when ` + "`tolerationSeconds`" + ` is set`,
			`spec.tolerations[5].key: Invalid value: "bad key": ` + msgNamePart,
			`spec.tolerations[5].operator: Invalid value: "-v-": ` + msgLabelVal,
		}},
		{"node selector", func(p *Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd", "zone!": "a"} },
			[]string{`spec.nodeSelector: Invalid value: "zone!": ` + msgNamePart}},
	})
}

func TestValidateAffinity(t *testing.T) {
	req := func(key, op string, values ...string) NodeSelectorRequirement {
		return NodeSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	runPodCases(t, []podCase{
		{"node affinity operators", func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{NodeSelectorTerms: []NodeSelectorTerm{{
					MatchExpressions: []NodeSelectorRequirement{
						req("zone", "In", "a", "b"),
						req("zone", "In"),
						req("zone", "NotIn"),
						req("gpu", "Exists", "yes"),
						req("gpu", "DoesNotExist", "no"),
						req("cores", "Gt"),
						req("cores", "Lt", "1", "2"),
						req("cores", "Gt", "many"),
						req("cores", "Lt", "8"),
						req("zone", "Near", "a"),
						req("bad key", "Exists"),
					},
					MatchFields: []NodeSelectorRequirement{
						req("metadata.name", "In", "n1"),
						req("metadata.name", "In", "n1", "n2"),
						req("metadata.uid", "Exists"),
					},
				}}},
				PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{
					{Weight: 0, Preference: NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{req("zone", "In", "a")}}},
					{Weight: 101, Preference: NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{req("zone", "In")}}},
				},
			}}
		}, []string{
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[2].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[3].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[4].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[5].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[6].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
			`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[7].values[0]: Invalid value: "many": must be an integer when ` + "`operator`" + ` is 'Lt' or 'Gt'`,
			`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[9].operator: Invalid value: "Near": not a valid selector operator`,
			`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[10].key: Invalid value: "bad key": ` + msgNamePart,
			"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[1].values: Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
			`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[2].operator: Invalid value: "Exists": not a valid selector operator`,
			`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[2].key: Unsupported value: "metadata.uid": supported values: "metadata.name"`,
			"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
			"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[1].weight: Invalid value: 101: must be in the range 1-100",
			"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[1].preference.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
		}},
		{"no node selector terms", func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{}}}
		}, []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"}},
		{"pod affinity", func(p *Pod) {
			p.Spec.Affinity = &Affinity{
				PodAffinity: &PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
					LabelSelector: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: "In"}}},
					Namespaces:    []string{"Shop"},
				}}},
				PodAntiAffinity: &PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{
					Weight:          200,
					PodAffinityTerm: PodAffinityTerm{TopologyKey: "-zone", NamespaceSelector: &LabelSelector{MatchLabels: map[string]string{"team": "a b"}}},
				}}},
			}
		}, []string{
			"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
			`spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaces[0]: Invalid value: "Shop": ` + msgLabel,
			"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
			"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 200: must be in the range 1-100",
			`spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.namespaceSelector.matchLabels: Invalid value: "a b": ` + msgLabelVal,
			`spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "-zone": ` + msgNamePart,
		}},
	})
}

func TestValidateTopologySpread(t *testing.T) {
	two, zero := int32(2), int32(0)
	runPodCases(t, []podCase{
		{"spread constraints", func(p *Pod) {
			p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: "DoNotSchedule", MinDomains: &two},
				{MaxSkew: 0, TopologyKey: "", WhenUnsatisfiable: "Sometimes"},
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: "DoNotSchedule"},
				{MaxSkew: 1, TopologyKey: "host", WhenUnsatisfiable: "ScheduleAnyway", MinDomains: &zero,
					LabelSelector:  &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: "Exists", Values: []string{"x"}}}},
					MatchLabelKeys: []string{"pod-template-hash", "bad key"}},
			}
		}, []string{
			`spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"`,
			"spec.topologySpreadConstraints[1].maxSkew: Invalid value: 0: must be greater than zero",
			"spec.topologySpreadConstraints[1].topologyKey: Required value: can not be empty",
			`spec.topologySpreadConstraints[1].whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"`,
			"spec.topologySpreadConstraints[3].minDomains: Invalid value: 0: must be greater than zero",
			"spec.topologySpreadConstraints[3].minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
			"spec.topologySpreadConstraints[3].labelSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
			`spec.topologySpreadConstraints[3].matchLabelKeys[1]: Invalid value: "bad key": ` + msgNamePart,
		}},
	})
}

func TestValidateTaints(t *testing.T) {
	n := &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Spec: NodeSpec{Taints: []Taint{
		{Key: "dedicated", Value: "gpu", Effect: "NoSchedule"},
		{Key: "dedicated", Value: "cpu", Effect: "NoSchedule"},
		{Key: "dedicated", Effect: "NoExecute"},
		{Key: "", Value: "-x", Effect: ""},
		{Key: "k", Effect: "NoAdmit"},
	}}}
	expectErrors(t, "taints", n, []string{
		`spec.taints[1]: Duplicate value: {"key":"dedicated","value":"cpu","effect":"NoSchedule"}: taints must be unique by key and effect pair`,
		`spec.taints[3].key: Invalid value: "": name part must be non-empty`,
		`spec.taints[3].key: Invalid value: "": ` + msgNamePart,
		`spec.taints[3].value: Invalid value: "-x": ` + msgLabelVal,
		"spec.taints[3].effect: Required value",
		`spec.taints[4].effect: Unsupported value: "NoAdmit": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"`,
	})
}
