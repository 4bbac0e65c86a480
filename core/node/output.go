package node

import (
	"fmt"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// Ready is everything the machine emitted since the previous call to
// Machine.Ready, as plain data for the shell to execute. Within each list
// the order is the order of emission and matters. The shell executes, in
// this order: Registration, Actions, StatusUpdates, PodDeletions, Events,
// Lease, NodeStatus. Every outcome of an action comes back as an Input.
//
// Values in Ready may share memory with the objects the machine was given
// (pod specs, secret data); the shell treats them as read-only.
type Ready struct {
	// Actions are runtime operations, in order.
	Actions []Action
	// StatusUpdates hold the full desired status of pods whose status
	// changed; at most one per pod (the latest).
	StatusUpdates []StatusUpdate
	// PodDeletions are final deletions of terminated pods, issued after
	// the pod's last status update, once its containers are removed and
	// its volumes torn down.
	PodDeletions []PodDeletion
	// Events are for humans (kubectl describe); losing one is harmless.
	Events []Event
	// Registration is the Node object to create, emitted on the first
	// Tick (and again after WriteFailed{What: "node"} before any status).
	Registration *api.Node
	// Lease, when set, is the node's Lease to write (renewal).
	Lease *LeaseRenewal
	// NodeStatus, when set, is the Node status to write.
	NodeStatus *NodeStatusUpdate
}

// IsEmpty reports whether rd holds nothing to do.
func (rd *Ready) IsEmpty() bool {
	return len(rd.Actions) == 0 && len(rd.StatusUpdates) == 0 && len(rd.PodDeletions) == 0 &&
		len(rd.Events) == 0 && rd.Registration == nil && rd.Lease == nil && rd.NodeStatus == nil
}

// Describe returns the stable text of every output, one per line.
func (rd *Ready) Describe() string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	if rd.Registration != nil {
		line(describeRegistration(rd.Registration))
	}
	for _, a := range rd.Actions {
		line(a.Describe())
	}
	for _, u := range rd.StatusUpdates {
		line(u.Describe())
	}
	for _, d := range rd.PodDeletions {
		line(d.Describe())
	}
	for _, e := range rd.Events {
		line(e.Describe())
	}
	if rd.Lease != nil {
		line(rd.Lease.Describe())
	}
	if rd.NodeStatus != nil {
		line(rd.NodeStatus.Describe())
	}
	return b.String()
}

// PodRef names a pod.
type PodRef struct {
	Namespace, Name, UID string
}

func (r PodRef) String() string { return r.Namespace + "/" + r.Name }

// Action is one runtime operation for the shell. The set is closed.
type Action interface {
	Describe() string
	isAction()
}

// EnsureImage makes the container's image present according to PullPolicy
// (Always: pull; IfNotPresent: pull if absent; Never: fail if absent).
// Answered by ImageReady or ImagePullFailed.
type EnsureImage struct {
	Pod        PodRef
	Container  string
	Image      string
	PullPolicy string
}

// CreateContainer creates (does not start) a container. Answered by
// ContainerCreated or ContainerCreateFailed with the same Attempt.
type CreateContainer struct {
	Pod       PodRef
	Container string
	// Init is true for an init container.
	Init bool
	// Attempt counts the containers created before for this name; it is
	// the status's restartCount once created.
	Attempt    int32
	Image      string
	Command    []string // $(VAR) already expanded
	Args       []string // $(VAR) already expanded
	WorkingDir string
	Env        []EnvVar
	Mounts     []Mount
	Resources  Resources
	Security   Security
	// HostNetwork: run in the node's network namespace.
	HostNetwork bool
	TTY, Stdin  bool
}

// EnvVar is one resolved environment variable.
type EnvVar struct {
	Name, Value string
	// Sensitive marks values that came from a Secret; Describe hides them.
	Sensitive bool
}

// Mount is one resolved volume mount.
type Mount struct {
	// Volume is the pod volume's name; Kind its type (see VolumeKind).
	Volume string
	Kind   VolumeKind
	// Source is the host directory for hostPath and persistentVolumeClaim
	// volumes; empty for volumes the shell lays out itself (emptyDir,
	// secret, configMap) under the pod's directory.
	Source    string
	MountPath string
	SubPath   string
	ReadOnly  bool
}

// Resources are the container's resources in plain units. Zero means unset.
type Resources struct {
	CPURequestMillis, CPULimitMillis int64
	MemoryRequestBytes, MemoryLimit  int64
}

// Security holds the container's effective security settings (the
// container's own override the pod's). Nil means unset.
type Security struct {
	RunAsUser, RunAsGroup, FSGroup *int64
	RunAsNonRoot                   *bool
	ReadOnlyRootFilesystem         *bool
	Privileged                     *bool
	AllowPrivilegeEscalation       *bool
}

