package explore

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/model"
)

// Options bound an exploration.
type Options struct {
	// Depth is the number of transitions explored from the initial state.
	Depth int
	// Workers replay states in parallel (default GOMAXPROCS). The result
	// does not depend on it.
	Workers int
	// MaxStates stops the exploration (Result.Truncated) once that many
	// distinct states are known; 0 means no limit.
	MaxStates int
	// Complete runs new states at the depth bound to quiescence on the
	// canonical schedule (Settle), checking the invariants on the way,
	// liveness at the end, and that the schedule does end (Quiescence):
	// every explored prefix must still converge. 0 completes none, 1
	// every one, n about one in n (chosen by hash, so deterministically).
	Complete int
	// Progress, if set, is called after each level.
	Progress func(depth, frontier, states int)
}

// Finding is a violation and the shortest path (in transitions) found to
// it.
type Finding struct {
	Violation model.Violation
	Path      Path
	// Completion: found while completing a frontier state (Path is the
	// prefix; the canonical schedule follows).
	Completion bool
}

// Result is what an exploration found.
type Result struct {
	Config string
	Depth  int
	// States counts distinct states, the initial one included;
	// Transitions every transition taken, into new states or known ones.
	States, Transitions int
	// Levels counts the new states found at each depth (Levels[0] = 1).
	Levels []int
	// Leaves are states in which no choice is left.
	Leaves int
	// Completed counts frontier states run to quiescence (Options.Complete)
	// and CompletionSteps the transitions that took.
	Completed, CompletionSteps int
	// Replayed counts the transitions replayed to reach states.
	Replayed int
	// Violations are the first findings per invariant and object.
	Violations []Finding
	// Stale are bindings infeasible on the store but feasible on the
	// control plane's view (configurations with a fault only).
	Stale      []Finding
	StaleCount int
	// Exhausted: no state was left to expand before the depth bound, the
	// whole space (of this abstraction) is explored. Truncated: stopped at
	// MaxStates.
	Exhausted, Truncated bool
	Elapsed              time.Duration
}

// Summary returns the result on one line.
func (r *Result) Summary() string {
	s := fmt.Sprintf("%s: depth %d, %d states, %d transitions, %d leaves, %d replayed, levels %v",
		r.Config, r.Depth, r.States, r.Transitions, r.Leaves, r.Replayed, r.Levels)
	if r.Completed > 0 {
		s += fmt.Sprintf(", %d completed (%d transitions)", r.Completed, r.CompletionSteps)
	}
	if r.StaleCount > 0 {
		s += fmt.Sprintf(", %d stale bindings", r.StaleCount)
	}
	if r.Truncated {
		s += ", truncated"
	}
	if r.Exhausted {
		deepest := len(r.Levels) - 1
		for deepest > 0 && r.Levels[deepest] == 0 {
			deepest--
		}
		s += fmt.Sprintf(", exhausted (deepest state at %d)", deepest)
	}
	return s + fmt.Sprintf(", %d violations, %s", len(r.Violations), r.Elapsed.Round(time.Millisecond))
}

// Report returns the violations with their paths.
func (r *Result) Report(cfg Config) string {
	var b strings.Builder
	for _, f := range r.Violations {
		fmt.Fprintf(&b, "%s\n  path (%d): %s\n", f.Violation, len(f.Path), f.Path.Describe(cfg.NodeNames()))
		if f.Completion {
			b.WriteString("  then the canonical schedule\n")
		}
		if t, err := Trace(cfg, f.Path); err == nil {
			b.WriteString(indent(t, "    "))
		}
	}
	return b.String()
}

// child is what expanding one transition found.
type child struct {
	choice Choice
	hash   StateHash
	// found are violations of the transition's writes; state those of
	// the new state (computed only when it was not known before this
	// level); stale the bindings on a stale view.
	found, state, stale []model.Violation
	// enabled is the number of choices in the new state.
	enabled int
	// completion: violations found completing it, and the steps taken.
	completion      []model.Violation
	completionSteps int
	replayed        int
}

// NewWorld builds the initial state of cfg (its Setup done).
func NewWorld(cfg Config) (*World, error) {
	cfg.setDefaults()
	return newWorld(&cfg, false)
}

// Replay builds cfg's initial state and takes path.
func Replay(cfg Config, path Path) (*World, error) {
	cfg.setDefaults()
	return replay(&cfg, path, false)
}

func replay(cfg *Config, path Path, trace bool) (*World, error) {
	w, err := newWorld(cfg, trace)
	if err != nil {
		return nil, err
	}
	w.check = trace
	for _, c := range path {
		w.Step(c)
	}
	w.check = true
	return w, nil
}

// Trace replays path and returns what each transition did.
func Trace(cfg Config, path Path) (string, error) {
	cfg.setDefaults()
	w, err := newWorld(&cfg, true)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, c := range path {
		w.log = nil
		w.Step(c)
		fmt.Fprintf(&b, "%d. %s\n", i+1, c.Describe(cfg.NodeNames()))
		for _, l := range w.log {
			b.WriteString("     " + l + "\n")
		}
		for _, v := range w.found {
			b.WriteString("     !! " + v.String() + "\n")
		}
	}
	b.WriteString("final state:\n")
	b.WriteString(indent(w.Describe(), "  "))
	return b.String(), nil
}

