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
	d.name(&dep.ObjectMeta, true)
	d.line(0, "CreationTimestamp:\t%s", stamp(dep.CreationTimestamp))
	d.labels(&dep.ObjectMeta)
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

func describeReplicaSet(d *describer, rs *api.ReplicaSet, pods []*api.Pod) {
	d.name(&rs.ObjectMeta, true)
	d.line(0, "Selector:\t%s", printers.FormatSelector(rs.Spec.Selector))
	d.labels(&rs.ObjectMeta)
	if ref := controllerOf(&rs.ObjectMeta); ref != nil {
		d.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
	}
	d.line(0, "Replicas:\t%d current / %d desired", rs.Status.Replicas, replicasOf(rs.Spec.Replicas))
	// The phases of the pods it controls, as kubectl counts them.
	phases := map[string]int{}
	for _, p := range pods {
		if ref := controllerOf(&p.ObjectMeta); ref != nil && ref.UID == rs.UID {
			phases[p.Status.Phase]++
		}
	}
	d.line(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed",
		phases[api.PodRunning], phases[api.PodPending], phases[api.PodSucceeded], phases[api.PodFailed])
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
