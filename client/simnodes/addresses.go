package simnodes

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
)

// MaxNodes is how many simulated nodes get distinct addresses: node i's
// pod range is 10.(64+i/256).(i%256).0/24, inside 10.64.0.0/10.
const MaxNodes = 64 * 256

// maxPodIPs is how many pod addresses a node's /24 holds (.2 to .254; .1
// is the gateway a bridge would take).
const maxPodIPs = 253

// rangePrefix is node i's pod range without its last octet.
func rangePrefix(i int) string { return fmt.Sprintf("10.%d.%d.", 64+i/256, i%256) }

// podCIDR is node i's pod range.
func podCIDR(i int) string { return rangePrefix(i) + "0/24" }

// internalIP is node i's address: 172.16.0.0/12, skipping .0.
func internalIP(i int) string {
	i++
	return fmt.Sprintf("172.%d.%d.%d", 16+i/65536, i/256%256, i%256)
}

// podIPs hands out each node's pod addresses: the lowest free one of its
// range, kept by pod uid until the pod is gone. Only the kubelet goroutine
// uses it.
type podIPs struct {
	node  map[string]int          // node name -> index
	used  map[string]*[256]bool   // node name -> addresses in use (last octet)
	byUID map[string]podIPHolding // pod uid -> its address
}

type podIPHolding struct {
	node  string
	octet int
}

func newPodIPs(names []string) *podIPs {
	a := &podIPs{node: map[string]int{}, used: map[string]*[256]bool{}, byUID: map[string]podIPHolding{}}
	for i, n := range names {
		a.node[n] = i
		a.used[n] = new([256]bool)
	}
	return a
}

// reset forgets every holding (before a relist marks them again).
func (a *podIPs) reset() {
	for n := range a.used {
		a.used[n] = new([256]bool)
	}
	clear(a.byUID)
}

// prefix is node's range without its last octet, e.g. "10.64.3.".
func (a *podIPs) prefix(node string) string { return rangePrefix(a.node[node]) }

// mark records the address a pod already reports, if it is in its node's
// range, so that it is not handed out twice.
func (a *podIPs) mark(p *api.Pod) {
	used, ok := a.used[p.Spec.NodeName]
	if !ok || p.Status.PodIP == "" {
		return
	}
	var octet int
	if _, err := fmt.Sscanf(p.Status.PodIP, a.prefix(p.Spec.NodeName)+"%d", &octet); err != nil || octet < 2 || octet > 254 {
		return
	}
	used[octet] = true
	a.byUID[p.UID] = podIPHolding{node: p.Spec.NodeName, octet: octet}
}

// assign returns the pod's address, taking the lowest free one of its
// node's range; "" when the range is full.
func (a *podIPs) assign(p *api.Pod) string {
	if h, ok := a.byUID[p.UID]; ok {
		return a.prefix(h.node) + fmt.Sprint(h.octet)
	}
	used := a.used[p.Spec.NodeName]
	for octet := 2; octet <= 254; octet++ {
		if !used[octet] {
			used[octet] = true
			a.byUID[p.UID] = podIPHolding{node: p.Spec.NodeName, octet: octet}
			return a.prefix(p.Spec.NodeName) + fmt.Sprint(octet)
		}
	}
	return ""
}

// release frees a deleted pod's address.
func (a *podIPs) release(uid string) {
	if h, ok := a.byUID[uid]; ok {
		a.used[h.node][h.octet] = false
		delete(a.byUID, uid)
	}
}
