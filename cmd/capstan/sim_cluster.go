package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/core/store"
)

// simEpoch is the virtual time of a `capstan sim` run: fixed, so that runs
// are byte-for-byte repeatable.
var simEpoch = api.Unix(1767225600, 0) // 2026-01-01T00:00:00Z

// load defaults and validates every object, reporting every invalid object
// with all of its field errors, then stores them all (namespaces first) and
// feeds the scheduler's view.
func (c *simCluster) load(objs []api.Object) error {
	var msgs []string
	for _, o := range objs {
		m := o.GetObjectMeta()
		if info, ok := api.LookupKind(o.GetTypeMeta().Kind); ok && info.Namespaced && m.Namespace == "" {
			m.Namespace = "default"
		}
		api.Default(o)
		if errs := api.Validate(o); len(errs) > 0 {
			msgs = append(msgs, "error: "+api.NewInvalid(qualifiedKind(o), m.Name, errs).Error())
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "\n"))
	}
	// Namespaces the objects live in exist first, as the API server
	// requires.
	namespaces := map[string]bool{"default": true}
	for _, o := range objs {
		if o.GetTypeMeta().Kind == "Namespace" {
			namespaces[o.GetObjectMeta().Name] = false
		} else if ns := o.GetObjectMeta().Namespace; ns != "" && !namespaces[ns] {
			if _, declared := namespaces[ns]; !declared {
				namespaces[ns] = true
			}
		}
	}
	var implicit []string
	for ns, create := range namespaces {
		if create {
			implicit = append(implicit, ns)
		}
	}
	sort.Strings(implicit)
	var all []api.Object
	for _, ns := range implicit {
		n := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}}
		n.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
		api.Default(n)
		all = append(all, n)
	}
	all = append(all, objs...)
	for i, o := range all {
		m := o.GetObjectMeta()
		m.UID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		m.CreationTimestamp = simEpoch
		m.Generation = 1
		stored, err := c.st.Create(o)
		if err != nil {
			if store.IsAlreadyExists(err) {
				return fmt.Errorf("error: %s %q is defined twice", o.GetTypeMeta().Kind, m.Name)
			}
			return fmt.Errorf("error: %w", err)
		}
		switch s := stored.(type) {
		case *api.Node:
			c.sc.AddNode(s)
		case *api.PersistentVolume:
			c.sc.AddPV(s)
		case *api.PersistentVolumeClaim:
			c.sc.AddPVC(s)
		case *api.Deployment, *api.ReplicaSet:
			c.workloads++
		case *api.Pod:
			if s.Spec.NodeName != "" {
				c.sc.AddPod(s)
			} else {
				key, _ := api.KeyOf(s)
				c.order = append(c.order, key)
			}
		}
	}
	return nil
}

// qualifiedKind is the kind as Kubernetes names it in errors: "Deployment.apps".
func qualifiedKind(o api.Object) string {
	info, ok := api.LookupKind(o.GetTypeMeta().Kind)
	if !ok || info.Group == "" {
		return o.GetTypeMeta().Kind
	}
	return info.Kind + "." + info.Group
}

// placement is the outcome for one pending pod.
type placement struct {
	pod     *api.Pod
	result  sched.Result
	explain string
}

// scheduleAll schedules the pending pods as kube-scheduler's queue would
// order them (higher priority first, then in the order they were created)
// and writes each outcome to the store: spec.nodeName and PodScheduled=True,
// or PodScheduled=False with the reasons.
func (c *simCluster) scheduleAll(explain bool) ([]placement, error) {
	pods := make([]*api.Pod, 0, len(c.order))
	for _, key := range c.order {
		o, err := c.st.Get(key)
		if err != nil {
			return nil, err
		}
		pods = append(pods, o.(*api.Pod))
	}
	sort.SliceStable(pods, func(i, j int) bool { return priority(pods[i]) > priority(pods[j]) })
	var out []placement
	for _, p := range pods {
		var pl placement
		if explain {
			// Explain is a dry run that predicts Schedule exactly.
			pl.explain = c.sc.Explain(p).DescribeScores()
		}
		r := c.sc.Schedule(p)
		pl.result = r
		if r.Status == sched.Scheduled {
			p.Spec.NodeName = r.Node
		}
		cond := r.Condition()
		cond.LastTransitionTime = simEpoch
		p.Status.Phase = api.PodPending
		p.Status.Conditions = append(p.Status.Conditions, cond)
		stored, err := c.st.Update(p)
		if err != nil {
			return nil, fmt.Errorf("write the outcome of %s/%s: %w", r.Namespace, r.Name, err)
		}
		if r.Status == sched.Scheduled {
			c.sc.UpdatePod(stored.(*api.Pod)) // confirms the assumption
		}
		pl.pod = stored.(*api.Pod)
		out = append(out, pl)
	}
	return out, nil
}

