package node

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// ctrPhase is what the machine is doing with a container.
type ctrPhase uint8

const (
	// phaseIdle: nothing in flight. Either no instance was created yet
	// (attempt < 0) or the current instance exited (term != nil).
	phaseIdle ctrPhase = iota
	// phasePulling: an EnsureImage is outstanding.
	phasePulling
	// phaseCreating: a CreateContainer for attempt pending is outstanding.
	phaseCreating
	// phaseCreated: the instance exists; a StartContainer is outstanding.
	phaseCreated
	// phaseRunning: the instance runs.
	phaseRunning
)

var phaseNames = [...]string{"idle", "pulling", "creating", "created", "running"}

func (p ctrPhase) String() string { return phaseNames[p] }

// ctrState is the machine's view of one container of a pod (one name, across
// its restarts). What a running container needs is kept inline; the
// instance being pulled, created and started (inst) and the state of
// failures and restarts (x) are side structs allocated when needed.
type ctrState struct {
	// id is the current instance.
	id string
	// imageID is what the current instance's image resolved to (its
	// image is the spec's, or x.image after an image change).
	imageID   string
	startedAt api.Time
	// term is how the current instance ended (nil while it lives).
	term   *termState
	probes *[3]probeState
	// inst is the next instance, from its pull to its start (nil
	// otherwise: promote drops it).
	inst *ctrInstance
	// x holds the rarely used state (nil until needed; see cold).
	x *ctrCold

	// The small fields last, together: no padding between them.

	// attempt is the current instance's attempt (its restartCount); -1 if
	// no instance was ever created (the attempt being created is
	// inst.pending).
	attempt int32
	phase   ctrPhase
	// imageReady: the image is present for the next create.
	imageReady bool
	// restartOK: the back-off check passed for the current exit.
	restartOK bool
	// killSent: a KillContainer is outstanding, due by x.killDeadline;
	// forced: the last one had no grace; killFailed: the runtime said it
	// failed, and it is retried without grace at x.killDeadline.
	// restartAfterKill: restart even under OnFailure (killed by a probe or
	// a spec change).
	killSent, forced, killFailed, restartAfterKill bool
	// started: the startup probe succeeded (or there is none);
	// ready: the readiness probe's verdict.
	started, ready bool
}

// ctrInstance is the instance of a container on its way to running.
type ctrInstance struct {
	// pulledRef is what the runtime resolved the image to (see
	// imageReady); it becomes imageID.
	pulledRef string
	// newImage is the created instance's image.
	newImage string
	// newID is an instance created but not yet started: it becomes the
	// current one when it starts (so the status moves straight from
	// waiting to running, as the kubelet's synchronous create+start does).
	newID string
	// pending is the attempt being created (phaseCreating) or created.
	pending int32
}

// ctrCold is the part of a container's state that only failures,
// restarts and kills need.
type ctrCold struct {
	// prevID is the previous (exited) instance, kept for its logs as the
	// kubelet keeps one dead container per name; lastTerm is how it ended.
	prevID   string
	lastTerm *termState
	// waitReason/waitMsg explain why the container is not running
	// (CrashLoopBackOff, ImagePullBackOff, ...). Cleared on creation.
	waitReason, waitMsg string
	// pullFailedAt: when the last pull failed (ErrImagePull shows until
	// the next Tick, then ImagePullBackOff).
	pullFailedAt api.Time

	restartBackoff, pull backoff
	// retryAt: when to retry a failed runtime operation (hasRetry).
	retryAt api.Time
	// killDeadline: when an outstanding kill (killSent) is due.
	killDeadline api.Time
	// image is the current instance's image when it is not the spec's
	// (the spec's image changed since it was created), else "".
	image    string
	hasRetry bool
}

// noCold is what rare returns for a container without a side struct: the
// zero ctrCold, read only, never written.
var noCold ctrCold

// cold returns c's side struct, allocating it if needed.
func (c *ctrState) cold() *ctrCold {
	if c.x == nil {
		c.x = new(ctrCold)
	}
	return c.x
}

// rare returns c's side struct for reading: the zero one if it has none.
func (c *ctrState) rare() *ctrCold {
	if c.x == nil {
		return &noCold
	}
	return c.x
}

// instance returns c's next instance, allocating it if needed.
func (c *ctrState) instance() *ctrInstance {
	if c.inst == nil {
		c.inst = new(ctrInstance)
	}
	return c.inst
}

// pending is the attempt being created or created, not yet started (0 if
// none).
func (c *ctrState) pending() int32 {
	if c.inst == nil {
		return 0
	}
	return c.inst.pending
}

// newID is the created, not yet started instance ("" if none).
func (c *ctrState) newID() string {
	if c.inst == nil {
		return ""
	}
	return c.inst.newID
}