// StartContainer starts a created container. Answered by ContainerStarted
// or ContainerStartFailed (and later ContainerExited).
type StartContainer struct {
	Pod       PodRef
	Container string
	ID        string
}

// KillContainer stops a container: SIGTERM, then SIGKILL after
// GracePeriod. Answered by ContainerKilled (or ContainerExited). If the
// container is still reported alive after the grace period, the machine
// emits a second KillContainer with GracePeriod 0.
type KillContainer struct {
	Pod         PodRef
	Container   string
	ID          string
	GracePeriod time.Duration
	// Message says why, as the Killing event does.
	Message string
}

// RemoveContainer deletes a stopped container. Answered by ContainerRemoved.
type RemoveContainer struct {
	Pod       PodRef
	Container string
	ID        string
}

// VolumeKind is the type of a pod volume.
type VolumeKind string

// Volume kinds.
const (
	VolumeEmptyDir  VolumeKind = "emptyDir"
	VolumeHostPath  VolumeKind = "hostPath"
	VolumeSecret    VolumeKind = "secret"
	VolumeConfigMap VolumeKind = "configMap"
	VolumePVC       VolumeKind = "persistentVolumeClaim"
)

// SetupVolume prepares one pod volume. It is idempotent: it is emitted again
// when an adopted pod is seen after a restart, and when the data of a
// secret or configMap volume changes (the shell rewrites the files).
// Answered by VolumeReady or VolumeSetupFailed.
type SetupVolume struct {
	Pod    PodRef
	Volume string
	Kind   VolumeKind
	// Source is the host directory (hostPath; the bound PV's local or
	// hostPath directory for persistentVolumeClaim).
	Source string
	// HostPathType is the hostPath's type ("DirectoryOrCreate", ...).
	HostPathType string
	// Medium is the emptyDir medium ("" or "Memory"); SizeLimit in bytes.
	Medium    string
	SizeLimit int64
	// Files are the files of a secret or configMap volume (secret volumes
	// are a read-only tmpfs).
	Files []File
	// ReadOnly for persistentVolumeClaim volumes mounted read-only.
	ReadOnly bool
}

// File is one projected file of a secret or configMap volume.
type File struct {
	Path string
	Mode int32
	Data []byte
	// Sensitive: from a Secret; Describe hides the content.
	Sensitive bool
}

// TeardownVolume releases a pod volume: emptyDir, secret and configMap
// contents are deleted; a persistent volume is unmounted and its data kept.
// Answered by VolumeTornDown.
type TeardownVolume struct {
	Pod    PodRef
	Volume string
	Kind   VolumeKind
}

// ProbeKind is liveness, readiness or startup.
type ProbeKind uint8

// Probe kinds.
const (
	Liveness ProbeKind = iota
	Readiness
	Startup
)

func (k ProbeKind) String() string {
	switch k {
	case Liveness:
		return "liveness"
	case Readiness:
		return "readiness"
	case Startup:
		return "startup"
	}
	return fmt.Sprintf("ProbeKind(%d)", uint8(k))
}

// ParseProbeKind parses "liveness", "readiness" or "startup".
func ParseProbeKind(s string) (ProbeKind, bool) {
	for _, k := range []ProbeKind{Liveness, Readiness, Startup} {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// RunProbe runs one probe of a running container once. Answered by a
// ProbeResult; a probe that takes longer than Timeout is a failure.
type RunProbe struct {
	Pod       PodRef
	Container string
	ID        string
	Kind      ProbeKind
	Handler   api.ProbeHandler
	Timeout   time.Duration
}

// StatusUpdate is the full status a pod should have; the shell writes it to
// the pod's status subresource. Status is fresh memory, shared with
// nothing the machine keeps: the shell owns it and may store it as it is.
type StatusUpdate struct {
	Pod    PodRef
	Status api.PodStatus
}

// PodDeletion is the final deletion (grace period 0, precondition on UID) of
// a pod whose deletion was requested, once nothing of it remains on the node.
type PodDeletion struct{ Pod PodRef }

// Event is a core/v1 Event about a pod, for humans.
type Event struct {
	Pod     PodRef
	Type    string // Normal or Warning
	Reason  string
	Message string
}

// LeaseRenewal is the node's Lease (namespace kube-node-lease) to write.
type LeaseRenewal struct {
	Namespace, Name string
	Spec            api.LeaseSpec
}

// NodeStatusUpdate is the node's status to write.
type NodeStatusUpdate struct {
	Name   string
	Status api.NodeStatus
}

func (EnsureImage) isAction()     {}
func (CreateContainer) isAction() {}
func (StartContainer) isAction()  {}
func (KillContainer) isAction()   {}
func (RemoveContainer) isAction() {}
func (SetupVolume) isAction()     {}
func (TeardownVolume) isAction()  {}
func (RunProbe) isAction()        {}
