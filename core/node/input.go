package node

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Input is one event fed to Machine.Step. The set is closed: the types in
// this file are all there is. Each has a stable one-line Describe, used in
// step logs and golden tests.
type Input interface {
	Describe() string
	isInput()
}

// Tick advances the machine's clock to Now. Time never goes backwards; a
// Tick older than the machine's clock is refused by Step.
type Tick struct{ Now api.Time }

// --- objects from the API server ---------------------------------------

// PodAdded and PodUpdated carry a pod bound to this node as the API server
// has it (spec, metadata including deletionTimestamp, and status). They are
// handled alike: the machine is level-triggered. The machine keeps the
// pointer and reads it later; the caller must not modify the pod afterwards.
type PodAdded struct{ Pod *api.Pod }

// PodUpdated: see PodAdded.
type PodUpdated struct{ Pod *api.Pod }

// PodDeleted says the pod object is gone from the API server (or no longer
// bound to this node). Any container still running is killed at once;
// no status is written any more.
type PodDeleted struct{ Pod *api.Pod }

// PodList is a complete list of the pods bound to this node (the initial
// list, or a relist after a watch was lost). Pods the machine knows that are
// missing from it are treated as deleted; it also marks the pod view as
// synced, after which runtime containers that belong to no known pod are
// killed and removed.
type PodList struct{ Pods []*api.Pod }

// ObjectAdded, ObjectUpdated and ObjectDeleted carry the objects pods
// reference: *api.Secret, *api.ConfigMap, *api.Service, *api.PersistentVolumeClaim
// and *api.PersistentVolume. Other kinds are refused by Step.
type ObjectAdded struct{ Object api.Object }

// ObjectUpdated: see ObjectAdded.
type ObjectUpdated struct{ Object api.Object }

// ObjectDeleted: see ObjectAdded. Only the object's kind and metadata are read.
type ObjectDeleted struct{ Object api.Object }

// NodeUpdated carries the machine's own Node as the API server has it
// (its creation, and every change). The machine compares the conditions
// it owns with what it would post and, when the API's differ (the node
// lifecycle controller set Ready to Unknown while the node was
// unreachable, say), posts its status on the next Tick, as the kubelet
// does. A Node of another name is ignored. The machine keeps the pointer;
// the caller must not modify the Node afterwards.
type NodeUpdated struct{ Node *api.Node }

// --- runtime observations -------------------------------------------------

// ImageReady: the image of an EnsureImage action is present. ImageRef is the
// resolved image (digest) for the status's imageID.
type ImageReady struct {
	PodUID, Container string
	ImageRef          string
}

// ImagePullFailed: EnsureImage failed. Reason is the waiting reason to show
// (ErrImagePull if empty; ErrImageNeverPull, InvalidImageName, ...).
type ImagePullFailed struct {
	PodUID, Container string
	Reason, Message   string
}

// ContainerCreated: the CreateContainer action with this Attempt succeeded.
type ContainerCreated struct {
	PodUID, Container string
	Attempt           int32
	ID                string
}

// ContainerCreateFailed: the CreateContainer action failed.
type ContainerCreateFailed struct {
	PodUID, Container string
	Attempt           int32
	Message           string
}

// ContainerStarted: the container's process runs since At (the machine's
// clock if zero).
type ContainerStarted struct {
	ID string
	At api.Time
}

// ContainerStartFailed: StartContainer failed; the container counts as
// terminated with exit code 128 (reason StartError).
type ContainerStartFailed struct {
	ID      string
	Message string
}

// ContainerExited: the container's process ended. Reason is as the runtime
// reports it ("OOMKilled"); empty means Completed for code 0, Error otherwise.
type ContainerExited struct {
	ID         string
	ExitCode   int32
	Reason     string
	Message    string
	FinishedAt api.Time
}

// ContainerKilled: a KillContainer action completed; the container is
// stopped. ExitCode is what the process died with (137 for SIGKILL).
type ContainerKilled struct {
	ID       string
	ExitCode int32
	At       api.Time
}

// ContainerRemoved: the container is gone from the runtime.
type ContainerRemoved struct{ ID string }

