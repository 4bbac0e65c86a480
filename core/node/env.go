package node

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// envBuilder accumulates a container's environment: a later definition of a
// name replaces an earlier one and takes its place at the end.
type envBuilder struct {
	vars []EnvVar
	idx  map[string]int
}

func (b *envBuilder) set(name, value string, sensitive bool) {
	if b.idx == nil {
		b.idx = map[string]int{}
	}
	if i, ok := b.idx[name]; ok {
		b.vars[i].Name = "" // tombstone, compacted by list
	}
	b.idx[name] = len(b.vars)
	b.vars = append(b.vars, EnvVar{Name: name, Value: value, Sensitive: sensitive})
}

func (b *envBuilder) lookup(name string) (string, bool) {
	i, ok := b.idx[name]
	if !ok {
		return "", false
	}
	return b.vars[i].Value, true
}

func (b *envBuilder) list() []EnvVar {
	out := b.vars[:0]
	for _, v := range b.vars {
		if v.Name != "" {
			out = append(out, v)
		}
	}
	return out
}

// resolveEnv computes container spec's environment the way the kubelet
// does: service links first (when enableServiceLinks, the default), then
// envFrom sources in order, then env in order; a later definition wins.
// $(VAR) references in env values expand against what is defined before
// them. A missing required ConfigMap, Secret or key is an error, reported
// as CreateContainerConfigError with the kubelet's message.
func (m *Machine) resolveEnv(p *podState, spec *api.Container) ([]EnvVar, error) {
	pod := p.pod
	ns := pod.Namespace
	var b envBuilder
	if links := pod.Spec.EnableServiceLinks; links == nil || *links {
		for _, svc := range m.servicesIn(ns) {
			serviceEnv(&b, svc)
		}
	}
	for _, from := range spec.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm := m.objs.configMaps[nsName{ns, from.ConfigMapRef.Name}]
			if cm == nil {
				if isTrue(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("configmap %q not found", from.ConfigMapRef.Name)
			}
			for _, k := range sortedKeys(cm.Data) {
				if name := from.Prefix + k; isEnvVarName(name) {
					b.set(name, cm.Data[k], false)
				}
			}
		case from.SecretRef != nil:
			s := m.objs.secrets[nsName{ns, from.SecretRef.Name}]
			if s == nil {
				if isTrue(from.SecretRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("secret %q not found", from.SecretRef.Name)
			}
			for _, k := range sortedKeys(s.Data) {
				if name := from.Prefix + k; isEnvVarName(name) {
					b.set(name, string(s.Data[k]), true)
				}
			}
		}
	}
	for _, ev := range spec.Env {
		if ev.Value != "" || ev.ValueFrom == nil {
			b.set(ev.Name, expand(ev.Value, b.lookup), false)
			continue
		}
		val, sensitive, skip, err := m.envSource(p, spec, ev.ValueFrom)
		if err != nil {
			return nil, err
		}
		if !skip {
			b.set(ev.Name, val, sensitive)
		}
	}
	return b.list(), nil
}

// envSource resolves one valueFrom; skip is set for a missing optional key.
func (m *Machine) envSource(p *podState, spec *api.Container, src *api.EnvVarSource) (val string, sensitive, skip bool, err error) {
	ns := p.pod.Namespace
	switch {
	case src.FieldRef != nil:
		val, err = m.fieldRef(p, src.FieldRef.FieldPath)
		return val, false, false, err
	case src.ResourceFieldRef != nil:
		val, err = m.resourceFieldRef(p, spec, src.ResourceFieldRef)
		return val, false, false, err
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm := m.objs.configMaps[nsName{ns, ref.Name}]
		if cm == nil {
			if isTrue(ref.Optional) {
				return "", false, true, nil
			}
			return "", false, false, fmt.Errorf("configmap %q not found", ref.Name)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if isTrue(ref.Optional) {
				return "", false, true, nil
			}
			return "", false, false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, ns, ref.Name)
		}
		return v, false, false, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s := m.objs.secrets[nsName{ns, ref.Name}]
		if s == nil {
			if isTrue(ref.Optional) {
				return "", false, true, nil
			}
			return "", false, false, fmt.Errorf("secret %q not found", ref.Name)
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if isTrue(ref.Optional) {
				return "", false, true, nil
			}
			return "", false, false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, ns, ref.Name)
		}
		return string(v), true, false, nil
	}
	return "", false, false, nil
}

