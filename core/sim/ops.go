package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/registry"
)

// The operations in this file are what a user does with kubectl. Each
// goes through the registry at the current time, is logged as "user", and
// is pumped through before it returns.

// Apply creates each object, or replaces the stored one's spec (or data),
// labels and given annotations if it exists: kubectl apply, without the
// three-way merge. Fields the cluster fills in (a Service's ClusterIP, a
// claim's volume) are kept when the manifest leaves them empty.
func (c *Cluster) Apply(objs []api.Object) error {
	defer c.pump()
	for _, obj := range objs {
		if err := c.apply1(obj); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) apply1(obj api.Object) error {
	info, ok := api.LookupKind(obj.GetTypeMeta().Kind)
	if !ok {
		return fmt.Errorf("apply: unknown kind %q", obj.GetTypeMeta().Kind)
	}
	m := obj.GetObjectMeta()
	if info.Namespaced && m.Namespace == "" {
		m.Namespace = api.NamespaceDefault
	}
	what := info.Kind + " " + qualified(m.Namespace, m.Name)
	c.writes++
	cur, err := c.st.Get(api.KeyFor(info.Resource, m.Namespace, m.Name))
	if err != nil {
		if _, err := c.reg.Create(obj, c.now); err != nil {
			return fmt.Errorf("apply %s: %w", what, err)
		}
		c.logf("user", "create %s", what)
		c.activity()
		return nil
	}
	if info.Kind == "Namespace" {
		return nil // nothing a manifest may change
	}
	next := api.CopyObject(obj)
	nm, cm := next.GetObjectMeta(), cur.GetObjectMeta()
	nm.ResourceVersion = cm.ResourceVersion
	ann := map[string]string{}
	for k, v := range cm.Annotations {
		ann[k] = v
	}
	for k, v := range m.Annotations {
		ann[k] = v
	}
	nm.Annotations = ann
	nm.Finalizers = cm.Finalizers
	if len(nm.OwnerReferences) == 0 {
		nm.OwnerReferences = cm.OwnerReferences
	}
	keepAllocated(next, cur)
	if _, err := c.reg.Update(next, c.now); err != nil {
		return fmt.Errorf("apply %s: %w", what, err)
	}
	c.logf("user", "update %s", what)
	c.activity()
	return nil
}

// keepAllocated keeps, in an applied object, what the cluster allocated
// and the manifest leaves empty.
func keepAllocated(next, cur api.Object) {
	switch n := next.(type) {
	case *api.Service:
		cs := cur.(*api.Service)
		if n.Spec.ClusterIP == "" {
			n.Spec.ClusterIP, n.Spec.ClusterIPs = cs.Spec.ClusterIP, cs.Spec.ClusterIPs
		}
	case *api.PersistentVolumeClaim:
		if n.Spec.VolumeName == "" {
			n.Spec.VolumeName = cur.(*api.PersistentVolumeClaim).Spec.VolumeName
		}
	case *api.PersistentVolume:
		if n.Spec.ClaimRef == nil {
			n.Spec.ClaimRef = cur.(*api.PersistentVolume).Spec.ClaimRef
		}
	case *api.Pod:
		// A pod's spec is all but immutable: apply changes its metadata.
		n.Spec = cur.(*api.Pod).Spec
	}
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// Ref names an object as commands do: "deployment/web" (namespace
// default), "deployment/team-a/web", "node/n1".
type Ref struct {
	Resource, Namespace, Name string
}

var aliases = map[string]string{
	"deployment": "deployments", "deploy": "deployments", "replicaset": "replicasets", "rs": "replicasets",
	"pod": "pods", "po": "pods", "service": "services", "svc": "services", "node": "nodes", "no": "nodes",
	"namespace": "namespaces", "ns": "namespaces", "pvc": "persistentvolumeclaims",
	"persistentvolumeclaim": "persistentvolumeclaims", "pv": "persistentvolumes",
	"persistentvolume": "persistentvolumes", "configmap": "configmaps", "cm": "configmaps",
	"secret": "secrets", "endpoints": "endpoints", "ep": "endpoints", "lease": "leases", "event": "events",
}

// ParseRef parses "kind/name" or "kind/namespace/name".
func ParseRef(s string) (Ref, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Ref{}, fmt.Errorf("%q: want KIND/NAME or KIND/NAMESPACE/NAME", s)
	}
	res, ok := aliases[strings.ToLower(parts[0])]
	if !ok {
		if _, known := api.LookupResource(parts[0]); !known {
			return Ref{}, fmt.Errorf("%q: unknown kind %q", s, parts[0])
		}
		res = parts[0]
	}
	info, _ := api.LookupResource(res)
	r := Ref{Resource: res, Name: parts[len(parts)-1]}
	if info != nil && info.Namespaced {
		r.Namespace = api.NamespaceDefault
		if len(parts) == 3 {
			r.Namespace = parts[1]
		}
	}
	return r, nil
}

func (r Ref) String() string {
	info, _ := api.LookupResource(r.Resource)
	kind := r.Resource
	if info != nil {
		kind = info.Kind
	}
	return kind + " " + qualified(r.Namespace, r.Name)
}

// update reads ref, lets fn change a copy, and writes it back.
func (c *Cluster) update(ref Ref, what string, fn func(api.Object) error) error {
	defer c.pump()
	cur, err := c.st.Get(api.KeyFor(ref.Resource, ref.Namespace, ref.Name))
	if err != nil {
		return fmt.Errorf("%s: %s: not found", what, ref)
	}
	next := api.CopyObject(cur)
	if err := fn(next); err != nil {
		return fmt.Errorf("%s %s: %w", what, ref, err)
	}
	c.writes++
	if _, err := c.reg.Update(next, c.now); err != nil {
		return fmt.Errorf("%s %s: %w", what, ref, err)
	}
	c.logf("user", "%s %s", what, ref)
	c.activity()
	return nil
}

// Scale sets the replicas of a Deployment or ReplicaSet.
func (c *Cluster) Scale(ref Ref, replicas int32) error {
	return c.update(ref, "scale to "+strconv.Itoa(int(replicas)), func(o api.Object) error {
		switch o := o.(type) {
		case *api.Deployment:
			o.Spec.Replicas = &replicas
		case *api.ReplicaSet:
			o.Spec.Replicas = &replicas
		default:
			return fmt.Errorf("cannot scale a %T", o)
		}
		return nil
	})
}

// SetImage sets container images of a Deployment's or ReplicaSet's
// template: images maps container name to image.
func (c *Cluster) SetImage(ref Ref, images map[string]string) error {
	names := make([]string, 0, len(images))
	for k := range images {
		names = append(names, k)
	}
	sort.Strings(names)
	desc := make([]string, len(names))
	for i, k := range names {
		desc[i] = k + "=" + images[k]
	}
	return c.update(ref, "set image "+strings.Join(desc, ","), func(o api.Object) error {
		t := templateOf(o)
		if t == nil {
			return fmt.Errorf("no pod template")
		}
		for _, name := range names {
			found := false
			for i := range t.Spec.Containers {
				if t.Spec.Containers[i].Name == name {
					t.Spec.Containers[i].Image, found = images[name], true
				}
			}
			if !found {
				return fmt.Errorf("no container %q", name)
			}
		}
		return nil
	})
}

func templateOf(o api.Object) *api.PodTemplateSpec {
	switch o := o.(type) {
	case *api.Deployment:
		return &o.Spec.Template
	case *api.ReplicaSet:
		return &o.Spec.Template
	}
	return nil
}

// Pause pauses (or resumes) a Deployment's rollout.
func (c *Cluster) Pause(ref Ref, paused bool) error {
	what := "pause"
	if !paused {
		what = "resume"
	}
	return c.update(ref, what, func(o api.Object) error {
		d, ok := o.(*api.Deployment)
		if !ok {
			return fmt.Errorf("not a Deployment")
		}
		d.Spec.Paused = paused
		return nil
	})
}

// RolloutUndo rolls a Deployment back to revision toRevision (0: the one
// before the current), as kubectl rollout undo does: the old
// ReplicaSet's template, without its pod-template-hash label, becomes the
// Deployment's.
func (c *Cluster) RolloutUndo(ref Ref, toRevision int64) error {
	res, err := c.st.List(api.KeyFor("replicasets", ref.Namespace, ""), listAll)
	if err != nil {
		return err
	}
	cur, err := c.st.Get(api.KeyFor(ref.Resource, ref.Namespace, ref.Name))
	if err != nil {
		return fmt.Errorf("rollout undo: %s: not found", ref)
	}
	dep, ok := cur.(*api.Deployment)
	if !ok {
		return fmt.Errorf("rollout undo: %s is not a Deployment", ref)
	}
	current, _ := strconv.ParseInt(dep.Annotations[control.AnnotationRevision], 10, 64)
	var best *api.ReplicaSet
	var bestRev int64
	for _, o := range res.Items {
		rs := o.(*api.ReplicaSet)
		if !ownedBy(&rs.ObjectMeta, dep.UID) {
			continue
		}
		rev, _ := strconv.ParseInt(rs.Annotations[control.AnnotationRevision], 10, 64)
		switch {
		case toRevision > 0 && rev == toRevision:
			best, bestRev = rs, rev
		case toRevision == 0 && rev < current && rev > bestRev:
			best, bestRev = rs, rev
		}
	}
	if best == nil {
		return fmt.Errorf("rollout undo %s: no revision to roll back to", ref)
	}
	tmpl := api.DeepCopy(best.Spec.Template)
	delete(tmpl.Labels, control.LabelPodTemplateHash)
	return c.update(ref, "rollout undo to revision "+strconv.FormatInt(bestRev, 10), func(o api.Object) error {
		o.(*api.Deployment).Spec.Template = tmpl
		return nil
	})
}

func ownedBy(m *api.ObjectMeta, uid string) bool {
	for _, r := range m.OwnerReferences {
		if r.UID == uid && r.Controller != nil && *r.Controller {
			return true
		}
	}
	return false
}

// Cordon marks a node unschedulable (or schedulable again).
func (c *Cluster) Cordon(name string, on bool) error {
	what := "cordon"
	if !on {
		what = "uncordon"
	}
	return c.update(Ref{Resource: "nodes", Name: name}, what, func(o api.Object) error {
		o.(*api.Node).Spec.Unschedulable = on
		return nil
	})
}

// Delete deletes an object, with a propagation policy ("" for the
// default) and, for pods, a grace period (nil for the pod's own).
func (c *Cluster) Delete(ref Ref, propagation string, grace *int64) error {
	defer c.pump()
	c.writes++
	_, err := c.reg.Delete(ref.Resource, ref.Namespace, ref.Name, registry.DeleteOptions{
		PropagationPolicy: propagation, GracePeriodSeconds: grace}, c.now)
	if err != nil {
		return fmt.Errorf("delete %s: %w", ref, err)
	}
	c.logf("user", "delete %s%s", ref, map[bool]string{true: " propagation=" + propagation}[propagation != ""])
	c.activity()
	return nil
}
