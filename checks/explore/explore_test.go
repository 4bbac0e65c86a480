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
)

// ciDepth is how deep CI explores each configuration: every one at least
// 12 transitions, the narrow ones deeper, all of them together in some
// ten seconds of two cores.
var ciDepth = map[string]int{
	"create":           14,
	"rollout":          24,
	"rollout-tight":    16,
	"crash":            13,
	"partition":        12,
	"after-crash":      16,
	"after-partition":  14,
	"rollout-twice":    14,
	"create-rollout":   14,
	"volumes":          30,
	"volumes-recreate": 30,
	"volume-race":      30,
	"claim-deleted":    40,
}

// TestExplore explores every configuration and fails on any violation,
// printing the shortest path to it with a trace of what each transition
// did.
func TestExplore(t *testing.T) {
	match := regexp.MustCompile(*flagConfig)
	for _, cfg := range Configs() {
		if !match.MatchString(cfg.Name) {
			continue
		}
		t.Run(cfg.Name, func(t *testing.T) {
			depth := ciDepth[cfg.Name]
			if *flagDepth > 0 {
				depth = *flagDepth
			}
			if depth < 12 {
				t.Fatalf("CI depth %d: the issue asks for 12 at least", depth)
			}
			if bug, ok := knownBugs[cfg.Name]; ok && cfg.Liveness {
				cfg.Liveness = false
				t.Logf("liveness not checked: known bug in core/ (%s)", bug)
			}
			res, err := Explore(cfg, Options{Depth: depth, MaxStates: *flagMaxStates, Workers: *flagWorkers})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("fault %s: %s", cfg.Fault.Describe(), res.Summary())
			for _, f := range res.Stale {
				t.Logf("binding on a stale view (expected with a fault): %s\n  path: %s", f.Violation, f.Path.Describe(cfg.NodeNames()))
			}
			if len(res.Violations) > 0 {
				t.Errorf("%d violations:\n%s", len(res.Violations), res.Report(cfg))
			}
		})
	}
}
