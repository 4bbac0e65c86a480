package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
)

// describeNode prints a node as kubectl does: metadata, taints, its Lease,
// conditions, addresses, capacity, system info, the pods on it with their
// share of the node, and the total allocated.
func describeNode(d *describer, n *api.Node, lease *api.Lease, pods []*api.Pod) {
	d.line(0, "Name:\t%s", n.Name)
	d.line(0, "Roles:\t%s", printers.NodeRoles(n.Labels))
	d.labels(&n.ObjectMeta)
	d.line(0, "CreationTimestamp:\t%s", stamp(n.CreationTimestamp))
	if len(n.Spec.Taints) == 0 {
		d.line(0, "Taints:\t<none>")
	}
	for i, t := range n.Spec.Taints {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		s += ":" + t.Effect
		if i == 0 {
			d.line(0, "Taints:\t%s", s)
		} else {
			d.line(0, "\t%s", s)
		}
	}
	d.line(0, "Unschedulable:\t%v", n.Spec.Unschedulable)
	if lease != nil {
		d.line(0, "Lease:")
		holder := "<unset>"
		if lease.Spec.HolderIdentity != nil {
			holder = *lease.Spec.HolderIdentity
		}
		d.line(1, "HolderIdentity:\t%s", holder)
		for _, t := range []struct {
			name string
			at   *api.MicroTime
		}{{"AcquireTime", lease.Spec.AcquireTime}, {"RenewTime", lease.Spec.RenewTime}} {
			if t.at == nil {
				d.line(1, "%s:\t<unset>", t.name)
			} else {
				d.line(1, "%s:\t%s", t.name, stamp(api.Time(*t.at)))
			}
		}
	}
	d.line(0, "Conditions:")
	d.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
	d.line(1, "----\t------\t-----------------\t------------------\t------\t-------")
	for _, c := range n.Status.Conditions {
		d.line(1, "%s \t%s \t%s \t%s \t%s \t%s", c.Type, c.Status, stamp(c.LastHeartbeatTime), stamp(c.LastTransitionTime), c.Reason, c.Message)
	}
	d.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		d.line(1, "%s:\t%s", a.Type, a.Address)
	}
	resourceBlock(d, "Capacity", n.Status.Capacity)
	resourceBlock(d, "Allocatable", n.Status.Allocatable)
	info := n.Status.NodeInfo
	d.line(0, "System Info:")
	d.line(1, "Machine ID:\t%s", info.MachineID)
	d.line(1, "System UUID:\t")
	d.line(1, "Boot ID:\t")
	d.line(1, "Kernel Version:\t%s", info.KernelVersion)
	d.line(1, "OS Image:\t%s", info.OSImage)
	d.line(1, "Operating System:\t%s", info.OperatingSystem)
	d.line(1, "Architecture:\t%s", info.Architecture)
	d.line(1, "Container Runtime Version:\t%s", info.ContainerRuntimeVersion)
	d.line(1, "Kubelet Version:\t%s", info.KubeletVersion)
	d.line(1, "Kube-Proxy Version:\t")
	if n.Spec.PodCIDR != "" {
		d.line(0, "PodCIDR:\t%s", n.Spec.PodCIDR)
	}
	if len(n.Spec.PodCIDRs) > 0 {
		d.line(0, "PodCIDRs:\t%s", strings.Join(n.Spec.PodCIDRs, ","))
	}
	if n.Spec.ProviderID != "" {
		d.line(0, "ProviderID:\t%s", n.Spec.ProviderID)
	}
	nodePods(d, n, pods)
}

func resourceBlock(d *describer, title string, l api.ResourceList) {
	d.line(0, "%s:", title)
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.line(1, "%s:\t%s", k, l[k].String())
	}
}

// nodePods prints the non-terminated pods and the resources allocated.
func nodePods(d *describer, n *api.Node, pods []*api.Pod) {
	var live []*api.Pod
	for _, p := range pods {
		if p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			live = append(live, p)
		}
	}
	alloc := n.Status.Allocatable
	cpuAlloc, memAlloc := alloc[api.ResourceCPU], alloc[api.ResourceMemory]
	share := func(v, of int64) int64 {
		if of == 0 {
			return 0
		}
		return int64(float64(v) / float64(of) * 100)
	}
	cpuCell := func(m int64) string { return fmt.Sprintf("%s (%d%%)", milliCPU(m), share(m, cpuAlloc.MilliValue())) }
	memCell := func(b int64) string { return fmt.Sprintf("%s (%d%%)", bytesText(b), share(b, memAlloc.Value())) }
	d.line(0, "Non-terminated Pods:\t(%d in total)", len(live))
	// The empty column after Name is kubectl's.
	d.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
	d.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---")
	var reqCPU, limCPU, reqMem, limMem int64
	for _, p := range live {
		rc, rm := podRequests(p)
		lc, lm := podLimits(p)
		reqCPU, limCPU, reqMem, limMem = reqCPU+rc, limCPU+lc, reqMem+rm, limMem+lm
		d.line(1, "%s\t%s\t\t%s\t%s\t%s\t%s\t%s", p.Namespace, p.Name, cpuCell(rc), cpuCell(lc), memCell(rm), memCell(lm),
			printers.Since(p.CreationTimestamp, d.now))
	}
	d.line(0, "Allocated resources:")
	d.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
	d.line(1, "Resource\tRequests\tLimits")
	d.line(1, "--------\t--------\t------")
	d.line(1, "cpu\t%s\t%s", cpuCell(reqCPU), cpuCell(limCPU))
	d.line(1, "memory\t%s\t%s", memCell(reqMem), memCell(limMem))
	var reqEph, limEph int64
	for _, p := range live {
		for _, c := range p.Spec.Containers {
			reqEph += c.Resources.Requests[api.ResourceEphemeralStorage].Value()
			limEph += c.Resources.Limits[api.ResourceEphemeralStorage].Value()
		}
	}
	eph := alloc[api.ResourceEphemeralStorage]
	ephCell := func(b int64) string { return fmt.Sprintf("%s (%d%%)", bytesText(b), share(b, eph.Value())) }
	d.line(1, "ephemeral-storage\t%s\t%s", ephCell(reqEph), ephCell(limEph))
}

// podLimits is podRequests for limits.
func podLimits(p *api.Pod) (cpu, mem int64) { return podResources(p, true) }

// podResources returns the pod's effective cpu (millicores) and memory
// (bytes) requests, or limits, as Kubernetes computes them: the sum over
// containers, or the largest init container's if that is larger.
func podResources(p *api.Pod, limits bool) (cpu, mem int64) {
	pick := func(c api.Container) api.ResourceList {
		if limits {
			return c.Resources.Limits
		}
		return c.Resources.Requests
	}
	for _, c := range p.Spec.Containers {
		cpu += pick(c)[api.ResourceCPU].MilliValue()
		mem += pick(c)[api.ResourceMemory].Value()
	}
	for _, c := range p.Spec.InitContainers {
		cpu = max(cpu, pick(c)[api.ResourceCPU].MilliValue())
		mem = max(mem, pick(c)[api.ResourceMemory].Value())
	}
	return cpu, mem
}
