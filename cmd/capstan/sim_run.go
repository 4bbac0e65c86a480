package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
)

// runScenarioFile runs a scenario file on the full simulated cluster and
// prints its event log (or, with --transcript, every command and its
// output) and the final state.
func runScenarioFile(out io.Writer, o simOptions) error {
	data, err := os.ReadFile(o.scenario)
	if err != nil {
		return exitError{1, "error: " + err.Error()}
	}
	cmds, err := sim.ParseScenario(string(data))
	if err != nil {
		return exitError{1, fmt.Sprintf("error: %s: %v", o.scenario, err)}
	}
	in := sim.NewInterpreter(sim.Config{Seed: o.seed})
	if o.seedSet {
		in.Seed = o.seed
	}
	var errs []string
	for _, cmd := range cmds {
		res := in.Exec(cmd)
		if o.transcript {
			fmt.Fprintln(out, cmd.String())
			if cmd.Input != "" {
				fmt.Fprintln(out, cmd.Input)
			}
			fmt.Fprintln(out, "----")
			fmt.Fprintln(out, res)
		}
		if strings.HasPrefix(res, "error: ") {
			errs = append(errs, fmt.Sprintf("%s:%d: %s: %s", o.scenario, cmd.Line, cmd, strings.TrimSpace(res)))
		}
	}
	c := in.Cluster()
	if !o.transcript {
		fmt.Fprintln(out, "=== event log")
		fmt.Fprint(out, c.LogText())
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "=== final state at %s\n", elapsed(c))
	fmt.Fprint(out, c.Describe())
	for _, e := range errs {
		fmt.Fprintln(out, e)
	}
	return nil
}

func elapsed(c *sim.Cluster) string {
	return sim.FormatDuration(c.Elapsed())
}

// runControllers applies manifests to the full simulated cluster, runs it
// for --run of virtual time and prints the final state.
func runControllers(stdin io.Reader, out io.Writer, o simOptions) error {
	if o.nodes < 0 || o.zones < 1 || o.pods < 0 {
		return exitError{1, "error: --nodes and --max-pods must be >= 0 and --zones >= 1"}
	}
	d, err := sim.ParseDuration(o.run)
	if err != nil || d <= 0 {
		return exitError{1, fmt.Sprintf("error: --run %q: want a positive duration such as 5m", o.run)}
	}
	objs, err := readManifests(stdin, o.files)
	if err != nil {
		return exitError{1, err.Error()}
	}
	if msgs := invalidObjects(objs); len(msgs) > 0 {
		return exitError{1, strings.Join(msgs, "\n")}
	}
	c := sim.New(sim.Config{Seed: o.seed})
	if _, err := api.ParseQuantity(o.cpu); err != nil {
		return exitError{1, "error: --cpu: " + err.Error()}
	}
	if _, err := api.ParseQuantity(o.memory); err != nil {
		return exitError{1, "error: --memory: " + err.Error()}
	}
	for i := 1; i <= o.nodes; i++ {
		zone := "zone-" + string(rune('a'+(i-1)%o.zones%26))
		if o.zones > 26 {
			zone = fmt.Sprintf("zone-%d", (i-1)%o.zones)
		}
		spec := sim.NodeSpec{Name: fmt.Sprintf("node-%d", i), CPU: o.cpu, Memory: o.memory, Pods: int64(o.pods), Zone: zone}
		if err := c.AddNode(spec); err != nil {
			return exitError{1, "error: " + err.Error()}
		}
	}
	var rest []api.Object
	for _, obj := range objs {
		n, ok := obj.(*api.Node)
		if !ok {
			rest = append(rest, obj)
			continue
		}
		if err := c.AddNode(nodeSpecOf(n)); err != nil {
			return exitError{1, "error: " + err.Error()}
		}
	}
	if err := c.Apply(append(implicitNamespaces(rest), rest...)); err != nil {
		return exitError{1, "error: " + err.Error()}
	}
	c.Run(d)
	pods := strings.Count(c.DescribePods(), "\n")
	nodes := strings.Count(c.DescribeNodes(), "\n")
	fmt.Fprintf(out, "Simulated %s on %d nodes (seed %d): %d pods, %d running.\n\n", elapsed(c), nodes, o.seed, pods, c.RunningPods())
	fmt.Fprint(out, c.Describe())
	if o.log {
		fmt.Fprintln(out, "\n=== event log")
		fmt.Fprint(out, c.LogText())
	}
	return nil
}

// nodeSpecOf turns a Node manifest into a simulated node: its name,
// labels, taints and allocatable (else capacity) resources.
func nodeSpecOf(n *api.Node) sim.NodeSpec {
	res := n.Status.Allocatable
	if len(res) == 0 {
		res = n.Status.Capacity
	}
	spec := sim.NodeSpec{Name: n.Name, Labels: n.Labels, Taints: n.Spec.Taints, Zone: n.Labels[api.LabelTopologyZone]}
	if q, ok := res[api.ResourceCPU]; ok {
		spec.CPU = q.String()
	}
	if q, ok := res[api.ResourceMemory]; ok {
		spec.Memory = q.String()
	}
	if q, ok := res[api.ResourcePods]; ok {
		spec.Pods = q.Value()
	}
	return spec
}

// invalidObjects defaults and validates every object and returns one
// message per invalid object, with all its field errors.
func invalidObjects(objs []api.Object) []string {
	var msgs []string
	for _, o := range objs {
		m := o.GetObjectMeta()
		if info, ok := api.LookupKind(o.GetTypeMeta().Kind); ok && info.Namespaced && m.Namespace == "" {
			m.Namespace = "default"
		}
		c := api.CopyObject(o)
		api.Default(c)
		if errs := api.Validate(c); len(errs) > 0 {
			msgs = append(msgs, "error: "+api.NewInvalid(qualifiedKind(o), m.Name, errs).Error())
		}
	}
	return msgs
}

// implicitNamespaces returns the namespaces the objects live in that
// neither they nor every cluster declare.
func implicitNamespaces(objs []api.Object) []api.Object {
	have := map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}
	for _, o := range objs {
		if o.GetTypeMeta().Kind == "Namespace" {
			have[o.GetObjectMeta().Name] = true
		}
	}
	var names []string
	for _, o := range objs {
		if ns := o.GetObjectMeta().Namespace; ns != "" && !have[ns] {
			have[ns] = true
			names = append(names, ns)
		}
	}
	sort.Strings(names)
	out := make([]api.Object, len(names))
	for i, ns := range names {
		out[i] = &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}
	}
	return out
}
