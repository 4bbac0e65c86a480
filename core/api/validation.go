package api

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Validation, with Kubernetes' field paths and messages (the rules of
// k8s.io/kubernetes/pkg/apis/*/validation that matter for capstan's
// kinds). Validate returns every problem of an object at once, in field
// order, so that a user fixes a manifest in one pass.
//
// Validate accepts an object before or after Default: a field that Default
// fills (a protocol, a restart policy, a probe period...) may be empty.
// Namespaced kinds need their namespace set: an API server takes it from
// the request, a client from its context, before validating.
//
// The files:
//
//	validation.go          Validate, metadata, labels, selectors
//	validation_names.go    name, label, port, IP checks and their messages
//	validation_pod.go      pod spec: containers, ports, env, resources
//	validation_volumes.go  volumes and volume mounts
//	validation_probes.go   probes and lifecycle hooks
//	validation_sched.go    tolerations, taints, affinity, topology spread
//	validation_apps.go     ReplicaSet, Deployment
//	validation_service.go  Service, Endpoints
//	validation_other.go    Secret, ConfigMap, PV, PVC, Node, Lease, Event,
//	                       ServiceAccount, Namespace
//	validation_update.go   ValidateUpdate: what may not change

// Validate returns every problem of obj, or nil if it is valid.
func Validate(obj Object) ErrorList {
	if isNilObject(obj) {
		return ErrorList{NewPath("kind").InternalError(fmt.Errorf("nil object"))}
	}
	switch o := obj.(type) {
	case *Pod:
		return validatePod(o)
	case *ReplicaSet:
		return validateReplicaSet(o)
	case *Deployment:
		return validateDeployment(o)
	case *Service:
		return validateService(o)
	case *Endpoints:
		return validateEndpoints(o)
	case *Secret:
		return validateSecret(o)
	case *ConfigMap:
		return validateConfigMap(o)
	case *PersistentVolume:
		return validatePersistentVolume(o)
	case *PersistentVolumeClaim:
		return validatePersistentVolumeClaim(o)
	case *Node:
		return validateNode(o)
	case *Lease:
		return validateLease(o)
	case *Event:
		return validateEvent(o)
	case *ServiceAccount:
		return validateServiceAccount(o)
	case *Namespace:
		return validateNamespace(o)
	}
	return ErrorList{NewPath("kind").InternalError(fmt.Errorf("no validation for %T", obj))}
}

func isNilObject(obj Object) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// TotalAnnotationSizeLimit bounds the size of an object's annotations,
// keys and values together.
const TotalAnnotationSizeLimit = 256 * (1 << 10)

// validateObjectMeta checks the metadata of a top-level object.
func validateObjectMeta(m *ObjectMeta, namespaced bool, nameFn nameValidator, path *FieldPath) ErrorList {
	var errs ErrorList
	if m.GenerateName != "" {
		for _, msg := range nameFn(m.GenerateName, true) {
			errs = append(errs, path.Child("generateName").Invalid(m.GenerateName, msg))
		}
	}
	switch {
	case m.Name != "":
		for _, msg := range nameFn(m.Name, false) {
			errs = append(errs, path.Child("name").Invalid(m.Name, msg))
		}
	case m.GenerateName == "":
		errs = append(errs, path.Child("name").Required("name or generateName is required"))
	}
	if namespaced {
		if m.Namespace == "" {
			errs = append(errs, path.Child("namespace").Required(""))
		} else {
			for _, msg := range IsDNS1123Label(m.Namespace) {
				errs = append(errs, path.Child("namespace").Invalid(m.Namespace, msg))
			}
		}
	} else if m.Namespace != "" {
		errs = append(errs, path.Child("namespace").Forbidden("not allowed on this type"))
	}
	errs = append(errs, validateNonnegative(m.Generation, path.Child("generation"))...)
	errs = append(errs, validateLabels(m.Labels, path.Child("labels"))...)
	errs = append(errs, validateAnnotations(m.Annotations, path.Child("annotations"))...)
	errs = append(errs, validateOwnerReferences(m.OwnerReferences, path.Child("ownerReferences"))...)
	for i, f := range m.Finalizers {
		for _, msg := range IsQualifiedName(f) {
			errs = append(errs, path.Child("finalizers").Index(i).Invalid(f, msg))
		}
	}
	return errs
}

// validateLabels checks label keys and values; errors name the map, as in
// Kubernetes, and come in key order.
func validateLabels(labels map[string]string, path *FieldPath) ErrorList {
	var errs ErrorList
	for _, k := range sortedStringKeys(labels) {
		errs = append(errs, validateLabelName(k, path)...)
		for _, msg := range IsValidLabelValue(labels[k]) {
			errs = append(errs, path.Invalid(labels[k], msg))
		}
	}
	return errs
}

func validateLabelName(name string, path *FieldPath) ErrorList {
	var errs ErrorList
	for _, msg := range IsQualifiedName(name) {
		errs = append(errs, path.Invalid(name, msg))
	}
	return errs
}

// validateAnnotations checks annotation keys (qualified names, any case)
// and their total size.
func validateAnnotations(annotations map[string]string, path *FieldPath) ErrorList {
	var errs ErrorList
	size := 0
	for _, k := range sortedStringKeys(annotations) {
		for _, msg := range IsQualifiedName(strings.ToLower(k)) {
			errs = append(errs, path.Invalid(k, msg))
		}
		size += len(k) + len(annotations[k])
	}
	if size > TotalAnnotationSizeLimit {
		errs = append(errs, path.TooLong("", TotalAnnotationSizeLimit))
	}
	return errs
}

