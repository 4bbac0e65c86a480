package sim

import (
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/store"
)

// The Describe functions render the cluster's state as stable, compact
// text, one object per line in key order, for golden tests and the
// playground. Times are shown relative to the cluster's start.

var listAll = store.ListOptions{}

func (c *Cluster) list(resource string) []api.Object {
	res, err := c.st.List(api.KeyFor(resource, "", ""), listAll)
	if err != nil {
		panic("sim: list " + resource + ": " + err.Error())
	}
	return res.Items
}

// Describe returns the whole state: nodes, deployments with their
// ReplicaSets, pods, services, volumes.
func (c *Cluster) Describe() string {
	var b strings.Builder
	for _, s := range []struct{ title, text string }{
		{"nodes", c.DescribeNodes()},
		{"deployments", c.DescribeDeployments()},
		{"replicasets", c.DescribeReplicaSets()},
		{"pods", c.DescribePods()},
		{"services", c.DescribeServices()},
		{"volumes", c.DescribeVolumes()},
	} {
		if s.text == "" {
			continue
		}
		b.WriteString(s.title + ":\n")
		for _, line := range strings.SplitAfter(s.text, "\n") {
			if line != "" {
				b.WriteString("  " + line)
			}
		}
	}
	return b.String()
}

// DescribePods lists every pod: node, phase, readiness, address, image,
// owner, restarts and container states worth noting.
func (c *Cluster) DescribePods() string {
	var b strings.Builder
	for _, o := range c.list("pods") {
		b.WriteString(describePod(o.(*api.Pod)))
		b.WriteByte('\n')
	}
	return b.String()
}

func describePod(p *api.Pod) string {
	var b strings.Builder
	b.WriteString(p.Namespace + "/" + p.Name)
	node := p.Spec.NodeName
	if node == "" {
		node = "-"
	}
	b.WriteString(" node=" + node + " " + p.Status.Phase)
	if podReady(p) {
		b.WriteString(" ready")
	}
	if p.DeletionTimestamp != nil {
		b.WriteString(" terminating")
	}
	if p.Status.PodIP != "" {
		b.WriteString(" ip=" + p.Status.PodIP)
	}
	imgs := make([]string, len(p.Spec.Containers))
	for i, ctr := range p.Spec.Containers {
		imgs[i] = ctr.Image
	}
	b.WriteString(" image=" + strings.Join(imgs, ","))
	if r := controllerRef(&p.ObjectMeta); r != nil {
		b.WriteString(" owner=" + r.Name)
	}
	for _, cs := range append(append([]api.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if cs.RestartCount > 0 {
			b.WriteString(" " + cs.Name + ":restarts=" + strconv.Itoa(int(cs.RestartCount)))
		}
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "ContainerCreating":
			b.WriteString(" " + cs.Name + ":" + cs.State.Waiting.Reason)
		case cs.State.Terminated != nil:
			b.WriteString(" " + cs.Name + ":" + cs.State.Terminated.Reason + "(" + strconv.Itoa(int(cs.State.Terminated.ExitCode)) + ")")
		}
	}
	if p.Status.Reason != "" {
		b.WriteString(" reason=" + p.Status.Reason)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == api.PodScheduled && cond.Status == api.ConditionFalse {
			b.WriteString(" unschedulable: " + cond.Message)
		}
	}
	return b.String()
}

func podReady(p *api.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == api.PodReady {
			return cond.Status == api.ConditionTrue
		}
	}
	return false
}

func controllerRef(m *api.ObjectMeta) *api.OwnerReference {
	for i := range m.OwnerReferences {
		if r := &m.OwnerReferences[i]; r.Controller != nil && *r.Controller {
			return r
		}
	}
	return nil
}

