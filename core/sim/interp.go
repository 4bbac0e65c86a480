package sim

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// Interpreter runs scenario commands against a Cluster it owns. The
// scenario tests, `capstan sim --scenario` and the playground share it.
//
// Commands (arguments in brackets are optional):
//
//	init [seed=N] [jitter=D] [node-tick=D] [grace=D] [toleration=SECONDS]
//	add-node NAME... [cpu=4] [memory=8Gi] [pods=110] [zone=Z] [labels=(k=v, ...)] [taints=(k=v:Effect, ...)]
//	apply                                 (YAML or JSON manifests as the body)
//	tick DURATION [every=D] [show=(deployment/NAME, pod/NAME, nodes, pods)]
//	stabilize [horizon=D]
//	image IMAGE key=value...              (runtime behaviour of an image; see Behavior.Set)
//	scale deployment/NAME N | set-image deployment/NAME CTR=IMAGE... | rollout-undo deployment/NAME [to-revision=N]
//	pause deployment/NAME | resume deployment/NAME | cordon NODE | uncordon NODE
//	delete KIND/[NS/]NAME [propagation=Orphan|Foreground|Background] [grace=SECONDS]
//	crash-node NODE [keep-containers] | restart-node NODE | partition NODE | heal NODE
//	crash-container NS/POD/CONTAINER [code=N] [oom]
//	fail-next-write [op=create|update|delete] [kind=RESOURCE] [count=N]
//	restart-control-plane | delay-watch D | reorder-watch on|off
//	schedule DURATION FAULT...            (a fault command, later)
//	describe pods|nodes|deployments|replicasets|services|volumes|namespaces|events|log|all|control
//	describe rollout deployment/NAME | describe node NAME (its machine)
//	describe log [all] [skip] [grep=(TEXT, ...)] [last=N]
//
// Pod names may end in a glob ("web-*"): the first matching pod, in name
// order, is meant. Errors are output ("error: ..."), not failures: a
// scenario may show that something is refused.
type Interpreter struct {
	// Seed, if non-zero, overrides the seed an init command gives.
	Seed uint64
	c    *Cluster
	cfg  Config
}

// NewInterpreter returns an interpreter whose cluster is made on first
// use (or by init) with cfg.
func NewInterpreter(cfg Config) *Interpreter { return &Interpreter{cfg: cfg} }

// Cluster returns the interpreter's cluster, making it if needed.
func (in *Interpreter) Cluster() *Cluster {
	if in.c == nil {
		cfg := in.cfg
		if in.Seed != 0 {
			cfg.Seed = in.Seed
		}
		in.c = New(cfg)
	}
	return in.c
}

// Exec runs one command and returns its output.
func (in *Interpreter) Exec(cmd Command) string {
	out, err := in.exec(cmd)
	if err != nil {
		return out + "error: " + err.Error() + "\n"
	}
	return out
}

func (in *Interpreter) exec(cmd Command) (string, error) {
	if cmd.Name == "init" {
		return "", in.cmdInit(cmd)
	}
	c := in.Cluster()
	switch cmd.Name {
	case "add-node":
		return "", in.cmdAddNode(cmd)
	case "apply":
		objs, err := api.DecodeManifests([]byte(cmd.Input))
		if err != nil {
			return "", err
		}
		return "", c.Apply(objs)
	case "tick":
		return in.cmdTick(cmd)
	case "stabilize":
		h, err := durationArg(cmd, "horizon", DefaultHorizon)
		if err != nil {
			return "", err
		}
		start := c.Now()
		if err := c.Stabilize(h); err != nil {
			return "", err
		}
		_ = start
		return fmt.Sprintf("stable: last change at %s, quiet until %s\n", formatSince(c.lastActivity, c.cfg.Epoch),
			formatSince(c.now, c.cfg.Epoch)), nil
	case "image":
		return "", in.cmdImage(cmd)
	case "scale", "set-image", "rollout-undo", "pause", "resume", "cordon", "uncordon", "delete":
		return in.cmdUser(cmd)
	case "describe", "log":
		return in.cmdDescribe(cmd)
	case "schedule":
		if len(cmd.Args) < 2 {
			return "", fmt.Errorf("schedule DURATION FAULT ...")
		}
		d, err := ParseDuration(cmd.Args[0].Key)
		if err != nil {
			return "", err
		}
		f, err := in.parseFault(Command{Name: cmd.Args[1].Key, Args: cmd.Args[2:]})
		if err != nil {
			return "", err
		}
		c.ScheduleFault(d, f)
		return "", nil
	}
	f, err := in.parseFault(cmd)
	if err != nil {
		return "", err
	}
	return "", c.Inject(f)
}

