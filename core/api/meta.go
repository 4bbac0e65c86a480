package api

// TypeMeta says what an object is: its API group/version and kind.
type TypeMeta struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
}

// GetTypeMeta returns the object's type metadata; promoted to every kind.
func (t *TypeMeta) GetTypeMeta() *TypeMeta { return t }

// GroupVersionKind is the fully qualified kind of an object.
type GroupVersionKind struct {
	Group   string
	Version string
	Kind    string
}

// ObjectMeta is the metadata every object carries.
type ObjectMeta struct {
	Name         string `json:"name,omitempty"`
	GenerateName string `json:"generateName,omitempty"`
	// Namespace is empty for cluster-scoped kinds (Namespace, Node,
	// PersistentVolume).
	Namespace string `json:"namespace,omitempty"`
	// UID is assigned once at creation by the API layer and never changes.
	UID string `json:"uid,omitempty"`
	// ResourceVersion is the store's modRevision of this version of the
	// object, as a decimal string. Clients treat it as opaque.
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Generation counts changes to the spec. Invariant: it only grows.
	Generation                 int64             `json:"generation,omitempty"`
	CreationTimestamp          Time              `json:"creationTimestamp,omitzero"`
	DeletionTimestamp          *Time             `json:"deletionTimestamp,omitempty"`
	DeletionGracePeriodSeconds *int64            `json:"deletionGracePeriodSeconds,omitempty"`
	Labels                     map[string]string `json:"labels,omitempty"`
	Annotations                map[string]string `json:"annotations,omitempty"`
	OwnerReferences            []OwnerReference  `json:"ownerReferences,omitempty"`
	Finalizers                 []string          `json:"finalizers,omitempty"`
}

// GetObjectMeta returns the object's metadata; promoted to every kind.
func (m *ObjectMeta) GetObjectMeta() *ObjectMeta { return m }

// OwnerReference points from a dependent to its owner, for garbage
// collection and adoption.
type OwnerReference struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller,omitempty"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion,omitempty"`
}

// Object is implemented by every kind (through the embedded TypeMeta and
// ObjectMeta). Implementations are pointers to the kind's struct.
type Object interface {
	GetTypeMeta() *TypeMeta
	GetObjectMeta() *ObjectMeta
}

// LabelSelector selects objects by their labels. An empty selector matches
// everything; a nil *LabelSelector matches nothing (as in Kubernetes).
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is one expression of a LabelSelector.
type LabelSelectorRequirement struct {
	Key string `json:"key"`
	// Operator is one of In, NotIn, Exists, DoesNotExist.
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

// Label selector operators.
const (
	LabelSelectorOpIn           = "In"
	LabelSelectorOpNotIn        = "NotIn"
	LabelSelectorOpExists       = "Exists"
	LabelSelectorOpDoesNotExist = "DoesNotExist"
)

// Condition statuses.
const (
	ConditionTrue    = "True"
	ConditionFalse   = "False"
	ConditionUnknown = "Unknown"
)