// RuntimeOpFailed: a KillContainer, RemoveContainer or TeardownVolume action
// failed (Op "kill" or "remove" with ID; "teardown" with PodUID and
// Volume). The machine retries after RetryPeriod; a failed kill is retried
// without grace.
type RuntimeOpFailed struct {
	Op             string
	ID             string
	PodUID, Volume string
	Message        string
}

// VolumeReady: SetupVolume succeeded.
type VolumeReady struct{ PodUID, Volume string }

// VolumeSetupFailed: SetupVolume failed; retried after RetryPeriod.
type VolumeSetupFailed struct{ PodUID, Volume, Message string }

// VolumeTornDown: TeardownVolume succeeded.
type VolumeTornDown struct{ PodUID, Volume string }

// ProbeResult answers a RunProbe action. A timeout is a failure.
type ProbeResult struct {
	ID      string
	Kind    ProbeKind
	Success bool
	Message string
}

// RuntimeStatus reports the container runtime's health. While unhealthy the
// node is not Ready and no container is created or started.
type RuntimeStatus struct {
	Healthy bool
	Message string
}

// RuntimeInventory lists every container the runtime has, e.g. when the node
// agent restarts (with a fresh machine) or the runtime restarts. Containers
// of known pods are adopted, not restarted.
type RuntimeInventory struct{ Containers []RuntimeContainer }

// RuntimeContainer is one container found in the runtime.
type RuntimeContainer struct {
	ID                            string
	PodUID, PodNamespace, PodName string
	Container                     string
	Attempt                       int32
	// State is "created", "running" or "exited".
	State      string
	StartedAt  api.Time
	FinishedAt api.Time
	ExitCode   int32
	Reason     string
}

// WriteFailed: a write the machine asked for failed at the API server.
// What is "status" (a StatusUpdate for PodUID), "delete" (a PodDeletion),
// "lease" or "node". The write is emitted again on the next Tick.
type WriteFailed struct {
	What   string
	PodUID string
}

func (Tick) isInput()                  {}
func (PodAdded) isInput()              {}
func (PodUpdated) isInput()            {}
func (PodDeleted) isInput()            {}
func (PodList) isInput()               {}
func (ObjectAdded) isInput()           {}
func (ObjectUpdated) isInput()         {}
func (ObjectDeleted) isInput()         {}
func (NodeUpdated) isInput()           {}
func (ImageReady) isInput()            {}
func (ImagePullFailed) isInput()       {}
func (ContainerCreated) isInput()      {}
func (ContainerCreateFailed) isInput() {}
func (ContainerStarted) isInput()      {}
func (ContainerStartFailed) isInput()  {}
func (ContainerExited) isInput()       {}
func (ContainerKilled) isInput()       {}
func (ContainerRemoved) isInput()      {}
func (RuntimeOpFailed) isInput()       {}
func (VolumeReady) isInput()           {}
func (VolumeSetupFailed) isInput()     {}
func (VolumeTornDown) isInput()        {}
func (ProbeResult) isInput()           {}
func (RuntimeStatus) isInput()         {}
func (RuntimeInventory) isInput()      {}
func (WriteFailed) isInput()           {}

func describePod(p *api.Pod) string {
	if p == nil {
		return "<nil>"
	}
	s := p.Namespace + "/" + p.Name + " uid=" + p.UID
	if p.DeletionTimestamp != nil {
		s += " deleting@" + fmtTime(*p.DeletionTimestamp)
		if g := p.DeletionGracePeriodSeconds; g != nil {
			s += fmt.Sprintf(" grace=%ds", *g)
		}
	}
	return s
}

func describeObject(o api.Object) string {
	if o == nil {
		return "<nil>"
	}
	m := o.GetObjectMeta()
	kind := o.GetTypeMeta().Kind
	if kind == "" {
		kind = kindOf(o)
	}
	if m.Namespace == "" {
		return kind + " " + m.Name
	}
	return kind + " " + m.Namespace + "/" + m.Name
}

