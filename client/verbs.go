package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// ListOptions narrow a List or a Watch.
type ListOptions struct {
	// LabelSelector, e.g. "app=web,tier!=db"; FieldSelector, e.g.
	// "spec.nodeName=n1". Passed to the server as given.
	LabelSelector string
	FieldSelector string
	// Limit asks for at most this many items per page; the List's Continue
	// token fetches the next page.
	Limit    int64
	Continue string
	// ResourceVersion: for a List, read at least this fresh ("" is the
	// newest); for a Watch, the version to start after.
	ResourceVersion string
	// TimeoutSeconds asks the server to end a watch after this long (the
	// watcher then resumes).
	TimeoutSeconds int64
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.LabelSelector != "" {
		q.Set("labelSelector", o.LabelSelector)
	}
	if o.FieldSelector != "" {
		q.Set("fieldSelector", o.FieldSelector)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.FormatInt(o.Limit, 10))
	}
	if o.Continue != "" {
		q.Set("continue", o.Continue)
	}
	if o.ResourceVersion != "" {
		q.Set("resourceVersion", o.ResourceVersion)
	}
	if o.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	return q
}

// List is one page of a list: the objects, and the list's metadata
// (resourceVersion to watch from, continue token of the next page).
type List struct {
	api.ListMeta
	Items []api.Object
}

// Kind returns the registry entry of a kind name ("Deployment") or of a
// plural resource ("deployments"), or an error that says it is unknown.
func Kind(kind string) (*api.KindInfo, error) {
	if info, ok := api.LookupKind(kind); ok {
		return info, nil
	}
	if info, ok := api.LookupResource(kind); ok {
		return info, nil
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

// decode decodes one object of the given kind from a response body. Its
// TypeMeta is set from the registry (lists often omit it on items).
func decode(info *api.KindInfo, data []byte) (api.Object, error) {
	obj := info.New()
	tm := *obj.GetTypeMeta()
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", info.Kind, err)
	}
	*obj.GetTypeMeta() = tm
	return obj, nil
}

// Get reads one object. namespace is ignored for cluster-scoped kinds.
func (c *Client) Get(ctx context.Context, kind, namespace, name string) (api.Object, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, errors.New("get: empty name")
	}
	data, err := c.do(ctx, &request{method: http.MethodGet, info: info, namespace: namespace, name: name})
	if err != nil {
		return nil, err
	}
	return decode(info, data)
}