func (c *ctrState) clearNewID() {
	if c.inst != nil {
		c.inst.newID = ""
	}
}

func (c *ctrState) prevID() string     { return c.rare().prevID }
func (c *ctrState) image() string      { return c.rare().image }
func (c *ctrState) waitReason() string { return c.rare().waitReason }

type termState struct {
	exitCode            int32
	reason, message, id string
	startedAt, finished api.Time
}

func (c *ctrState) name(p *podState, ci int) string { return p.spec(ci).Name }
func (c *ctrState) live() bool                      { return c.phase == phaseCreated || c.phase == phaseRunning }
func (c *ctrState) busy() bool                      { return c.phase != phaseIdle }

// liveID is the runtime ID of the live instance (created or running).
func (c *ctrState) liveID() string {
	if c.phase == phaseCreated {
		return c.newID()
	}
	return c.id
}

// promote makes the created instance newID the current one.
func (m *Machine) promote(p *podState, ci int) {
	c := p.ctr(ci)
	if c.attempt >= 0 {
		x := c.cold()
		if x.prevID != "" {
			m.removeNow(p, x.prevID)
		}
		x.prevID, x.lastTerm = c.id, c.term
	}
	c.term = nil
	var in ctrInstance
	if c.inst != nil {
		in = *c.inst
	}
	c.id, c.inst, c.attempt, c.imageID = in.newID, nil, in.pending, in.pulledRef
	c.setImage(p, ci, in.newImage)
	c.setWaiting("", "")
	c.restartOK, c.restartAfterKill = false, false
	c.startedAt = 0
}

// succeeded: an init container that completed.
func (c *ctrState) succeeded() bool {
	return c.attempt >= 0 && c.phase == phaseIdle && c.term != nil && c.term.exitCode == 0
}

// setImage records image as the current instance's, container ci of p.
func (c *ctrState) setImage(p *podState, ci int, image string) {
	if image == p.spec(ci).Image {
		image = ""
	}
	if c.x != nil || image != "" {
		c.cold().image = image
	}
}

// keepImages records, before p's pod is replaced by pod, the image of the
// instances that run (or ran) the spec's image, if pod's is another.
func (p *podState) keepImages(pod *api.Pod) {
	for ci := range p.nCtrs() {
		c := p.ctr(ci)
		if c.attempt < 0 || c.image() != "" {
			continue
		}
		spec := &pod.Spec.Containers
		i := ci - p.nInit()
		if ci < p.nInit() {
			spec, i = &pod.Spec.InitContainers, ci
		}
		if old := p.spec(ci).Image; (*spec)[i].Image != old {
			c.cold().image = old
		}
	}
}

func (c *ctrState) setWaiting(reason, msg string) {
	if c.x == nil && reason == "" && msg == "" {
		return
	}
	x := c.cold()
	x.waitReason, x.waitMsg = reason, msg
}

func (p *podState) ctrIndex(name string) int {
	for ci := range p.nCtrs() {
		if p.spec(ci).Name == name {
			return ci
		}
	}
	return -1
}

// shouldRestart: the current instance exited and the restart policy asks
// for another one.
func (m *Machine) shouldRestart(p *podState, ci int) bool {
	c := p.ctr(ci)
	if c.term == nil || p.stopping() {
		return false
	}
	policy := p.restartPolicy()
	if ci < p.nInit() {
		return c.term.exitCode != 0 && policy != api.RestartPolicyNever
	}
	switch policy {
	case api.RestartPolicyAlways:
		return true
	case api.RestartPolicyOnFailure:
		return c.term.exitCode != 0 || c.restartAfterKill
	}
	return false
}