func (t Tick) Describe() string       { return "tick " + fmtTime(t.Now) }
func (e PodAdded) Describe() string   { return "pod-added " + describePod(e.Pod) }
func (e PodUpdated) Describe() string { return "pod-updated " + describePod(e.Pod) }
func (e PodDeleted) Describe() string { return "pod-deleted " + describePod(e.Pod) }
func (e PodList) Describe() string {
	names := make([]string, len(e.Pods))
	for i, p := range e.Pods {
		names[i] = p.Namespace + "/" + p.Name
	}
	return "pod-list [" + strings.Join(names, " ") + "]"
}
func (e ObjectAdded) Describe() string   { return "object-added " + describeObject(e.Object) }
func (e ObjectUpdated) Describe() string { return "object-updated " + describeObject(e.Object) }
func (e ObjectDeleted) Describe() string { return "object-deleted " + describeObject(e.Object) }
func (e NodeUpdated) Describe() string {
	if e.Node == nil {
		return "node-updated <nil>"
	}
	s := "node-updated " + e.Node.Name
	if c := e.Node.Condition(api.NodeReady); c != nil {
		s += " Ready=" + c.Status
	}
	return s
}
func (e ImageReady) Describe() string {
	return fmt.Sprintf("image-ready pod=%s %s ref=%s", e.PodUID, e.Container, e.ImageRef)
}
func (e ImagePullFailed) Describe() string {
	return fmt.Sprintf("image-pull-failed pod=%s %s reason=%s msg=%q", e.PodUID, e.Container, e.Reason, e.Message)
}
func (e ContainerCreated) Describe() string {
	return fmt.Sprintf("container-created pod=%s %s attempt=%d id=%s", e.PodUID, e.Container, e.Attempt, e.ID)
}
func (e ContainerCreateFailed) Describe() string {
	return fmt.Sprintf("container-create-failed pod=%s %s attempt=%d msg=%q", e.PodUID, e.Container, e.Attempt, e.Message)
}
func (e ContainerStarted) Describe() string {
	return fmt.Sprintf("container-started id=%s at=%s", e.ID, fmtTime(e.At))
}
func (e ContainerStartFailed) Describe() string {
	return fmt.Sprintf("container-start-failed id=%s msg=%q", e.ID, e.Message)
}
func (e ContainerExited) Describe() string {
	s := fmt.Sprintf("container-exited id=%s code=%d", e.ID, e.ExitCode)
	if e.Reason != "" {
		s += " reason=" + e.Reason
	}
	return s + " at=" + fmtTime(e.FinishedAt)
}
func (e ContainerKilled) Describe() string {
	return fmt.Sprintf("container-killed id=%s code=%d at=%s", e.ID, e.ExitCode, fmtTime(e.At))
}
func (e ContainerRemoved) Describe() string { return "container-removed id=" + e.ID }
func (e RuntimeOpFailed) Describe() string {
	if e.Op == "teardown" {
		return fmt.Sprintf("runtime-op-failed teardown pod=%s %s msg=%q", e.PodUID, e.Volume, e.Message)
	}
	return fmt.Sprintf("runtime-op-failed %s id=%s msg=%q", e.Op, e.ID, e.Message)
}
func (e VolumeReady) Describe() string {
	return fmt.Sprintf("volume-ready pod=%s %s", e.PodUID, e.Volume)
}
func (e VolumeSetupFailed) Describe() string {
	return fmt.Sprintf("volume-setup-failed pod=%s %s msg=%q", e.PodUID, e.Volume, e.Message)
}
func (e VolumeTornDown) Describe() string {
	return fmt.Sprintf("volume-torn-down pod=%s %s", e.PodUID, e.Volume)
}
func (e ProbeResult) Describe() string {
	r := "failure"
	if e.Success {
		r = "success"
	}
	s := fmt.Sprintf("probe-result id=%s %s %s", e.ID, e.Kind, r)
	if e.Message != "" {
		s += fmt.Sprintf(" msg=%q", e.Message)
	}
	return s
}
func (e RuntimeStatus) Describe() string {
	if e.Healthy {
		return "runtime-status healthy"
	}
	return fmt.Sprintf("runtime-status unhealthy msg=%q", e.Message)
}
func (e RuntimeInventory) Describe() string {
	parts := make([]string, len(e.Containers))
	for i, c := range e.Containers {
		parts[i] = fmt.Sprintf("%s(%s/%s %s#%d %s)", c.ID, c.PodNamespace, c.PodName, c.Container, c.Attempt, c.State)
	}
	return "runtime-inventory [" + strings.Join(parts, " ") + "]"
}
func (e WriteFailed) Describe() string {
	if e.PodUID == "" {
		return "write-failed " + e.What
	}
	return "write-failed " + e.What + " pod=" + e.PodUID
}
