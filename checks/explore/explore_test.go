package explore

import (
	"flag"
	"regexp"
	"testing"
)

var (
	flagDepth = flag.Int("explore.depth", 0,
		"explore every configuration to this depth instead of its CI depth (e.g. 100 exhausts rollout and rollout-tight)")
	flagConfig = flag.String("explore.config", "",
		"explore only the configurations whose name matches this regexp")
	flagMaxStates = flag.Int("explore.maxstates", 0,
		"stop a configuration's exploration once it knows this many states (0: no limit)")
	flagWorkers = flag.Int("explore.workers", 0,
		"replay states on this many goroutines (0: GOMAXPROCS)")
	flagComplete = flag.Int("explore.complete", 16,
		"run about one in this many states at the depth bound to quiescence (1: all, 0: none)")
	flagWalks = flag.Int("explore.walks", 100,
		"random walks per configuration in TestWalks")
	flagSeed         = flag.Uint64("explore.seed", 1, "seed of the first random walk")
	flagWriteByWrite = flag.Bool("explore.writebywrite", false,
		"interleave the control plane's writes one by one (Config.WriteByWrite) instead of a sync's writes at once")
	flagSlowRuntime = flag.Bool("explore.slowruntime", false,
		"make every runtime answer a transition of its own (EagerRuntime off)")
)

// ciDepth is how deep CI explores each configuration: every one at least
// 12 transitions, the narrow ones deeper, all of them together in well
// under a minute of two cores.
var ciDepth = map[string]int{
	"create":                13,
	"rollout":               24,
	"rollout-tight":         16,
	"rollout-twice":         12,
	"create-rollout":        12,
	"crash":                 12,
	"partition":             12,
	"after-crash":           14,
	"after-partition":       12,
	"partition-heal":        13,
	"delete-during-create":  12,
	"delete-during-rollout": 12,
	"volumes":               30,
	"volumes-recreate":      24,
	"volume-race":           30,
	"claim-deleted":         40,
}

// configs returns the configurations -explore.config selects.
func configs(t *testing.T) []Config {
	match, err := regexp.Compile(*flagConfig)
	if err != nil {
		t.Fatal(err)
	}
	var out []Config
	for _, cfg := range Configs() {
		if match.MatchString(cfg.Name) {
			cfg.WriteByWrite = cfg.WriteByWrite || *flagWriteByWrite
			cfg.EagerRuntime = cfg.EagerRuntime && !*flagSlowRuntime
			out = append(out, cfg)
		}
	}
	return out
}

// report fails t for every finding that is not a known bug's, and logs
// those that are.
func report(t *testing.T, cfg Config, findings []Finding) {
	t.Helper()
	for _, f := range findings {
		how := ""
		if f.Completion {
			how = " (then the canonical schedule)"
		}
		if b, ok := known(cfg.Name, f.Violation); ok {
			t.Logf("known bug (%s): %s\n  path%s: %s", b.test, f.Violation, how, f.Path.Describe(cfg.NodeNames()))
			continue
		}
		t.Errorf("%s\n  path (%d)%s: %s", f.Violation, len(f.Path), how, f.Path.Describe(cfg.NodeNames()))
		if tr, err := Trace(cfg, f.Path); err == nil {
			t.Logf("trace:\n%s", tr)
		}
	}
}

// TestExplore explores every configuration to its CI depth, runs some of
// the states at the bound to quiescence, and fails on any violation but
// the known bugs', printing the shortest path to it with a trace of what
// each transition did.
func TestExplore(t *testing.T) {
	for _, cfg := range configs(t) {
		t.Run(cfg.Name, func(t *testing.T) {
			depth := ciDepth[cfg.Name]
			if *flagDepth > 0 {
				depth = *flagDepth
			}
			if depth < 12 {
				t.Fatalf("CI depth %d: the issue asks for 12 at least", depth)
			}
			res, err := Explore(cfg, Options{Depth: depth, MaxStates: *flagMaxStates, Workers: *flagWorkers, Complete: *flagComplete})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("fault %s: %s", cfg.Fault.Describe(), res.Summary())
			for _, f := range res.Stale {
				t.Logf("binding on a stale view (expected with a fault): %s\n  path: %s", f.Violation, f.Path.Describe(cfg.NodeNames()))
			}
			report(t, cfg, res.Violations)
		})
	}
}

// TestWalks takes random walks through every configuration, to the leaves
// the bounded search does not reach.
func TestWalks(t *testing.T) {
	for _, cfg := range configs(t) {
		t.Run(cfg.Name, func(t *testing.T) {
			res, err := Walk(cfg, WalkOptions{Walks: *flagWalks, Seed: *flagSeed, MaxSteps: 400, Workers: *flagWorkers})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res.Summary())
			report(t, cfg, res.Violations)
		})
	}
}
