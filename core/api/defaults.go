package api

import "strings"

// Defaulting fills the fields a user may leave out with the values
// Kubernetes gives them (the SetDefaults_* functions of k8s.io/api's v1 and
// apps/v1 packages), so that what capstan stores reads like what a
// Kubernetes API server would store. Default is idempotent: applying it
// twice changes nothing the second time.
//
// It does not set what a Kubernetes server sets outside defaulting: the
// namespace (from the request), the uid, timestamps, the generation, the
// pod phase, clusterIPs and the service account. Nor does it copy a
// Deployment's or ReplicaSet's selector from its template (only the old
// extensions/v1beta1 did).

// Default values.
const (
	// NamespaceDefault is the namespace of a namespaced object that names
	// none: clients and the API server set it before validating.
	NamespaceDefault                     = "default"
	DefaultSchedulerName                 = "default-scheduler"
	DefaultTerminationGracePeriodSeconds = int64(30)
	DefaultTerminationMessagePath        = "/dev/termination-log"
	DefaultDeploymentRevisionHistory     = int32(10)
	DefaultProgressDeadlineSeconds       = int32(600)
	DefaultSecretVolumeMode              = int32(0o644)
	LabelMetadataName                    = "kubernetes.io/metadata.name"
)

// Image pull policies.
const (
	PullAlways       = "Always"
	PullIfNotPresent = "IfNotPresent"
	PullNever        = "Never"
)

// Default fills obj's unset fields with their defaults, in place.
func Default(obj Object) {
	switch o := obj.(type) {
	case *Pod:
		if o != nil {
			defaultPod(o)
		}
	case *ReplicaSet:
		if o != nil {
			defaultReplicas(&o.Spec.Replicas)
			defaultPodSpec(&o.Spec.Template.Spec)
		}
	case *Deployment:
		if o != nil {
			defaultDeployment(o)
		}
	case *Service:
		if o != nil {
			defaultService(o)
		}
	case *Endpoints:
		if o != nil {
			for i := range o.Subsets {
				for j := range o.Subsets[i].Ports {
					defaultString(&o.Subsets[i].Ports[j].Protocol, "TCP")
				}
			}
		}
	case *Secret:
		if o != nil {
			defaultSecret(o)
		}
	case *PersistentVolume:
		if o != nil {
			defaultString(&o.Spec.PersistentVolumeReclaimPolicy, PersistentVolumeReclaimRetain)
			defaultString(&o.Spec.VolumeMode, "Filesystem")
			defaultString(&o.Status.Phase, "Pending")
		}
	case *PersistentVolumeClaim:
		if o != nil {
			if o.Spec.VolumeMode == nil {
				o.Spec.VolumeMode = pointerTo("Filesystem")
			}
			defaultString(&o.Status.Phase, ClaimPending)
		}
	case *Namespace:
		if o != nil {
			defaultString(&o.Status.Phase, NamespaceActive)
			if o.Name != "" {
				if o.Labels == nil {
					o.Labels = map[string]string{}
				}
				o.Labels[LabelMetadataName] = o.Name
			}
		}
	case *Node:
		if o != nil && o.Status.Allocatable == nil && o.Status.Capacity != nil {
			o.Status.Allocatable = make(ResourceList, len(o.Status.Capacity))
			for k, v := range o.Status.Capacity {
				o.Status.Allocatable[k] = v
			}
		}
	}
}

func pointerTo[T any](v T) *T { return &v }

