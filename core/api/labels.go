package api

import (
	"strconv"
)

// Matches reports whether labels satisfy the selector: every matchLabels
// pair and every expression. A nil selector matches nothing; an empty one
// matches everything (Kubernetes' LabelSelectorAsSelector semantics).
// An expression with an unknown operator matches nothing.
func (s *LabelSelector) Matches(labels map[string]string) bool {
	if s == nil {
		return false
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, r := range s.MatchExpressions {
		if !r.Matches(labels) {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the selector has no requirement at all (and so
// matches every object).
func (s *LabelSelector) IsEmpty() bool {
	return s != nil && len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// Matches reports whether labels satisfy one requirement.
func (r LabelSelectorRequirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Operator {
	case LabelSelectorOpIn:
		return ok && contains(r.Values, v)
	case LabelSelectorOpNotIn:
		return !ok || !contains(r.Values, v)
	case LabelSelectorOpExists:
		return ok
	case LabelSelectorOpDoesNotExist:
		return !ok
	}
	return false
}

// MatchesSet reports whether every pair of want is in labels (a Service's
// or ReplicaSet's plain map selector). An empty want matches everything.
func MatchesSet(want, labels map[string]string) bool {
	for k, v := range want {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Matches reports whether a node with the given name and labels satisfies
// the selector: any one term matching is enough; no terms match nothing.
func (s *NodeSelector) Matches(nodeName string, labels map[string]string) bool {
	if s == nil {
		return false
	}
	for _, t := range s.NodeSelectorTerms {
		if t.Matches(nodeName, labels) {
			return true
		}
	}
	return false
}

// Matches reports whether a node satisfies every requirement of the term.
// A term with no requirements matches no node, as in Kubernetes.
func (t NodeSelectorTerm) Matches(nodeName string, labels map[string]string) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for _, r := range t.MatchExpressions {
		if !r.Matches(labels) {
			return false
		}
	}
	for _, r := range t.MatchFields {
		// The only supported field is metadata.name.
		if r.Key != "metadata.name" || !r.Matches(map[string]string{r.Key: nodeName}) {
			return false
		}
	}
	return true
}

// Matches reports whether labels satisfy one node selector requirement,
// including the numeric Gt and Lt operators.
func (r NodeSelectorRequirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Operator {
	case LabelSelectorOpIn:
		return ok && contains(r.Values, v)
	case LabelSelectorOpNotIn:
		return !ok || !contains(r.Values, v)
	case LabelSelectorOpExists:
		return ok
	case LabelSelectorOpDoesNotExist:
		return !ok
	case NodeSelectorOpGt, NodeSelectorOpLt:
		if !ok || len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		bound, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == NodeSelectorOpGt {
			return have > bound
		}
		return have < bound
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
