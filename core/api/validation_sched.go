package api

import (
	"fmt"
	"strconv"
	"strings"
)

// Validation of what steers scheduling: tolerations and taints, node and
// pod (anti-)affinity, topology spread constraints.

func validateTolerations(ts []Toleration, p *FieldPath) ErrorList {
	var errs ErrorList
	for i, t := range ts {
		idx := p.Index(i)
		if t.Key != "" {
			errs = append(errs, validateLabelName(t.Key, idx.Child("key"))...)
		}
		if t.Key == "" && t.Operator != TolerationOpExists {
			errs = append(errs, idx.Child("operator").Invalid(t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != TaintEffectNoExecute {
			errs = append(errs, idx.Child("effect").Invalid(t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case TolerationOpEqual, "":
			if msgs := IsValidLabelValue(t.Value); len(msgs) != 0 {
				errs = append(errs, idx.Child("operator").Invalid(t.Value, strings.Join(msgs, ";")))
			}
		case TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, idx.Child("operator").Invalid(t, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, idx.Child("operator").NotSupported(t.Operator, []string{TolerationOpEqual, TolerationOpExists}))
		}
		if t.Effect != "" && !supported(t.Effect, supportedTaintEffects) {
			errs = append(errs, idx.Child("effect").NotSupported(t.Effect, supportedTaintEffects))
		}
	}
	return errs
}

// validateTaints checks a node's taints: valid keys, values and effects,
// unique by key and effect.
func validateTaints(taints []Taint, p *FieldPath) ErrorList {
	var errs ErrorList
	seen := map[[2]string]bool{}
	for i, t := range taints {
		idx := p.Index(i)
		errs = append(errs, validateLabelName(t.Key, idx.Child("key"))...)
		if msgs := IsValidLabelValue(t.Value); len(msgs) != 0 {
			errs = append(errs, idx.Child("value").Invalid(t.Value, strings.Join(msgs, ";")))
		}
		switch {
		case t.Effect == "":
			errs = append(errs, idx.Child("effect").Required(""))
		case !supported(t.Effect, supportedTaintEffects):
			errs = append(errs, idx.Child("effect").NotSupported(t.Effect, supportedTaintEffects))
		}
		key := [2]string{t.Key, t.Effect}
		if seen[key] {
			e := idx.Duplicate(t)
			e.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, e)
		}
		seen[key] = true
	}
	return errs
}

func validateAffinity(a *Affinity, p *FieldPath) ErrorList {
	var errs ErrorList
	if na := a.NodeAffinity; na != nil {
		np := p.Child("nodeAffinity")
		if na.RequiredDuringSchedulingIgnoredDuringExecution != nil {
			errs = append(errs, validateNodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution, np.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		}
		for i, t := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			idx := np.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
			errs = append(errs, validateWeight(t.Weight, idx.Child("weight"))...)
			errs = append(errs, validateNodeSelectorTerm(t.Preference, idx.Child("preference"))...)
		}
	}
	if pa := a.PodAffinity; pa != nil {
		errs = append(errs, validatePodAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("podAffinity"))...)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		errs = append(errs, validatePodAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("podAntiAffinity"))...)
	}
	return errs
}

func validateWeight(w int32, p *FieldPath) ErrorList {
	if w < 1 || w > 100 {
		return ErrorList{p.Invalid(w, "must be in the range 1-100")}
	}
	return nil
}

// validateNodeSelector checks a required node selector (a pod's node
// affinity, a volume's node affinity).
func validateNodeSelector(s *NodeSelector, p *FieldPath) ErrorList {
	tp := p.Child("nodeSelectorTerms")
	if len(s.NodeSelectorTerms) == 0 {
		return ErrorList{tp.Required("must have at least one node selector term")}
	}
	var errs ErrorList
	for i, t := range s.NodeSelectorTerms {
		errs = append(errs, validateNodeSelectorTerm(t, tp.Index(i))...)
	}
	return errs
}

func validateNodeSelectorTerm(t NodeSelectorTerm, p *FieldPath) ErrorList {
	var errs ErrorList
	for j, r := range t.MatchExpressions {
		errs = append(errs, validateNodeSelectorRequirement(r, p.Child("matchExpressions").Index(j))...)
	}
	for j, r := range t.MatchFields {
		idx := p.Child("matchFields").Index(j)
		switch r.Operator {
		case LabelSelectorOpIn, LabelSelectorOpNotIn:
			if len(r.Values) != 1 {
				errs = append(errs, idx.Child("values").Required("must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
			}
		default:
			errs = append(errs, idx.Child("operator").Invalid(r.Operator, "not a valid selector operator"))
		}
		if r.Key != "metadata.name" {
			errs = append(errs, idx.Child("key").NotSupported(r.Key, []string{"metadata.name"}))
		}
	}
	return errs
}

func validateNodeSelectorRequirement(r NodeSelectorRequirement, p *FieldPath) ErrorList {
	var errs ErrorList
	switch r.Operator {
	case LabelSelectorOpIn, LabelSelectorOpNotIn:
		if len(r.Values) == 0 {
			errs = append(errs, p.Child("values").Required("must be specified when `operator` is 'In' or 'NotIn'"))
		}
	case LabelSelectorOpExists, LabelSelectorOpDoesNotExist:
		if len(r.Values) > 0 {
			errs = append(errs, p.Child("values").Forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
		}
	case NodeSelectorOpGt, NodeSelectorOpLt:
		if len(r.Values) != 1 {
			errs = append(errs, p.Child("values").Required("must be specified single value when `operator` is 'Lt' or 'Gt'"))
		} else if _, err := strconv.ParseInt(r.Values[0], 10, 64); err != nil {
			errs = append(errs, p.Child("values").Index(0).Invalid(r.Values[0], "must be an integer when `operator` is 'Lt' or 'Gt'"))
		}
	default:
		errs = append(errs, p.Child("operator").Invalid(r.Operator, "not a valid selector operator"))
	}
	return append(errs, validateLabelName(r.Key, p.Child("key"))...)
}

func validatePodAffinityTerms(required []PodAffinityTerm, preferred []WeightedPodAffinityTerm, p *FieldPath) ErrorList {
	var errs ErrorList
	for i, t := range required {
		errs = append(errs, validatePodAffinityTerm(t, p.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i))...)
	}
	for i, t := range preferred {
		idx := p.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
		errs = append(errs, validateWeight(t.Weight, idx.Child("weight"))...)
		errs = append(errs, validatePodAffinityTerm(t.PodAffinityTerm, idx.Child("podAffinityTerm"))...)
	}
	return errs
}

func validatePodAffinityTerm(t PodAffinityTerm, p *FieldPath) ErrorList {
	errs := validateLabelSelector(t.LabelSelector, p.Child("labelSelector"))
	errs = append(errs, validateLabelSelector(t.NamespaceSelector, p.Child("namespaceSelector"))...)
	for i, ns := range t.Namespaces {
		errs = append(errs, validateDNS1123Label(ns, p.Child("namespaces").Index(i))...)
	}
	if t.TopologyKey == "" {
		errs = append(errs, p.Child("topologyKey").Required("can not be empty"))
	} else {
		errs = append(errs, validateLabelName(t.TopologyKey, p.Child("topologyKey"))...)
	}
	return errs
}

var supportedWhenUnsatisfiable = []string{DoNotSchedule, ScheduleAnyway}

func validateTopologySpreadConstraints(cs []TopologySpreadConstraint, p *FieldPath) ErrorList {
	var errs ErrorList
	for i, c := range cs {
		idx := p.Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, idx.Child("maxSkew").Invalid(c.MaxSkew, isNotPositiveErrorMsg))
		}
		if c.TopologyKey == "" {
			errs = append(errs, idx.Child("topologyKey").Required("can not be empty"))
		} else {
			errs = append(errs, validateLabelName(c.TopologyKey, idx.Child("topologyKey"))...)
		}
		if !supported(c.WhenUnsatisfiable, supportedWhenUnsatisfiable) {
			errs = append(errs, idx.Child("whenUnsatisfiable").NotSupported(c.WhenUnsatisfiable, supportedWhenUnsatisfiable))
		}
		for _, other := range cs[i+1:] {
			if c.TopologyKey == other.TopologyKey && c.WhenUnsatisfiable == other.WhenUnsatisfiable {
				errs = append(errs, idx.Child("{topologyKey, whenUnsatisfiable}").Duplicate(fmt.Sprintf("{%s, %s}", c.TopologyKey, c.WhenUnsatisfiable)))
				break
			}
		}
		if md := c.MinDomains; md != nil {
			if *md <= 0 {
				errs = append(errs, idx.Child("minDomains").Invalid(*md, isNotPositiveErrorMsg))
			}
			if c.WhenUnsatisfiable != DoNotSchedule {
				errs = append(errs, idx.Child("minDomains").Invalid(*md,
					fmt.Sprintf("can only use minDomains if whenUnsatisfiable=%s, not %s", DoNotSchedule, c.WhenUnsatisfiable)))
			}
		}
		errs = append(errs, validateLabelSelector(c.LabelSelector, idx.Child("labelSelector"))...)
		for j, k := range c.MatchLabelKeys {
			errs = append(errs, validateLabelName(k, idx.Child("matchLabelKeys").Index(j))...)
		}
	}
	return errs
}
