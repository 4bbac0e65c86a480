package simnodes

import (
	"context"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

// kubelet watches every pod and applies the simple rule of the package
// documentation to those bound to the simulated nodes.
func (s *Sim) kubelet(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.listAndWatch(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("pod watch", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (s *Sim) listAndWatch(ctx context.Context) error {
	return s.c.ListWatch(ctx, "Pod", "", client.ListOptions{},
		func(l *client.List) error {
			s.ips.reset()
			for _, o := range l.Items {
				s.ips.mark(o.(*api.Pod))
			}
			for _, o := range l.Items {
				s.syncPod(ctx, o.(*api.Pod))
			}
			return nil
		},
		func(ev client.Event) error {
			p := ev.Object.(*api.Pod)
			if ev.Type == client.Deleted {
				s.ips.release(p.UID)
				return nil
			}
			s.syncPod(ctx, p)
			return nil
		})
}

// syncPod finishes the deletion of a pod being deleted, or reports a pod
// Running and Ready. Failures are left for the next event about the pod
// (level-triggered): a conflict means someone else wrote it, and that
// write comes back through the watch.
func (s *Sim) syncPod(ctx context.Context, p *api.Pod) {
	if !s.ours[p.Spec.NodeName] {
		return
	}
	if p.DeletionTimestamp != nil {
		zero := int64(0)
		uid := p.UID
		_, err := s.c.Delete(ctx, "Pod", p.Namespace, p.Name, client.DeleteOptions{GracePeriodSeconds: &zero,
			Preconditions: &client.Preconditions{UID: &uid}})
		if err != nil && !api.IsNotFound(err) && !api.IsConflict(err) && ctx.Err() == nil {
			s.o.Logger.Warn("finishing a pod's deletion", "pod", p.Namespace+"/"+p.Name, "err", err)
		}
		return
	}
	if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed || isRunning(p) {
		return
	}
	now := s.now()
	st := p.Status
	st.Phase = api.PodRunning
	st.Reason, st.Message = "", ""
	if st.StartTime == nil {
		st.StartTime = &now
	}
	st.HostIP = internalIP(s.ips.node[p.Spec.NodeName])
	if p.Spec.HostNetwork {
		st.PodIP = st.HostIP
	} else if st.PodIP == "" {
		if st.PodIP = s.ips.assign(p); st.PodIP == "" {
			s.o.Logger.Warn("no pod address left on the node", "node", p.Spec.NodeName, "pod", p.Namespace+"/"+p.Name)
		}
	}
	st.PodIPs = nil
	if st.PodIP != "" {
		st.PodIPs = []api.PodIP{{IP: st.PodIP}}
	}
	setCondition := func(typ string) {
		for i := range st.Conditions {
			if st.Conditions[i].Type == typ {
				if st.Conditions[i].Status != api.ConditionTrue {
					st.Conditions[i] = api.PodCondition{Type: typ, Status: api.ConditionTrue, LastTransitionTime: now}
				}
				return
			}
		}
		st.Conditions = append(st.Conditions, api.PodCondition{Type: typ, Status: api.ConditionTrue, LastTransitionTime: now})
	}
	st.Conditions = append([]api.PodCondition(nil), st.Conditions...)
	for _, t := range []string{api.PodInitialized, api.PodReady, api.ContainersReady, api.PodScheduled} {
		setCondition(t)
	}
	started := true
	st.InitContainerStatuses = nil
	for _, c := range p.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, api.ContainerStatus{Name: c.Name, Image: c.Image,
			ImageID: "sim://" + c.Image, ContainerID: "sim://" + p.UID + "/" + c.Name, Ready: true,
			State: api.ContainerState{Terminated: &api.ContainerStateTerminated{Reason: "Completed", StartedAt: now, FinishedAt: now}}})
	}
	st.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, api.ContainerStatus{Name: c.Name, Image: c.Image,
			ImageID: "sim://" + c.Image, ContainerID: "sim://" + p.UID + "/" + c.Name, Ready: true, Started: &started,
			State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: now}}})
	}
	q := *p
	q.Status = st
	if _, err := s.c.UpdateStatus(ctx, &q); err != nil && !api.IsConflict(err) && !api.IsNotFound(err) && ctx.Err() == nil {
		s.o.Logger.Warn("reporting a pod running", "pod", p.Namespace+"/"+p.Name, "err", err)
	}
}

// isRunning reports whether a pod already shows what syncPod would write.
func isRunning(p *api.Pod) bool {
	if p.Status.Phase != api.PodRunning || p.Status.HostIP == "" || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady && c.Status != api.ConditionTrue {
			return false
		}
	}
	for _, c := range p.Status.ContainerStatuses {
		if !c.Ready || c.State.Running == nil {
			return false
		}
	}
	return true
}