// syncContainer takes one step towards running container ci: restart
// back-off, image, configuration, creation. Starting follows creation.
func (m *Machine) syncContainer(p *podState, ci int, volsReady bool) {
	c := p.ctr(ci)
	if c.busy() || (c.attempt >= 0 && !m.shouldRestart(p, ci)) {
		return
	}
	if x := c.x; x != nil && x.hasRetry {
		if m.now < x.retryAt {
			m.wakeAt(p, x.retryAt)
			return
		}
		x.hasRetry = false
	}
	if !volsReady {
		return
	}
	spec := p.spec(ci)
	if c.term != nil && !c.restartOK {
		fin := c.term.finished
		x := c.cold()
		if x.restartBackoff.inBackOffSince(m.now, fin, m.cfg.BackOffMax) {
			msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
				fmtDuration(x.restartBackoff.delay), spec.Name, p.pod.Name, p.pod.Namespace, p.pod.UID)
			if x.waitReason != "CrashLoopBackOff" {
				m.event(p, api.EventTypeWarning, "BackOff", "Back-off restarting failed container "+spec.Name)
			}
			c.setWaiting("CrashLoopBackOff", msg)
			m.wakeAt(p, fin+api.Time(x.restartBackoff.delay))
			return
		}
		x.restartBackoff.next(m.now, fin, m.cfg.BackOffInitial, m.cfg.BackOffMax)
		c.restartOK = true
	}
	if !c.imageReady {
		if x := c.rare(); x.pull.inBackOffSinceUpdate(m.now, m.cfg.BackOffMax) {
			if x.pullFailedAt == m.now {
				m.wakeAt(p, m.now+1) // show the pull error until the next Tick
			} else {
				if x.waitReason != "ImagePullBackOff" {
					m.event(p, api.EventTypeNormal, "BackOff", fmt.Sprintf("Back-off pulling image %q", spec.Image))
				}
				c.setWaiting("ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q", spec.Image))
			}
			m.wakeAt(p, x.pull.last+api.Time(x.pull.delay))
			return
		}
		m.act(EnsureImage{Pod: p.ref(), Container: spec.Name, Image: spec.Image, PullPolicy: pullPolicy(spec)})
		c.phase = phasePulling
		return
	}
	cc, err := m.buildCreate(p, ci)
	if err != nil {
		if x := c.rare(); x.waitReason != "CreateContainerConfigError" || x.waitMsg != err.Error() {
			m.event(p, api.EventTypeWarning, "Failed", "Error: "+err.Error())
		}
		c.setWaiting("CreateContainerConfigError", err.Error())
		p.cold().blockedOnObjects = true
		return
	}
	cc.Attempt = c.attempt + 1
	m.act(cc)
	c.phase, c.imageReady = phaseCreating, false
	in := c.instance()
	in.pending, in.newImage = cc.Attempt, cc.Image
}

// pullPolicy defaults the pull policy as Kubernetes does: Always for an
// image without a tag or with tag "latest", IfNotPresent otherwise.
func pullPolicy(c *api.Container) string {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	img := c.Image
	if i := lastIndexByte(img, '@'); i >= 0 {
		return "IfNotPresent"
	}
	slash := lastIndexByte(img, '/')
	colon := lastIndexByte(img, ':')
	if colon <= slash || img[colon+1:] == "latest" {
		return "Always"
	}
	return "IfNotPresent"
}

func lastIndexByte(s string, b byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// kill emits a KillContainer for container ci.
func (m *Machine) kill(p *podState, ci int, grace time.Duration, msg string) {
	c := p.ctr(ci)
	c.killSent, c.forced, c.killFailed, c.cold().killDeadline = true, grace == 0, false, m.after(grace)
	m.act(KillContainer{Pod: p.ref(), Container: c.name(p, ci), ID: c.liveID(), GracePeriod: grace, Message: msg})
	m.event(p, api.EventTypeNormal, "Killing", msg)
}

// syncKill escalates a kill whose grace period expired to one without grace.
func (m *Machine) syncKill(p *podState, ci int) {
	c := p.ctr(ci)
	if !c.live() || !c.killSent || c.forced {
		return
	}
	if m.now < c.x.killDeadline {
		m.wakeAt(p, c.x.killDeadline)
		return
	}
	msg := "Grace period expired, killing container " + c.name(p, ci)
	if c.killFailed {
		msg = "Retrying to kill container " + c.name(p, ci) + " without grace"
	}
	c.forced, c.killFailed = true, false
	m.act(KillContainer{Pod: p.ref(), Container: c.name(p, ci), ID: c.liveID(), GracePeriod: 0, Message: msg})
}

// terminate records the end of container ci's current instance.
func (m *Machine) terminate(p *podState, ci int, code int32, reason, msg string, at api.Time) {
	c := p.ctr(ci)
	if c.phase == phaseCreated {
		m.promote(p, ci)
	}
	if at == 0 {
		at = m.now
	}
	if reason == "" {
		reason = "Completed"
		if code != 0 {
			reason = "Error"
		}
	}
	c.term = &termState{exitCode: code, reason: reason, message: msg, id: c.id, startedAt: c.startedAt, finished: at}
	c.phase = phaseIdle
	c.started, c.ready = false, false
	c.killSent, c.forced, c.killFailed = false, false, false
	c.probes = nil
}

// track records a runtime container of p.
func (m *Machine) track(p *podState, ci int, id string, removing bool) {
	m.rt.add(p, ci, id, removing)
}

// removeNow emits RemoveContainer for a tracked container of p.
func (m *Machine) removeNow(p *podState, id string) {
	r := m.rt.find(id)
	if r == nil || r.removing {
		return
	}
	r.removing = true
	m.act(RemoveContainer{Pod: p.ref(), Container: p.spec(int(r.ci)).Name, ID: id})
}