func defaultString(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func defaultReplicas(p **int32) {
	if *p == nil {
		*p = pointerTo(int32(1))
	}
}

func defaultDeployment(d *Deployment) {
	s := &d.Spec
	defaultReplicas(&s.Replicas)
	defaultString(&s.Strategy.Type, RollingUpdateDeploymentStrategyType)
	if s.Strategy.Type == RollingUpdateDeploymentStrategyType {
		if s.Strategy.RollingUpdate == nil {
			s.Strategy.RollingUpdate = &RollingUpdateDeployment{}
		}
		ru := s.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = pointerTo(FromString("25%"))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = pointerTo(FromString("25%"))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = pointerTo(DefaultDeploymentRevisionHistory)
	}
	if s.ProgressDeadlineSeconds == nil {
		s.ProgressDeadlineSeconds = pointerTo(DefaultProgressDeadlineSeconds)
	}
	defaultPodSpec(&s.Template.Spec)
}

// defaultPod defaults a pod: its spec as a template's, and, as Kubernetes
// does for pods only (not templates), enableServiceLinks and the requests
// of every resource that has a limit and no request, which default to the
// limit.
func defaultPod(p *Pod) {
	defaultPodSpec(&p.Spec)
	if p.Spec.EnableServiceLinks == nil {
		p.Spec.EnableServiceLinks = pointerTo(true)
	}
	d := defaulter{}
	d.requests(&p.Spec)
}

// DefaultPodShared defaults a pod as Default does, for a caller that owns
// p's struct but not the memory it references: p's slices, maps and
// pointed-to values may be shared with stored objects (a pod made from its
// ReplicaSet's template shares the template's spec), so they are only read.
// Where defaulting would change one of them (a container, a volume, a
// request), the containers and volumes are copied first; a spec whose
// template was defaulted already is left sharing all of it.
func DefaultPodShared(p *Pod) {
	unshareForDefaults(&p.Spec, true)
	// Everything else defaultPod writes is a field of p's own struct.
	defaultPod(p)
}

// DefaultReplicaSetShared is DefaultPodShared for a ReplicaSet, whose
// template's spec may be shared (with its Deployment's template).
func DefaultReplicaSetShared(rs *ReplicaSet) {
	unshareForDefaults(&rs.Spec.Template.Spec, false)
	Default(rs)
}

// unshareForDefaults copies the containers and volumes of s, which may be
// shared, if defaulting would change them (their requests too when
// requests is set, as a pod's defaults do).
func unshareForDefaults(s *PodSpec, requests bool) {
	check := defaulter{dry: true}
	check.specContents(s)
	if requests {
		check.requests(s)
	}
	if check.changed {
		s.InitContainers = copyContainers(s.InitContainers)
		s.Containers = copyContainers(s.Containers)
		if s.Volumes != nil {
			v := make([]Volume, len(s.Volumes))
			for i := range s.Volumes {
				s.Volumes[i].DeepCopyInto(&v[i])
			}
			s.Volumes = v
		}
	}
}

func copyContainers(cs []Container) []Container {
	if cs == nil {
		return nil
	}
	out := make([]Container, len(cs))
	for i := range cs {
		cs[i].DeepCopyInto(&out[i])
	}
	return out
}

func defaultPodSpec(s *PodSpec) {
	defaultString(&s.RestartPolicy, RestartPolicyAlways)
	defaultString(&s.DNSPolicy, "ClusterFirst")
	defaultString(&s.SchedulerName, DefaultSchedulerName)
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = pointerTo(DefaultTerminationGracePeriodSeconds)
	}
	d := defaulter{}
	d.specContents(s)
}

// defaulter defaults what a pod spec references (containers, volumes,
// requests), or with dry set only reports whether it would change any of
// it: one code path for both, so that DefaultPodShared's check cannot
// drift from what defaulting does.
type defaulter struct {
	// dry: change nothing, only record whether something would change.
	dry bool
	// changed: something was (or, dry, would have been) set.
	changed bool
}

// set reports whether the caller should write its default: it records
// the change and says no when dry.
func (d *defaulter) set() bool {
	d.changed = true
	return !d.dry
}

func (d *defaulter) str(p *string, v string) {
	if *p == "" && d.set() {
		*p = v
	}
}

// requests defaults, as for pods only, the request of every resource
// that has a limit and no request to the limit.
func (d *defaulter) requests(s *PodSpec) {
	for _, cs := range [][]Container{s.InitContainers, s.Containers} {
		for i := range cs {
			r := &cs[i].Resources
			for name, limit := range r.Limits {
				if _, ok := r.Requests[name]; !ok && d.set() {
					if r.Requests == nil {
						r.Requests = ResourceList{}
					}
					r.Requests[name] = limit
				}
			}
		}
	}
}

