package apiserver

import (
	"encoding/json"

	"github.com/capstan-dev/capstan/core/api"
)

// Wire types the API sends or takes that are not stored kinds. Their JSON
// is Kubernetes'.

// objectList is a list response: PodList, DeploymentList, ...
type objectList struct {
	api.TypeMeta `json:",inline"`
	Metadata     api.ListMeta `json:"metadata"`
	Items        []api.Object `json:"items"`
}

// watchEvent is one line of a watch stream.
type watchEvent struct {
	Type   string `json:"type"`
	Object any    `json:"object"`
}

// deleteOptions is meta/v1 DeleteOptions, the body of a DELETE.
type deleteOptions struct {
	Kind               string `json:"kind,omitempty"`
	APIVersion         string `json:"apiVersion,omitempty"`
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds,omitempty"`
	Preconditions      *struct {
		UID             *string `json:"uid,omitempty"`
		ResourceVersion *string `json:"resourceVersion,omitempty"`
	} `json:"preconditions,omitempty"`
	OrphanDependents  *bool    `json:"orphanDependents,omitempty"`
	PropagationPolicy *string  `json:"propagationPolicy,omitempty"`
	DryRun            []string `json:"dryRun,omitempty"`
	// IgnoreStoreReadErrorWithClusterBreakingPotential is accepted and
	// ignored (nothing here is unreadable).
	IgnoreStoreReadErrorWithClusterBreakingPotential *bool `json:"ignoreStoreReadErrorWithClusterBreakingPotential,omitempty"`
}

// scale is autoscaling/v1 Scale, the /scale subresource.
type scale struct {
	api.TypeMeta `json:",inline"`
	Metadata     api.ObjectMeta `json:"metadata"`
	Spec         struct {
		Replicas *int32 `json:"replicas,omitempty"`
	} `json:"spec"`
	Status struct {
		Replicas int32  `json:"replicas"`
		Selector string `json:"selector,omitempty"`
	} `json:"status"`
}

// binding is v1 Binding, the body of pods/binding.
type binding struct {
	api.TypeMeta `json:",inline"`
	Metadata     api.ObjectMeta      `json:"metadata"`
	Target       api.ObjectReference `json:"target"`
}

// eviction is policy/v1 Eviction, the body of pods/eviction.
type eviction struct {
	api.TypeMeta  `json:",inline"`
	Metadata      api.ObjectMeta  `json:"metadata"`
	DeleteOptions json.RawMessage `json:"deleteOptions,omitempty"`
}
