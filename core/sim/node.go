package sim

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/core/store"
)

// simNode is one simulated host: a node machine (the kubelet), its fake
// container runtime, and its connection to the API.
//
//	  hub (pods bound here, objects of its namespaces)
//	   │ held while partitioned, dropped while down
//	   ▼
//	machine ──actions──► runtime ──observations (timed events)──┐
//	   │  ▲                                                      │
//	   │  └──────────────────────────────────────────────────────┘
//	   └─ status, deletions, lease, node status ──► registry
//	      (failed with WriteFailed while partitioned)
type simNode struct {
	name string
	// index is the order the node was added in: its pod CIDR is
	// 10.244.index.0/24 and its address 10.240.index/256.index%256.
	index int
	// down is the configuration of the node's machine while the node is
	// down (nil while it runs: the machine holds it).
	down *node.Config
	// taints are registered with the Node (the kubelet's
	// --register-with-taints).
	taints []api.Taint
	cidr   string

	// m is the machine; nil while the node is down. agentGen counts
	// machines: ticks and observations for an older one are dropped.
	m        *node.Machine
	agentGen uint32
	// partitioned: writes fail and deliveries are held.
	partitioned bool
	held        []node.Input

	rt fakeRuntime
	// subscribed are the namespaces whose objects the node receives,
	// sorted: a node's pods come from a few, which a list holds in a
	// fraction of a map's bytes.
	subscribed []string
	// lastSub is the namespace subscribed to last (a pod's namespace is
	// most often its predecessor's), or "".
	lastSub string
	dirty   bool
}

// NodeSpec describes a node to add.
type NodeSpec struct {
	Name string
	// CPU, Memory and Pods are the node's capacity ("4", "8Gi", 110).
	CPU, Memory string
	Pods        int64
	// Zone, if set, is the topology.kubernetes.io/zone label.
	Zone string
	// Labels are extra labels; Taints are registered with the node.
	Labels map[string]string
	Taints []api.Taint
}

// AddNode adds a node and starts it: its machine registers the Node on
// its first tick, now.
func (c *Cluster) AddNode(spec NodeSpec) error {
	if spec.Name == "" {
		return fmt.Errorf("add-node: no name")
	}
	if c.byName[spec.Name] != nil {
		return fmt.Errorf("add-node: node %s exists", spec.Name)
	}
	if spec.CPU == "" {
		spec.CPU = "4"
	}
	if spec.Memory == "" {
		spec.Memory = "8Gi"
	}
	if spec.Pods == 0 {
		spec.Pods = 110
	}
	cpu, err := api.ParseQuantity(spec.CPU)
	if err != nil {
		return fmt.Errorf("add-node %s: cpu: %w", spec.Name, err)
	}
	mem, err := api.ParseQuantity(spec.Memory)
	if err != nil {
		return fmt.Errorf("add-node %s: memory: %w", spec.Name, err)
	}
	idx := len(c.nodes)
	labels := map[string]string{api.LabelHostname: spec.Name, api.LabelOS: "linux", api.LabelArch: "amd64"}
	if spec.Zone != "" {
		labels[api.LabelTopologyZone] = spec.Zone
	}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	n := &simNode{
		name:  spec.Name,
		index: idx,
		cidr:  fmt.Sprintf("10.%d.%d.0/24", 244+idx/256, idx%256),
		down: &node.Config{
			NodeName: spec.Name,
			Labels:   labels,
			Capacity: api.ResourceList{
				api.ResourceCPU:    cpu,
				api.ResourceMemory: mem,
				api.ResourcePods:   api.NewQuantity(spec.Pods, api.DecimalSI),
			},
			Addresses: []api.NodeAddress{
				{Type: "InternalIP", Address: fmt.Sprintf("10.240.%d.%d", idx/256, idx%256)},
				{Type: "Hostname", Address: spec.Name},
			},
			NodeInfo: api.NodeSystemInfo{KubeletVersion: "capstan-sim", ContainerRuntimeVersion: "sim://1",
				OperatingSystem: "linux", Architecture: "amd64"},
		},
		taints: spec.Taints,
	}
	n.rt.init(idx)
	c.nodes = append(c.nodes, n)
	c.byName[n.name] = n
	if spec.Zone != "" {
		c.logf(n.name, "add cpu=%s memory=%s pods=%d zone=%s", spec.CPU, spec.Memory, spec.Pods, spec.Zone)
	} else {
		c.logf(n.name, "add cpu=%s memory=%s pods=%d", spec.CPU, spec.Memory, spec.Pods)
	}
	c.startNode(n, false)
	return nil
}

// startNode gives n a fresh machine: the runtime's surviving containers
// are reported (adopted), then the objects and pods of the node are
// listed to it, and its ticks begin.
func (c *Cluster) startNode(n *simNode, restart bool) {
	n.agentGen++
	n.m, n.down = node.New(*n.down), nil
	n.subscribed, n.lastSub = nil, ""
	n.held = nil
	c.nodeStep(n, node.Tick{Now: c.now})
	if restart {
		if inv := n.rt.inventory(); len(inv) > 0 {
			c.nodeStep(n, node.RuntimeInventory{Containers: inv})
		}
		// The list comes from the API: held, like every delivery, while
		// the node is partitioned.
		c.deliver(n, node.PodList{Pods: c.listNodePods(n)})
	}
	c.schedule(event{at: c.now + api.Time(c.cfg.NodeTick), kind: evNodeTick, node: uint32(n.index), gen: n.agentGen})
	c.activity()
}

