package model

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
)

// selectingService reports whether the endpoints controller manages the
// service's Endpoints: it has a selector and is not an ExternalName
// service. Other services' Endpoints are their users'.
func selectingService(svc *api.Service) bool {
	return len(svc.Spec.Selector) > 0 && svc.Spec.Type != api.ServiceTypeExternalName
}

func (s *Snapshot) service(ns, name string) *api.Service {
	for _, svc := range s.Services {
		if svc.Namespace == ns && svc.Name == name {
			return svc
		}
	}
	return nil
}

func (s *Snapshot) endpoints(ns, name string) *api.Endpoints {
	for _, e := range s.Endpoints {
		if e.Namespace == ns && e.Name == name {
			return e
		}
	}
	return nil
}

func (s *Snapshot) pod(ns, name string) *api.Pod {
	for _, p := range s.Pods {
		if p.Namespace == ns && p.Name == name {
			return p
		}
	}
	return nil
}

// EndpointsMatchSelector: Endpoints list only the pods their Service
// selects, and list as ready only pods that are. For every Endpoints whose
// Service (same namespace and name) has a selector, every address, ready
// or not, has a targetRef to a Pod of the namespace that exists (same uid
// when the reference has one), is not Terminated, carries the selector's
// labels and has the address's IP as status.podIP; and every address in
// addresses (ready) is of a pod whose Ready condition is True and that is
// not being deleted, unless the Service publishes not-ready addresses.
//
// This compares the Endpoints with the pods of the same snapshot; the
// endpoints controller writes after it sees a pod change, so evaluate it
// where the control plane has caught up (at quiescence), not between a
// pod's write and the controller's reaction. Endpoints without a Service
// (about to be deleted) are out of scope.
func EndpointsMatchSelector(s *Snapshot) []Violation {
	var out []Violation
	for _, e := range s.Endpoints {
		svc := s.service(e.Namespace, e.Name)
		if svc == nil || !selectingService(svc) {
			continue
		}
		name := describeObject("Endpoints", &e.ObjectMeta)
		bad := func(format string, args ...any) {
			out = append(out, Violation{"EndpointsMatchSelector", name, fmt.Sprintf(format, args...)})
		}
		for _, sub := range e.Subsets {
			for i, list := range [2][]api.EndpointAddress{sub.Addresses, sub.NotReadyAddresses} {
				ready := i == 0
				for _, a := range list {
					r := a.TargetRef
					if r == nil || r.Kind != "Pod" || (r.Namespace != "" && r.Namespace != e.Namespace) {
						bad("address %s has no targetRef to a Pod of namespace %s", a.IP, e.Namespace)
						continue
					}
					p := s.pod(e.Namespace, r.Name)
					switch {
					case p == nil || (r.UID != "" && r.UID != p.UID):
						bad("address %s is of pod %s, which does not exist", a.IP, r.Name)
					case Terminated(p):
						bad("address %s is of pod %s, which has terminated (%s)", a.IP, p.Name, p.Status.Phase)
					case !api.MatchesSet(svc.Spec.Selector, p.Labels):
						bad("address %s is of pod %s, whose labels %v do not match the selector %v", a.IP, p.Name, p.Labels, svc.Spec.Selector)
					case a.IP != p.Status.PodIP:
						bad("address %s is of pod %s, whose IP is %q", a.IP, p.Name, p.Status.PodIP)
					case ready && !svc.Spec.PublishNotReadyAddresses && (!podReady(p) || p.DeletionTimestamp != nil):
						bad("ready address %s is of pod %s, which is not ready", a.IP, p.Name)
					}
				}
			}
		}
	}
	return sortViolations(out)
}

// findPort is kube's FindPort: the pod port a service port targets. A
// numeric targetPort (0: the service port) is itself; a named one is the
// container port of that name and protocol, if the pod has one.
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
	proto := func(p string) string {
		if p == "" {
			return "TCP"
		}
		return p
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == tp.StrVal && proto(cp.Protocol) == proto(sp.Protocol) {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// EndpointsComplete (liveness): every pod a Service should send traffic
// to is in its Endpoints. For every Service with a selector (not
// ExternalName), every pod of its namespace carrying the selector's
// labels, with an IP, not Terminated, Ready and not being deleted (or any
// such pod, ready or not, when the Service publishes not-ready
// addresses), and serving at least one of the Service's ports (a named
// targetPort the pod lacks serves nothing; a Service without ports takes
// every pod) appears among the ready addresses of the Service's Endpoints
// with its IP. Evaluate it at the end of a run, once the inputs have been
// stable long enough for the controller to catch up.
func EndpointsComplete(s *Snapshot) []Violation {
	var out []Violation
	for _, svc := range s.Services {
		if !selectingService(svc) {
			continue
		}
		name := describeObject("Service", &svc.ObjectMeta)
		e := s.endpoints(svc.Namespace, svc.Name)
		for _, p := range s.Pods {
			if p.Namespace != svc.Namespace || !api.MatchesSet(svc.Spec.Selector, p.Labels) || p.Status.PodIP == "" || Terminated(p) {
				continue
			}
			if !svc.Spec.PublishNotReadyAddresses && (!podReady(p) || p.DeletionTimestamp != nil) {
				continue
			}
			serves := len(svc.Spec.Ports) == 0
			for i := range svc.Spec.Ports {
				if _, ok := findPort(p, &svc.Spec.Ports[i]); ok {
					serves = true
				}
			}
			if !serves {
				continue
			}
			if e == nil {
				out = append(out, Violation{"EndpointsComplete", name, fmt.Sprintf("no Endpoints, and pod %s (%s) is ready", p.Name, p.Status.PodIP)})
				continue
			}
			if !listsReady(e, p) {
				out = append(out, Violation{"EndpointsComplete", name, fmt.Sprintf("pod %s (%s) is ready but not among the ready addresses", p.Name, p.Status.PodIP)})
			}
		}
	}
	return sortViolations(out)
}

// listsReady reports whether e lists p, with its IP, as a ready address.
func listsReady(e *api.Endpoints, p *api.Pod) bool {
	for _, sub := range e.Subsets {
		for _, a := range sub.Addresses {
			if r := a.TargetRef; r != nil && r.Kind == "Pod" && r.Name == p.Name && (r.UID == "" || r.UID == p.UID) && a.IP == p.Status.PodIP {
				return true
			}
		}
	}
	return false
}