func priority(p *api.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

// report prints the pods table, the nodes table and, with explain, every
// decision's scores.
func (c *simCluster) report(out io.Writer, results []placement, explain bool) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAMESPACE\tPOD\tNODE\tCPU\tMEMORY\tSTATUS")
	scheduled := 0
	for _, pl := range results {
		cpu, mem := podRequests(pl.pod)
		node, status := pl.result.Node, "Scheduled"
		if pl.result.Status != sched.Scheduled {
			node, status = "<none>", "Pending: "+pl.result.Message()
		} else {
			scheduled++
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", pl.pod.Namespace, pl.pod.Name, node, milliCPU(cpu), bytesText(mem), status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%d of %d pending pods scheduled.\n", scheduled, len(results))
	if c.workloads > 0 {
		fmt.Fprintf(out, "note: %d Deployment/ReplicaSet object(s) stored but not expanded into pods: add --run 5m to run the controllers too.\n", c.workloads)
	}
	fmt.Fprintln(out)

	res, err := c.st.List(api.KeyFor("nodes", "", ""), store.ListOptions{})
	if err != nil {
		return err
	}
	podsByNode := map[string][]*api.Pod{}
	pods, err := c.st.List(api.KeyFor("pods", "", ""), store.ListOptions{})
	if err != nil {
		return err
	}
	for _, o := range pods.Items {
		p := o.(*api.Pod)
		if p.Spec.NodeName != "" {
			podsByNode[p.Spec.NodeName] = append(podsByNode[p.Spec.NodeName], p)
		}
	}
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tZONE\tCPU REQUESTED\tMEMORY REQUESTED\tPODS")
	for _, o := range res.Items {
		n := o.(*api.Node)
		var cpu, mem int64
		for _, p := range podsByNode[n.Name] {
			c, m := podRequests(p)
			cpu += c
			mem += m
		}
		alloc := n.Status.Allocatable
		fmt.Fprintf(w, "%s\t%s\t%s/%s (%s)\t%s/%s (%s)\t%d/%s\n", n.Name, n.Labels[api.LabelTopologyZone],
			milliCPU(cpu), milliCPU(alloc[api.ResourceCPU].MilliValue()), percent(cpu, alloc[api.ResourceCPU].MilliValue()),
			bytesText(mem), bytesText(alloc[api.ResourceMemory].Value()), percent(mem, alloc[api.ResourceMemory].Value()),
			len(podsByNode[n.Name]), alloc[api.ResourcePods].String())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if explain {
		fmt.Fprintln(out)
		for _, pl := range results {
			fmt.Fprint(out, pl.explain)
		}
	}
	return nil
}

// podRequests returns the pod's effective cpu (millicores) and memory
// (bytes) requests as Kubernetes computes them: the sum over containers, or
// the largest init container's if that is larger.
func podRequests(p *api.Pod) (cpu, mem int64) { return podResources(p, false) }

func milliCPU(m int64) string {
	if m%1000 == 0 {
		return fmt.Sprintf("%d", m/1000)
	}
	return fmt.Sprintf("%dm", m)
}

func bytesText(b int64) string {
	for _, u := range []struct {
		s string
		n int64
	}{{"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if b >= u.n && b%u.n == 0 {
			return fmt.Sprintf("%d%s", b/u.n, u.s)
		}
	}
	if b >= 1<<30 {
		return fmt.Sprintf("%.1fGi", float64(b)/(1<<30))
	}
	if b >= 1<<20 {
		return fmt.Sprintf("%.1fMi", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d", b)
}

func percent(used, total int64) string {
	if total <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", used*100/total)
}