func validateOwnerReferences(refs []OwnerReference, path *FieldPath) ErrorList {
	var errs ErrorList
	controller := ""
	for i, r := range refs {
		idx := path.Index(i)
		if r.APIVersion == "" {
			errs = append(errs, idx.Child("apiVersion").Invalid(r.APIVersion, "version must not be empty"))
		}
		if r.Kind == "" {
			errs = append(errs, idx.Child("kind").Invalid(r.Kind, "kind must not be empty"))
		}
		if r.Name == "" {
			errs = append(errs, idx.Child("name").Invalid(r.Name, "name must not be empty"))
		}
		if r.UID == "" {
			errs = append(errs, idx.Child("uid").Invalid(r.UID, "uid must not be empty"))
		}
		if r.Controller != nil && *r.Controller {
			if controller != "" {
				errs = append(errs, path.Invalid(omitValue, fmt.Sprintf(
					"Only one reference can have Controller set to true. Found \"true\" in references for %s and %s", controller, r.Name)))
			} else {
				controller = r.Name
			}
		}
	}
	return errs
}

// validateLabelSelector checks a label selector; a nil one is valid here
// (callers that need one say so).
func validateLabelSelector(s *LabelSelector, path *FieldPath) ErrorList {
	if s == nil {
		return nil
	}
	errs := validateLabels(s.MatchLabels, path.Child("matchLabels"))
	for i, r := range s.MatchExpressions {
		idx := path.Child("matchExpressions").Index(i)
		switch r.Operator {
		case LabelSelectorOpIn, LabelSelectorOpNotIn:
			if len(r.Values) == 0 {
				errs = append(errs, idx.Child("values").Required("must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case LabelSelectorOpExists, LabelSelectorOpDoesNotExist:
			if len(r.Values) > 0 {
				errs = append(errs, idx.Child("values").Forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, idx.Child("operator").Invalid(r.Operator, "not a valid selector operator"))
		}
		errs = append(errs, validateLabelName(r.Key, idx.Child("key"))...)
		for j, v := range r.Values {
			for _, msg := range IsValidLabelValue(v) {
				errs = append(errs, idx.Child("values").Index(j).Invalid(v, msg))
			}
		}
	}
	return errs
}

func validateNonnegative[T int32 | int64](v T, path *FieldPath) ErrorList {
	if v < 0 {
		return ErrorList{path.Invalid(v, isNegativeErrorMsg)}
	}
	return nil
}

// validateDNS1123Label, validateDNS1123Subdomain: one Invalid per message.
func validateDNS1123Label(v string, path *FieldPath) ErrorList {
	var errs ErrorList
	for _, msg := range IsDNS1123Label(v) {
		errs = append(errs, path.Invalid(v, msg))
	}
	return errs
}

func validateDNS1123Subdomain(v string, path *FieldPath) ErrorList {
	var errs ErrorList
	for _, msg := range IsDNS1123Subdomain(v) {
		errs = append(errs, path.Invalid(v, msg))
	}
	return errs
}

// validatePortNumOrName checks a port given as a number or a port name.
func validatePortNumOrName(p IntOrString, path *FieldPath) ErrorList {
	var errs ErrorList
	if p.IsString {
		for _, msg := range IsValidPortName(p.StrVal) {
			errs = append(errs, path.Invalid(p.StrVal, msg))
		}
		return errs
	}
	for _, msg := range IsValidPortNum(int(p.IntVal)) {
		errs = append(errs, path.Invalid(p.IntVal, msg))
	}
	return errs
}

// validateNonnegativeQuantity reports a negative quantity.
func validateNonnegativeQuantity(q Quantity, path *FieldPath) ErrorList {
	if q.Sign() < 0 {
		return ErrorList{path.Invalid(q.String(), isNegativeErrorMsg)}
	}
	return nil
}

// validatePositiveQuantity reports a quantity that is not above zero.
func validatePositiveQuantity(q Quantity, path *FieldPath) ErrorList {
	if q.Sign() <= 0 {
		return ErrorList{path.Invalid(q.String(), isNotPositiveErrorMsg)}
	}
	return nil
}

// supported reports whether v is one of values.
func supported(v string, values []string) bool {
	for _, s := range values {
		if s == v {
			return true
		}
	}
	return false
}

func sortedStringKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Supported values, sorted, as listed in "supported values: ..." messages.
var (
	supportedProtocols         = []string{"SCTP", "TCP", "UDP"}
	supportedRestartPolicies   = []string{RestartPolicyAlways, RestartPolicyNever, RestartPolicyOnFailure}
	supportedDNSPolicies       = []string{"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"}
	supportedPullPolicies      = []string{PullAlways, PullIfNotPresent, PullNever}
	supportedTerminationPolicy = []string{"FallbackToLogsOnError", "File"}
	supportedTaintEffects      = []string{TaintEffectNoExecute, TaintEffectNoSchedule, TaintEffectPreferNoSchedule}
	supportedAccessModes       = []string{ReadOnlyMany, ReadWriteMany, ReadWriteOnce, ReadWriteOncePod}
	supportedVolumeModes       = []string{"Block", "Filesystem"}
)