// specContents defaults the spec's containers and volumes as a
// template's.
func (d *defaulter) specContents(s *PodSpec) {
	for i := range s.InitContainers {
		d.container(&s.InitContainers[i])
	}
	for i := range s.Containers {
		d.container(&s.Containers[i])
	}
	for i := range s.Volumes {
		d.volume(&s.Volumes[i])
	}
}

func (d *defaulter) container(c *Container) {
	if c.ImagePullPolicy == "" && d.set() {
		c.ImagePullPolicy = imagePullPolicyFor(c.Image)
	}
	d.str(&c.TerminationMessagePath, DefaultTerminationMessagePath)
	d.str(&c.TerminationMessagePolicy, "File")
	for i := range c.Ports {
		d.str(&c.Ports[i].Protocol, "TCP")
	}
	for i := range c.Env {
		if vf := c.Env[i].ValueFrom; vf != nil && vf.FieldRef != nil {
			d.str(&vf.FieldRef.APIVersion, "v1")
		}
	}
	for _, p := range [...]*Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p != nil {
			d.probe(p)
		}
	}
	if lc := c.Lifecycle; lc != nil {
		d.handler(lc.PostStart)
		d.handler(lc.PreStop)
	}
}

// imagePullPolicyFor returns Always for an image tagged ":latest" or not
// tagged at all, IfNotPresent otherwise (a digest pins the image).
func imagePullPolicyFor(image string) string {
	name, digest, _ := strings.Cut(image, "@")
	tag := ""
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		tag = name[i+1:]
	}
	if tag == "latest" || (tag == "" && digest == "") {
		return PullAlways
	}
	return PullIfNotPresent
}

func (d *defaulter) probe(p *Probe) {
	if p.TimeoutSeconds == 0 && d.set() {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 && d.set() {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 && d.set() {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 && d.set() {
		p.FailureThreshold = 3
	}
	d.handler(&p.ProbeHandler)
}

func (d *defaulter) handler(h *ProbeHandler) {
	if h != nil && h.HTTPGet != nil {
		d.str(&h.HTTPGet.Path, "/")
		d.str(&h.HTTPGet.Scheme, "HTTP")
	}
}

func (d *defaulter) volume(v *Volume) {
	if v.EmptyDir == nil && v.HostPath == nil && v.Secret == nil && v.ConfigMap == nil && v.PersistentVolumeClaim == nil && d.set() {
		v.EmptyDir = &EmptyDirVolumeSource{}
	}
	if v.HostPath != nil && v.HostPath.Type == nil && d.set() {
		v.HostPath.Type = pointerTo("")
	}
	if v.Secret != nil && v.Secret.DefaultMode == nil && d.set() {
		v.Secret.DefaultMode = pointerTo(DefaultSecretVolumeMode)
	}
	if v.ConfigMap != nil && v.ConfigMap.DefaultMode == nil && d.set() {
		v.ConfigMap.DefaultMode = pointerTo(DefaultSecretVolumeMode)
	}
}

func defaultService(s *Service) {
	defaultString(&s.Spec.Type, ServiceTypeClusterIP)
	defaultString(&s.Spec.SessionAffinity, "None")
	for i := range s.Spec.Ports {
		p := &s.Spec.Ports[i]
		defaultString(&p.Protocol, "TCP")
		if p.TargetPort == (IntOrString{}) || p.TargetPort == FromString("") {
			p.TargetPort = FromInt(p.Port)
		}
	}
	external := s.Spec.Type == ServiceTypeNodePort || s.Spec.Type == ServiceTypeLoadBalancer ||
		(s.Spec.Type == ServiceTypeClusterIP && len(s.Spec.ExternalIPs) > 0)
	if external {
		defaultString(&s.Spec.ExternalTrafficPolicy, "Cluster")
	}
}

func defaultSecret(s *Secret) {
	defaultString(&s.Type, SecretTypeOpaque)
	// stringData is write-only: its keys overwrite data's, then it is gone.
	if len(s.StringData) > 0 {
		if s.Data == nil {
			s.Data = make(map[string][]byte, len(s.StringData))
		}
		for k, v := range s.StringData {
			s.Data[k] = []byte(v)
		}
	}
	s.StringData = nil
}
