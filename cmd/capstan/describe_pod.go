package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
)

func describePod(d *describer, p *api.Pod) {
	d.name(&p.ObjectMeta, true)
	if p.Spec.Priority != nil {
		d.line(0, "Priority:\t%d", *p.Spec.Priority)
	}
	if p.Spec.PriorityClassName != "" {
		d.line(0, "Priority Class Name:\t%s", p.Spec.PriorityClassName)
	}
	if p.Spec.ServiceAccountName != "" {
		d.line(0, "Service Account:\t%s", p.Spec.ServiceAccountName)
	}
	if p.Spec.NodeName == "" {
		d.line(0, "Node:\t<none>")
	} else {
		d.line(0, "Node:\t%s/%s", p.Spec.NodeName, p.Status.HostIP)
	}
	if p.Status.StartTime != nil {
		d.line(0, "Start Time:\t%s", stamp(*p.Status.StartTime))
	}
	d.labels(&p.ObjectMeta)
	// The status line is the phase, as kubectl's describe prints it; the
	// STATUS column of get (Terminating, CrashLoopBackOff) comes below.
	status := p.Status.Phase
	if p.DeletionTimestamp != nil {
		d.line(0, "Status:\tTerminating (lasts %s)", printers.Since(*p.DeletionTimestamp, d.now))
		d.line(0, "Termination Grace Period:\t%ds", derefInt64(p.DeletionGracePeriodSeconds))
	} else {
		d.line(0, "Status:\t%s", status)
	}
	if p.Status.Reason != "" {
		d.line(0, "Reason:\t%s", p.Status.Reason)
	}
	if p.Status.Message != "" {
		d.line(0, "Message:\t%s", p.Status.Message)
	}
	d.line(0, "IP:\t%s", p.Status.PodIP)
	if len(p.Status.PodIPs) == 0 {
		d.line(0, "IPs:\t<none>")
	} else {
		d.line(0, "IPs:")
		for _, ip := range p.Status.PodIPs {
			d.line(1, "IP:\t%s", ip.IP)
		}
	}
	if ref := controllerOf(&p.ObjectMeta); ref != nil {
		d.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
	}
	if len(p.Spec.InitContainers) > 0 {
		d.line(0, "Init Containers:")
		containers(d, p.Spec.InitContainers, p.Status.InitContainerStatuses)
	}
	d.line(0, "Containers:")
	containers(d, p.Spec.Containers, p.Status.ContainerStatuses)
	if len(p.Status.Conditions) == 0 {
		d.line(0, "Conditions:\t<none>")
	} else {
		d.line(0, "Conditions:")
		d.line(1, "Type\tStatus")
		for _, c := range p.Status.Conditions {
			d.line(1, "%s \t%s ", c.Type, c.Status)
		}
	}
	volumes(d, p.Spec.Volumes)
	d.line(0, "QoS Class:\t%s", p.Status.QOSClass)
	d.mapLines(0, "Node-Selectors", p.Spec.NodeSelector, "=")
	tolerations(d, p.Spec.Tolerations)
}

func derefInt64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func controllerOf(m *api.ObjectMeta) *api.OwnerReference {
	for i, r := range m.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return &m.OwnerReferences[i]
		}
	}
	return nil
}

// containers prints each container of a pod (or template, without
// statuses) under its name.
func containers(d *describer, cs []api.Container, statuses []api.ContainerStatus) {
	containersIndented(d, "  ", cs, statuses)
}

