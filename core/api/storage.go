package api

// PersistentVolume is a piece of storage, possibly tied to some nodes.
type PersistentVolume struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       PersistentVolumeSpec   `json:"spec"`
	Status     PersistentVolumeStatus `json:"status,omitzero"`
}

// Access modes.
const (
	ReadWriteOnce    = "ReadWriteOnce"
	ReadOnlyMany     = "ReadOnlyMany"
	ReadWriteMany    = "ReadWriteMany"
	ReadWriteOncePod = "ReadWriteOncePod"
)

// Reclaim policies.
const (
	PersistentVolumeReclaimRetain = "Retain"
	PersistentVolumeReclaimDelete = "Delete"
)

// PersistentVolumeSpec is the desired state of a volume.
type PersistentVolumeSpec struct {
	Capacity    ResourceList `json:"capacity,omitempty"`
	AccessModes []string     `json:"accessModes,omitempty"`
	// ClaimRef is set when the volume is bound to a claim.
	ClaimRef *ObjectReference `json:"claimRef,omitempty"`
	// PersistentVolumeReclaimPolicy defaults to Retain.
	PersistentVolumeReclaimPolicy string `json:"persistentVolumeReclaimPolicy,omitempty"`
	StorageClassName              string `json:"storageClassName,omitempty"`
	VolumeMode                    string `json:"volumeMode,omitempty"`
	// NodeAffinity restricts the nodes that can reach the volume; a pod
	// using it may run only there.
	NodeAffinity *VolumeNodeAffinity `json:"nodeAffinity,omitempty"`
	// Sources: capstan supports local directories and hostPath.
	HostPath *HostPathVolumeSource `json:"hostPath,omitempty"`
	Local    *LocalVolumeSource    `json:"local,omitempty"`
}

// LocalVolumeSource is a directory on one node.
type LocalVolumeSource struct {
	Path string `json:"path"`
}

// VolumeNodeAffinity says which nodes can reach a volume.
type VolumeNodeAffinity struct {
	Required *NodeSelector `json:"required,omitempty"`
}

// Volume phases.
const (
	VolumeAvailable = "Available"
	VolumeBound     = "Bound"
	VolumeReleased  = "Released"
	VolumeFailed    = "Failed"
	ClaimPending    = "Pending"
	ClaimBound      = "Bound"
	ClaimLost       = "Lost"
)

// PersistentVolumeStatus is the observed state of a volume.
type PersistentVolumeStatus struct {
	Phase   string `json:"phase,omitempty"`
	Message string `json:"message,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// PersistentVolumeClaim asks for storage; it binds to one volume.
type PersistentVolumeClaim struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       PersistentVolumeClaimSpec   `json:"spec"`
	Status     PersistentVolumeClaimStatus `json:"status,omitzero"`
}

// PersistentVolumeClaimSpec is the desired state of a claim.
type PersistentVolumeClaimSpec struct {
	AccessModes      []string                   `json:"accessModes,omitempty"`
	Selector         *LabelSelector             `json:"selector,omitempty"`
	Resources        VolumeResourceRequirements `json:"resources,omitzero"`
	VolumeName       string                     `json:"volumeName,omitempty"`
	StorageClassName *string                    `json:"storageClassName,omitempty"`
	VolumeMode       *string                    `json:"volumeMode,omitempty"`
}

// VolumeResourceRequirements are a claim's storage request.
type VolumeResourceRequirements struct {
	Limits   ResourceList `json:"limits,omitempty"`
	Requests ResourceList `json:"requests,omitempty"`
}

// PersistentVolumeClaimStatus is the observed state of a claim.
type PersistentVolumeClaimStatus struct {
	Phase       string       `json:"phase,omitempty"`
	AccessModes []string     `json:"accessModes,omitempty"`
	Capacity    ResourceList `json:"capacity,omitempty"`
}