// Explore explores every interleaving of cfg up to opts.Depth transitions,
// breadth first, deduplicating states by Hash, and checks the invariants
// in every state reached and over every write made.
func Explore(cfg Config, opts Options) (*Result, error) {
	cfg.setDefaults()
	start := time.Now()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{Config: cfg.Name, Depth: opts.Depth, Levels: []int{1}}
	w0, err := newWorld(&cfg, false)
	if err != nil {
		return nil, err
	}
	visited := map[StateHash]bool{w0.Hash(): true}
	res.States = 1
	seen := map[string]bool{}
	record := func(list *[]Finding, vs []model.Violation, p Path, completion bool) {
		for _, v := range vs {
			k := v.Invariant + "|" + v.Object
			if list == &res.Stale {
				k = "stale|" + k
				res.StaleCount++
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			*list = append(*list, Finding{Violation: v, Path: p, Completion: completion})
		}
	}
	record(&res.Violations, w0.CheckState(), nil, false)
	frontier := []Path{{}}
	if len(w0.Enabled()) == 0 {
		res.Leaves++
		frontier = nil
	}
	for depth := 0; depth < opts.Depth && len(frontier) > 0; depth++ {
		last := depth+1 == opts.Depth
		results := make([][]child, len(frontier))
		errs := make([]error, len(frontier))
		var next sync.WaitGroup
		idx := make(chan int)
		for range workers {
			next.Add(1)
			go func() {
				defer next.Done()
				for i := range idx {
					complete := 0
					if last {
						complete = opts.Complete
					}
					results[i], errs[i] = expand(&cfg, frontier[i], visited, complete)
				}
			}()
		}
		for i := range frontier {
			idx <- i
		}
		close(idx)
		next.Wait()
		var nextFrontier []Path
		newStates := 0
		for i, p := range frontier {
			if errs[i] != nil {
				return nil, fmt.Errorf("expanding %s: %w", p.Describe(cfg.NodeNames()), errs[i])
			}
			for _, c := range results[i] {
				res.Transitions++
				res.Replayed += c.replayed
				cp := append(p[:len(p):len(p)], c.choice)
				record(&res.Violations, c.found, cp, false)
				record(&res.Stale, c.stale, cp, false)
				if visited[c.hash] {
					continue
				}
				visited[c.hash] = true
				res.States++
				newStates++
				record(&res.Violations, c.state, cp, false)
				if len(c.completion) > 0 {
					record(&res.Violations, c.completion, cp, true)
				}
				if c.completionSteps > 0 {
					res.Completed++
					res.CompletionSteps += c.completionSteps
				}
				// A state with a violation is expanded too: the violation
				// is reported once (per invariant and object), and what
				// follows may break something else.
				if c.enabled == 0 {
					res.Leaves++
				} else {
					nextFrontier = append(nextFrontier, cp)
				}
			}
		}
		res.Levels = append(res.Levels, newStates)
		frontier = nextFrontier
		if opts.Progress != nil {
			opts.Progress(depth+1, len(frontier), res.States)
		}
		if opts.MaxStates > 0 && res.States >= opts.MaxStates {
			res.Truncated = len(frontier) > 0 && depth+1 < opts.Depth
			break
		}
	}
	res.Exhausted = len(frontier) == 0 && !res.Truncated
	res.Elapsed = time.Since(start)
	return res, nil
}

// expand takes every choice enabled at the end of p, each from a fresh
// replay of p (machines cannot be copied), and reports what each found.
// visited is read only: the states known before this level.
func expand(cfg *Config, p Path, visited map[StateHash]bool, complete int) (out []child, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	w, err := replay(cfg, p, false)
	if err != nil {
		return nil, err
	}
	choices := w.Enabled()
	out = make([]child, len(choices))
	memo := map[digestKey][32]byte{}
	memoRev, _ := w.mem.Revision()
	for i, c := range choices {
		if i > 0 {
			if w, err = replay(cfg, p, false); err != nil {
				return nil, err
			}
		}
		w.memo, w.memoRev = memo, memoRev
		w.Step(c)
		ch := child{choice: c, replayed: len(p) + 1}
		ch.found = append(ch.found, w.found...)
		ch.stale = append(ch.stale, w.stale...)
		ch.hash = w.Hash()
		if !visited[ch.hash] {
			ch.state = w.CheckState()
			ch.enabled = len(w.Enabled())
			if complete > 0 && binary.LittleEndian.Uint32(ch.hash[:4])%uint32(complete) == 0 && ch.enabled > 0 {
				ch.completionSteps, ch.completion = complete1(w)
			}
		}
		out[i] = ch
	}
	return out, nil
}

// complete1 runs w to quiescence on the canonical schedule (Complete).
func complete1(w *World) (int, []model.Violation) {
	return w.complete(10000)
}