// containersIndented prints containers with their names after indent (a
// pod template's are one space deeper than a pod's, as kubectl prints them).
func containersIndented(d *describer, indent string, cs []api.Container, statuses []api.ContainerStatus) {
	for _, c := range cs {
		d.line(0, "%s%s:", indent, c.Name)
		var st *api.ContainerStatus
		for i := range statuses {
			if statuses[i].Name == c.Name {
				st = &statuses[i]
			}
		}
		if st != nil && st.ContainerID != "" {
			d.line(2, "Container ID:\t%s", st.ContainerID)
		}
		d.line(2, "Image:\t%s", c.Image)
		if st != nil {
			d.line(2, "Image ID:\t%s", st.ImageID)
		}
		ports(d, c.Ports)
		if len(c.Command) > 0 {
			d.line(2, "Command:")
			for _, a := range c.Command {
				d.line(3, "%s", a)
			}
		}
		if len(c.Args) > 0 {
			d.line(2, "Args:")
			for _, a := range c.Args {
				d.line(3, "%s", a)
			}
		}
		if st != nil {
			containerState(d, "State", st.State)
			if st.LastState.Running != nil || st.LastState.Terminated != nil || st.LastState.Waiting != nil {
				containerState(d, "Last State", st.LastState)
			}
			d.line(2, "Ready:\t%s", titleBool(st.Ready))
			d.line(2, "Restart Count:\t%d", st.RestartCount)
		}
		resources(d, "Limits", c.Resources.Limits)
		resources(d, "Requests", c.Resources.Requests)
		if len(c.Env) == 0 && len(c.EnvFrom) == 0 {
			d.line(2, "Environment:\t<none>")
		} else {
			d.line(2, "Environment:")
			for _, e := range c.Env {
				d.line(3, "%s:\t%s", e.Name, envValue(e))
			}
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil {
					d.line(3, "%s\tConfigMap\tOptional: %v", e.ConfigMapRef.Name, e.ConfigMapRef.Optional != nil && *e.ConfigMapRef.Optional)
				}
				if e.SecretRef != nil {
					d.line(3, "%s\tSecret\tOptional: %v", e.SecretRef.Name, e.SecretRef.Optional != nil && *e.SecretRef.Optional)
				}
			}
		}
		if len(c.VolumeMounts) == 0 {
			d.line(2, "Mounts:\t<none>")
		} else {
			d.line(2, "Mounts:")
			for _, m := range c.VolumeMounts {
				mode := "rw"
				if m.ReadOnly {
					mode = "ro"
				}
				d.line(3, "%s from %s (%s)", m.MountPath, m.Name, mode)
			}
		}
	}
}

func ports(d *describer, ps []api.ContainerPort) {
	if len(ps) == 0 {
		d.line(2, "Port:\t<none>")
		d.line(2, "Host Port:\t<none>")
		return
	}
	var p, h []string
	for _, c := range ps {
		proto := c.Protocol
		if proto == "" {
			proto = "TCP"
		}
		p = append(p, fmt.Sprintf("%d/%s", c.ContainerPort, proto))
		h = append(h, fmt.Sprintf("%d/%s", c.HostPort, proto))
	}
	label := "Port"
	if len(ps) > 1 {
		label = "Ports"
	}
	d.line(2, "%s:\t%s", label, strings.Join(p, ", "))
	d.line(2, "Host %s:\t%s", label, strings.Join(h, ", "))
}

func containerState(d *describer, title string, s api.ContainerState) {
	switch {
	case s.Running != nil:
		d.line(2, "%s:\tRunning", title)
		d.line(3, "Started:\t%s", stamp(s.Running.StartedAt))
	case s.Waiting != nil:
		d.line(2, "%s:\tWaiting", title)
		if s.Waiting.Reason != "" {
			d.line(3, "Reason:\t%s", s.Waiting.Reason)
		}
		if s.Waiting.Message != "" {
			d.line(3, "Message:\t%s", s.Waiting.Message)
		}
	case s.Terminated != nil:
		t := s.Terminated
		d.line(2, "%s:\tTerminated", title)
		if t.Reason != "" {
			d.line(3, "Reason:\t%s", t.Reason)
		}
		if t.Message != "" {
			d.line(3, "Message:\t%s", t.Message)
		}
		d.line(3, "Exit Code:\t%d", t.ExitCode)
		if t.Signal != 0 {
			d.line(3, "Signal:\t%d", t.Signal)
		}
		d.line(3, "Started:\t%s", stamp(t.StartedAt))
		d.line(3, "Finished:\t%s", stamp(t.FinishedAt))
	default:
		d.line(2, "%s:\tWaiting", title)
	}
}

func titleBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func resources(d *describer, title string, l api.ResourceList) {
	if len(l) == 0 {
		return
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d.line(2, "%s:", title)
	for _, k := range keys {
		d.line(3, "%s:\t%s", k, l[k].String())
	}
}

func envValue(e api.EnvVar) string {
	src := e.ValueFrom
	switch {
	case src == nil:
		return e.Value
	case src.FieldRef != nil:
		return fmt.Sprintf(" (%s:%s)", src.FieldRef.APIVersion, src.FieldRef.FieldPath)
	case src.ResourceFieldRef != nil:
		return fmt.Sprintf("%s (%s)", src.ResourceFieldRef.Resource, src.ResourceFieldRef.ContainerName)
	case src.SecretKeyRef != nil:
		return fmt.Sprintf("<set to the key '%s' in secret '%s'>", src.SecretKeyRef.Key, src.SecretKeyRef.Name)
	case src.ConfigMapKeyRef != nil:
		return fmt.Sprintf("<set to the key '%s' of config map '%s'>", src.ConfigMapKeyRef.Key, src.ConfigMapKeyRef.Name)
	}
	return ""
}

func volumes(d *describer, vs []api.Volume) {
	if len(vs) == 0 {
		d.line(0, "Volumes:\t<none>")
		return
	}
	d.line(0, "Volumes:")
	for _, v := range vs {
		d.line(1, "%s:", v.Name)
		switch {
		case v.EmptyDir != nil:
			d.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
			d.line(2, "Medium:\t%s", v.EmptyDir.Medium)
		case v.HostPath != nil:
			d.line(2, "Type:\tHostPath (bare host directory volume)")
			d.line(2, "Path:\t%s", v.HostPath.Path)
		case v.Secret != nil:
			d.line(2, "Type:\tSecret (a volume populated by a Secret)")
			d.line(2, "SecretName:\t%s", v.Secret.SecretName)
		case v.ConfigMap != nil:
			d.line(2, "Type:\tConfigMap (a volume populated by a ConfigMap)")
			d.line(2, "Name:\t%s", v.ConfigMap.Name)
		case v.PersistentVolumeClaim != nil:
			d.line(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
			d.line(2, "ClaimName:\t%s", v.PersistentVolumeClaim.ClaimName)
			d.line(2, "ReadOnly:\t%v", v.PersistentVolumeClaim.ReadOnly)
		}
	}
}

func tolerations(d *describer, ts []api.Toleration) {
	if len(ts) == 0 {
		d.line(0, "Tolerations:\t<none>")
		return
	}
	for i, t := range ts {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + t.Effect
		}
		if t.Operator == "Exists" && t.Value == "" {
			if t.Key != "" {
				s += " op=Exists"
			} else {
				s = "op=Exists"
			}
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		if i == 0 {
			d.line(0, "Tolerations:\t%s", s)
		} else {
			d.line(0, "\t%s", s)
		}
	}
}

// podTemplate prints a pod template, as kubectl's DescribePodTemplate.
func podTemplate(d *describer, t *api.PodTemplateSpec) {
	d.line(0, "Pod Template:")
	d.mapLines(1, "Labels", t.Labels, "=")
	if len(t.Annotations) > 0 {
		d.mapLines(1, "Annotations", t.Annotations, ": ")
	}
	if t.Spec.ServiceAccountName != "" {
		d.line(1, "Service Account:\t%s", t.Spec.ServiceAccountName)
	}
	if len(t.Spec.InitContainers) > 0 {
		d.line(1, "Init Containers:")
		containersIndented(d, "   ", t.Spec.InitContainers, nil)
	}
	d.line(1, "Containers:")
	containersIndented(d, "   ", t.Spec.Containers, nil)
	var v describer
	volumes(&v, t.Spec.Volumes)
	v.mapLines(0, "Node-Selectors", t.Spec.NodeSelector, "=")
	tolerations(&v, t.Spec.Tolerations)
	for _, l := range strings.Split(strings.TrimRight(v.buf.String(), "\n"), "\n") {
		d.line(1, "%s", l)
	}
}

// describePodTemplate prints a template alone (rollout history --revision).
func describePodTemplate(out io.Writer, t *api.PodTemplateSpec) {
	d := &describer{}
	podTemplate(d, t)
	_ = d.flush(out) // the caller reports write errors by the exit of the command
}