// listNodePods lists the pods bound to n at the store's current revision,
// subscribing n to their namespaces first (so that what they reference is
// there before them).
func (c *Cluster) listNodePods(n *simNode) []*api.Pod {
	c.pumpHub() // the hub's cursor is at the current revision
	res, err := c.st.List(api.KeyFor("pods", "", ""), store.ListOptions{})
	if err != nil {
		panic("sim: list pods: " + err.Error())
	}
	var pods []*api.Pod
	for _, o := range res.Items {
		p := o.(*api.Pod)
		if p.Spec.NodeName != n.name {
			continue
		}
		c.subscribe(n, p.Namespace, res.Revision)
		pods = append(pods, p)
	}
	return pods
}

// node returns the node named name.
func (c *Cluster) node(name string) (*simNode, error) {
	n := c.byName[name]
	if n == nil {
		return nil, fmt.Errorf("no node %q", name)
	}
	return n, nil
}

// CrashNode stops node name's machine. With keepContainers its runtime
// goes on (the agent died, the host did not); otherwise the host is gone
// with every container.
func (c *Cluster) CrashNode(name string, keepContainers bool) error {
	n, err := c.node(name)
	if err != nil {
		return err
	}
	if n.m == nil {
		return fmt.Errorf("node %s is down already", name)
	}
	cfg := n.m.Config()
	n.m, n.held, n.down = nil, nil, &cfg
	n.agentGen++
	c.hub.unsubscribeAll(n)
	if keepContainers {
		c.logf(n.name, "agent crash: the machine is lost, %d containers go on", len(n.rt.ctrs))
	} else {
		c.logf(n.name, "crash: the machine and its %d containers are gone", len(n.rt.ctrs))
		n.rt.wipe()
	}
	c.activity()
	return nil
}

// RestartNode starts node name again with a fresh machine, which adopts
// whatever containers the runtime still has.
func (c *Cluster) RestartNode(name string) error {
	n, err := c.node(name)
	if err != nil {
		return err
	}
	if n.m != nil {
		return fmt.Errorf("node %s is running", name)
	}
	c.logf(n.name, "restart: new machine, %d containers to adopt", len(n.rt.ctrs))
	c.startNode(n, true)
	return nil
}

// Partition cuts node name off the control plane: its machine and
// containers go on, its writes fail and what the API has for it is held
// until Heal.
func (c *Cluster) Partition(name string) error {
	n, err := c.node(name)
	if err != nil {
		return err
	}
	n.partitioned = true
	c.logf(n.name, "partitioned from the control plane")
	c.activity()
	return nil
}

// Heal ends a partition: the held deliveries arrive, in order.
func (c *Cluster) Heal(name string) error {
	n, err := c.node(name)
	if err != nil {
		return err
	}
	n.partitioned = false
	held := n.held
	n.held = nil
	c.logf(n.name, "healed: %d held deliveries", len(held))
	for _, in := range held {
		c.nodeStep(n, in)
	}
	c.activity()
	return nil
}

// deliver hands an API input to n: at once, held while partitioned,
// dropped while down.
func (c *Cluster) deliver(n *simNode, in node.Input) {
	switch {
	case n.m == nil:
	case n.partitioned:
		n.held = append(n.held, in)
	default:
		c.nodeStep(n, in)
	}
}

// nodeStep feeds one input to n's machine, ticking it to the present
// first, and marks n for draining.
func (c *Cluster) nodeStep(n *simNode, in node.Input) {
	if n.m.Now() < c.now {
		if _, tick := in.(node.Tick); !tick {
			c.must(n, n.m.Step(node.Tick{Now: c.now}))
		}
	}
	c.must(n, n.m.Step(in))
	if !n.dirty {
		n.dirty = true
		c.dirty = append(c.dirty, n)
	}
}

func (c *Cluster) must(n *simNode, err error) {
	if err != nil {
		panic(fmt.Sprintf("sim: node %s refused an input: %v", n.name, err))
	}
}

// drainNodes executes the output of every dirty node machine.
func (c *Cluster) drainNodes() bool {
	if len(c.dirty) == 0 {
		return false
	}
	progress := false
	for len(c.dirty) > 0 {
		batch := c.dirty
		c.dirty = nil
		slices.SortFunc(batch, func(a, b *simNode) int { return cmp.Compare(a.index, b.index) })
		for _, n := range batch {
			n.dirty = false
			if n.m != nil && n.m.HasReady() {
				m := n.m
				rd := m.Ready()
				c.execNodeReady(n, &rd)
				m.Release(&rd) // executed: its small arrays serve again
				progress = true
			}
		}
		if c.dirty == nil {
			// Nothing dirtied meanwhile: the batch's array serves again.
			clear(batch)
			c.dirty = batch[:0]
		}
	}
	return progress
}
