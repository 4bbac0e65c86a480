package sim

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// latency returns d plus the configured jitter.
func (c *Cluster) latency(d time.Duration) api.Time {
	if c.cfg.Jitter > 0 {
		d += time.Duration(c.rng.intn(int64(c.cfg.Jitter)))
	}
	return c.now + api.Time(d)
}

// observe schedules a runtime observation for n at time at.
func (c *Cluster) observe(n *simNode, at api.Time, in node.Input) {
	c.schedule(event{at: at, kind: evRuntime, node: uint32(n.index), gen: n.rt.gen, agent: n.agentGen, in: in})
}

// act executes one runtime action of n's machine.
func (c *Cluster) act(n *simNode, a node.Action) {
	rt := &n.rt
	switch a := a.(type) {
	case node.EnsureImage:
		b := c.behaviorFor(c.podOf(a.Pod), a.Container, a.Image)
		if c.logging() { // boxing the arguments costs even with the log off
			c.logf(n.name, "pull %s for %s/%s", a.Image, a.Pod, a.Container)
		}
		c.activity()
		switch {
		case b.PullFails:
			c.observe(n, c.latency(b.PullLatency), node.ImagePullFailed{PodUID: a.Pod.UID, Container: a.Container,
				Reason: "ErrImagePull", Message: fmt.Sprintf("failed to pull and unpack image %q: not found", a.Image)})
		case rt.hasImage(a.Image) && a.PullPolicy != "Always":
			c.observe(n, c.now, node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: c.imageRef(a.Image)})
		case a.PullPolicy == "Never":
			c.observe(n, c.now, node.ImagePullFailed{PodUID: a.Pod.UID, Container: a.Container,
				Reason: "ErrImageNeverPull", Message: fmt.Sprintf("image %q is not present with pull policy of Never", a.Image)})
		default:
			ref := c.imageRef(a.Image)
			rt.pulling(a.Image, ref)
			c.observe(n, c.latency(b.PullLatency), node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: ref})
		}
	case node.CreateContainer:
		beh := c.behaviorFor(c.podOf(a.Pod), a.Container, a.Image)
		id := rt.create(a.Pod, a.Container, a.Attempt, beh, a.HostNetwork)
		c.observe(n, c.now, node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, ID: id})
	case node.StartContainer:
		ctr := rt.find(a.ID)
		if ctr == nil {
			c.observe(n, c.now, node.ContainerStartFailed{ID: a.ID, Message: "no such container"})
			return
		}
		if c.logging() { // boxing the arguments costs even with the log off
			c.logf(n.name, "start %s/%s", a.Pod, a.Container)
		}
		c.activity()
		at := c.latency(ctr.beh.StartLatency)
		c.observe(n, at, node.ContainerStarted{ID: a.ID, At: at})
	case node.KillContainer:
		ctr := rt.find(a.ID)
		if ctr == nil {
			c.observe(n, c.now, node.ContainerKilled{ID: a.ID, ExitCode: 137, At: c.now})
			return
		}
		c.logf(n.name, "kill %s/%s grace=%s", a.Pod, a.Container, formatDuration(a.GracePeriod))
		c.activity()
		stop, code := c.latency(ctr.beh.StopLatency), int32(0)
		if ctr.state != ctrRunning {
			stop = c.now
		} else if stop > c.now+api.Time(a.GracePeriod) {
			stop, code = c.now+api.Time(a.GracePeriod), 137
		}
		c.observe(n, stop, node.ContainerKilled{ID: a.ID, ExitCode: code, At: stop})
	case node.RemoveContainer:
		c.observe(n, c.now, node.ContainerRemoved{ID: a.ID})
	case node.SetupVolume:
		c.observe(n, c.now, node.VolumeReady{PodUID: a.Pod.UID, Volume: a.Volume})
	case node.TeardownVolume:
		c.observe(n, c.now, node.VolumeTornDown{PodUID: a.Pod.UID, Volume: a.Volume})
	case node.RunProbe:
		ctr := rt.find(a.ID)
		ok := false
		if ctr != nil && ctr.state == ctrRunning {
			ans := ctr.beh.Liveness
			switch a.Kind {
			case node.Readiness:
				ans = ctr.beh.Readiness
			case node.Startup:
				ans = ctr.beh.Startup
			}
			ok = ans.answer(time.Duration(c.now - ctr.startedAt))
		}
		res := node.ProbeResult{ID: a.ID, Kind: a.Kind, Success: ok}
		if !ok {
			res.Message = fmt.Sprintf("%s probe failed", a.Kind)
		}
		c.observe(n, c.now, res)
	}
}

