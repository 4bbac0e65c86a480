package control

import (
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// labelHeadless marks the Endpoints of a headless service.
const labelHeadless = "service.kubernetes.io/headless"

// onService keeps the IP allocator in step and marks the service for its
// Endpoints and its addresses.
func (m *Machine) onService(e *entry, old, new api.Object) {
	if new == nil {
		m.ipam.forget(e.key)
	} else {
		m.ipam.observe(e.key, new.(*api.Service))
		m.enqueue(qService, e.key)
	}
	m.enqueue(qEndpoints, e.key)
}

// syncEndpoints is kube's endpoints controller for one service: an
// Endpoints object of the same name listing the IPs of the pods its
// selector matches, ready ones in addresses and the others in
// notReadyAddresses, with target ports resolved; written only when it
// changes. A service without a selector is left alone (its Endpoints are
// the user's).
func (m *Machine) syncEndpoints(key string) {
	_, ns, name := keyParts(key)
	epe := m.getKind("endpoints", ns, name)
	e := m.objects[key]
	if e == nil || e.kind != kindService {
		if epe != nil {
			m.emitDelete(qEndpoints, key, epe, false, "", nil, "service deleted")
		}
		return
	}
	svc := e.obj.(*api.Service)
	if len(svc.Spec.Selector) == 0 || svc.Spec.Type == api.ServiceTypeExternalName {
		return
	}
	subsets := m.endpointSubsets(svc)
	labels := maps.Clone(svc.Labels)
	if svc.Spec.ClusterIP == api.ClusterIPNone {
		if labels == nil {
			labels = map[string]string{}
		}
		labels[labelHeadless] = ""
	}
	if epe == nil {
		ep := &api.Endpoints{
			TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
			Subsets:    subsets,
		}
		m.emitCreate(qEndpoints, key, ep, describeSubsets(subsets))
		return
	}
	cur := epe.obj.(*api.Endpoints)
	if reflect.DeepEqual(cur.Subsets, subsets) && sameLabels(cur.Labels, labels) {
		return
	}
	ep := *cur
	ep.Subsets, ep.Labels = subsets, labels
	m.emitUpdate(qEndpoints, key, epe, &ep, describeSubsets(subsets))
}

// endpointAddr is one pod's address and the ports it serves.
type endpointAddr struct {
	addr  api.EndpointAddress
	ready bool
	ports []api.EndpointPort
	pkey  string
}

// endpointSubsets builds the service's subsets: addresses grouped by the
// set of ports they serve (kube's RepackSubsets), each list sorted by IP
// then uid, subsets sorted by their ports.
func (m *Machine) endpointSubsets(svc *api.Service) []api.EndpointSubset {
	publish := svc.Spec.PublishNotReadyAddresses
	var addrs []endpointAddr
	for _, pe := range m.podsMatching(svc.Namespace, svc.Spec.Selector) {
		p := pe.obj.(*api.Pod)
		if p.Status.PodIP == "" || podFinished(p) || (p.DeletionTimestamp != nil && !publish) {
			continue
		}
		a := endpointAddr{ready: publish || podReady(p)}
		node := p.Spec.NodeName
		a.addr = api.EndpointAddress{IP: p.Status.PodIP, NodeName: &node,
			TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}}
		if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
			a.addr.Hostname = p.Spec.Hostname
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			if port, ok := findPort(p, sp); ok {
				a.ports = append(a.ports, api.EndpointPort{Name: sp.Name, Port: port, Protocol: protocolOf(sp.Protocol)})
			}
		}
		if len(svc.Spec.Ports) > 0 && len(a.ports) == 0 {
			continue
		}
		slices.SortFunc(a.ports, compareEndpointPorts)
		a.pkey = portsKey(a.ports)
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return nil
	}
	slices.SortFunc(addrs, func(x, y endpointAddr) int {
		if c := strings.Compare(x.pkey, y.pkey); c != 0 {
			return c
		}
		if c := compareIP(x.addr.IP, y.addr.IP); c != 0 {
			return c
		}
		return strings.Compare(x.addr.TargetRef.UID, y.addr.TargetRef.UID)
	})
	var out []api.EndpointSubset
	for i, a := range addrs {
		if i == 0 || a.pkey != addrs[i-1].pkey {
			out = append(out, api.EndpointSubset{Ports: a.ports})
		}
		s := &out[len(out)-1]
		if a.ready {
			s.Addresses = append(s.Addresses, a.addr)
		} else {
			s.NotReadyAddresses = append(s.NotReadyAddresses, a.addr)
		}
	}
	return out
}

// findPort is kube's FindPort: a named target port is the container port
// of that name and protocol; a number is itself.
func findPort(p *api.Pod, sp *api.ServicePort) (int32, bool) {
	tp := sp.TargetPort
	if !tp.IsString {
		if tp.IntVal == 0 {
			return sp.Port, true
		}
		return tp.IntVal, true
	}
	if tp.StrVal == "" {
		return sp.Port, true
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == tp.StrVal && protocolOf(cp.Protocol) == protocolOf(sp.Protocol) {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

func protocolOf(p string) string {
	if p == "" {
		return "TCP"
	}
	return p
}

func compareEndpointPorts(a, b api.EndpointPort) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if a.Port != b.Port {
		return int(a.Port - b.Port)
	}
	return strings.Compare(a.Protocol, b.Protocol)
}

func portsKey(ps []api.EndpointPort) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Name)
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(int(p.Port)))
		b.WriteByte('/')
		b.WriteString(p.Protocol)
		b.WriteByte(',')
	}
	return b.String()
}

// compareIP orders IPv4 addresses numerically (others as strings).
func compareIP(a, b string) int {
	x, okx := parseIPv4(a)
	y, oky := parseIPv4(b)
	if okx && oky {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// describeSubsets summarises subsets for a write's reason.
func describeSubsets(ss []api.EndpointSubset) string {
	ready, notReady := 0, 0
	for _, s := range ss {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	return strconv.Itoa(ready) + " ready, " + strconv.Itoa(notReady) + " not ready"
}

// keyParts splits a store key into resource, namespace and name.
func keyParts(key string) (resource, ns, name string) {
	rest := strings.TrimPrefix(key, api.KeyPrefix)
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 2:
		return parts[0], "", parts[1]
	case 3:
		return parts[0], parts[1], parts[2]
	}
	return "", "", ""
}
