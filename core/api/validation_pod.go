package api

import (
	"fmt"
	"math"
	"strings"
)

func validatePod(p *Pod) ErrorList {
	errs := validateObjectMeta(&p.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	return append(errs, validatePodSpec(&p.Spec, NewPath("spec"))...)
}

// validatePodSpec checks a pod's (or a pod template's) spec.
func validatePodSpec(s *PodSpec, p *FieldPath) ErrorList {
	volumes, errs := validateVolumes(s.Volumes, p.Child("volumes"))
	if len(s.Containers) == 0 {
		errs = append(errs, p.Child("containers").Required(""))
	}
	names := map[string]bool{}
	errs = append(errs, validateContainers(s.Containers, false, volumes, names, p.Child("containers"))...)
	errs = append(errs, validateContainers(s.InitContainers, true, volumes, names, p.Child("initContainers"))...)
	if s.RestartPolicy != "" && !supported(s.RestartPolicy, supportedRestartPolicies) {
		errs = append(errs, p.Child("restartPolicy").NotSupported(s.RestartPolicy, supportedRestartPolicies))
	}
	if s.DNSPolicy != "" && !supported(s.DNSPolicy, supportedDNSPolicies) {
		errs = append(errs, p.Child("dnsPolicy").NotSupported(s.DNSPolicy, supportedDNSPolicies))
	}
	errs = append(errs, validateLabels(s.NodeSelector, p.Child("nodeSelector"))...)
	for _, f := range []struct {
		name, value string
	}{
		{"serviceAccountName", s.ServiceAccountName},
		{"nodeName", s.NodeName},
		{"schedulerName", s.SchedulerName},
		{"priorityClassName", s.PriorityClassName},
	} {
		if f.value != "" {
			errs = append(errs, validateDNS1123Subdomain(f.value, p.Child(f.name))...)
		}
	}
	if s.Hostname != "" {
		errs = append(errs, validateDNS1123Label(s.Hostname, p.Child("hostname"))...)
	}
	if s.Subdomain != "" {
		errs = append(errs, validateDNS1123Label(s.Subdomain, p.Child("subdomain"))...)
	}
	if v := s.TerminationGracePeriodSeconds; v != nil {
		errs = append(errs, validateNonnegative(*v, p.Child("terminationGracePeriodSeconds"))...)
	}
	if v := s.ActiveDeadlineSeconds; v != nil && (*v < 1 || *v > math.MaxInt32) {
		errs = append(errs, p.Child("activeDeadlineSeconds").Invalid(*v, inclusiveRangeError(1, math.MaxInt32)))
	}
	if sc := s.SecurityContext; sc != nil {
		errs = append(errs, validateIDs(p.Child("securityContext"), sc.RunAsUser, sc.RunAsGroup, sc.FSGroup)...)
	}
	if s.Affinity != nil {
		errs = append(errs, validateAffinity(s.Affinity, p.Child("affinity"))...)
	}
	errs = append(errs, validateTolerations(s.Tolerations, p.Child("tolerations"))...)
	errs = append(errs, validateTopologySpreadConstraints(s.TopologySpreadConstraints, p.Child("topologySpreadConstraints"))...)
	return errs
}

// validateIDs checks runAsUser, runAsGroup and fsGroup (in that order).
func validateIDs(p *FieldPath, user, group, fsGroup *int64) ErrorList {
	var errs ErrorList
	for i, id := range []*int64{user, group, fsGroup} {
		if id != nil && (*id < 0 || *id > math.MaxInt32) {
			name := []string{"runAsUser", "runAsGroup", "fsGroup"}[i]
			errs = append(errs, p.Child(name).Invalid(*id, inclusiveRangeError(0, math.MaxInt32)))
		}
	}
	return errs
}

// validateContainers checks containers or init containers; names holds the
// container names seen so far in the pod (they must be unique across both).
func validateContainers(cs []Container, init bool, volumes, names map[string]bool, p *FieldPath) ErrorList {
	var errs ErrorList
	for i := range cs {
		c := &cs[i]
		idx := p.Index(i)
		switch {
		case c.Name == "":
			errs = append(errs, idx.Child("name").Required(""))
		default:
			errs = append(errs, validateDNS1123Label(c.Name, idx.Child("name"))...)
			if names[c.Name] {
				errs = append(errs, idx.Child("name").Duplicate(c.Name))
			}
			names[c.Name] = true
		}
		if c.Image == "" {
			errs = append(errs, idx.Child("image").Required(""))
		} else if strings.TrimSpace(c.Image) != c.Image {
			errs = append(errs, idx.Child("image").Invalid(c.Image, "must not have leading or trailing whitespace"))
		}
		if c.ImagePullPolicy != "" && !supported(c.ImagePullPolicy, supportedPullPolicies) {
			errs = append(errs, idx.Child("imagePullPolicy").NotSupported(c.ImagePullPolicy, supportedPullPolicies))
		}
		if c.TerminationMessagePolicy != "" && !supported(c.TerminationMessagePolicy, supportedTerminationPolicy) {
			errs = append(errs, idx.Child("terminationMessagePolicy").NotSupported(c.TerminationMessagePolicy, supportedTerminationPolicy))
		}
		errs = append(errs, validateContainerPorts(c.Ports, idx.Child("ports"))...)
		errs = append(errs, validateEnv(c.Env, idx.Child("env"))...)
		errs = append(errs, validateEnvFrom(c.EnvFrom, idx.Child("envFrom"))...)
		errs = append(errs, validateVolumeMounts(c.VolumeMounts, volumes, idx.Child("volumeMounts"))...)
		errs = append(errs, validateProbes(c, init, idx)...)
		if lc := c.Lifecycle; lc != nil {
			if init {
				errs = append(errs, idx.Child("lifecycle").Forbidden("may not be set for init containers without restartPolicy=Always"))
			}
			if lc.PostStart != nil {
				errs = append(errs, validateHandler(lc.PostStart, idx.Child("lifecycle", "postStart"))...)
			}
			if lc.PreStop != nil {
				errs = append(errs, validateHandler(lc.PreStop, idx.Child("lifecycle", "preStop"))...)
			}
		}
		errs = append(errs, validateResources(c.Resources, idx.Child("resources"))...)
		if sc := c.SecurityContext; sc != nil {
			errs = append(errs, validateIDs(idx.Child("securityContext"), sc.RunAsUser, sc.RunAsGroup, nil)...)
		}
	}
	return errs
}

func validateContainerPorts(ports []ContainerPort, p *FieldPath) ErrorList {
	var errs ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		idx := p.Index(i)
		if port.Name != "" {
			if msgs := IsValidPortName(port.Name); len(msgs) != 0 {
				for _, msg := range msgs {
					errs = append(errs, idx.Child("name").Invalid(port.Name, msg))
				}
			} else if names[port.Name] {
				errs = append(errs, idx.Child("name").Duplicate(port.Name))
			} else {
				names[port.Name] = true
			}
		}
		if port.ContainerPort == 0 {
			errs = append(errs, idx.Child("containerPort").Required(""))
		} else {
			for _, msg := range IsValidPortNum(int(port.ContainerPort)) {
				errs = append(errs, idx.Child("containerPort").Invalid(port.ContainerPort, msg))
			}
		}
		if port.HostPort != 0 {
			for _, msg := range IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, idx.Child("hostPort").Invalid(port.HostPort, msg))
			}
		}
		if port.Protocol != "" && !supported(port.Protocol, supportedProtocols) {
			errs = append(errs, idx.Child("protocol").NotSupported(port.Protocol, supportedProtocols))
		}
		if port.HostIP != "" {
			for _, msg := range IsValidIP(port.HostIP) {
				errs = append(errs, idx.Child("hostIP").Invalid(port.HostIP, msg))
			}
		}
	}
	return errs
}

