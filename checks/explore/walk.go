package explore

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/model"
)

// Random walks complement the bounded exhaustive search: past the depth
// bound, a walk takes a random enabled choice at every step until it
// reaches a leaf (or MaxSteps), checking the same invariants on the way
// and liveness at the end. A walk needs no replay (it only goes forward),
// so thousands of them reach the ends of runs that the breadth-first
// search cannot, at the price of exhaustiveness. Walk i is seeded with
// Seed+i: a violation is reproduced by its path, or by its seed.

// WalkOptions bound random walks.
type WalkOptions struct {
	// Walks is the number of walks; Seed seeds the first.
	Walks int
	Seed  uint64
	// MaxSteps bounds a walk (default 1000).
	MaxSteps int
	// Workers walk in parallel (default GOMAXPROCS); the result does not
	// depend on it.
	Workers int
}

// WalkResult is what random walks found.
type WalkResult struct {
	Config string
	// Walks, Steps taken in all, Leaves reached (the others stopped at
	// MaxSteps), and the longest walk.
	Walks, Steps, Leaves, Longest int
	// Violations are the first findings per invariant and object, each
	// with the shortest walk's path to it.
	Violations []Finding
	Elapsed    time.Duration
}

// Summary returns the result on one line.
func (r *WalkResult) Summary() string {
	return fmt.Sprintf("%s: %d walks, %d transitions, %d reached a leaf, longest %d, %d violations, %s",
		r.Config, r.Walks, r.Steps, r.Leaves, r.Longest, len(r.Violations), r.Elapsed.Round(time.Millisecond))
}

type walk struct {
	path Path
	leaf bool
	// completed: the canonical steps taken after the walk ran out of
	// steps (a violation found then has the walk's path as its prefix).
	completed int
	found     []model.Violation
	// at is the path length at which each of found was found; -1-len
	// for one found completing the walk.
	at  []int
	err error
}

// Walk takes opts.Walks random walks through cfg.
func Walk(cfg Config, opts WalkOptions) (*WalkResult, error) {
	cfg.setDefaults()
	start := time.Now()
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 1000
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	walks := make([]walk, opts.Walks)
	idx := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				walks[i] = walk1(&cfg, opts.Seed+uint64(i), opts.MaxSteps)
			}
		}()
	}
	for i := range walks {
		idx <- i
	}
	close(idx)
	wg.Wait()
	res := &WalkResult{Config: cfg.Name, Walks: opts.Walks}
	best := map[string]int{}
	for i, wk := range walks {
		if wk.err != nil {
			return nil, fmt.Errorf("walk %d (seed %d): %w", i, opts.Seed+uint64(i), wk.err)
		}
		res.Steps += len(wk.path)
		res.Longest = max(res.Longest, len(wk.path))
		if wk.leaf {
			res.Leaves++
		}
		res.Steps += wk.completed
		for j, v := range wk.found {
			k := v.Invariant + "|" + v.Object
			f := Finding{Violation: v}
			if at := wk.at[j]; at >= 0 {
				f.Path = wk.path[:at]
			} else {
				f.Path, f.Completion = wk.path[:-at-1], true
			}
			if b, ok := best[k]; !ok {
				best[k] = len(res.Violations)
				res.Violations = append(res.Violations, f)
			} else if len(f.Path) < len(res.Violations[b].Path) {
				res.Violations[b] = f
			}
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// walk1 is one walk: it stops at a leaf or at maxSteps, and then runs the
// canonical schedule to quiescence (Quiescence: it must end).
func walk1(cfg *Config, seed uint64, maxSteps int) (wk walk) {
	defer func() {
		if r := recover(); r != nil {
			wk.err = fmt.Errorf("%v (path %s)", r, wk.path.Describe(cfg.NodeNames()))
		}
	}()
	rng := rand.New(rand.NewPCG(seed, 0x3a1c))
	seen := map[string]bool{}
	w, err := newWorld(cfg, false)
	if err != nil {
		return walk{err: err}
	}
	for len(wk.path) < maxSteps {
		en := w.Enabled()
		if len(en) == 0 {
			wk.leaf = true
			return wk
		}
		c := en[rng.IntN(len(en))]
		w.Step(c)
		wk.path = append(wk.path, c)
		for _, v := range append(w.found[:len(w.found):len(w.found)], w.CheckState()...) {
			if k := v.String(); !seen[k] {
				seen[k] = true
				wk.found = append(wk.found, v)
				wk.at = append(wk.at, len(wk.path))
			}
		}
	}
	// Out of steps: from here, does the canonical schedule end?
	steps, found := w.complete(2000)
	for _, v := range found {
		if k := v.String(); !seen[k] {
			seen[k] = true
			wk.found = append(wk.found, v)
			wk.at = append(wk.at, -len(wk.path)-1)
		}
	}
	wk.completed = steps
	return wk
}
