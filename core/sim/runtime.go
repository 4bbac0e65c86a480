package sim

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// fakeRuntime is a node's fake container runtime: images, containers and pod
// addresses. It answers the machine's actions with observations scheduled
// as timed events; its state changes when those fire.
type fakeRuntime struct {
	// gen counts the runtime's lives: a crash wipes it, and events
	// scheduled before are dropped when they fire.
	gen uint32
	// images are present; refs maps the digests of images pulled or
	// being pulled back to their names.
	images map[string]bool
	refs   map[string]string
	ctrs   map[string]*container
	// nextID numbers containers; ids are "<node index>-<n>" in hex-ish
	// form so statuses look like real runtimes'.
	nextID int
	index  int
	// ips: pod uid -> address; used: addresses taken (host part).
	ips  map[string]string
	used [256]bool
	// perPod counts each pod's containers (its sandbox lives while >0).
	perPod map[string]int
}

// container is one container in a fake runtime.
type container struct {
	id        string
	pod       node.PodRef
	name      string
	attempt   int32
	state     string // created, running, exited
	startedAt api.Time
	finished  api.Time
	exitCode  int32
	reason    string
	beh       *Behavior
	hostNet   bool
}

func (r *fakeRuntime) init(index int) {
	r.index = index
	r.images = map[string]bool{}
	r.refs = map[string]string{}
	r.wipe()
}

// wipe forgets every container and address: the host went down.
func (r *fakeRuntime) wipe() {
	r.gen++
	r.ctrs = map[string]*container{}
	r.ips = map[string]string{}
	r.perPod = map[string]int{}
	r.used = [256]bool{}
}

