package printers

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

func init() {
	printers["Service"] = printer{
		columns: []Column{
			nameColumn,
			col("Type", "string", "type determines how the Service is exposed."),
			col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
			col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
			col("Port(s)", "string", "The list of ports that are exposed by this service."),
			ageColumn,
			wide(col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.")),
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			s := o.(*api.Service)
			typ := s.Spec.Type
			if typ == "" {
				typ = api.ServiceTypeClusterIP
			}
			return []any{s.Name, typ, none(s.Spec.ClusterIP), serviceExternalIP(s, typ), servicePorts(s.Spec.Ports),
				Since(s.CreationTimestamp, now), FormatLabels(s.Spec.Selector)}, nil
		},
	}
	printers["Endpoints"] = printer{
		columns: []Column{
			nameColumn,
			col("Endpoints", "string", "Endpoints of the service"),
			ageColumn,
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			e := o.(*api.Endpoints)
			return []any{e.Name, formatEndpoints(e), Since(e.CreationTimestamp, now)}, nil
		},
	}
}

// loadBalancerWidth bounds the load balancer addresses shown without -o wide.
const loadBalancerWidth = 16

func serviceExternalIP(s *api.Service, typ string) string {
	switch typ {
	case api.ServiceTypeClusterIP, api.ServiceTypeNodePort:
		return none(strings.Join(s.Spec.ExternalIPs, ","))
	case api.ServiceTypeLoadBalancer:
		var ips []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				ips = append(ips, in.IP)
			} else if in.Hostname != "" {
				ips = append(ips, in.Hostname)
			}
		}
		lb := strings.Join(ips, ",")
		if len(lb) > loadBalancerWidth {
			lb = lb[:loadBalancerWidth-3] + "..."
		}
		if len(s.Spec.ExternalIPs) > 0 {
			var all []string
			if lb != "" {
				all = append(all, strings.Split(lb, ",")...)
			}
			return strings.Join(append(all, s.Spec.ExternalIPs...), ",")
		}
		if lb != "" {
			return lb
		}
		return "<pending>"
	case api.ServiceTypeExternalName:
		return s.Spec.ExternalName
	}
	return "<unknown>"
}

func servicePorts(ports []api.ServicePort) string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto))
		} else {
			out = append(out, fmt.Sprintf("%d/%s", p.Port, proto))
		}
	}
	return none(strings.Join(out, ","))
}

// formatEndpoints is kubectl's: at most three addresses (ip:port), then
// " + N more...".
func formatEndpoints(e *api.Endpoints) string {
	if len(e.Subsets) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	more, count := false, 0
	add := func(s string) {
		if len(list) == max {
			more = true
			return
		}
		list = append(list, s)
	}
	for _, ss := range e.Subsets {
		if len(ss.Ports) == 0 {
			count += len(ss.Addresses)
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, port := range ss.Ports {
			count += len(ss.Addresses)
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(port.Port))))
			}
		}
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-max)
	}
	return ret
}
