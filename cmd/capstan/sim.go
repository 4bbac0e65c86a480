package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/core/store"
)

// simOptions are the flags of `capstan sim`.
type simOptions struct {
	files    []string
	nodes    int
	zones    int
	cpu      string
	memory   string
	pods     int
	strategy string
	explain  bool
	// scenario, seed, run, log: the full simulated cluster (core/sim).
	scenario   string
	seed       uint64
	run        string
	log        bool
	transcript bool
	seedSet    bool
}

func newSimCommand() *cobra.Command {
	o := simOptions{}
	cmd := &cobra.Command{
		Use:   "sim (-f FILE [--nodes N] [--run DURATION] | --scenario FILE) [--seed N]",
		Short: "Simulate a cluster: place pods and say why, or run the whole control plane",
		Long: `sim has three modes, all deterministic.

With -f alone it loads manifests into capstan's in-memory store, adds
simulated nodes, runs the scheduler over the pending pods in order and
prints where each pod went. For a pod that stays Pending it prints the
scheduler's reasons, node by node, in kube-scheduler's words.

With -f and --run it applies the manifests to a whole simulated cluster
(core/sim: the store, the control plane with every controller and the
scheduler, a node agent with a fake container runtime per node), runs it
for that long in virtual time (Deployments expand to ReplicaSets and pods,
pods start, Services get endpoints) and prints the final state; --log adds
the event log.

With --scenario it runs a scenario file (the format of core/sim/testdata:
commands such as add-node, apply, tick, crash-node, partition,
set-image, describe) and prints the event log and the final state;
--transcript prints each command's output instead of the log.

Nodes come from --nodes (named node-1..node-N, spread over --zones zones as
zone-a, zone-b, ...) and from any Node objects in the manifests. The same
inputs and --seed give the same output, byte for byte.`,
		Example: `  capstan sim -f examples/pods.yaml --nodes 5
  capstan sim -f manifests/ --nodes 100 --cpu 8 --memory 32Gi --strategy MostAllocated
  capstan sim -f examples/pods.yaml --nodes 5 --run 5m --log
  capstan sim --scenario core/sim/testdata/node-loss.txt --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			return runSim(cmd.InOrStdin(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.files, "filename", "f", nil, "manifest file, directory (*.yaml, *.yml, *.json) or - for standard input; repeatable")
	f.IntVar(&o.nodes, "nodes", 3, "number of simulated nodes to add")
	f.IntVar(&o.zones, "zones", 3, "number of zones the simulated nodes are spread over")
	f.StringVar(&o.cpu, "cpu", "4", "allocatable CPU of each simulated node")
	f.StringVar(&o.memory, "memory", "8Gi", "allocatable memory of each simulated node")
	f.IntVar(&o.pods, "max-pods", 110, "allocatable pod count of each simulated node")
	f.StringVar(&o.strategy, "strategy", "LeastAllocated", "scoring strategy: LeastAllocated, MostAllocated or BalancedAllocation")
	f.BoolVar(&o.explain, "explain", false, "also print every scheduled pod's per-node scores")
	f.StringVar(&o.scenario, "scenario", "", "run a scenario file on the full simulated cluster")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the full simulated cluster (--run, --scenario)")
	f.StringVar(&o.run, "run", "", "apply the manifests to the full simulated cluster and run it this long (e.g. 5m)")
	f.BoolVar(&o.log, "log", false, "with --run, also print the event log")
	f.BoolVar(&o.transcript, "transcript", false, "with --scenario, print each command and its output instead of the log")
	return cmd
}

// runSim is the whole command, writing its report to out. Every failure is
// an error whose text is the complete message for the user.
func runSim(stdin io.Reader, out io.Writer, o simOptions) error {
	switch {
	case o.scenario != "" && len(o.files) > 0:
		return exitError{1, "error: --scenario and -f do not go together"}
	case o.scenario != "":
		return runScenarioFile(out, o)
	case len(o.files) == 0:
		return exitError{1, "error: give manifests with -f, or a scenario with --scenario"}
	case o.run != "":
		return runControllers(stdin, out, o)
	}
	if o.nodes < 0 || o.zones < 1 || o.pods < 0 {
		return exitError{1, "error: --nodes and --max-pods must be >= 0 and --zones >= 1"}
	}
	strategy, err := parseStrategy(o.strategy)
	if err != nil {
		return exitError{1, "error: " + err.Error()}
	}
	objs, err := readManifests(stdin, o.files)
	if err != nil {
		return exitError{1, err.Error()}
	}
	cl, err := newSimCluster(strategy)
	if err != nil {
		return err
	}
	nodes, err := simulatedNodes(o)
	if err != nil {
		return exitError{1, "error: " + err.Error()}
	}
	if err := cl.load(append(nodes, objs...)); err != nil {
		return exitError{1, err.Error()}
	}
	results, err := cl.scheduleAll(o.explain)
	if err != nil {
		return err
	}
	return cl.report(out, results, o.explain)
}

func parseStrategy(s string) (sched.Strategy, error) {
	for _, st := range []sched.Strategy{sched.LeastAllocated, sched.MostAllocated, sched.BalancedAllocation} {
		if strings.EqualFold(st.String(), s) {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown --strategy %q: want LeastAllocated, MostAllocated or BalancedAllocation", s)
}

// readManifests decodes every file named (a directory contributes its
// *.yaml, *.yml and *.json files in name order), reporting every error with
// the file it came from.
func readManifests(stdin io.Reader, names []string) ([]api.Object, error) {
	var paths []string
	for _, n := range names {
		if n == "-" {
			paths = append(paths, n)
			continue
		}
		st, err := os.Stat(n)
		if err != nil {
			return nil, fmt.Errorf("error: %w", err)
		}
		if !st.IsDir() {
			paths = append(paths, n)
			continue
		}
		entries, err := os.ReadDir(n)
		if err != nil {
			return nil, fmt.Errorf("error: %w", err)
		}
		for _, e := range entries {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() {
					paths = append(paths, filepath.Join(n, e.Name()))
				}
			}
		}
	}
	var objs []api.Object
	var msgs []string
	for _, p := range paths {
		var data []byte
		var err error
		if p == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, api.DefaultMaxManifestBytes+1))
		} else {
			data, err = os.ReadFile(p)
		}
		if err != nil {
			return nil, fmt.Errorf("error: %w", err)
		}
		got, err := api.DecodeOptions{Strict: true}.DecodeManifests(data)
		if err != nil {
			msgs = append(msgs, decodeErrorLines(p, err)...)
			continue
		}
		objs = append(objs, got...)
	}
	if len(msgs) > 0 {
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	return objs, nil
}

// decodeErrorLines prefixes each decode error with its file name.
func decodeErrorLines(file string, err error) []string {
	var lines []string
	for _, e := range unwrapAll(err) {
		lines = append(lines, fmt.Sprintf("error: %s: %v", file, e))
	}
	return lines
}

// unwrapAll flattens errors.Join trees into their leaves.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}

// simulatedNodes builds the --nodes nodes, Ready, spread over the zones.
func simulatedNodes(o simOptions) ([]api.Object, error) {
	cpu, err := api.ParseQuantity(o.cpu)
	if err != nil {
		return nil, fmt.Errorf("--cpu: %w", err)
	}
	mem, err := api.ParseQuantity(o.memory)
	if err != nil {
		return nil, fmt.Errorf("--memory: %w", err)
	}
	if cpu.Sign() < 0 || mem.Sign() < 0 {
		return nil, errors.New("--cpu and --memory must not be negative")
	}
	var out []api.Object
	for i := 1; i <= o.nodes; i++ {
		name := fmt.Sprintf("node-%d", i)
		zone := "zone-" + string(rune('a'+(i-1)%o.zones%26))
		if o.zones > 26 {
			zone = fmt.Sprintf("zone-%d", (i-1)%o.zones)
		}
		res := api.ResourceList{
			api.ResourceCPU:    cpu,
			api.ResourceMemory: mem,
			api.ResourcePods:   api.NewQuantity(int64(o.pods), api.DecimalSI),
		}
		n := api.Node{
			ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{
				api.LabelHostname:     name,
				api.LabelTopologyZone: zone,
				api.LabelOS:           "linux",
				api.LabelArch:         "amd64",
			}},
			Status: api.NodeStatus{
				Capacity:    res,
				Allocatable: api.DeepCopy(res),
				Conditions:  []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady"}},
			},
		}
		n.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Node"}
		out = append(out, &n)
	}
	return out, nil
}

// simCluster is the store and the scheduler of one `capstan sim` run
// without --run (a one-shot placement); with --run, core/sim runs the
// whole cluster instead (sim_run.go).
type simCluster struct {
	st    *store.Memory
	sc    *sched.Scheduler
	order []string // keys of the pending pods, in manifest order
	// workloads counts the Deployments and ReplicaSets stored: without
	// controllers nothing creates their pods (the summary says so).
	workloads int
}

func newSimCluster(strategy sched.Strategy) (*simCluster, error) {
	return &simCluster{
		st: store.NewMemory(),
		sc: sched.New(sched.Config{Strategy: strategy}),
	}, nil
}