// validResourceFields are the container fields an env var's resourceFieldRef
// may name.
var validResourceFields = []string{
	"limits.cpu", "limits.ephemeral-storage", "limits.memory",
	"requests.cpu", "requests.ephemeral-storage", "requests.memory",
}

// validFieldPaths are the pod fields an env var's fieldRef may name (and
// metadata.labels['k'], metadata.annotations['k']).
var validFieldPaths = []string{
	"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
	"spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
}

func validateEnv(env []EnvVar, p *FieldPath) ErrorList {
	var errs ErrorList
	for i, ev := range env {
		idx := p.Index(i)
		if ev.Name == "" {
			errs = append(errs, idx.Child("name").Required(""))
		} else {
			for _, msg := range IsEnvVarName(ev.Name) {
				errs = append(errs, idx.Child("name").Invalid(ev.Name, msg))
			}
		}
		if ev.ValueFrom != nil {
			errs = append(errs, validateEnvVarSource(ev.ValueFrom, ev.Value != "", idx.Child("valueFrom"))...)
		}
	}
	return errs
}

func validateEnvVarSource(src *EnvVarSource, hasValue bool, p *FieldPath) ErrorList {
	var errs ErrorList
	n := 0
	if r := src.FieldRef; r != nil {
		n++
		fp := p.Child("fieldRef", "fieldPath")
		switch {
		case r.FieldPath == "":
			errs = append(errs, fp.Required(""))
		case isSubscriptFieldPath(r.FieldPath):
		case !supported(r.FieldPath, validFieldPaths) || r.FieldPath == "metadata.labels" || r.FieldPath == "metadata.annotations":
			errs = append(errs, fp.NotSupported(r.FieldPath, validFieldPaths))
		}
	}
	if r := src.ResourceFieldRef; r != nil {
		n++
		rp := p.Child("resourceFieldRef", "resource")
		if r.Resource == "" {
			errs = append(errs, rp.Required(""))
		} else if !supported(r.Resource, validResourceFields) {
			errs = append(errs, rp.NotSupported(r.Resource, validResourceFields))
		}
	}
	for _, ref := range []struct {
		name string
		sel  *KeySelector
	}{{"configMapKeyRef", src.ConfigMapKeyRef}, {"secretKeyRef", src.SecretKeyRef}} {
		if ref.sel == nil {
			continue
		}
		n++
		rp := p.Child(ref.name)
		if ref.sel.Name == "" {
			errs = append(errs, rp.Child("name").Required(""))
		}
		if ref.sel.Key == "" {
			errs = append(errs, rp.Child("key").Required(""))
		} else {
			for _, msg := range IsConfigMapKey(ref.sel.Key) {
				errs = append(errs, rp.Child("key").Invalid(ref.sel.Key, msg))
			}
		}
	}
	switch {
	case n == 0:
		errs = append(errs, p.Invalid("", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case hasValue:
		errs = append(errs, p.Invalid("", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, p.Invalid("", "may not have more than one field specified at a time"))
	}
	return errs
}

// isSubscriptFieldPath reports metadata.labels['k'] and
// metadata.annotations['k'] paths.
func isSubscriptFieldPath(fp string) bool {
	for _, prefix := range []string{"metadata.labels['", "metadata.annotations['"} {
		if k, ok := strings.CutPrefix(fp, prefix); ok && strings.HasSuffix(k, "']") && len(k) > 2 {
			return true
		}
	}
	return false
}

func validateEnvFrom(envFrom []EnvFromSource, p *FieldPath) ErrorList {
	var errs ErrorList
	for i, ef := range envFrom {
		idx := p.Index(i)
		if ef.Prefix != "" {
			for _, msg := range IsEnvVarName(ef.Prefix) {
				errs = append(errs, idx.Child("prefix").Invalid(ef.Prefix, msg))
			}
		}
		n := 0
		if ef.ConfigMapRef != nil {
			n++
			if ef.ConfigMapRef.Name == "" {
				errs = append(errs, idx.Child("configMapRef", "name").Required(""))
			}
		}
		if ef.SecretRef != nil {
			n++
			if ef.SecretRef.Name == "" {
				errs = append(errs, idx.Child("secretRef", "name").Required(""))
			}
		}
		switch {
		case n == 0:
			errs = append(errs, idx.Invalid("", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, idx.Invalid("", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

// validateResources checks a container's requests and limits: known
// resource names, non-negative amounts, requests no larger than limits.
func validateResources(r ResourceRequirements, p *FieldPath) ErrorList {
	var errs ErrorList
	for _, name := range sortedStringKeys(r.Limits) {
		fp := p.Child("limits").Key(name)
		errs = append(errs, validateContainerResourceName(name, fp)...)
		errs = append(errs, validateNonnegativeQuantity(r.Limits[name], fp)...)
	}
	for _, name := range sortedStringKeys(r.Requests) {
		fp := p.Child("requests").Key(name)
		q := r.Requests[name]
		errs = append(errs, validateContainerResourceName(name, fp)...)
		errs = append(errs, validateNonnegativeQuantity(q, fp)...)
		if limit, ok := r.Limits[name]; ok && q.Cmp(limit) > 0 {
			errs = append(errs, fp.Invalid(q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		}
	}
	return errs
}

func validateContainerResourceName(name string, p *FieldPath) ErrorList {
	errs := validateLabelName(name, p)
	if len(errs) > 0 {
		return errs
	}
	if !strings.Contains(name, "/") && name != ResourceCPU && name != ResourceMemory &&
		name != ResourceEphemeralStorage && !strings.HasPrefix(name, "hugepages-") {
		errs = append(errs, p.Invalid(name, "must be a standard resource for containers"))
	}
	return errs
}
