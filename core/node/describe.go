package node

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// fmtTime renders an instant as seconds since the epoch: "@12s", "@1.5s".
func fmtTime(t api.Time) string {
	sec, frac := int64(t)/1e9, int64(t)%1e9
	if frac == 0 {
		return "@" + strconv.FormatInt(sec, 10) + "s"
	}
	f := strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	return "@" + strconv.FormatInt(sec, 10) + "." + f + "s"
}

func fmtDuration(d time.Duration) string { return d.String() }

func describeList(ss []string) string { return "[" + strings.Join(ss, " ") + "]" }

func (a EnsureImage) Describe() string {
	return fmt.Sprintf("ensure-image %s %s image=%s policy=%s", a.Pod, a.Container, a.Image, a.PullPolicy)
}

func (a CreateContainer) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "create %s %s attempt=%d image=%s", a.Pod, a.Container, a.Attempt, a.Image)
	if a.Init {
		b.WriteString(" init")
	}
	if a.Command != nil {
		b.WriteString(" cmd=" + describeList(a.Command))
	}
	if a.Args != nil {
		b.WriteString(" args=" + describeList(a.Args))
	}
	if a.WorkingDir != "" {
		b.WriteString(" workdir=" + a.WorkingDir)
	}
	if len(a.Env) > 0 {
		env := make([]string, len(a.Env))
		for i, e := range a.Env {
			if e.Sensitive {
				env[i] = e.Name + "=<secret>"
			} else {
				env[i] = e.Name + "=" + e.Value
			}
		}
		b.WriteString(" env=" + describeList(env))
	}
	if len(a.Mounts) > 0 {
		ms := make([]string, len(a.Mounts))
		for i, mt := range a.Mounts {
			ms[i] = mt.Volume + ":" + string(mt.Kind)
			if mt.Source != "" {
				ms[i] += "(" + mt.Source + ")"
			}
			ms[i] += "->" + mt.MountPath
			if mt.SubPath != "" {
				ms[i] += "(subPath=" + mt.SubPath + ")"
			}
			if mt.ReadOnly {
				ms[i] += ":ro"
			}
		}
		b.WriteString(" mounts=" + describeList(ms))
	}
	r := a.Resources
	if r != (Resources{}) {
		fmt.Fprintf(&b, " cpu=%dm/%dm mem=%d/%d", r.CPURequestMillis, r.CPULimitMillis, r.MemoryRequestBytes, r.MemoryLimit)
	}
	b.WriteString(a.Security.describe())
	if a.HostNetwork {
		b.WriteString(" hostNetwork")
	}
	return b.String()
}

func (s Security) describe() string {
	var b strings.Builder
	num := func(name string, v *int64) {
		if v != nil {
			fmt.Fprintf(&b, " %s=%d", name, *v)
		}
	}
	flag := func(name string, v *bool) {
		if v != nil {
			fmt.Fprintf(&b, " %s=%t", name, *v)
		}
	}
	num("runAsUser", s.RunAsUser)
	num("runAsGroup", s.RunAsGroup)
	num("fsGroup", s.FSGroup)
	flag("runAsNonRoot", s.RunAsNonRoot)
	flag("readOnlyRootFilesystem", s.ReadOnlyRootFilesystem)
	flag("privileged", s.Privileged)
	flag("allowPrivilegeEscalation", s.AllowPrivilegeEscalation)
	return b.String()
}

func (a StartContainer) Describe() string {
	return fmt.Sprintf("start %s %s id=%s", a.Pod, a.Container, a.ID)
}

func (a KillContainer) Describe() string {
	return fmt.Sprintf("kill %s %s id=%s grace=%s msg=%q", a.Pod, a.Container, a.ID, fmtDuration(a.GracePeriod), a.Message)
}

func (a RemoveContainer) Describe() string {
	return fmt.Sprintf("remove %s %s id=%s", a.Pod, a.Container, a.ID)
}

func (a SetupVolume) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "setup-volume %s %s %s", a.Pod, a.Volume, a.Kind)
	if a.Source != "" {
		b.WriteString(" source=" + a.Source)
	}
	if a.HostPathType != "" {
		b.WriteString(" type=" + a.HostPathType)
	}
	if a.Medium != "" {
		b.WriteString(" medium=" + a.Medium)
	}
	if a.SizeLimit != 0 {
		fmt.Fprintf(&b, " sizeLimit=%d", a.SizeLimit)
	}
	if a.ReadOnly {
		b.WriteString(" ro")
	}
	if a.Kind == VolumeSecret || a.Kind == VolumeConfigMap {
		fs := make([]string, len(a.Files))
		for i, f := range a.Files {
			if f.Sensitive {
				fs[i] = fmt.Sprintf("%s(%04o,%dB)", f.Path, f.Mode, len(f.Data))
			} else {
				fs[i] = fmt.Sprintf("%s(%04o)=%q", f.Path, f.Mode, f.Data)
			}
		}
		b.WriteString(" files=" + describeList(fs))
	}
	return b.String()
}

