package control

import (
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// ipam allocates ClusterIPs and node ports. Its state is rebuilt from the
// services it observes, plus the allocations this machine has asked for
// and not yet seen (pending), which are safe to lose. It allocates the
// lowest free address (and port), so a restarted machine allocates the
// same ones.
type ipam struct {
	base, size uint32 // the service range: [base, base+size)
	portMin    int32
	portMax    int32
	ips        map[uint32]string // address → service key holding it
	ports      map[int32]string  // node port → service key holding it
	held       map[string]*alloc // service key → what it holds
	nextIP     uint32            // no free address below it
	nextPort   int32             // no free port below it
}

// alloc is what one service holds.
type alloc struct {
	ips     []uint32
	ports   []int32
	pending bool // asked for, not seen yet
}

func (a *ipam) init(cfg Config) {
	a.ips, a.ports, a.held = map[uint32]string{}, map[int32]string{}, map[string]*alloc{}
	a.base, a.size = 0x0a600000, 1<<20 // 10.96.0.0/12
	if ip, bits, ok := parseCIDR(cfg.ServiceCIDR); ok {
		a.base, a.size = ip&^(1<<(32-bits)-1), 1<<(32-bits)
	}
	a.portMin, a.portMax = cfg.NodePortMin, cfg.NodePortMax
	a.nextIP, a.nextPort = a.base+2, a.portMin
}

// kubernetesIP is the first address, reserved for default/kubernetes.
func (a *ipam) kubernetesIP() uint32 { return a.base + 1 }

// observe records what a service holds as stored.
func (a *ipam) observe(key string, s *api.Service) {
	if h := a.held[key]; h != nil && h.pending && (s.Spec.ClusterIP == "" || needsNodePorts(s)) {
		return // our allocation is still on its way
	}
	a.forget(key)
	h := &alloc{}
	if ip, ok := parseIPv4(s.Spec.ClusterIP); ok && ip-a.base < a.size {
		h.ips = append(h.ips, ip)
	}
	for _, p := range s.Spec.Ports {
		if p.NodePort >= a.portMin && p.NodePort <= a.portMax {
			h.ports = append(h.ports, p.NodePort)
		}
	}
	a.hold(key, h)
}

func (a *ipam) hold(key string, h *alloc) {
	a.held[key] = h
	for _, ip := range h.ips {
		a.ips[ip] = key
	}
	for _, p := range h.ports {
		a.ports[p] = key
	}
}

// forget frees everything a service holds.
func (a *ipam) forget(key string) {
	h := a.held[key]
	if h == nil {
		return
	}
	delete(a.held, key)
	for _, ip := range h.ips {
		if a.ips[ip] == key {
			delete(a.ips, ip)
			a.nextIP = min(a.nextIP, max(ip, a.base+2))
		}
	}
	for _, p := range h.ports {
		if a.ports[p] == key {
			delete(a.ports, p)
			a.nextPort = min(a.nextPort, p)
		}
	}
}

// release frees a pending allocation whose write failed.
func (a *ipam) release(key string) {
	if h := a.held[key]; h != nil && h.pending {
		a.forget(key)
	}
}

func (a *ipam) freeIP() (uint32, bool) {
	for ip := a.nextIP; ip < a.base+a.size-1; ip++ {
		if _, used := a.ips[ip]; !used {
			a.nextIP = ip + 1
			return ip, true
		}
	}
	return 0, false
}

func (a *ipam) freePort() (int32, bool) {
	for p := a.nextPort; p <= a.portMax; p++ {
		if _, used := a.ports[p]; !used {
			a.nextPort = p + 1
			return p, true
		}
	}
	return 0, false
}

// syncServiceIP gives a service its ClusterIP and node ports if it lacks
// them (what kube's API server allocates at creation; done here by a
// controller so that the API layer stays simple).
func (m *Machine) syncServiceIP(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindService {
		return
	}
	s := e.obj.(*api.Service)
	typ := s.Spec.Type
	if typ == api.ServiceTypeExternalName {
		return
	}
	needIP := s.Spec.ClusterIP == ""
	needPorts := needsNodePorts(s)
	if (!needIP && !needPorts) || m.busy(key, qService, key) {
		return
	}
	a := &m.ipam
	cur := a.held[key]
	h := &alloc{pending: true}
	if cur != nil {
		h.ips, h.ports = slices.Clone(cur.ips), slices.Clone(cur.ports)
	}
	c := *s
	var what []string
	if needIP {
		ip, ok := uint32(0), false
		if cur != nil && cur.pending && len(cur.ips) > 0 {
			ip, ok = cur.ips[0], true
			h.ips = h.ips[:0]
		} else if _, taken := a.ips[a.kubernetesIP()]; !taken && s.Namespace == api.NamespaceDefault && s.Name == "kubernetes" {
			ip, ok = a.kubernetesIP(), true
		} else {
			ip, ok = a.freeIP()
		}
		if !ok {
			return
		}
		h.ips = append(h.ips, ip)
		c.Spec.ClusterIP = formatIPv4(ip)
		c.Spec.ClusterIPs = []string{c.Spec.ClusterIP}
		what = append(what, "clusterIP "+c.Spec.ClusterIP)
	}
	if needPorts {
		c.Spec.Ports = slices.Clone(s.Spec.Ports)
		for i := range c.Spec.Ports {
			if c.Spec.Ports[i].NodePort != 0 {
				continue
			}
			p, ok := a.freePort()
			if !ok {
				break
			}
			c.Spec.Ports[i].NodePort = p
			h.ports = append(h.ports, p)
			what = append(what, "nodePort "+strconv.Itoa(int(p)))
		}
	}
	a.forget(key)
	a.hold(key, h)
	m.emitUpdate(qService, key, e, &c, strings.Join(what, ", "))
}

// needsNodePorts reports whether a NodePort or LoadBalancer service has a
// port without a node port.
func needsNodePorts(s *api.Service) bool {
	if s.Spec.Type != api.ServiceTypeNodePort && s.Spec.Type != api.ServiceTypeLoadBalancer {
		return false
	}
	for _, p := range s.Spec.Ports {
		if p.NodePort == 0 {
			return true
		}
	}
	return false
}

// parseIPv4 parses a dotted-quad IPv4 address.
func parseIPv4(s string) (uint32, bool) {
	var ip uint32
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0, false
	}
	for _, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 || (len(p) > 1 && p[0] == '0') {
			return 0, false
		}
		ip = ip<<8 | uint32(v)
	}
	return ip, true
}

// parseCIDR parses "a.b.c.d/n".
func parseCIDR(s string) (uint32, int, bool) {
	addr, bits, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, false
	}
	ip, ok := parseIPv4(addr)
	n, err := strconv.Atoi(bits)
	if !ok || err != nil || n < 1 || n > 30 {
		return 0, 0, false
	}
	return ip, n, true
}

func formatIPv4(ip uint32) string {
	return strconv.Itoa(int(ip>>24)) + "." + strconv.Itoa(int(ip>>16&0xff)) + "." +
		strconv.Itoa(int(ip>>8&0xff)) + "." + strconv.Itoa(int(ip&0xff))
}
