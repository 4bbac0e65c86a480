package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// cmdTick runs for a duration; with every= and show= it prints a line per
// interval about the things shown.
func (in *Interpreter) cmdTick(cmd Command) (string, error) {
	c := in.c
	p := positional(cmd)
	if len(p) != 1 {
		return "", fmt.Errorf("tick DURATION [every=D] [show=...]")
	}
	d, err := ParseDuration(p[0])
	if err != nil {
		return "", err
	}
	show, _ := arg(cmd, "show")
	every, err := durationArg(cmd, "every", d)
	if err != nil || every <= 0 {
		return "", fmt.Errorf("every: want a positive duration")
	}
	end := c.now + api.Time(d)
	var b strings.Builder
	for c.now < end {
		c.RunUntil(min(end, c.now+api.Time(every)))
		if len(show) == 0 {
			continue
		}
		var parts []string
		for _, s := range show {
			line, err := in.showLine(s)
			if err != nil {
				return "", err
			}
			parts = append(parts, line)
		}
		b.WriteString(fmt.Sprintf("%s: %s\n", formatSince(c.now, c.cfg.Epoch), strings.Join(parts, " | ")))
	}
	return b.String(), nil
}

// showLine is one thing tick show= prints.
func (in *Interpreter) showLine(what string) (string, error) {
	c := in.c
	switch what {
	case "nodes":
		var parts []string
		for _, o := range c.list("nodes") {
			n := o.(*api.Node)
			s := n.Name + "=" + readyOf(n)
			for _, t := range n.Spec.Taints {
				if t.Effect == api.TaintEffectNoExecute {
					s += "+NoExecute"
					break
				}
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), nil
	case "pods":
		counts := map[string]int{}
		for _, o := range c.list("pods") {
			p := o.(*api.Pod)
			phase := p.Status.Phase
			if p.DeletionTimestamp != nil {
				phase = "Terminating"
			} else if phase == api.PodRunning && podReady(p) {
				phase = "Ready"
			}
			counts[phase]++
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + strconv.Itoa(counts[k])
		}
		if len(parts) == 0 {
			return "no pods", nil
		}
		return "pods " + strings.Join(parts, " "), nil
	}
	ref, err := ParseRef(what)
	if err != nil {
		return "", err
	}
	switch ref.Resource {
	case "deployments":
		return c.DescribeRollout(ref), nil
	case "pods":
		name, err := in.resolvePod(ref.Namespace, ref.Name)
		if err != nil {
			return "", err
		}
		o, err := c.st.Get(api.KeyFor("pods", ref.Namespace, name))
		if err != nil {
			return ref.String() + " gone", nil
		}
		return describePod(o.(*api.Pod)), nil
	}
	return "", fmt.Errorf("show: %s: want a deployment, a pod, nodes or pods", what)
}

// cmdUser runs a kubectl-like operation.
func (in *Interpreter) cmdUser(cmd Command) (string, error) {
	c := in.c
	p := positional(cmd)
	if len(p) == 0 {
		return "", fmt.Errorf("%s: what?", cmd.Name)
	}
	switch cmd.Name {
	case "cordon", "uncordon":
		return "", c.Cordon(p[0], cmd.Name == "cordon")
	}
	ref, err := ParseRef(p[0])
	if err != nil {
		return "", err
	}
	switch cmd.Name {
	case "scale":
		if len(p) != 2 {
			return "", fmt.Errorf("scale KIND/NAME REPLICAS")
		}
		n, err := strconv.ParseInt(p[1], 10, 32)
		if err != nil {
			return "", err
		}
		return "", c.Scale(ref, int32(n))
	case "set-image":
		imgs := map[string]string{}
		for _, a := range cmd.Args {
			if len(a.Vals) == 1 {
				imgs[a.Key] = a.Vals[0]
			}
		}
		return "", c.SetImage(ref, imgs)
	case "rollout-undo":
		rev, err := intArg(cmd, "to-revision", 0)
		if err != nil {
			return "", err
		}
		return "", c.RolloutUndo(ref, rev)
	case "pause", "resume":
		return "", c.Pause(ref, cmd.Name == "pause")
	case "delete":
		if ref.Resource == "pods" {
			if ref.Name, err = in.resolvePod(ref.Namespace, ref.Name); err != nil {
				return "", err
			}
		}
		prop := ""
		if v, ok := arg(cmd, "propagation"); ok {
			prop = v[0]
		}
		var grace *int64
		if v, ok := arg(cmd, "grace"); ok {
			g, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil {
				return "", err
			}
			grace = &g
		}
		return "", c.Delete(ref, prop, grace)
	}
	return "", fmt.Errorf("unknown command %q", cmd.Name)
}

// cmdDescribe prints part of the state.
func (in *Interpreter) cmdDescribe(cmd Command) (string, error) {
	c := in.c
	p := positional(cmd)
	what := "log"
	if cmd.Name == "describe" {
		if len(p) == 0 {
			return c.Describe(), nil
		}
		what = p[0]
	}
	switch what {
	case "pods":
		return c.DescribePods(), nil
	case "nodes":
		return c.DescribeNodes(), nil
	case "deployments", "deployment":
		return c.DescribeDeployments(), nil
	case "replicasets", "rs":
		return c.DescribeReplicaSets(), nil
	case "services", "svc":
		return c.DescribeServices(), nil
	case "volumes":
		return c.DescribeVolumes(), nil
	case "namespaces":
		return c.DescribeNamespaces(), nil
	case "events":
		return c.DescribeEvents(), nil
	case "log":
		return in.describeLog(cmd)
	case "all":
		return c.Describe(), nil
	case "control":
		return c.cp.m.Describe(), nil
	case "node":
		if len(p) != 2 {
			return "", fmt.Errorf("describe node NAME")
		}
		n, err := c.node(p[1])
		if err != nil {
			return "", err
		}
		if n.m == nil {
			return n.name + " is down\n", nil
		}
		return n.m.Describe(), nil
	case "rollout":
		if len(p) != 2 {
			return "", fmt.Errorf("describe rollout deployment/NAME")
		}
		ref, err := ParseRef(p[1])
		if err != nil {
			return "", err
		}
		return c.DescribeRollout(ref) + "\n", nil
	}
	return "", fmt.Errorf("describe what? %q", what)
}

// parseFault reads a fault command.
func (in *Interpreter) parseFault(cmd Command) (Fault, error) {
	p := positional(cmd)
	one := func() (string, error) {
		if len(p) == 0 {
			return "", fmt.Errorf("%s NODE", cmd.Name)
		}
		return p[0], nil
	}
	var f Fault
	var err error
	switch cmd.Name {
	case "crash-node":
		f.Kind, f.KeepContainers = FaultCrashNode, hasFlag(cmd, "keep-containers")
		f.Node, err = one()
	case "restart-node":
		f.Kind = FaultRestartNode
		f.Node, err = one()
	case "partition":
		f.Kind = FaultPartition
		f.Node, err = one()
	case "heal":
		f.Kind = FaultHeal
		f.Node, err = one()
	case "crash-container":
		f.Kind, f.OOM = FaultCrashContainer, hasFlag(cmd, "oom")
		if len(p) == 0 || strings.Count(p[0], "/") != 2 {
			return f, fmt.Errorf("crash-container NAMESPACE/POD/CONTAINER")
		}
		parts := strings.Split(p[0], "/")
		f.Namespace, f.Container = parts[0], parts[2]
		if f.Pod, err = in.resolvePod(parts[0], parts[1]); err != nil {
			return f, err
		}
		code, err := intArg(cmd, "code", 1)
		if err != nil {
			return f, err
		}
		f.Code = int32(code)
	case "fail-next-write":
		f.Kind = FaultFailWrites
		if v, ok := arg(cmd, "op"); ok {
			f.Writes.Op = v[0]
		}
		if v, ok := arg(cmd, "kind"); ok {
			res := v[0]
			if r, ok := aliases[res]; ok {
				res = r
			}
			f.Writes.KeyPrefix = api.KeyFor(res, "", "")
		}
		n, err := intArg(cmd, "count", 1)
		if err != nil {
			return f, err
		}
		f.Writes.Count = int(n)
	case "restart-control-plane":
		f.Kind = FaultRestartControlPlane
	case "delay-watch":
		f.Kind = FaultWatchDelay
		if len(p) != 1 {
			return f, fmt.Errorf("delay-watch DURATION")
		}
		f.Delay, err = ParseDuration(p[0])
	case "reorder-watch":
		f.Kind = FaultWatchReorder
		f.On = len(p) == 0 || p[0] == "on"
	default:
		return f, fmt.Errorf("unknown command %q", cmd.Name)
	}
	return f, err
}

// describeLog prints the log since the last "describe log": all of it
// with "all", only its number of lines with "skip", the lines containing
// grep=TEXT, the last=N lines.
func (in *Interpreter) describeLog(cmd Command) (string, error) {
	c := in.c
	var lines []string
	if hasFlag(cmd, "all") {
		lines = c.log.lines
	} else {
		lines = c.log.lines[c.log.mark:]
	}
	c.log.mark = len(c.log.lines)
	if hasFlag(cmd, "skip") {
		return fmt.Sprintf("(%d lines)\n", len(lines)), nil
	}
	if v, ok := arg(cmd, "grep"); ok {
		var kept []string
		for _, l := range lines {
			for _, g := range v {
				if strings.Contains(l, g) {
					kept = append(kept, l)
					break
				}
			}
		}
		lines = kept
	}
	if n, err := intArg(cmd, "last", 0); err != nil {
		return "", err
	} else if n > 0 && int(n) < len(lines) {
		lines = lines[len(lines)-int(n):]
	}
	if len(lines) == 0 {
		return "", nil
	}
	return strings.Join(lines, "\n") + "\n", nil
}