func (a TeardownVolume) Describe() string {
	return fmt.Sprintf("teardown-volume %s %s %s", a.Pod, a.Volume, a.Kind)
}

func (a RunProbe) Describe() string {
	return fmt.Sprintf("probe %s %s %s id=%s timeout=%s %s", a.Pod, a.Container, a.Kind, a.ID, fmtDuration(a.Timeout), describeHandler(a.Handler))
}

func describeHandler(h api.ProbeHandler) string {
	switch {
	case h.Exec != nil:
		return "exec=" + describeList(h.Exec.Command)
	case h.HTTPGet != nil:
		scheme := h.HTTPGet.Scheme
		if scheme == "" {
			scheme = "HTTP"
		}
		return fmt.Sprintf("http=%s://%s:%s%s", strings.ToLower(scheme), h.HTTPGet.Host, h.HTTPGet.Port.String(), h.HTTPGet.Path)
	case h.TCPSocket != nil:
		return fmt.Sprintf("tcp=%s:%s", h.TCPSocket.Host, h.TCPSocket.Port.String())
	}
	return "handler=none"
}

func (u StatusUpdate) Describe() string {
	s := &u.Status
	var b strings.Builder
	fmt.Fprintf(&b, "status %s %s", u.Pod, s.Phase)
	if s.Reason != "" {
		b.WriteString(" reason=" + s.Reason)
	}
	for _, c := range s.Conditions {
		fmt.Fprintf(&b, " %s=%s", c.Type, c.Status)
		if c.Reason != "" {
			b.WriteString("/" + c.Reason)
		}
	}
	for i := range s.InitContainerStatuses {
		b.WriteString("\n  init " + describeContainerStatus(&s.InitContainerStatuses[i]))
	}
	for i := range s.ContainerStatuses {
		b.WriteString("\n  " + describeContainerStatus(&s.ContainerStatuses[i]))
	}
	return b.String()
}

func describeContainerStatus(cs *api.ContainerStatus) string {
	s := cs.Name + ": " + describeState(cs.State)
	if cs.LastState != (api.ContainerState{}) {
		s += " last=" + describeState(cs.LastState)
	}
	if cs.Started != nil && *cs.Started {
		s += " started"
	}
	if cs.Ready {
		s += " ready"
	}
	return s + " restarts=" + strconv.Itoa(int(cs.RestartCount))
}

func describeState(st api.ContainerState) string {
	switch {
	case st.Waiting != nil:
		if st.Waiting.Message != "" {
			return fmt.Sprintf("waiting(%s: %s)", st.Waiting.Reason, st.Waiting.Message)
		}
		return "waiting(" + st.Waiting.Reason + ")"
	case st.Running != nil:
		return "running(" + fmtTime(st.Running.StartedAt) + ")"
	case st.Terminated != nil:
		t := st.Terminated
		s := fmt.Sprintf("terminated(%s code=%d", t.Reason, t.ExitCode)
		if t.FinishedAt != 0 {
			s += " " + fmtTime(t.FinishedAt)
		}
		if t.Message != "" {
			s += ": " + t.Message
		}
		return s + ")"
	}
	return "none"
}

func (d PodDeletion) Describe() string { return "delete-pod " + d.Pod.String() }

func (e Event) Describe() string {
	return fmt.Sprintf("event %s %s %s: %s", e.Pod, e.Type, e.Reason, e.Message)
}

func (l LeaseRenewal) Describe() string {
	s := "lease " + l.Namespace + "/" + l.Name
	if h := l.Spec.HolderIdentity; h != nil {
		s += " holder=" + *h
	}
	if d := l.Spec.LeaseDurationSeconds; d != nil {
		s += fmt.Sprintf(" duration=%ds", *d)
	}
	if r := l.Spec.RenewTime; r != nil {
		s += " renew=" + fmtTime(api.Time(*r))
	}
	return s
}

func (u NodeStatusUpdate) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "node-status %s", u.Name)
	for _, c := range u.Status.Conditions {
		if c.Type == api.NodeReady {
			fmt.Fprintf(&b, " Ready=%s/%s since=%s heartbeat=%s", c.Status, c.Reason, fmtTime(c.LastTransitionTime), fmtTime(c.LastHeartbeatTime))
		}
	}
	b.WriteString(" capacity=" + describeResources(u.Status.Capacity))
	b.WriteString(" allocatable=" + describeResources(u.Status.Allocatable))
	return b.String()
}

func describeResources(rl api.ResourceList) string {
	keys := sortedKeys(rl)
	parts := make([]string, len(keys))
	for i, k := range keys {
		q := rl[k]
		parts[i] = k + "=" + q.String()
	}
	return describeList(parts)
}

func describeRegistration(n *api.Node) string {
	keys := sortedKeys(n.Labels)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + n.Labels[k]
	}
	return "register-node " + n.Name + " labels=" + describeList(parts)
}
