package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// AnnotationPrefix starts the pod annotations that tell the fake runtime
// how to treat the pod's containers: "sim.capstan.dev/exit-after: 5s"
// applies to every container, "sim.capstan.dev/app.exit-after: 5s" to
// container app only. The fields are those of ParseBehavior.
const AnnotationPrefix = "sim.capstan.dev/"

// Behavior is how the fake runtime treats a container. Everything is
// deterministic: latencies are exact (plus Config.Jitter, drawn from the
// seeded generator), answers depend only on how long the container ran.
type Behavior struct {
	// PullLatency is how long pulling an image takes; StartLatency how
	// long a created container takes to start; StopLatency how long a
	// container takes to exit after SIGTERM (beyond the grace period it
	// is killed, with exit code 137).
	PullLatency, StartLatency, StopLatency time.Duration
	// PullFails: the image does not exist, every pull fails (ErrImagePull).
	PullFails bool
	// ExitAfter, if positive, ends the container's process that long
	// after it started, with ExitCode (reason OOMKilled and code 137 if
	// OOMKilled). Every restart runs as long again.
	ExitAfter time.Duration
	ExitCode  int32
	OOMKilled bool
	// Probe answers.
	Liveness, Readiness, Startup ProbeAnswer

	set fields // which fields were given, for merging
}

// fields is a bit set of Behavior fields.
type fields uint16

const (
	fPull fields = 1 << iota
	fStart
	fStop
	fPullFails
	fExitAfter
	fExitCode
	fOOM
	fLiveness
	fReadiness
	fStartup
)

// ProbeAnswer is what a probe of a container answers: OK, or its opposite
// until the container has run After.
type ProbeAnswer struct {
	Fail  bool
	After time.Duration
}

// answer returns the probe's result for a container that has run ran.
func (a ProbeAnswer) answer(ran time.Duration) bool {
	if ran < a.After {
		return a.Fail
	}
	return !a.Fail
}

func (a ProbeAnswer) String() string {
	s := "ok"
	if a.Fail {
		s = "fail"
	}
	if a.After > 0 {
		s += "-after-" + formatDuration(a.After)
	}
	return s
}

// parseProbeAnswer parses "ok", "fail", "ok-after-10s", "fail-after-30s".
func parseProbeAnswer(s string) (ProbeAnswer, error) {
	var a ProbeAnswer
	head, after, hasAfter := strings.Cut(s, "-after-")
	switch head {
	case "ok":
	case "fail":
		a.Fail = true
	default:
		return a, fmt.Errorf("probe answer %q: want ok, fail, ok-after-DURATION or fail-after-DURATION", s)
	}
	if hasAfter {
		d, err := ParseDuration(after)
		if err != nil {
			return a, err
		}
		a.After = d
	}
	return a, nil
}

func (b *Behavior) setDefaults() {
	if b.set&fPull == 0 && b.PullLatency == 0 {
		b.PullLatency = time.Second
	}
	if b.set&fStart == 0 && b.StartLatency == 0 {
		b.StartLatency = 500 * time.Millisecond
	}
	if b.set&fStop == 0 && b.StopLatency == 0 {
		b.StopLatency = time.Second
	}
}

// Set sets one field by name, as scenarios and annotations spell it:
// pull-latency, start-latency, stop-latency (durations); pull (ok or
// fail); exit-after (duration); exit-code (integer); oom (true/false,
// exits after exit-after with OOMKilled); liveness, readiness, startup
// (probe answers: ok, fail, ok-after-10s, fail-after-30s).
func (b *Behavior) Set(key, value string) error {
	dur := func(d *time.Duration, f fields) error {
		v, err := ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*d = v
		b.set |= f
		return nil
	}
	probe := func(p *ProbeAnswer, f fields) error {
		v, err := parseProbeAnswer(value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*p = v
		b.set |= f
		return nil
	}
	switch key {
	case "pull-latency":
		return dur(&b.PullLatency, fPull)
	case "start-latency":
		return dur(&b.StartLatency, fStart)
	case "stop-latency":
		return dur(&b.StopLatency, fStop)
	case "exit-after":
		return dur(&b.ExitAfter, fExitAfter)
	case "pull":
		if value != "ok" && value != "fail" {
			return fmt.Errorf("pull: want ok or fail, got %q", value)
		}
		b.PullFails, b.set = value == "fail", b.set|fPullFails
	case "exit-code":
		n, err := strconv.ParseInt(value, 10, 32)
		if err != nil {
			return fmt.Errorf("exit-code: %w", err)
		}
		b.ExitCode, b.set = int32(n), b.set|fExitCode
	case "oom":
		v, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("oom: %w", err)
		}
		b.OOMKilled, b.set = v, b.set|fOOM
	case "liveness":
		return probe(&b.Liveness, fLiveness)
	case "readiness":
		return probe(&b.Readiness, fReadiness)
	case "startup":
		return probe(&b.Startup, fStartup)
	default:
		return fmt.Errorf("unknown runtime behaviour %q", key)
	}
	return nil
}

