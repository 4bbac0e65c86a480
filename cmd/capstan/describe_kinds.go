package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
	"sigs.k8s.io/yaml"
)

func describeDeployment(d *describer, dep *api.Deployment, rss []*api.ReplicaSet) {
	d.meta(&dep.ObjectMeta, true)
	// meta printed Labels and Annotations; kubectl puts CreationTimestamp
	// between Namespace and Labels, which the tabwriter does not mind.
	d.line(0, "CreationTimestamp:\t%s", stamp(dep.CreationTimestamp))
	d.line(0, "Selector:\t%s", printers.FormatSelector(dep.Spec.Selector))
	st := dep.Status
	d.line(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable",
		replicasOf(dep.Spec.Replicas), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas)
	strategy := dep.Spec.Strategy.Type
	if strategy == "" {
		strategy = api.RollingUpdateDeploymentStrategyType
	}
	d.line(0, "StrategyType:\t%s", strategy)
	d.line(0, "MinReadySeconds:\t%d", dep.Spec.MinReadySeconds)
	if strategy == api.RollingUpdateDeploymentStrategyType {
		unavail, surge := "25%", "25%"
		if ru := dep.Spec.Strategy.RollingUpdate; ru != nil {
			if ru.MaxUnavailable != nil {
				unavail = ru.MaxUnavailable.String()
			}
			if ru.MaxSurge != nil {
				surge = ru.MaxSurge.String()
			}
		}
		d.line(0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge", unavail, surge)
	}
	podTemplate(d, &dep.Spec.Template)
	if len(st.Conditions) > 0 {
		d.line(0, "Conditions:")
		d.line(1, "Type\tStatus\tReason")
		d.line(1, "----\t------\t------")
		for _, c := range st.Conditions {
			d.line(1, "%s \t%s\t%s", c.Type, c.Status, c.Reason)
		}
	}
	// The new ReplicaSet has the Deployment's revision; the others are old.
	var newRS *api.ReplicaSet
	var old []string
	for _, rs := range rss {
		if rs.Annotations[annotationRevision] == dep.Annotations[annotationRevision] && newRS == nil {
			newRS = rs
			continue
		}
		if rs.Status.Replicas > 0 || replicasOf(rs.Spec.Replicas) > 0 {
			old = append(old, fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, replicasOf(rs.Spec.Replicas)))
		}
	}
	d.line(0, "OldReplicaSets:\t%s", none(strings.Join(old, ", ")))
	if newRS != nil {
		d.line(0, "NewReplicaSet:\t%s (%d/%d replicas created)", newRS.Name, newRS.Status.Replicas, replicasOf(newRS.Spec.Replicas))
	} else {
		d.line(0, "NewReplicaSet:\t<none>")
	}
}

func describeReplicaSet(d *describer, rs *api.ReplicaSet) {
	d.meta(&rs.ObjectMeta, true)
	d.line(0, "Selector:\t%s", printers.FormatSelector(rs.Spec.Selector))
	if ref := controllerOf(&rs.ObjectMeta); ref != nil {
		d.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
	}
	d.line(0, "Replicas:\t%d current / %d desired", rs.Status.Replicas, replicasOf(rs.Spec.Replicas))
	d.line(0, "Pods Status:\t%d Ready / %d Available", rs.Status.ReadyReplicas, rs.Status.AvailableReplicas)
	podTemplate(d, &rs.Spec.Template)
}

func describeService(d *describer, s *api.Service) {
	d.meta(&s.ObjectMeta, true)
	d.line(0, "Selector:\t%s", printers.FormatLabels(s.Spec.Selector))
	typ := s.Spec.Type
	if typ == "" {
		typ = api.ServiceTypeClusterIP
	}
	d.line(0, "Type:\t%s", typ)
	d.line(0, "IP:\t%s", none(s.Spec.ClusterIP))
	if len(s.Spec.ClusterIPs) > 0 {
		d.line(0, "IPs:\t%s", strings.Join(s.Spec.ClusterIPs, ","))
	}
	if len(s.Spec.ExternalIPs) > 0 {
		d.line(0, "External IPs:\t%s", strings.Join(s.Spec.ExternalIPs, ","))
	}
	if s.Spec.ExternalName != "" {
		d.line(0, "External Name:\t%s", s.Spec.ExternalName)
	}
	for _, p := range s.Spec.Ports {
		name := p.Name
		if name == "" {
			name = "<unset>"
		}
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		d.line(0, "Port:\t%s\t%d/%s", name, p.Port, proto)
		target := p.TargetPort.String()
		if target == "0" {
			target = fmt.Sprint(p.Port)
		}
		d.line(0, "TargetPort:\t%s/%s", target, proto)
		if p.NodePort != 0 {
			d.line(0, "NodePort:\t%s\t%d/%s", name, p.NodePort, proto)
		}
	}
	affinity := s.Spec.SessionAffinity
	if affinity == "" {
		affinity = "None"
	}
	d.line(0, "Session Affinity:\t%s", affinity)
}

