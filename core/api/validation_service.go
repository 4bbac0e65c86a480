package api

import "strings"

// Validation of Services and Endpoints.

var (
	supportedServiceTypes     = []string{ServiceTypeClusterIP, ServiceTypeExternalName, ServiceTypeLoadBalancer, ServiceTypeNodePort}
	supportedSessionAffinity  = []string{"ClientIP", "None"}
	supportedTrafficPolicies  = []string{"Cluster", "Local"}
	clusterIPErrMsg           = "must be empty, 'None', or a valid IP address"
	externalTrafficPolicyOnly = "may only be set for externally-accessible services"
)

func validateService(s *Service) ErrorList {
	errs := validateObjectMeta(&s.ObjectMeta, true, nameIsDNS1035Label, NewPath("metadata"))
	sp := NewPath("spec")
	typ := s.Spec.Type
	if typ == "" {
		typ = ServiceTypeClusterIP
	}
	headless := s.Spec.ClusterIP == ClusterIPNone
	if len(s.Spec.Ports) == 0 && !headless && typ != ServiceTypeExternalName {
		errs = append(errs, sp.Child("ports").Required(""))
	}
	if typ == ServiceTypeExternalName {
		if s.Spec.ClusterIP != "" {
			errs = append(errs, sp.Child("clusterIP").Forbidden("may not be set for ExternalName services"))
		}
		if cname := strings.TrimSuffix(s.Spec.ExternalName, "."); cname != "" {
			errs = append(errs, validateDNS1123Subdomain(cname, sp.Child("externalName"))...)
		} else {
			errs = append(errs, sp.Child("externalName").Required(""))
		}
	}
	names := map[string]bool{}
	for i := range s.Spec.Ports {
		errs = append(errs, validateServicePort(&s.Spec.Ports[i], len(s.Spec.Ports) > 1, names, sp.Child("ports").Index(i))...)
	}
	errs = append(errs, validateLabels(s.Spec.Selector, sp.Child("selector"))...)
	if a := s.Spec.SessionAffinity; a != "" && !supported(a, supportedSessionAffinity) {
		errs = append(errs, sp.Child("sessionAffinity").NotSupported(a, supportedSessionAffinity))
	}
	if ip := s.Spec.ClusterIP; ip != "" && ip != ClusterIPNone && len(IsValidIP(ip)) > 0 {
		errs = append(errs, sp.Child("clusterIP").Invalid(ip, clusterIPErrMsg))
	}
	for i, ip := range s.Spec.ClusterIPs {
		if (i > 0 || ip != ClusterIPNone) && len(IsValidIP(ip)) > 0 {
			errs = append(errs, sp.Child("clusterIPs").Index(i).Invalid(ip, clusterIPErrMsg))
		}
	}
	if len(s.Spec.ClusterIPs) > 0 && s.Spec.ClusterIP != "" && s.Spec.ClusterIPs[0] != s.Spec.ClusterIP {
		errs = append(errs, sp.Child("clusterIPs").Invalid(s.Spec.ClusterIPs, "first value must match `clusterIP`"))
	}
	for i, ip := range s.Spec.ExternalIPs {
		for _, msg := range IsValidIP(ip) {
			errs = append(errs, sp.Child("externalIPs").Index(i).Invalid(ip, msg))
		}
	}
	if s.Spec.Type != "" && !supported(s.Spec.Type, supportedServiceTypes) {
		errs = append(errs, sp.Child("type").NotSupported(s.Spec.Type, supportedServiceTypes))
	}
	nodePorts := map[ServicePort]bool{}
	ports := map[ServicePort]bool{}
	for i, port := range s.Spec.Ports {
		pp := sp.Child("ports").Index(i)
		proto := port.Protocol
		if proto == "" {
			proto = "TCP"
		}
		if port.NodePort != 0 {
			if typ == ServiceTypeClusterIP {
				errs = append(errs, pp.Child("nodePort").Forbidden("may not be used when `type` is 'ClusterIP'"))
			}
			key := ServicePort{Protocol: proto, NodePort: port.NodePort}
			if nodePorts[key] {
				errs = append(errs, pp.Child("nodePort").Duplicate(port.NodePort))
			}
			nodePorts[key] = true
		}
		key := ServicePort{Protocol: proto, Port: port.Port}
		if ports[key] {
			errs = append(errs, pp.Duplicate(key))
		}
		ports[key] = true
	}
	if tp := s.Spec.ExternalTrafficPolicy; tp != "" {
		external := typ == ServiceTypeNodePort || typ == ServiceTypeLoadBalancer || len(s.Spec.ExternalIPs) > 0
		switch {
		case !external:
			errs = append(errs, sp.Child("externalTrafficPolicy").Invalid(tp, externalTrafficPolicyOnly))
		case !supported(tp, supportedTrafficPolicies):
			errs = append(errs, sp.Child("externalTrafficPolicy").NotSupported(tp, supportedTrafficPolicies))
		}
	}
	return errs
}

