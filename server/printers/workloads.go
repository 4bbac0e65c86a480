package printers

import (
	"fmt"
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

func init() {
	containers := wide(col("Containers", "string", "Names of each container in the template."))
	images := wide(col("Images", "string", "Images referenced by each container in the template."))
	selector := wide(col("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."))
	printers["Deployment"] = printer{
		columns: []Column{
			nameColumn,
			col("Ready", "string", "Number of the pod with ready state"),
			col("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
			col("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
			ageColumn, containers, images, selector,
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			d := o.(*api.Deployment)
			names, imgs := containerColumns(d.Spec.Template.Spec.Containers)
			return []any{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)),
				int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), Since(d.CreationTimestamp, now),
				names, imgs, FormatSelector(d.Spec.Selector)}, nil
		},
	}
	printers["ReplicaSet"] = printer{
		columns: []Column{
			nameColumn,
			col("Desired", "integer", "Replicas is the number of desired replicas."),
			col("Current", "integer", "Replicas is the most recently observed number of replicas."),
			col("Ready", "integer", "The number of ready replicas for this replica set."),
			ageColumn, containers, images, selector,
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			rs := o.(*api.ReplicaSet)
			names, imgs := containerColumns(rs.Spec.Template.Spec.Containers)
			return []any{rs.Name, int64(replicas(rs.Spec.Replicas)), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
				Since(rs.CreationTimestamp, now), names, imgs, FormatSelector(rs.Spec.Selector)}, nil
		},
	}
}

// replicas is a spec's replica count, 1 when unset.
func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func containerColumns(cs []api.Container) (names, images string) {
	n, i := make([]string, len(cs)), make([]string, len(cs))
	for k, c := range cs {
		n[k], i[k] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

// FormatSelector prints a label selector as kubectl does
// ("app=web,tier in (a,b),!legacy"); an empty or nil one prints as "".
func FormatSelector(s *api.LabelSelector) string {
	if s == nil {
		return ""
	}
	type req struct{ key, text string }
	var reqs []req
	for k, v := range s.MatchLabels {
		reqs = append(reqs, req{k, k + "=" + v})
	}
	for _, r := range s.MatchExpressions {
		vals := append([]string(nil), r.Values...)
		sort.Strings(vals)
		switch r.Operator {
		case api.LabelSelectorOpIn:
			reqs = append(reqs, req{r.Key, fmt.Sprintf("%s in (%s)", r.Key, strings.Join(vals, ","))})
		case api.LabelSelectorOpNotIn:
			reqs = append(reqs, req{r.Key, fmt.Sprintf("%s notin (%s)", r.Key, strings.Join(vals, ","))})
		case api.LabelSelectorOpExists:
			reqs = append(reqs, req{r.Key, r.Key})
		case api.LabelSelectorOpDoesNotExist:
			reqs = append(reqs, req{r.Key, "!" + r.Key})
		}
	}
	// Requirements in key order, as labels.Selector prints them.
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].key < reqs[j].key })
	parts := make([]string, len(reqs))
	for i, r := range reqs {
		parts[i] = r.text
	}
	return strings.Join(parts, ",")
}
