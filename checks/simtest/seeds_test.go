package simtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	flagSeeds       = flag.Int("seeds", 2000, "number of seeds TestSeeds runs")
	flagSeedStart   = flag.Uint64("seed-start", 1, "first seed TestSeeds runs")
	flagDetEvery    = flag.Int("determinism-every", 50, "run every Nth seed twice (sharing objects, then copying them) and compare the event logs byte for byte; 0: never")
	flagShrink      = flag.Int("shrink-budget", 300, "runs the shrinker may make per failing seed (0: no shrinking)")
	flagShrinkMax   = flag.Int("shrink-failures", 3, "failing seeds to shrink (the first ones)")
	flagOut         = flag.String("scenario-dir", "", "where minimal failing scenarios are written (default: a temporary directory)")
	flagReport      = flag.String("report", "", "also write the figures and the coverage table to this file")
	flagCoverageMin = flag.Int("coverage-min-seeds", 1000, "fail if a required situation never happened in a run of at least this many seeds")
	flagSeedTimeout = flag.Duration("seed-timeout", 2*time.Minute, "wall time after which a seed that has not finished (a livelock at one virtual instant?) stops the test with its reproduction command")
)

// seedResult is what TestSeeds keeps of one seed.
type seedResult struct {
	seed     uint64
	calm     bool
	failure  *Failure
	figures  Figures
	coverage Coverage
	// nondeterministic says how the second run differed, if it did.
	nondeterministic string
}

// TestSeeds runs -seeds seeds from -seed-start, each a generated workload
// and schedule of actions and faults over an hour of virtual time with the
// safety checks at every grid point and the liveness checks at the end
// (see doc.go). Every failure prints the command that reproduces it and,
// for the first ones, a minimal scenario.
func TestSeeds(t *testing.T) {
	start := time.Now()
	n, first := *flagSeeds, *flagSeedStart
	results := make([]seedResult, n)
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	running := make([]struct {
		seed  uint64
		since time.Time
	}, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				if i < n {
					running[w].seed, running[w].since = first+uint64(i), time.Now()
				} else {
					running[w].since = time.Time{}
				}
				mu.Unlock()
				if i >= n {
					return
				}
				results[i] = runSeed(first + uint64(i))
			}
		}()
	}
	done := make(chan struct{})
	go watchdog(&mu, running, done)
	wg.Wait()
	close(done)
	wall := time.Since(start)

	total := Figures{Evals: map[string]int{}}
	cov, seen := Coverage{}, Coverage{}
	calm, failed := 0, 0
	for i := range results {
		r := &results[i]
		total.Add(&r.figures)
		cov.Add(r.coverage)
		for k, v := range r.coverage {
			if v > 0 {
				seen[k]++
			}
		}
		if r.calm {
			calm++
		}
		if r.nondeterministic != "" {
			t.Errorf("seed %d is not deterministic: %s\n  reproduce: %s", r.seed, r.nondeterministic, reproduce(r.seed))
		}
		if r.failure != nil {
			failed++
			t.Errorf("seed %d failed: %s  reproduce: %s", r.seed, r.failure, reproduce(r.seed))
			if failed <= *flagShrinkMax && *flagShrink > 0 {
				t.Log(shrinkReport(t, r.seed))
			}
		}
	}
	report := figuresText(&total, n, calm, wall) + "\ncoverage (* required):\n" + cov.Table(seen)
	t.Log("\n" + report)
	if *flagReport != "" {
		if err := os.WriteFile(*flagReport, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	if n >= *flagCoverageMin {
		if missing := cov.Missing(); len(missing) > 0 {
			t.Errorf("%d seeds never saw: %s\n%s", n, strings.Join(missing, "; "), cov.Table(seen))
		}
	}
}

// watchdog stops the test when a seed runs past -seed-timeout: the sim
// cannot be interrupted inside a step, and a core bug that livelocks one
// virtual instant would otherwise hang the test until go test's timeout,
// without saying which seed.
func watchdog(mu *sync.Mutex, running []struct {
	seed  uint64
	since time.Time
}, done chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		mu.Lock()
		for _, r := range running {
			if !r.since.IsZero() && time.Since(r.since) > *flagSeedTimeout {
				panic(fmt.Sprintf("simtest: seed %d has run for %s of wall time without finishing (a livelock at one virtual instant?): reproduce: %s",
					r.seed, time.Since(r.since).Round(time.Second), reproduce(r.seed)))
			}
		}
		mu.Unlock()
	}
}