// positional returns the arguments without values.
func positional(cmd Command) []string {
	var out []string
	for _, a := range cmd.Args {
		if len(a.Vals) == 0 {
			out = append(out, a.Key)
		}
	}
	return out
}

// arg returns the values of key=..., if given.
func arg(cmd Command, key string) ([]string, bool) {
	for _, a := range cmd.Args {
		if a.Key == key && len(a.Vals) > 0 {
			return a.Vals, true
		}
	}
	return nil, false
}

func hasFlag(cmd Command, flag string) bool {
	for _, p := range positional(cmd) {
		if p == flag {
			return true
		}
	}
	return false
}

func durationArg(cmd Command, key string, def time.Duration) (time.Duration, error) {
	v, ok := arg(cmd, key)
	if !ok {
		return def, nil
	}
	return ParseDuration(v[0])
}

func intArg(cmd Command, key string, def int64) (int64, error) {
	v, ok := arg(cmd, key)
	if !ok {
		return def, nil
	}
	return strconv.ParseInt(v[0], 10, 64)
}

func (in *Interpreter) cmdInit(cmd Command) error {
	if in.c != nil {
		return fmt.Errorf("init must come first")
	}
	cfg := in.cfg
	seed, err := intArg(cmd, "seed", int64(cfg.Seed))
	if err != nil {
		return err
	}
	cfg.Seed = uint64(seed)
	if cfg.Jitter, err = durationArg(cmd, "jitter", cfg.Jitter); err != nil {
		return err
	}
	if cfg.NodeTick, err = durationArg(cmd, "node-tick", cfg.NodeTick); err != nil {
		return err
	}
	if cfg.Control.NodeMonitorGracePeriod, err = durationArg(cmd, "grace", cfg.Control.NodeMonitorGracePeriod); err != nil {
		return err
	}
	if cfg.Control.DefaultTolerationSeconds, err = intArg(cmd, "toleration", cfg.Control.DefaultTolerationSeconds); err != nil {
		return err
	}
	in.cfg = cfg
	in.Cluster()
	return nil
}

func (in *Interpreter) cmdAddNode(cmd Command) error {
	names := positional(cmd)
	if len(names) == 0 {
		return fmt.Errorf("add-node NAME...")
	}
	spec := NodeSpec{CPU: "4", Memory: "8Gi", Pods: 110, Labels: map[string]string{}}
	if v, ok := arg(cmd, "cpu"); ok {
		spec.CPU = v[0]
	}
	if v, ok := arg(cmd, "memory"); ok {
		spec.Memory = v[0]
	}
	pods, err := intArg(cmd, "pods", 110)
	if err != nil {
		return err
	}
	spec.Pods = pods
	if v, ok := arg(cmd, "zone"); ok {
		spec.Zone = v[0]
	}
	if v, ok := arg(cmd, "labels"); ok {
		for _, kv := range v {
			k, val, _ := strings.Cut(kv, "=")
			spec.Labels[k] = val
		}
	}
	if v, ok := arg(cmd, "taints"); ok {
		for _, t := range v {
			kv, effect, ok := strings.Cut(t, ":")
			if !ok {
				return fmt.Errorf("taint %q: want key[=value]:Effect", t)
			}
			k, val, _ := strings.Cut(kv, "=")
			spec.Taints = append(spec.Taints, api.Taint{Key: k, Value: val, Effect: effect})
		}
	}
	for _, name := range names {
		s := spec
		s.Name = name
		if err := in.c.AddNode(s); err != nil {
			return err
		}
	}
	in.c.pump()
	return nil
}

func (in *Interpreter) cmdImage(cmd Command) error {
	p := positional(cmd)
	if len(p) != 1 {
		return fmt.Errorf("image IMAGE key=value...")
	}
	var kvs []string
	for _, a := range cmd.Args {
		if len(a.Vals) == 1 {
			kvs = append(kvs, a.Key+"="+a.Vals[0])
		}
	}
	b, err := ParseBehavior(kvs)
	if err != nil {
		return err
	}
	in.c.SetImageBehavior(p[0], b)
	return nil
}

// resolvePod turns "web-*" into the first pod of ns whose name matches.
func (in *Interpreter) resolvePod(ns, pattern string) (string, error) {
	if !strings.ContainsAny(pattern, "*?[") {
		return pattern, nil
	}
	for _, o := range in.c.listIn("pods", ns) {
		name := o.GetObjectMeta().Name
		if ok, _ := path.Match(pattern, name); ok && o.GetObjectMeta().DeletionTimestamp == nil {
			return name, nil
		}
	}
	return "", fmt.Errorf("no pod matches %s/%s", ns, pattern)
}