// inventory lists the containers, for an adopting machine.
func (r *fakeRuntime) inventory() []node.RuntimeContainer {
	out := make([]node.RuntimeContainer, 0, len(r.ctrs))
	for _, c := range r.ctrs {
		out = append(out, node.RuntimeContainer{ID: c.id, PodUID: c.pod.UID, PodNamespace: c.pod.Namespace,
			PodName: c.pod.Name, Container: c.name, Attempt: c.attempt, State: c.state,
			StartedAt: c.startedAt, FinishedAt: c.finished, ExitCode: c.exitCode, Reason: c.reason})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// allocIP gives pod uid an address from the node's pod CIDR (.2 to .254),
// the lowest free one.
func (r *fakeRuntime) allocIP(uid string) string {
	if ip, ok := r.ips[uid]; ok {
		return ip
	}
	for h := 2; h < 255; h++ {
		if !r.used[h] {
			r.used[h] = true
			b := make([]byte, 0, 16) // "10.%d.%d.%d" without fmt
			b = append(b, "10."...)
			b = append(strconv.AppendInt(b, int64(244+r.index/256), 10), '.')
			b = append(strconv.AppendInt(b, int64(r.index%256), 10), '.')
			ip := string(strconv.AppendInt(b, int64(h), 10))
			r.ips[uid] = ip
			return ip
		}
	}
	return "" // the CIDR is full
}

func (r *fakeRuntime) releaseIP(uid string) {
	ip, ok := r.ips[uid]
	if !ok {
		return
	}
	delete(r.ips, uid)
	var a, b, c, h int
	if _, err := fmt.Sscanf(ip, "%d.%d.%d.%d", &a, &b, &c, &h); err == nil && h > 0 && h < 256 {
		r.used[h] = false
	}
}

// latency returns d plus the configured jitter.
func (c *Cluster) latency(d time.Duration) api.Time {
	if c.cfg.Jitter > 0 {
		d += time.Duration(c.rng.intn(int64(c.cfg.Jitter)))
	}
	return c.now + api.Time(d)
}

// observe schedules a runtime observation for n at time at.
func (c *Cluster) observe(n *simNode, at api.Time, in node.Input) {
	c.schedule(event{at: at, kind: evRuntime, node: n, gen: n.rt.gen, agent: n.agentGen, in: in})
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
		case rt.images[a.Image] && a.PullPolicy != "Always":
			c.observe(n, c.now, node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: imageRef(a.Image)})
		case a.PullPolicy == "Never":
			c.observe(n, c.now, node.ImagePullFailed{PodUID: a.Pod.UID, Container: a.Container,
				Reason: "ErrImageNeverPull", Message: fmt.Sprintf("image %q is not present with pull policy of Never", a.Image)})
		default:
			ref := imageRef(a.Image)
			rt.refs[ref] = a.Image
			c.observe(n, c.latency(b.PullLatency), node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: ref})
		}
	case node.CreateContainer:
		rt.nextID++
		id := fmt.Sprintf("%02x%06x", rt.index%256, rt.nextID)
		rt.ctrs[id] = &container{id: id, pod: a.Pod, name: a.Container, attempt: a.Attempt, state: "created",
			beh: c.behaviorFor(c.podOf(a.Pod), a.Container, a.Image), hostNet: a.HostNetwork}
		rt.perPod[a.Pod.UID]++
		c.observe(n, c.now, node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, ID: id})
	case node.StartContainer:
		ctr := rt.ctrs[a.ID]
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
		ctr := rt.ctrs[a.ID]
		if ctr == nil {
			c.observe(n, c.now, node.ContainerKilled{ID: a.ID, ExitCode: 137, At: c.now})
			return
		}
		c.logf(n.name, "kill %s/%s grace=%s", a.Pod, a.Container, formatDuration(a.GracePeriod))
		c.activity()
		stop, code := c.latency(ctr.beh.StopLatency), int32(0)
		if ctr.state != "running" {
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
		ctr := rt.ctrs[a.ID]
		ok := false
		if ctr != nil && ctr.state == "running" {
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

// imageRef is the digest the fake registry resolves an image to.
func imageRef(image string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(image); i++ {
		h = (h ^ uint64(image[i])) * 1099511628211
	}
	return fmt.Sprintf("%s@sha256:%016x", repository(image), h)
}

// observed applies an observation to n's runtime when it fires, and says
// whether the machine should hear of it (an exit of a container that was
// killed meanwhile is not news).
func (c *Cluster) observed(n *simNode, in node.Input) (node.Input, bool) {
	rt := &n.rt
	switch in := in.(type) {
	case node.ImageReady:
		if img, ok := rt.refs[in.ImageRef]; ok {
			rt.images[img] = true
		}
	case node.ContainerStarted:
		ctr := rt.ctrs[in.ID]
		if ctr == nil || ctr.state != "created" {
			return in, false
		}
		ctr.state, ctr.startedAt = "running", in.At
		if !ctr.hostNet {
			rt.allocIP(ctr.pod.UID)
		}
		if c.logging() { // boxing the arguments costs even with the log off
			c.logf(n.name, "started %s/%s (%s)", ctr.pod, ctr.name, ctr.id)
		}
		if b := ctr.beh; b.ExitAfter > 0 {
			code, reason := b.ExitCode, ""
			if b.OOMKilled {
				code, reason = 137, "OOMKilled"
			}
			at := in.At + api.Time(b.ExitAfter)
			c.observe(n, at, node.ContainerExited{ID: ctr.id, ExitCode: code, Reason: reason, FinishedAt: at})
		}
	case node.ContainerExited:
		ctr := rt.ctrs[in.ID]
		if ctr == nil || ctr.state != "running" {
			return in, false
		}
		c.exit(n, ctr, in.ExitCode, in.Reason, in.FinishedAt)
	case node.ContainerKilled:
		ctr := rt.ctrs[in.ID]
		if ctr != nil && ctr.state != "exited" {
			c.exit(n, ctr, in.ExitCode, "", in.At)
		} else if ctr != nil {
			in.ExitCode = ctr.exitCode
		}
		return in, true
	case node.ContainerRemoved:
		if ctr := rt.ctrs[in.ID]; ctr != nil {
			delete(rt.ctrs, in.ID)
			if rt.perPod[ctr.pod.UID]--; rt.perPod[ctr.pod.UID] <= 0 {
				delete(rt.perPod, ctr.pod.UID)
				rt.releaseIP(ctr.pod.UID)
			}
		}
	}
	return in, true
}

// exit ends a container's process.
func (c *Cluster) exit(n *simNode, ctr *container, code int32, reason string, at api.Time) {
	ctr.state, ctr.exitCode, ctr.reason, ctr.finished = "exited", code, reason, at
	if reason != "" {
		c.logf(n.name, "exited %s/%s code=%d reason=%s", ctr.pod, ctr.name, code, reason)
	} else {
		c.logf(n.name, "exited %s/%s code=%d", ctr.pod, ctr.name, code)
	}
	c.activity()
}

// CrashContainer makes the process of container ctr of pod ns/name on
// its node exit now with code (reason OOMKilled if oom).
func (c *Cluster) CrashContainer(ns, pod, ctrName string, code int32, oom bool) error {
	for _, n := range c.nodes {
		for _, id := range sortedIDs(n.rt.ctrs) {
			ctr := n.rt.ctrs[id]
			if ctr.pod.Namespace != ns || ctr.pod.Name != pod || ctr.name != ctrName || ctr.state != "running" {
				continue
			}
			reason := ""
			if oom {
				code, reason = 137, "OOMKilled"
			}
			c.observe(n, c.now, node.ContainerExited{ID: id, ExitCode: code, Reason: reason, FinishedAt: c.now})
			return nil
		}
	}
	return fmt.Errorf("no running container %s in pod %s/%s", ctrName, ns, pod)
}

func sortedIDs(m map[string]*container) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// podOf returns the pod ref names as the API has it, or nil if it is gone
// (or another pod by that name): the runtime reads its annotations.
func (c *Cluster) podOf(ref node.PodRef) *api.Pod {
	o := c.mem.Lookup("pods", ref.Namespace, ref.Name)
	if o == nil || o.GetObjectMeta().UID != ref.UID {
		return nil
	}
	return o.(*api.Pod)
}