// List reads one page of objects of a kind in a namespace ("" for every
// namespace, or for a cluster-scoped kind).
func (c *Client) List(ctx context.Context, kind, namespace string, opts ListOptions) (*List, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	data, err := c.do(ctx, &request{method: http.MethodGet, info: info, namespace: namespace, query: opts.query()})
	if err != nil {
		return nil, err
	}
	var raw struct {
		Metadata api.ListMeta      `json:"metadata"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decoding %s list: %w", info.Kind, err)
	}
	out := &List{ListMeta: raw.Metadata, Items: make([]api.Object, 0, len(raw.Items))}
	for _, it := range raw.Items {
		obj, err := decode(info, it)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, obj)
	}
	return out, nil
}

// ListAll reads every page (opts.Limit per page) and returns all the
// objects, with the resourceVersion of the first page's snapshot.
func (c *Client) ListAll(ctx context.Context, kind, namespace string, opts ListOptions) (*List, error) {
	all := &List{}
	for first := true; ; first = false {
		page, err := c.List(ctx, kind, namespace, opts)
		if err != nil {
			return nil, err
		}
		if first {
			all.ResourceVersion = page.ResourceVersion
		}
		all.Items = append(all.Items, page.Items...)
		if page.Continue == "" {
			return all, nil
		}
		opts.Continue, opts.ResourceVersion = page.Continue, ""
	}
}

// target returns the kind and namespace an object is written to: its own
// namespace, or the client's default for a namespaced kind without one.
func (c *Client) target(obj api.Object) (*api.KindInfo, string, error) {
	if obj == nil {
		return nil, "", errors.New("nil object")
	}
	info, err := Kind(obj.GetTypeMeta().Kind)
	if err != nil {
		return nil, "", err
	}
	ns := obj.GetObjectMeta().Namespace
	if info.Namespaced && ns == "" {
		ns = c.Namespace()
	}
	return info, ns, nil
}

func (c *Client) write(ctx context.Context, method string, obj api.Object, sub string) (api.Object, error) {
	info, ns, err := c.target(obj)
	if err != nil {
		return nil, err
	}
	body, err := api.Encode(obj)
	if err != nil {
		return nil, err
	}
	r := &request{method: method, info: info, namespace: ns, body: body}
	if method != http.MethodPost {
		r.name = obj.GetObjectMeta().Name
		if r.name == "" {
			return nil, fmt.Errorf("%s without a name", info.Kind)
		}
		r.subresource = sub
	}
	data, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	return decode(info, data)
}

// Create creates obj (its kind and namespace say where) and returns the
// object as stored.
func (c *Client) Create(ctx context.Context, obj api.Object) (api.Object, error) {
	return c.write(ctx, http.MethodPost, obj, "")
}

// Update replaces obj; a non-empty resourceVersion makes it conditional
// (a Conflict error when stale).
func (c *Client) Update(ctx context.Context, obj api.Object) (api.Object, error) {
	return c.write(ctx, http.MethodPut, obj, "")
}

// UpdateStatus replaces obj's status through the /status subresource.
func (c *Client) UpdateStatus(ctx context.Context, obj api.Object) (api.Object, error) {
	return c.write(ctx, http.MethodPut, obj, "status")
}

// PatchType is the content type of a patch.
type PatchType string

// Patch types, as Kubernetes names them.
const (
	JSONPatchType           PatchType = "application/json-patch+json"
	MergePatchType          PatchType = "application/merge-patch+json"
	StrategicMergePatchType PatchType = "application/strategic-merge-patch+json"
)

// Patch applies a patch to an object (or to its subresource, e.g.
// "status", if given) and returns the result.
func (c *Client) Patch(ctx context.Context, kind, namespace, name string, pt PatchType, patch []byte, subresource string) (api.Object, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	data, err := c.do(ctx, &request{method: http.MethodPatch, info: info, namespace: namespace, name: name,
		subresource: subresource, body: patch, contentType: string(pt)})
	if err != nil {
		return nil, err
	}
	return decode(info, data)
}

// Propagation policies of a delete.
const (
	DeletePropagationBackground = "Background"
	DeletePropagationForeground = "Foreground"
	DeletePropagationOrphan     = "Orphan"
)

// DeleteOptions qualify a delete.
type DeleteOptions struct {
	// PropagationPolicy is Background, Foreground or Orphan; empty leaves
	// it to the server (Background).
	PropagationPolicy string
	// GracePeriodSeconds overrides the object's grace period (pods); 0
	// deletes at once.
	GracePeriodSeconds *int64
	// Preconditions make the delete fail with a Conflict unless the object
	// still has this UID and/or resourceVersion.
	Preconditions *Preconditions
}

// Preconditions of a delete.
type Preconditions struct {
	UID             *string `json:"uid,omitempty"`
	ResourceVersion *string `json:"resourceVersion,omitempty"`
}

// deleteOptionsBody is meta/v1 DeleteOptions on the wire.
type deleteOptionsBody struct {
	api.TypeMeta
	GracePeriodSeconds *int64         `json:"gracePeriodSeconds,omitempty"`
	Preconditions      *Preconditions `json:"preconditions,omitempty"`
	PropagationPolicy  string         `json:"propagationPolicy,omitempty"`
}

// Delete deletes an object. It returns the object when the server answers
// with it (the delete is pending on finalizers or a grace period) and nil
// when the server answers with a Status (the object is gone).
func (c *Client) Delete(ctx context.Context, kind, namespace, name string, opts DeleteOptions) (api.Object, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, errors.New("delete: empty name")
	}
	body, err := json.Marshal(deleteOptionsBody{
		TypeMeta:           api.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"},
		GracePeriodSeconds: opts.GracePeriodSeconds, Preconditions: opts.Preconditions,
		PropagationPolicy: opts.PropagationPolicy,
	})
	if err != nil {
		return nil, err
	}
	// The options go in the body (as client-go sends them) and, those that
	// can, in the query too, so that a server reading either sees them.
	q := url.Values{}
	if opts.PropagationPolicy != "" {
		q.Set("propagationPolicy", opts.PropagationPolicy)
	}
	if opts.GracePeriodSeconds != nil {
		q.Set("gracePeriodSeconds", strconv.FormatInt(*opts.GracePeriodSeconds, 10))
	}
	data, err := c.do(ctx, &request{method: http.MethodDelete, info: info, namespace: namespace, name: name, query: q, body: body})
	if err != nil {
		return nil, err
	}
	var tm api.TypeMeta
	if json.Unmarshal(data, &tm) == nil && tm.Kind == "Status" {
		return nil, nil
	}
	return decode(info, data)
}

// Scale is autoscaling/v1 Scale: the /scale subresource of Deployments and
// ReplicaSets.
type Scale struct {
	api.TypeMeta   `json:",inline"`
	api.ObjectMeta `json:"metadata"`
	Spec           ScaleSpec   `json:"spec,omitzero"`
	Status         ScaleStatus `json:"status,omitzero"`
}

// ScaleSpec is the desired replica count.
type ScaleSpec struct {
	Replicas int32 `json:"replicas,omitempty"`
}

// ScaleStatus is the observed replica count and the pods' label selector.
type ScaleStatus struct {
	Replicas int32  `json:"replicas"`
	Selector string `json:"selector,omitempty"`
}

// GetScale reads the /scale subresource.
func (c *Client) GetScale(ctx context.Context, kind, namespace, name string) (*Scale, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	data, err := c.do(ctx, &request{method: http.MethodGet, info: info, namespace: namespace, name: name, subresource: "scale"})
	if err != nil {
		return nil, err
	}
	var s Scale
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decoding scale: %w", err)
	}
	return &s, nil
}

// UpdateScale writes the /scale subresource; a resourceVersion in s makes
// it conditional.
func (c *Client) UpdateScale(ctx context.Context, kind, namespace, name string, s *Scale) (*Scale, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	s.TypeMeta = api.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"}
	s.Name, s.Namespace = name, namespace
	body, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	data, err := c.do(ctx, &request{method: http.MethodPut, info: info, namespace: namespace, name: name, subresource: "scale", body: body})
	if err != nil {
		return nil, err
	}
	var out Scale
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("decoding scale: %w", err)
	}
	return &out, nil
}

// binding is core/v1 Binding, the body of POST pods/NAME/binding.
type binding struct {
	api.TypeMeta   `json:",inline"`
	api.ObjectMeta `json:"metadata"`
	Target         api.ObjectReference `json:"target"`
}

// Bind binds a pod to a node through the pod's /binding subresource.
func (c *Client) Bind(ctx context.Context, namespace, pod, node string) error {
	info, _ := api.LookupKind("Pod")
	body, err := json.Marshal(binding{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Binding"},
		ObjectMeta: api.ObjectMeta{Name: pod, Namespace: namespace},
		Target:     api.ObjectReference{APIVersion: "v1", Kind: "Node", Name: node},
	})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &request{method: http.MethodPost, info: info, namespace: namespace, name: pod, subresource: "binding", body: body})
	return err
}