// fieldRef resolves the downward API's field paths.
func (m *Machine) fieldRef(p *podState, path string) (string, error) {
	pod := p.pod
	if k, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[k], nil
	}
	if k, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[k], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return pod.UID, nil
	case "spec.nodeName":
		return m.cfg.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return m.hostIP, nil
	case "status.podIP", "status.podIPs":
		return m.podIP(p), nil
	}
	return "", fmt.Errorf("unsupported fieldPath: %s", path)
}

// subscript parses `prefix['key']`.
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "']")
}

// podIP is the pod's address: the node's for hostNetwork pods. capstan has
// no pod network yet, so other pods have none.
func (m *Machine) podIP(p *podState) string {
	if p.pod.Spec.HostNetwork {
		return m.hostIP
	}
	return ""
}

// resourceFieldRef resolves limits.cpu, requests.memory, ... of a container,
// divided by the divisor and rounded up; an unset limit is the node's
// allocatable amount, as in the kubelet.
func (m *Machine) resourceFieldRef(p *podState, spec *api.Container, ref *api.ResourceFieldSelector) (string, error) {
	c := spec
	if ref.ContainerName != "" {
		ci := p.ctrIndex(ref.ContainerName)
		if ci < 0 {
			return "", fmt.Errorf("container %q not found in pod", ref.ContainerName)
		}
		c = p.spec(ci)
	}
	kind, res, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported container resource: %s", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, set := list[res]
	if !set && kind == "limits" {
		q = m.cfg.Allocatable[res]
	}
	switch res {
	case api.ResourceCPU:
		div := int64(1000)
		if ref.Divisor != nil && ref.Divisor.MilliValue() > 0 {
			div = ref.Divisor.MilliValue()
		}
		return strconv.FormatInt(ceilDiv(q.MilliValue(), div), 10), nil
	case api.ResourceMemory, api.ResourceEphemeralStorage:
		div := int64(1)
		if ref.Divisor != nil && ref.Divisor.Value() > 0 {
			div = ref.Divisor.Value()
		}
		return strconv.FormatInt(ceilDiv(q.Value(), div), 10), nil
	}
	return "", fmt.Errorf("unsupported container resource: %s", ref.Resource)
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// serviceEnv adds the discovery variables of one service, as the kubelet
// does for every service of the pod's namespace that has a cluster IP:
// {SVC}_SERVICE_HOST, {SVC}_SERVICE_PORT, {SVC}_SERVICE_PORT_{NAME} and the
// Docker link variables {SVC}_PORT, {SVC}_PORT_{port}_{PROTO}[_PROTO|_PORT|_ADDR].
func serviceEnv(b *envBuilder, svc *api.Service) {
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == api.ClusterIPNone || len(svc.Spec.Ports) == 0 {
		return
	}
	prefix := strings.ToUpper(strings.ReplaceAll(svc.Name, "-", "_"))
	b.set(prefix+"_SERVICE_HOST", ip, false)
	b.set(prefix+"_SERVICE_PORT", strconv.Itoa(int(svc.Spec.Ports[0].Port)), false)
	for _, sp := range svc.Spec.Ports {
		if sp.Name != "" {
			b.set(prefix+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(sp.Name, "-", "_")), strconv.Itoa(int(sp.Port)), false)
		}
	}
	host := ip
	if strings.Contains(ip, ":") {
		host = "[" + ip + "]"
	}
	for i, sp := range svc.Spec.Ports {
		proto := sp.Protocol
		if proto == "" {
			proto = "TCP"
		}
		lower := strings.ToLower(proto)
		port := strconv.Itoa(int(sp.Port))
		url := lower + "://" + host + ":" + port
		if i == 0 {
			b.set(prefix+"_PORT", url, false)
		}
		pp := prefix + "_PORT_" + port + "_" + strings.ToUpper(proto)
		b.set(pp, url, false)
		b.set(pp+"_PROTO", lower, false)
		b.set(pp+"_PORT", port, false)
		b.set(pp+"_ADDR", ip, false)
	}
}

// expand replaces $(NAME) in s with lookup(NAME) when NAME is defined, as
// Kubernetes does for env values, command and args: "$$" is a literal "$";
// an undefined or unterminated reference is left as written.
func expand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			out.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			out.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				out.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				out.WriteString(v)
			} else {
				out.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			out.WriteByte('$')
		}
	}
	return out.String()
}

// isEnvVarName: Kubernetes' C_IDENTIFIER-like rule for env names,
// [-._a-zA-Z][-._a-zA-Z0-9]*.
func isEnvVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '-' || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func isTrue(b *bool) bool { return b != nil && *b }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