func describeNode(d *describer, n *api.Node, pods []*api.Pod) {
	d.line(0, "Name:\t%s", n.Name)
	d.line(0, "Roles:\t%s", printers.NodeRoles(n.Labels))
	d.mapLines(0, "Labels", n.Labels, "=")
	d.mapLines(0, "Annotations", n.Annotations, ": ")
	d.line(0, "CreationTimestamp:\t%s", stamp(n.CreationTimestamp))
	if len(n.Spec.Taints) == 0 {
		d.line(0, "Taints:\t<none>")
	}
	for i, t := range n.Spec.Taints {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		s += ":" + t.Effect
		if i == 0 {
			d.line(0, "Taints:\t%s", s)
		} else {
			d.line(0, "\t%s", s)
		}
	}
	d.line(0, "Unschedulable:\t%v", n.Spec.Unschedulable)
	d.line(0, "Conditions:")
	d.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
	d.line(1, "----\t------\t-----------------\t------------------\t------\t-------")
	for _, c := range n.Status.Conditions {
		d.line(1, "%s \t%s \t%s \t%s \t%s \t%s", c.Type, c.Status, stamp(c.LastHeartbeatTime), stamp(c.LastTransitionTime), c.Reason, c.Message)
	}
	d.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		d.line(1, "%s:\t%s", a.Type, a.Address)
	}
	resourceBlock := func(title string, l api.ResourceList) {
		d.line(0, "%s:", title)
		keys := make([]string, 0, len(l))
		for k := range l {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.line(1, "%s:\t%s", k, l[k].String())
		}
	}
	resourceBlock("Capacity", n.Status.Capacity)
	resourceBlock("Allocatable", n.Status.Allocatable)
	info := n.Status.NodeInfo
	d.line(0, "System Info:")
	d.line(1, "Machine ID:\t%s", info.MachineID)
	d.line(1, "Kernel Version:\t%s", info.KernelVersion)
	d.line(1, "OS Image:\t%s", info.OSImage)
	d.line(1, "Operating System:\t%s", info.OperatingSystem)
	d.line(1, "Architecture:\t%s", info.Architecture)
	d.line(1, "Container Runtime Version:\t%s", info.ContainerRuntimeVersion)
	d.line(1, "Kubelet Version:\t%s", info.KubeletVersion)
	d.line(0, "Non-terminated Pods:\t(%d in total)", countLive(pods))
	d.line(1, "Namespace\tName\tCPU Requests\tMemory Requests\tAge")
	d.line(1, "---------\t----\t------------\t---------------\t---")
	for _, p := range pods {
		if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
			continue
		}
		cpu, mem := podRequests(p)
		d.line(1, "%s\t%s\t%s\t%s\t%s", p.Namespace, p.Name, milliCPU(cpu), bytesText(mem), printers.Since(p.CreationTimestamp, d.now))
	}
}

func countLive(pods []*api.Pod) int {
	n := 0
	for _, p := range pods {
		if p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			n++
		}
	}
	return n
}

// describeGeneric prints the metadata, then the rest of the object as YAML
// (a Secret's values as their sizes only).
func describeGeneric(d *describer, obj api.Object, namespaced bool) error {
	d.meta(obj.GetObjectMeta(), namespaced)
	if s, ok := obj.(*api.Secret); ok {
		d.line(0, "")
		d.line(0, "Type:\t%s", s.Type)
		d.line(0, "")
		d.line(0, "Data")
		d.line(0, "====")
		keys := make([]string, 0, len(s.Data))
		for k := range s.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.line(0, "%s:\t%d bytes", k, len(s.Data[k]))
		}
		return nil
	}
	js, err := api.Encode(obj)
	if err != nil {
		return err
	}
	m, err := toMap(js)
	if err != nil {
		return err
	}
	for _, k := range []string{"apiVersion", "kind", "metadata"} {
		delete(m, k)
	}
	if len(m) == 0 {
		return nil
	}
	y, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	for _, l := range strings.Split(strings.TrimRight(string(y), "\n"), "\n") {
		d.line(0, "%s", l)
	}
	return nil
}
