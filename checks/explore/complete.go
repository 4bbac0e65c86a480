package explore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/model"
)

// complete runs the canonical schedule from the current state until the
// world is quiescent (or limit transitions), checking every write and
// every state on the way, liveness at the end, and Quiescence: the
// canonical schedule is fair (round-robin over the actors, see Settle; it
// moves the clock only when nothing else is left), so if it comes back to
// a state it left (at the same point of its round) without the clock
// moving, the cluster loops at one instant forever.
func (w *World) complete(limit int) (int, []model.Violation) {
	type key struct {
		h  StateHash
		rr int
	}
	seen := map[key]int{}
	var found []model.Violation
	for steps := 0; steps < limit; steps++ {
		c, ok := w.canonical(w.cfg.Horizon)
		if !ok {
			return steps, found
		}
		if c.Kind == Advance {
			clear(seen)
		} else {
			k := key{w.Hash(), w.rr}
			if first, ok := seen[k]; ok {
				return steps, append(found, w.loop(steps-first))
			}
			seen[k] = steps
		}
		w.Step(c)
		found = append(found, w.found...)
		found = append(found, w.CheckState()...)
	}
	return limit, found
}

// loop describes a loop of n transitions that just came back to its
// first state: the writes it makes, by object.
func (w *World) loop(n int) model.Violation {
	count := map[string]int{}
	var keys []string
	start := w.loopStart(n)
	for i := len(w.hist) - 1; i >= 0 && w.hist[i].Revision > start; i-- {
		k := w.hist[i].Key
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", strings.TrimPrefix(k, "/registry/"), count[k]))
	}
	return model.Violation{Invariant: "Quiescence", Object: "cluster",
		Message: fmt.Sprintf("the canonical schedule comes back to a state after %d transitions at %s, writing %s: it never ends",
			n, w.elapsed(), strings.Join(parts, ", "))}
}

// loopStart returns the revision before the last n transitions' writes,
// as far as the log of transition starts says.
func (w *World) loopStart(n int) int64 {
	if n > len(w.revAt) {
		return 0
	}
	return w.revAt[len(w.revAt)-n]
}