func reproduce(seed uint64) string {
	return fmt.Sprintf("go test ./checks/simtest -run TestSeeds -seed-start=%d -seeds=1 -v", seed)
}

func runSeed(seed uint64) seedResult {
	s := Generate(seed)
	var opts Options
	det := *flagDetEvery > 0 && seed%uint64(*flagDetEvery) == 0
	opts.KeepLog = det
	res := Run(s, opts)
	r := seedResult{seed: seed, calm: s.Calm, failure: res.Failure, figures: res.Figures, coverage: res.Coverage}
	if det {
		opts.CopyObjects = true
		again := Run(s, opts)
		r.nondeterministic = compareRuns(res, again)
	}
	return r
}

// compareRuns says how two runs of one schedule differ: event log, write
// count, steps, verdict.
func compareRuns(a, b *Result) string {
	if a.Log != b.Log {
		la, lb := strings.Split(a.Log, "\n"), strings.Split(b.Log, "\n")
		for i := range min(len(la), len(lb)) {
			if la[i] != lb[i] {
				return fmt.Sprintf("event logs differ at line %d:\n    %s\n    %s", i+1, la[i], lb[i])
			}
		}
		return fmt.Sprintf("event logs differ in length: %d and %d lines", len(la), len(lb))
	}
	if a.Figures.Writes != b.Figures.Writes || a.Figures.Steps != b.Figures.Steps {
		return fmt.Sprintf("writes %d/%d, steps %d/%d", a.Figures.Writes, b.Figures.Writes, a.Figures.Steps, b.Figures.Steps)
	}
	if (a.Failure == nil) != (b.Failure == nil) || (a.Failure != nil && a.Failure.String() != b.Failure.String()) {
		return fmt.Sprintf("verdicts differ: %v / %v", a.Failure, b.Failure)
	}
	return ""
}

// shrinkReport shrinks a failing seed's schedule and writes the minimal
// scenario to a file; it returns the text to log.
func shrinkReport(t *testing.T, seed uint64) string {
	opts := Options{Transcript: true}
	res := Run(Generate(seed), opts)
	if res.Failure == nil {
		return fmt.Sprintf("seed %d: passed when run again for shrinking", seed)
	}
	start := time.Now()
	small, runs := Shrink(res, *flagShrink, opts)
	setup, actions, faults := small.Schedule.Counts()
	header := fmt.Sprintf("seed %d, shrunk from %d to %d items (%d setup, %d actions, %d faults) in %d runs.\n%s\nreproduce the seed: %s",
		seed, len(res.Schedule.Items), len(small.Schedule.Items), setup, actions, faults, runs,
		strings.TrimSpace(small.Failure.String()), reproduce(seed))
	text := ScenarioText(small, header)
	dir := *flagOut
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "capstan-simtest")
	}
	path := filepath.Join(dir, fmt.Sprintf("seed-%d.txt", seed))
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(path, []byte(text), 0o644)
	}
	return fmt.Sprintf("seed %d: minimal schedule (%s, shrinking took %s), written to %s\n%s\n--- scenario ---\n%s",
		seed, small.Failure.Invariant(), time.Since(start).Round(time.Millisecond), path, small.Schedule.Describe(), text)
}

// figuresText renders the figures for docs/assurance.md.
func figuresText(f *Figures, seeds, calm int, wall time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seeds: %d (%d calm, %d with faults), wall %s on %d cores\n", seeds, calm, seeds-calm, wall.Round(time.Millisecond), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "virtual time: %.1f h (%.2f h a seed)\n", f.Virtual.Hours(), f.Virtual.Hours()/float64(max(1, seeds)))
	fmt.Fprintf(&b, "sim steps: %d; store writes checked: %d; grid points checked: %d; bindings judged: %d; quiescent points: %d\n",
		f.Steps, f.Writes, f.Checks, f.Binds, f.Quiescent)
	names := make([]string, 0, len(f.Evals))
	total := 0
	for k, v := range f.Evals {
		names = append(names, k)
		total += v
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "invariant evaluations: %d\n", total)
	for _, k := range names {
		fmt.Fprintf(&b, "  %-28s %d\n", k, f.Evals[k])
	}
	return b.String()
}