// DescribeNodes lists every node: readiness, the simulation's view (down,
// partitioned), zone, pods and requests against allocatable, taints.
func (c *Cluster) DescribeNodes() string {
	type usage struct {
		pods     int
		cpu, mem int64
	}
	used := map[string]*usage{}
	for _, o := range c.list("pods") {
		p := o.(*api.Pod)
		if p.Spec.NodeName == "" || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
			continue
		}
		u := used[p.Spec.NodeName]
		if u == nil {
			u = &usage{}
			used[p.Spec.NodeName] = u
		}
		u.pods++
		for _, ctr := range p.Spec.Containers {
			u.cpu += ctr.Resources.Requests[api.ResourceCPU].MilliValue()
			u.mem += ctr.Resources.Requests[api.ResourceMemory].Value()
		}
	}
	var b strings.Builder
	for _, o := range c.list("nodes") {
		n := o.(*api.Node)
		b.WriteString(n.Name + " Ready=" + readyOf(n))
		if sn := c.byName[n.Name]; sn != nil {
			switch {
			case sn.m == nil:
				b.WriteString(" (down)")
			case sn.partitioned:
				b.WriteString(" (partitioned)")
			}
		}
		if z := n.Labels[api.LabelTopologyZone]; z != "" {
			b.WriteString(" zone=" + z)
		}
		u := used[n.Name]
		if u == nil {
			u = &usage{}
		}
		alloc := n.Status.Allocatable
		b.WriteString(" pods=" + strconv.Itoa(u.pods) + "/" + quantity(alloc[api.ResourcePods]))
		b.WriteString(" cpu=" + milli(u.cpu) + "/" + quantity(alloc[api.ResourceCPU]))
		b.WriteString(" memory=" + bytesText(u.mem) + "/" + quantity(alloc[api.ResourceMemory]))
		if n.Spec.Unschedulable {
			b.WriteString(" unschedulable")
		}
		if len(n.Spec.Taints) > 0 {
			ts := make([]string, len(n.Spec.Taints))
			for i, t := range n.Spec.Taints {
				ts[i] = t.Key
				if t.Value != "" {
					ts[i] += "=" + t.Value
				}
				ts[i] += ":" + t.Effect
			}
			sort.Strings(ts)
			b.WriteString(" taints=" + strings.Join(ts, ","))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func quantity(q api.Quantity) string { return q.String() }

func milli(m int64) string {
	if m%1000 == 0 {
		return strconv.FormatInt(m/1000, 10)
	}
	return strconv.FormatInt(m, 10) + "m"
}

func bytesText(b int64) string {
	for _, u := range []struct {
		s string
		n int64
	}{{"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if b >= u.n && b%u.n == 0 {
			return strconv.FormatInt(b/u.n, 10) + u.s
		}
	}
	return strconv.FormatInt(b, 10)
}

// DescribeDeployments lists every Deployment with its status, revision,
// image and conditions.
func (c *Cluster) DescribeDeployments() string {
	var b strings.Builder
	for _, o := range c.list("deployments") {
		d := o.(*api.Deployment)
		s := d.Status
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		b.WriteString(d.Namespace + "/" + d.Name + " rev=" + d.Annotations[control.AnnotationRevision] +
			" replicas=" + itoa(want) + " status=" + itoa(s.Replicas) + " updated=" + itoa(s.UpdatedReplicas) +
			" ready=" + itoa(s.ReadyReplicas) + " available=" + itoa(s.AvailableReplicas) +
			" image=" + images(&d.Spec.Template))
		if d.Spec.Paused {
			b.WriteString(" paused")
		}
		if d.DeletionTimestamp != nil {
			b.WriteString(" terminating finalizers=" + strings.Join(d.Finalizers, ","))
		}
		for _, cond := range s.Conditions {
			b.WriteString(" " + cond.Type + "=" + cond.Status)
			if cond.Reason != "" {
				b.WriteString("/" + cond.Reason)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// DescribeReplicaSets lists every ReplicaSet with its owner, revision,
// replicas and image.
func (c *Cluster) DescribeReplicaSets() string {
	var b strings.Builder
	for _, o := range c.list("replicasets") {
		rs := o.(*api.ReplicaSet)
		want := int32(1)
		if rs.Spec.Replicas != nil {
			want = *rs.Spec.Replicas
		}
		owner := "-"
		if r := controllerRef(&rs.ObjectMeta); r != nil {
			owner = r.Name
		}
		b.WriteString(rs.Namespace + "/" + rs.Name + " owner=" + owner + " rev=" + rs.Annotations[control.AnnotationRevision] +
			" replicas=" + itoa(want) + " status=" + itoa(rs.Status.Replicas) + " ready=" + itoa(rs.Status.ReadyReplicas) +
			" available=" + itoa(rs.Status.AvailableReplicas) + " image=" + images(&rs.Spec.Template))
		if rs.DeletionTimestamp != nil {
			b.WriteString(" terminating finalizers=" + strings.Join(rs.Finalizers, ","))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func images(t *api.PodTemplateSpec) string {
	out := make([]string, len(t.Spec.Containers))
	for i, ctr := range t.Spec.Containers {
		out[i] = ctr.Image
	}
	return strings.Join(out, ",")
}
