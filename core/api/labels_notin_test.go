package api

import "testing"

// NotIn and DoesNotExist match objects that lack the key, as Kubernetes'
// label selectors do; In and Exists do not. (Found missing by the planted
// bug api-notin-requires-key.)
func TestSelectorOperatorsOnMissingKeys(t *testing.T) {
	labels := map[string]string{"app": "web"}
	for _, tc := range []struct {
		op   string
		key  string
		vals []string
		want bool
	}{
		{LabelSelectorOpNotIn, "tier", []string{"db"}, true},
		{LabelSelectorOpNotIn, "app", []string{"db"}, true},
		{LabelSelectorOpNotIn, "app", []string{"web"}, false},
		{LabelSelectorOpIn, "tier", []string{"db"}, false},
		{LabelSelectorOpExists, "tier", nil, false},
		{LabelSelectorOpDoesNotExist, "tier", nil, true},
		{LabelSelectorOpDoesNotExist, "app", nil, false},
	} {
		s := &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: tc.key, Operator: tc.op, Values: tc.vals}}}
		if got := s.Matches(labels); got != tc.want {
			t.Errorf("%s %s %v on %v = %v, want %v", tc.key, tc.op, tc.vals, labels, got, tc.want)
		}
	}
}
