package node

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
)

// buildCreate resolves everything container ci needs into a
// CreateContainer: environment, mounts, expanded command and args,
// resources and security settings. An error is a configuration problem the
// pod's owner must fix (CreateContainerConfigError).
func (m *Machine) buildCreate(p *podState, ci int) (CreateContainer, error) {
	spec := p.spec(ci)
	env, err := m.resolveEnv(p, spec)
	if err != nil {
		return CreateContainer{}, err
	}
	mounts, err := m.resolveMounts(p, spec)
	if err != nil {
		return CreateContainer{}, err
	}
	vars := make(map[string]string, len(env))
	for _, e := range env {
		vars[e.Name] = e.Value
	}
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	return CreateContainer{
		Pod:         p.ref(),
		Container:   spec.Name,
		Init:        ci < p.nInit(),
		Image:       spec.Image,
		Command:     expandAll(spec.Command, lookup),
		Args:        expandAll(spec.Args, lookup),
		WorkingDir:  spec.WorkingDir,
		Env:         env,
		Mounts:      mounts,
		Resources:   resourcesOf(spec),
		Security:    securityOf(p.pod.Spec.SecurityContext, spec.SecurityContext),
		HostNetwork: p.pod.Spec.HostNetwork,
		TTY:         spec.TTY,
		Stdin:       spec.Stdin,
	}, nil
}

func expandAll(in []string, lookup func(string) (string, bool)) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, lookup)
	}
	return out
}

// resolveMounts maps the container's volume mounts to the pod's volumes.
// Secret and configMap volumes are always read-only.
func (m *Machine) resolveMounts(p *podState, spec *api.Container) ([]Mount, error) {
	if len(spec.VolumeMounts) == 0 {
		return nil, nil
	}
	out := make([]Mount, 0, len(spec.VolumeMounts))
	for _, vm := range spec.VolumeMounts {
		vi := p.volIndex(vm.Name)
		if vi < 0 {
			return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, spec.Name)
		}
		s := &p.vols()[vi]
		ro := vm.ReadOnly || s.kind == VolumeSecret || s.kind == VolumeConfigMap
		if pvc := p.pod.Spec.Volumes[vi].PersistentVolumeClaim; pvc != nil && pvc.ReadOnly {
			ro = true
		}
		out = append(out, Mount{Volume: vm.Name, Kind: s.kind, Source: s.source,
			MountPath: vm.MountPath, SubPath: vm.SubPath, ReadOnly: ro})
	}
	return out, nil
}

func resourcesOf(c *api.Container) Resources {
	var r Resources
	if q, ok := c.Resources.Requests[api.ResourceCPU]; ok {
		r.CPURequestMillis = q.MilliValue()
	}
	if q, ok := c.Resources.Limits[api.ResourceCPU]; ok {
		r.CPULimitMillis = q.MilliValue()
	}
	if q, ok := c.Resources.Requests[api.ResourceMemory]; ok {
		r.MemoryRequestBytes = q.Value()
	}
	if q, ok := c.Resources.Limits[api.ResourceMemory]; ok {
		r.MemoryLimit = q.Value()
	}
	return r
}

// securityOf merges the pod's and the container's security contexts; the
// container's settings win.
func securityOf(pod *api.PodSecurityContext, c *api.SecurityContext) Security {
	var s Security
	if pod != nil {
		s.RunAsUser, s.RunAsGroup, s.RunAsNonRoot, s.FSGroup = pod.RunAsUser, pod.RunAsGroup, pod.RunAsNonRoot, pod.FSGroup
	}
	if c != nil {
		if c.RunAsUser != nil {
			s.RunAsUser = c.RunAsUser
		}
		if c.RunAsGroup != nil {
			s.RunAsGroup = c.RunAsGroup
		}
		if c.RunAsNonRoot != nil {
			s.RunAsNonRoot = c.RunAsNonRoot
		}
		s.ReadOnlyRootFilesystem = c.ReadOnlyRootFilesystem
		s.Privileged = c.Privileged
		s.AllowPrivilegeEscalation = c.AllowPrivilegeEscalation
	}
	return s
}

// qosClass computes the pod's QoS class as Kubernetes does: BestEffort
// without any cpu/memory request or limit, Guaranteed when every container
// limits both and requests (if given) equal limits, Burstable otherwise.
func qosClass(spec *api.PodSpec) qosClassID {
	any, guaranteed := false, true
	check := func(c *api.Container) {
		for _, res := range []string{api.ResourceCPU, api.ResourceMemory} {
			req, hasReq := c.Resources.Requests[res]
			lim, hasLim := c.Resources.Limits[res]
			if hasReq || hasLim {
				any = true
			}
			if !hasLim || (hasReq && req.MilliValue() != lim.MilliValue()) {
				guaranteed = false
			}
		}
	}
	for i := range spec.InitContainers {
		check(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		check(&spec.Containers[i])
	}
	switch {
	case !any:
		return qosBestEffort
	case guaranteed:
		return qosGuaranteed
	}
	return qosBurstable
}

// qosClassID is a QoS class, kept per pod in a byte.
type qosClassID uint8

const (
	qosBestEffort qosClassID = iota
	qosBurstable
	qosGuaranteed
)

var qosNames = [...]string{"BestEffort", "Burstable", "Guaranteed"}

func (q qosClassID) String() string { return qosNames[q] }
