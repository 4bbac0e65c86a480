package model

import (
	"slices"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// Requests is what a pod asks of a node, as Kubernetes computes it (the
// "effective request"): per resource, the larger of the sum over the
// containers and the largest single init container.
type Requests struct {
	CPU    int64 // millicores
	Memory int64 // bytes
	// NonZeroCPU and NonZeroMemory count a container without a cpu
	// (memory) request as asking for 100m (200Mi): kube's defaults for
	// scoring, so that best-effort pods still spread. Filters never use
	// them.
	NonZeroCPU    int64
	NonZeroMemory int64
	// Other holds every other resource (ephemeral-storage, extended
	// resources) with a non-zero request, in whole units. "pods" is not a
	// request: every pod uses one.
	Other map[string]int64
}

// kube-scheduler's scoring defaults for containers without requests.
const (
	defaultMilliCPU = 100
	defaultMemory   = 200 * 1024 * 1024
)

// PodRequests returns the effective requests of a pod spec.
func PodRequests(spec *api.PodSpec) Requests {
	var r Requests
	r.Other = map[string]int64{}
	for _, c := range spec.Containers {
		cpu, mem, nzc, nzm := containerRequests(c.Resources.Requests)
		r.CPU += cpu
		r.Memory += mem
		r.NonZeroCPU += nzc
		r.NonZeroMemory += nzm
		for name, q := range c.Resources.Requests {
			if !isCoreResource(name) {
				r.Other[name] += q.Value()
			}
		}
	}
	for _, c := range spec.InitContainers {
		cpu, mem, nzc, nzm := containerRequests(c.Resources.Requests)
		r.CPU = max(r.CPU, cpu)
		r.Memory = max(r.Memory, mem)
		r.NonZeroCPU = max(r.NonZeroCPU, nzc)
		r.NonZeroMemory = max(r.NonZeroMemory, nzm)
		for name, q := range c.Resources.Requests {
			if !isCoreResource(name) {
				r.Other[name] = max(r.Other[name], q.Value())
			}
		}
	}
	for name, v := range r.Other {
		if v == 0 {
			delete(r.Other, name)
		}
	}
	return r
}

// containerRequests returns one container's cpu and memory requests, and
// the same with kube's non-zero defaults for an absent request. A request
// written as 0 is 0, not the default.
func containerRequests(req api.ResourceList) (cpu, mem, nzCPU, nzMem int64) {
	nzCPU, nzMem = defaultMilliCPU, defaultMemory
	if q, ok := req[api.ResourceCPU]; ok {
		cpu = q.MilliValue()
		nzCPU = cpu
	}
	if q, ok := req[api.ResourceMemory]; ok {
		mem = q.Value()
		nzMem = mem
	}
	return cpu, mem, nzCPU, nzMem
}

func isCoreResource(name string) bool {
	return name == api.ResourceCPU || name == api.ResourceMemory || name == api.ResourcePods
}

// otherNames returns the names of r.Other in the order kube reports
// shortfalls: ephemeral-storage first, then by name.
func (r Requests) otherNames() []string {
	names := make([]string, 0, len(r.Other))
	for name := range r.Other {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		ea, eb := a == api.ResourceEphemeralStorage, b == api.ResourceEphemeralStorage
		switch {
		case ea && !eb:
			return -1
		case eb && !ea:
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

// Allocatable is a node's allocatable resources as integers; an absent
// resource is 0 (a node that lists no "pods" takes none).
type Allocatable struct {
	CPU    int64 // millicores
	Memory int64 // bytes
	Pods   int64
	Other  map[string]int64
}

// NodeAllocatable reads a node's status.allocatable.
func NodeAllocatable(n *api.Node) Allocatable {
	a := Allocatable{Other: map[string]int64{}}
	for name, q := range n.Status.Allocatable {
		switch name {
		case api.ResourceCPU:
			a.CPU = q.MilliValue()
		case api.ResourceMemory:
			a.Memory = q.Value()
		case api.ResourcePods:
			a.Pods = q.Value()
		default:
			a.Other[name] = q.Value()
		}
	}
	return a
}

// Terminated reports whether a pod has finished for good (Succeeded or
// Failed): it no longer holds resources on its node.
func Terminated(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// BoundPods returns the pods that occupy a node: spec.nodeName set and not
// Terminated. Pods being deleted still occupy their node until they are
// gone (core/sched's documented choice; kube counts them for resources
// too).
func BoundPods(pods []*api.Pod) []*api.Pod {
	var out []*api.Pod
	for _, p := range pods {
		if p != nil && p.Spec.NodeName != "" && !Terminated(p) {
			out = append(out, p)
		}
	}
	return out
}

// podReady reports whether the pod's Ready condition is True.
func podReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// podAvailable is kube's IsPodAvailable: Ready, and for minReadySeconds
// (strictly before now). With now unknown (zero), Ready is enough.
func podAvailable(p *api.Pod, minReadySeconds int32, now api.Time) bool {
	for _, c := range p.Status.Conditions {
		if c.Type != api.PodReady {
			continue
		}
		if c.Status != api.ConditionTrue {
			return false
		}
		if minReadySeconds <= 0 || now == 0 {
			return true
		}
		return !c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
	}
	return false
}

// podActive is kube's IsPodActive: not Terminated and not being deleted.
func podActive(p *api.Pod) bool { return !Terminated(p) && p.DeletionTimestamp == nil }
