package simtest

import (
	"fmt"
	"time"
)

// Phases of a run (see Schedule): actions and faults during Active, then
// every fault healed, then Quiet before the liveness checks.
const (
	DefaultActive = 40 * time.Minute
	DefaultQuiet  = 20 * time.Minute
)

// Generate makes seed's schedule from the seed alone: a quarter of the
// seeds are calm (user actions only, healthy images), the others add
// faults.
func Generate(seed uint64) *Schedule {
	r := newRNG(seed)
	s := &Schedule{Seed: seed, Calm: r.chance(25), Active: DefaultActive, Quiet: DefaultQuiet}
	s.Init = fmt.Sprintf("init seed=%d jitter=%s grace=%s toleration=%d", seed,
		pick(r, "0s", "100ms", "300ms"), pick(r, "40s", "40s", "20s"), pick(r, 300, 300, 60, 30))
	w := genWorkload(r, s)
	genActions(r, s, w)
	if !s.Calm {
		genFaults(r, s, w)
	}
	s.sortItems()
	return s
}

// at draws a time on the grid in [lo, hi].
func at(r *rng, lo, hi time.Duration) time.Duration {
	return time.Duration(r.between(int(lo/Grid), int(hi/Grid))) * Grid
}

// genActions adds what users do: scaling, rollouts (set-image, rollout
// undo), pause and resume, deletions (and re-creations), cordons.
func genActions(r *rng, s *Schedule, w *workload) {
	add := func(t time.Duration, line, body string) {
		if t < s.Active {
			s.Items = append(s.Items, Item{At: t, Kind: Action, Line: line, Body: body})
		}
	}
	last := s.Active - 3*time.Minute
	for range r.between(4, 14) {
		t := at(r, 20*time.Second, last)
		d := pick(r, w.deployments...)
		ref := "deployment/" + d.name
		switch k := r.intn(100); {
		case k < 22:
			add(t, fmt.Sprintf("scale %s %d", ref, r.between(0, 6)), "")
		case k < 44:
			add(t, fmt.Sprintf("set-image %s app=%s", ref, pick(r, healthyImages...)), "")
		case k < 54:
			add(t, "rollout-undo "+ref, "")
		case k < 62:
			add(t, "pause "+ref, "")
			if r.chance(80) {
				add(t+at(r, 30*time.Second, 10*time.Minute), "resume "+ref, "")
			}
		case k < 72:
			if s.Calm {
				add(t, fmt.Sprintf("scale %s %d", ref, r.between(0, 6)), "")
				continue
			}
			line := "delete pod/" + d.name + "-*"
			if r.chance(30) {
				line += " grace=0"
			}
			add(t, line, "")
		case k < 78:
			line := "delete " + ref
			if p := pick(r, "", "Background", "Foreground", "Orphan"); p != "" {
				line += " propagation=" + p
			}
			add(t, line, "")
			if r.chance(75) {
				add(t+at(r, 10*time.Second, 5*time.Minute), "apply", d.manifest)
			}
		case k < 90:
			n := pick(r, w.nodes...)
			add(t, "cordon "+n, "")
			if r.chance(80) {
				add(t+at(r, 30*time.Second, 10*time.Minute), "uncordon "+n, "")
			}
		default:
			if d.service == "" {
				add(t, fmt.Sprintf("scale %s %d", ref, r.between(1, 6)), "")
				continue
			}
			add(t, "delete service/svc-"+d.name, "")
			if r.chance(80) {
				add(t+at(r, 10*time.Second, 5*time.Minute), "apply", d.service)
			}
		}
	}
}

// genFaults adds faults: node crashes and restarts, partitions and heals,
// container crashes, injected write conflicts, control-plane restarts
// (some right after a rollout starts), delayed and reordered watches, and
// rollouts to images that crash, get OOM-killed, never get ready or
// cannot be pulled.
func genFaults(r *rng, s *Schedule, w *workload) {
	add := func(t time.Duration, line string) {
		if t < s.Active {
			s.Items = append(s.Items, Item{At: t, Kind: Fault, Line: line})
		}
	}
	last := s.Active - 3*time.Minute
	for range r.between(2, 10) {
		t := at(r, 20*time.Second, last)
		n := pick(r, w.nodes...)
		d := pick(r, w.deployments...)
		switch k := r.intn(100); {
		case k < 15:
			line := "crash-node " + n
			if r.chance(30) {
				line += " keep-containers"
			}
			add(t, line)
			if r.chance(85) {
				add(t+at(r, 20*time.Second, 12*time.Minute), "restart-node "+n)
			}
		case k < 27:
			add(t, "partition "+n)
			if r.chance(90) {
				add(t+at(r, 10*time.Second, 6*time.Minute), "heal "+n)
			}
		case k < 39:
			how := pick(r, "code=1", "code=2", "oom")
			add(t, fmt.Sprintf("crash-container default/%s-*/app %s", d.name, how))
		case k < 54:
			line := "fail-next-write"
			if op := pick(r, "", "create", "update", "update", "delete"); op != "" {
				line += " op=" + op
			}
			kind := pick(r, "pods", "pods", "replicasets", "deployments", "endpoints", "nodes", "leases", "persistentvolumeclaims", "persistentvolumes", "services")
			add(t, fmt.Sprintf("%s kind=%s count=%d", line, kind, r.between(1, 3)))
		case k < 64:
			if r.chance(50) {
				// Mid-rollout: a rollout, then the restart a few seconds in.
				s.Items = append(s.Items, Item{At: t, Kind: Action, Line: fmt.Sprintf("set-image deployment/%s app=%s", d.name, pick(r, healthyImages...))})
				t += at(r, 1*time.Second, 20*time.Second)
			}
			add(t, "restart-control-plane")
		case k < 73:
			add(t, "delay-watch "+pick(r, "200ms", "500ms", "1s", "3s"))
			add(t+at(r, 10*time.Second, 3*time.Minute), "delay-watch 0")
		case k < 82:
			add(t, "reorder-watch on")
			add(t+at(r, 30*time.Second, 5*time.Minute), "reorder-watch off")
		default:
			add(t, fmt.Sprintf("set-image deployment/%s app=%s", d.name, pick(r, unhealthyImages...)))
		}
	}
}