// over returns b with the fields o sets taken from o.
func (b Behavior) over(o Behavior) Behavior {
	take := func(f fields, apply func()) {
		if o.set&f != 0 {
			apply()
			b.set |= f
		}
	}
	take(fPull, func() { b.PullLatency = o.PullLatency })
	take(fStart, func() { b.StartLatency = o.StartLatency })
	take(fStop, func() { b.StopLatency = o.StopLatency })
	take(fPullFails, func() { b.PullFails = o.PullFails })
	take(fExitAfter, func() { b.ExitAfter = o.ExitAfter })
	take(fExitCode, func() { b.ExitCode = o.ExitCode })
	take(fOOM, func() { b.OOMKilled = o.OOMKilled })
	take(fLiveness, func() { b.Liveness = o.Liveness })
	take(fReadiness, func() { b.Readiness = o.Readiness })
	take(fStartup, func() { b.Startup = o.Startup })
	return b
}

// Describe lists the fields set, as "exit-after=5s exit-code=1".
func (b Behavior) Describe() string {
	var parts []string
	add := func(f fields, s string) {
		if b.set&f != 0 {
			parts = append(parts, s)
		}
	}
	add(fPull, "pull-latency="+formatDuration(b.PullLatency))
	add(fStart, "start-latency="+formatDuration(b.StartLatency))
	add(fStop, "stop-latency="+formatDuration(b.StopLatency))
	if b.PullFails {
		add(fPullFails, "pull=fail")
	} else {
		add(fPullFails, "pull=ok")
	}
	add(fExitAfter, "exit-after="+formatDuration(b.ExitAfter))
	add(fExitCode, "exit-code="+strconv.Itoa(int(b.ExitCode)))
	add(fOOM, "oom="+strconv.FormatBool(b.OOMKilled))
	add(fLiveness, "liveness="+b.Liveness.String())
	add(fReadiness, "readiness="+b.Readiness.String())
	add(fStartup, "startup="+b.Startup.String())
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, " ")
}

// ParseBehavior parses "key=value" fields (see Behavior.Set).
func ParseBehavior(kvs []string) (Behavior, error) {
	var b Behavior
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return b, fmt.Errorf("%q: want key=value", kv)
		}
		if err := b.Set(k, v); err != nil {
			return b, err
		}
	}
	return b, nil
}

// behaviorFor resolves how the runtime treats container ctr of pod p
// running image: the cluster's defaults, then the image's rule (exact,
// else by repository), then the pod's annotations for every container,
// then those for ctr. Malformed annotations are ignored. The result is
// shared and must not be modified: containers of pods without annotations
// share one per image.
func (c *Cluster) behaviorFor(p *api.Pod, ctr, image string) *Behavior {
	if !hasSimAnnotations(p) {
		if b, ok := c.imageBeh[image]; ok {
			return b
		}
		b := c.imageBehavior(image)
		c.imageBeh[image] = &b
		return &b
	}
	b := c.imageBehavior(image)
	var all, own Behavior
	keys := make([]string, 0, len(p.Annotations))
	for k := range p.Annotations {
		if strings.HasPrefix(k, AnnotationPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := strings.TrimPrefix(k, AnnotationPrefix)
		if name, f, ok := strings.Cut(field, "."); ok {
			if name == ctr {
				_ = own.Set(f, p.Annotations[k])
			}
			continue
		}
		_ = all.Set(field, p.Annotations[k])
	}
	b = b.over(all).over(own)
	return &b
}

// imageBehavior is the behaviour of image's containers: the defaults and
// the image's rule.
func (c *Cluster) imageBehavior(image string) Behavior {
	b := c.cfg.Runtime
	if r, ok := c.images[image]; ok {
		b = b.over(r)
	} else if r, ok := c.images[repository(image)]; ok {
		b = b.over(r)
	}
	return b
}

func hasSimAnnotations(p *api.Pod) bool {
	if p == nil {
		return false
	}
	for k := range p.Annotations {
		if strings.HasPrefix(k, AnnotationPrefix) {
			return true
		}
	}
	return false
}

// repository strips an image's tag or digest: "nginx:1.27" -> "nginx".
func repository(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndexByte(image, ':'); i >= 0 && !strings.Contains(image[i:], "/") {
		image = image[:i]
	}
	return image
}
