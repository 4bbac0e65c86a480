package simapi

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkChecks runs a cluster at the size where the page still checks
// invariants (100 nodes, 2,000 pods: DefaultMaxCheckPods), without checks, with checks on the grid (what the page
// does) and with checks after every step (what a replay that locates a
// violation does from the last check point; all of them, or only
// NoOvercommit, as a replay locating it does), for ten seconds of
// virtual time from the start (2,000 pods created and bound), to weigh
// per-step checking:
//
//	go test -run '^$' -bench BenchmarkChecks -benchtime 1x ./wasm/simapi
var benchHorizon int64 = 10_000

func BenchmarkChecks(b *testing.B) {
	var nodes []string
	for i := 1; i <= 100; i++ {
		nodes = append(nodes, fmt.Sprintf("n%d", i))
	}
	var docs []string
	for i := 0; i < 2; i++ {
		docs = append(docs, fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: svc%d}
spec:
  replicas: 1000
  selector: {matchLabels: {app: svc%d}}
  template:
    metadata: {labels: {app: svc%d}}
    spec:
      containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: 100m, memory: 128Mi}}}]
`, i, i, i))
	}
	sc := Script{Seed: 9, Actions: []Action{
		{At: 0, Line: "add-node " + strings.Join(nodes, " ") + " cpu=16 memory=64Gi"},
		{At: 0, Line: "apply", Body: strings.Join(docs, "---\n")},
	}}
	for _, mode := range []string{"none", "grid", "per-step", "per-step-NoOvercommit"} {
		b.Run(mode, func(b *testing.B) {
			var steps uint64
			for range b.N {
				s := &Session{maxCheckPods: DefaultMaxCheckPods, perStepPods: -1, quiet: mode == "none", perStep: strings.HasPrefix(mode, "per-step"), exact: mode == "grid"}
				if mode == "per-step-NoOvercommit" {
					s.only = map[int]bool{0: true}
				}
				s.reset(sc)
				s.runTo(benchHorizon)
				steps = s.c.Steps()
				if mode != "none" && s.inv.skipped != "" {
					b.Fatal(s.inv.skipped)
				}
			}
			b.ReportMetric(float64(steps), "steps")
		})
	}
}

// BenchmarkLocateSmall runs the "a caveat at work" example (4 nodes, 8
// pods, RollingUpdateBounds broken at 45 s and excused) to 90 s with the
// grid checks alone, with the grid and its first violation located by a
// replay, and checking after every step that writes (what the page does
// on a cluster this small):
//
//	go test -run '^$' -bench BenchmarkLocateSmall ./wasm/simapi
func BenchmarkLocateSmall(b *testing.B) {
	sc := caveatScript()
	for _, mode := range []string{"grid", "grid+replay", "per-step"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				s := &Session{maxCheckPods: DefaultMaxCheckPods, perStepPods: -1, exact: mode != "grid"}
				if mode == "per-step" {
					s.perStepPods = DefaultPerStepPods
				}
				s.reset(sc)
				s.runTo(90_000)
			}
		})
	}
}
