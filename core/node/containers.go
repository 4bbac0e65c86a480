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
// its restarts).
type ctrState struct {
	// attempt is the current instance's attempt (its restartCount); -1 if
	// no instance was ever created. pending is the attempt being created.
	attempt, pending int32
	// id is the current instance; prevID the previous (exited) one, kept
	// for its logs as the kubelet keeps one dead container per name.
	// newID is an instance created but not yet started: it becomes the
	// current one when it starts (so the status moves straight from
	// waiting to running, as the kubelet's synchronous create+start does).
	id, prevID, newID string

	// pulledRef is what the runtime resolved the image to (see
	// imageReady); imageID is the current instance's.
	pulledRef, imageID string
	// image is the current instance's image; newImage the created one's
	// (they differ from the spec's after an image change).
	image, newImage string
	startedAt       api.Time
	// term is how the current instance ended (nil while it lives);
	// lastTerm how the previous one did.
	term, lastTerm *termState

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
	probes       *[3]probeState

	// The small fields last, together: no padding between them.
	phase ctrPhase
	// imageReady: the image is present for the next create.
	imageReady bool
	// restartOK: the back-off check passed for the current exit.
	restartOK bool
	hasRetry  bool
	// killSent: a KillContainer is outstanding, due by killDeadline;
	// forced: the last one had no grace; killFailed: the runtime said it
	// failed, and it is retried without grace at killDeadline.
	// restartAfterKill: restart even under OnFailure (killed by a probe or
	// a spec change).
	killSent, forced, killFailed, restartAfterKill bool
	// started: the startup probe succeeded (or there is none);
	// ready: the readiness probe's verdict.
	started, ready bool
}

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
		return c.newID
	}
	return c.id
}

// promote makes the created instance newID the current one.
func (m *Machine) promote(p *podState, ci int) {
	c := &p.ctrs[ci]
	if c.attempt >= 0 {
		if c.prevID != "" {
			m.removeNow(p, c.prevID)
		}
		c.prevID, c.lastTerm = c.id, c.term
	}
	c.term = nil
	c.id, c.newID, c.attempt, c.imageID, c.image = c.newID, "", c.pending, c.pulledRef, c.newImage
	c.setWaiting("", "")
	c.restartOK, c.restartAfterKill = false, false
	c.startedAt = 0
}

// succeeded: an init container that completed.
func (c *ctrState) succeeded() bool {
	return c.attempt >= 0 && c.phase == phaseIdle && c.term != nil && c.term.exitCode == 0
}

func (c *ctrState) setWaiting(reason, msg string) { c.waitReason, c.waitMsg = reason, msg }

func (p *podState) ctrIndex(name string) int {
	for ci := range p.ctrs {
		if p.spec(ci).Name == name {
			return ci
		}
	}
	return -1
}

// shouldRestart: the current instance exited and the restart policy asks
// for another one.
func (m *Machine) shouldRestart(p *podState, ci int) bool {
	c := &p.ctrs[ci]
	if c.term == nil || p.stopping() {
		return false
	}
	policy := p.restartPolicy()
	if ci < p.nInit {
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
	c := &p.ctrs[ci]
	if c.busy() || (c.attempt >= 0 && !m.shouldRestart(p, ci)) {
		return
	}
	if c.hasRetry {
		if m.now < c.retryAt {
			m.wakeAt(p, c.retryAt)
			return
		}
		c.hasRetry = false
	}
	if !volsReady {
		return
	}
	spec := p.spec(ci)
	if c.term != nil && !c.restartOK {
		fin := c.term.finished
		if c.restartBackoff.inBackOffSince(m.now, fin, m.cfg.BackOffMax) {
			msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
				fmtDuration(c.restartBackoff.delay), spec.Name, p.ref.Name, p.ref.Namespace, p.ref.UID)
			if c.waitReason != "CrashLoopBackOff" {
				m.event(p, api.EventTypeWarning, "BackOff", "Back-off restarting failed container "+spec.Name)
			}
			c.setWaiting("CrashLoopBackOff", msg)
			m.wakeAt(p, fin+api.Time(c.restartBackoff.delay))
			return
		}
		c.restartBackoff.next(m.now, fin, m.cfg.BackOffInitial, m.cfg.BackOffMax)
		c.restartOK = true
	}
	if !c.imageReady {
		if c.pull.inBackOffSinceUpdate(m.now, m.cfg.BackOffMax) {
			if c.pullFailedAt == m.now {
				m.wakeAt(p, m.now+1) // show the pull error until the next Tick
			} else {
				if c.waitReason != "ImagePullBackOff" {
					m.event(p, api.EventTypeNormal, "BackOff", fmt.Sprintf("Back-off pulling image %q", spec.Image))
				}
				c.setWaiting("ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q", spec.Image))
			}
			m.wakeAt(p, c.pull.last+api.Time(c.pull.delay))
			return
		}
		m.act(EnsureImage{Pod: p.ref, Container: spec.Name, Image: spec.Image, PullPolicy: pullPolicy(spec)})
		c.phase = phasePulling
		return
	}
	cc, err := m.buildCreate(p, ci)
	if err != nil {
		if c.waitReason != "CreateContainerConfigError" || c.waitMsg != err.Error() {
			m.event(p, api.EventTypeWarning, "Failed", "Error: "+err.Error())
		}
		c.setWaiting("CreateContainerConfigError", err.Error())
		p.blockedOnObjects = true
		return
	}
	cc.Attempt = c.attempt + 1
	m.act(cc)
	c.phase, c.pending, c.imageReady, c.newImage = phaseCreating, cc.Attempt, false, cc.Image
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
	c := &p.ctrs[ci]
	c.killSent, c.forced, c.killFailed, c.killDeadline = true, grace == 0, false, m.after(grace)
	m.act(KillContainer{Pod: p.ref, Container: c.name(p, ci), ID: c.liveID(), GracePeriod: grace, Message: msg})
	m.event(p, api.EventTypeNormal, "Killing", msg)
}

// syncKill escalates a kill whose grace period expired to one without grace.
func (m *Machine) syncKill(p *podState, ci int) {
	c := &p.ctrs[ci]
	if !c.live() || !c.killSent || c.forced {
		return
	}
	if m.now < c.killDeadline {
		m.wakeAt(p, c.killDeadline)
		return
	}
	msg := "Grace period expired, killing container " + c.name(p, ci)
	if c.killFailed {
		msg = "Retrying to kill container " + c.name(p, ci) + " without grace"
	}
	c.forced, c.killFailed = true, false
	m.act(KillContainer{Pod: p.ref, Container: c.name(p, ci), ID: c.liveID(), GracePeriod: 0, Message: msg})
}

// terminate records the end of container ci's current instance.
func (m *Machine) terminate(p *podState, ci int, code int32, reason, msg string, at api.Time) {
	c := &p.ctrs[ci]
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
	p.rt = append(p.rt, id)
	m.byID[id] = ctrLoc{p: p, ci: ci, removing: removing}
}

// removeNow emits RemoveContainer for a tracked container of p.
func (m *Machine) removeNow(p *podState, id string) {
	loc, ok := m.byID[id]
	if !ok || loc.removing {
		return
	}
	loc.removing = true
	m.byID[id] = loc
	m.act(RemoveContainer{Pod: p.ref, Container: p.ctrs[loc.ci].name(p, loc.ci), ID: id})
}
