package apiserver

import (
	"sort"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// fieldGetters are the fields each resource can be selected by, beyond
// metadata.name and metadata.namespace (which every resource has), as
// Kubernetes registers them.
var fieldGetters = map[string]map[string]func(api.Object) string{
	"pods": {
		"spec.nodeName":           func(o api.Object) string { return o.(*api.Pod).Spec.NodeName },
		"spec.restartPolicy":      func(o api.Object) string { return o.(*api.Pod).Spec.RestartPolicy },
		"spec.schedulerName":      func(o api.Object) string { return o.(*api.Pod).Spec.SchedulerName },
		"spec.serviceAccountName": func(o api.Object) string { return o.(*api.Pod).Spec.ServiceAccountName },
		"spec.hostNetwork":        func(o api.Object) string { return strconv.FormatBool(o.(*api.Pod).Spec.HostNetwork) },
		"status.phase":            func(o api.Object) string { return o.(*api.Pod).Status.Phase },
		"status.podIP":            func(o api.Object) string { return o.(*api.Pod).Status.PodIP },
		"status.nominatedNodeName": func(o api.Object) string {
			return o.(*api.Pod).Status.NominatedNodeName
		},
	},
	"nodes": {
		"spec.unschedulable": func(o api.Object) string { return strconv.FormatBool(o.(*api.Node).Spec.Unschedulable) },
	},
	"namespaces": {
		"status.phase": func(o api.Object) string { return o.(*api.Namespace).Status.Phase },
	},
	"secrets": {
		"type": func(o api.Object) string { return o.(*api.Secret).Type },
	},
	"events": {
		"involvedObject.kind":            func(o api.Object) string { return o.(*api.Event).InvolvedObject.Kind },
		"involvedObject.namespace":       func(o api.Object) string { return o.(*api.Event).InvolvedObject.Namespace },
		"involvedObject.name":            func(o api.Object) string { return o.(*api.Event).InvolvedObject.Name },
		"involvedObject.uid":             func(o api.Object) string { return o.(*api.Event).InvolvedObject.UID },
		"involvedObject.apiVersion":      func(o api.Object) string { return o.(*api.Event).InvolvedObject.APIVersion },
		"involvedObject.resourceVersion": func(o api.Object) string { return o.(*api.Event).InvolvedObject.ResourceVersion },
		"involvedObject.fieldPath":       func(o api.Object) string { return o.(*api.Event).InvolvedObject.FieldPath },
		"reason":                         func(o api.Object) string { return o.(*api.Event).Reason },
		"type":                           func(o api.Object) string { return o.(*api.Event).Type },
		"source":                         func(o api.Object) string { return o.(*api.Event).Source.Component },
	},
}

// fieldGetter returns how to read a selectable field of the resource.
func fieldGetter(resource, field string) (func(api.Object) string, bool) {
	switch field {
	case "metadata.name":
		return func(o api.Object) string { return o.GetObjectMeta().Name }, true
	case "metadata.namespace":
		return func(o api.Object) string { return o.GetObjectMeta().Namespace }, true
	}
	f, ok := fieldGetters[resource][field]
	return f, ok
}

// supportedFields lists the fields a resource can be selected by.
func supportedFields(resource string) []string {
	out := []string{"metadata.name", "metadata.namespace"}
	var more []string
	for f := range fieldGetters[resource] {
		more = append(more, f)
	}
	sort.Strings(more)
	return append(out, more...)
}
