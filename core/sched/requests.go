package sched

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// kube-scheduler's defaults for containers that request no cpu or memory,
// used only for scoring, so that best-effort pods still spread.
const (
	defaultMilliCPURequest = 100               // 0.1 core
	defaultMemoryRequest   = 200 * 1024 * 1024 // 200 MiB
)

// podRequests is a pod's resource request as integers.
type podRequests struct {
	cpu   int64 // millicores
	mem   int64 // bytes
	nzCPU int64 // cpu with kube's non-zero default per container
	nzMem int64 // memory with kube's non-zero default per container
	// ext are the other non-zero requests (ephemeral-storage, extended
	// resources), ephemeral-storage first, then by name.
	ext []extAmount
}

type extAmount struct {
	id int32
	v  int64
}

// computeRequests fills r as kube computes a pod's request: per resource,
// the larger of the sum over containers and the largest init container.
// r.ext reuses its backing array.
func (s *Scheduler) computeRequests(spec *api.PodSpec, r *podRequests) {
	ext := r.ext[:0]
	*r = podRequests{}
	for i := range spec.Containers {
		req := spec.Containers[i].Resources.Requests
		cpu, mem, nzc, nzm := s.containerRequests(req)
		r.cpu += cpu
		r.mem += mem
		r.nzCPU += nzc
		r.nzMem += nzm
		for name, q := range req {
			if isCore(name) {
				continue
			}
			ext = addExt(ext, s.ext.id(name), q.Value())
		}
	}
	for i := range spec.InitContainers {
		req := spec.InitContainers[i].Resources.Requests
		cpu, mem, nzc, nzm := s.containerRequests(req)
		r.cpu = max(r.cpu, cpu)
		r.mem = max(r.mem, mem)
		r.nzCPU = max(r.nzCPU, nzc)
		r.nzMem = max(r.nzMem, nzm)
		for name, q := range req {
			if isCore(name) {
				continue
			}
			id := s.ext.id(name)
			if v := q.Value(); v > extValue(ext, id) {
				ext = setExtAmount(ext, id, v)
			}
		}
	}
	ext = slices.DeleteFunc(ext, func(e extAmount) bool { return e.v == 0 })
	if len(ext) > 1 {
		names := s.ext.names
		slices.SortFunc(ext, func(a, b extAmount) int {
			ea, eb := names[a.id] == api.ResourceEphemeralStorage, names[b.id] == api.ResourceEphemeralStorage
			switch {
			case ea != eb && ea:
				return -1
			case ea != eb:
				return 1
			}
			return strings.Compare(names[a.id], names[b.id])
		})
	}
	r.ext = ext
}

func (s *Scheduler) containerRequests(req api.ResourceList) (cpu, mem, nzCPU, nzMem int64) {
	nzCPU, nzMem = defaultMilliCPURequest, defaultMemoryRequest
	if q, ok := req[api.ResourceCPU]; ok {
		cpu = q.MilliValue()
		nzCPU = cpu
	}
	if q, ok := req[api.ResourceMemory]; ok {
		mem = q.Value()
		nzMem = mem
	}
	return
}

func isCore(name string) bool {
	return name == api.ResourceCPU || name == api.ResourceMemory || name == api.ResourcePods
}

func addExt(ext []extAmount, id int32, v int64) []extAmount {
	for i := range ext {
		if ext[i].id == id {
			ext[i].v += v
			return ext
		}
	}
	return append(ext, extAmount{id, v})
}

func setExtAmount(ext []extAmount, id int32, v int64) []extAmount {
	for i := range ext {
		if ext[i].id == id {
			ext[i].v = v
			return ext
		}
	}
	return append(ext, extAmount{id, v})
}

func extValue(ext []extAmount, id int32) int64 {
	for _, e := range ext {
		if e.id == id {
			return e.v
		}
	}
	return 0
}

func (r *podRequests) equal(o *podRequests) bool {
	return r.cpu == o.cpu && r.mem == o.mem && r.nzCPU == o.nzCPU && r.nzMem == o.nzMem && slices.Equal(r.ext, o.ext)
}