func validateServicePort(sp *ServicePort, requireName bool, names map[string]bool, p *FieldPath) ErrorList {
	var errs ErrorList
	if requireName && sp.Name == "" {
		errs = append(errs, p.Child("name").Required(""))
	} else if sp.Name != "" {
		errs = append(errs, validateDNS1123Label(sp.Name, p.Child("name"))...)
		if names[sp.Name] {
			errs = append(errs, p.Child("name").Duplicate(sp.Name))
		}
		names[sp.Name] = true
	}
	for _, msg := range IsValidPortNum(int(sp.Port)) {
		errs = append(errs, p.Child("port").Invalid(sp.Port, msg))
	}
	if sp.Protocol != "" && !supported(sp.Protocol, supportedProtocols) {
		errs = append(errs, p.Child("protocol").NotSupported(sp.Protocol, supportedProtocols))
	}
	if sp.TargetPort != (IntOrString{}) {
		errs = append(errs, validatePortNumOrName(sp.TargetPort, p.Child("targetPort"))...)
	}
	if sp.NodePort != 0 {
		for _, msg := range IsValidPortNum(int(sp.NodePort)) {
			errs = append(errs, p.Child("nodePort").Invalid(sp.NodePort, msg))
		}
	}
	return errs
}

func validateEndpoints(e *Endpoints) ErrorList {
	errs := validateObjectMeta(&e.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	for i, ss := range e.Subsets {
		idx := NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, idx.Required("must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(a, idx.Child("addresses").Index(j))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(a, idx.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			pp := idx.Child("ports").Index(j)
			if len(ss.Ports) > 1 && port.Name == "" {
				errs = append(errs, pp.Child("name").Required(""))
			} else if port.Name != "" {
				errs = append(errs, validateDNS1123Label(port.Name, pp.Child("name"))...)
			}
			for _, msg := range IsValidPortNum(int(port.Port)) {
				errs = append(errs, pp.Child("port").Invalid(port.Port, msg))
			}
			if port.Protocol != "" && !supported(port.Protocol, supportedProtocols) {
				errs = append(errs, pp.Child("protocol").NotSupported(port.Protocol, supportedProtocols))
			}
		}
	}
	return errs
}

func validateEndpointAddress(a EndpointAddress, p *FieldPath) ErrorList {
	var errs ErrorList
	for _, msg := range IsValidIP(a.IP) {
		errs = append(errs, p.Child("ip").Invalid(a.IP, msg))
	}
	if a.Hostname != "" {
		errs = append(errs, validateDNS1123Label(a.Hostname, p.Child("hostname"))...)
	}
	if a.NodeName != nil && *a.NodeName != "" {
		errs = append(errs, validateDNS1123Subdomain(*a.NodeName, p.Child("nodeName"))...)
	}
	return errs
}