// imageRef is the digest the fake registry resolves an image to, made once
// per image.
func (c *Cluster) imageRef(image string) string {
	if ref, ok := c.imageRefs[image]; ok {
		return ref
	}
	var h uint64 = 14695981039346656037
	for i := 0; i < len(image); i++ {
		h = (h ^ uint64(image[i])) * 1099511628211
	}
	ref := fmt.Sprintf("%s@sha256:%016x", repository(image), h)
	c.imageRefs[image] = ref
	return ref
}

// observed applies an observation to n's runtime when it fires, and says
// whether the machine should hear of it (an exit of a container that was
// killed meanwhile is not news).
func (c *Cluster) observed(n *simNode, in node.Input) (node.Input, bool) {
	rt := &n.rt
	switch in := in.(type) {
	case node.ImageReady:
		rt.pulled(in.ImageRef)
	case node.ContainerStarted:
		ctr := rt.find(in.ID)
		if ctr == nil || ctr.state != ctrCreated {
			return in, false
		}
		ctr.state, ctr.startedAt = ctrRunning, in.At
		p := &rt.pods[ctr.pod]
		if !ctr.hostNet {
			rt.allocIP(p)
		}
		if c.logging() { // boxing the arguments costs even with the log off
			c.logf(n.name, "started %s/%s (%s)", p.ref, ctr.name, in.ID)
		}
		if b := ctr.beh; b.ExitAfter > 0 {
			code, reason := b.ExitCode, ""
			if b.OOMKilled {
				code, reason = 137, "OOMKilled"
			}
			at := in.At + api.Time(b.ExitAfter)
			c.observe(n, at, node.ContainerExited{ID: in.ID, ExitCode: code, Reason: reason, FinishedAt: at})
		}
	case node.ContainerExited:
		ctr := rt.find(in.ID)
		if ctr == nil || ctr.state != ctrRunning {
			return in, false
		}
		c.exit(n, ctr, in.ExitCode, in.Reason, in.FinishedAt)
	case node.ContainerKilled:
		ctr := rt.find(in.ID)
		if ctr != nil && ctr.state != ctrExited {
			c.exit(n, ctr, in.ExitCode, "", in.At)
		} else if ctr != nil {
			in.ExitCode = ctr.exitCode
		}
		return in, true
	case node.ContainerRemoved:
		if ctr := rt.find(in.ID); ctr != nil {
			rt.remove(ctr)
		}
	}
	return in, true
}

// exit ends a container's process. The fake runtime's only exit reason
// is OOMKilled.
func (c *Cluster) exit(n *simNode, ctr *container, code int32, reason string, at api.Time) {
	ctr.state, ctr.exitCode, ctr.oomKilled, ctr.finished = ctrExited, code, reason == "OOMKilled", at
	pod := n.rt.pods[ctr.pod].ref
	if reason != "" {
		c.logf(n.name, "exited %s/%s code=%d reason=%s", pod, ctr.name, code, reason)
	} else {
		c.logf(n.name, "exited %s/%s code=%d", pod, ctr.name, code)
	}
	c.activity()
}

// CrashContainer makes the process of container ctr of pod ns/name on
// its node exit now with code (reason OOMKilled if oom).
func (c *Cluster) CrashContainer(ns, pod, ctrName string, code int32, oom bool) error {
	for _, n := range c.nodes {
		// The first by id, as ids sort.
		var id string
		for i := range n.rt.ctrs {
			ctr := &n.rt.ctrs[i]
			p := &n.rt.pods[ctr.pod].ref
			if p.Namespace != ns || p.Name != pod || ctr.name != ctrName || ctr.state != ctrRunning {
				continue
			}
			if s := n.rt.formatID(ctr.seq); id == "" || s < id {
				id = s
			}
		}
		if id == "" {
			continue
		}
		reason := ""
		if oom {
			code, reason = 137, "OOMKilled"
		}
		c.observe(n, c.now, node.ContainerExited{ID: id, ExitCode: code, Reason: reason, FinishedAt: c.now})
		return nil
	}
	return fmt.Errorf("no running container %s in pod %s/%s", ctrName, ns, pod)
}

// podOf returns the pod ref names as the API has it, or nil if it is gone
// (or another pod by that name): the runtime reads its annotations. While
// no pod was ever annotated for the runtime, it is nil: the behaviour is
// the same (behaviorFor), and the lookup is saved.
func (c *Cluster) podOf(ref node.PodRef) *api.Pod {
	if !c.st.simAnnotated {
		return nil
	}
	o := c.mem.Lookup("pods", ref.Namespace, ref.Name)
	if o == nil || o.GetObjectMeta().UID != ref.UID {
		return nil
	}
	return o.(*api.Pod)
}
