package simapi

import (
	"strconv"
	"strings"
)

// Invariants are evaluated at check points (the grid's seconds, after
// each action), which is cheap but late: a violation is seen up to a
// grid period after the step that caused it. So when a check point sees
// an invariant broken for the first time, locate replays the script
// (the simulation is deterministic) quietly up to the previous check
// point, where it held, then evaluates every invariant after every step
// up to this one: the first step at which it fails is exact. Each
// invariant is located at most twice (its first violation, its first
// excused one), so the replays cost about one run each.
//
//	check points   ──●───────────●───────────●──   (seen broken at ●3)
//	                 1           2           3
//	replay         quiet to ●2, then  · · · ✗ · ·   (after every step)
//	                                        └ the exact step

// firsts are the invariants' first violations and first excused ones
// (times, -1 if none), to tell which a check point found.
type firsts [][2]int64

func (t *tracker) firsts() firsts {
	f := make(firsts, len(t.views))
	for i, v := range t.views {
		f[i] = [2]int64{v.FirstAt, v.ExcusedAt}
	}
	return f
}

// located locates the violations found since before, if the session is
// exact.
func (s *Session) located(before firsts) {
	if !s.exact {
		return
	}
	var found []int
	for i, v := range s.inv.views {
		if (before[i][0] < 0 && v.FirstAt >= 0) || (before[i][1] < 0 && v.ExcusedAt >= 0) {
			found = append(found, i)
		}
	}
	if len(found) > 0 {
		s.locate(found, before)
	}
}

// locate replays the script from its start to the last check point
// without checks, then to now checking after every step, and takes the
// replay's first violations of the invariants found.
func (s *Session) locate(found []int, before firsts) {
	sc := s.script
	sc.Actions = sc.Actions[:s.next]
	r := &Session{maxCheckPods: s.maxCheckPods, quiet: true, only: map[int]bool{}}
	for _, i := range found {
		r.only[i] = true
	}
	r.reset(sc)
	r.runToPoint(s.last)
	r.quiet, r.perStep = false, true
	r.inv = newTracker(r.c)
	r.runTo(s.now())
	for _, i := range found {
		v, w := &s.inv.views[i], r.inv.views[i]
		if before[i][0] < 0 && v.FirstAt >= 0 {
			if w.FirstAt >= 0 && w.FirstAt <= v.FirstAt {
				v.FirstAt, v.First, v.FirstStep, v.FirstBy = w.FirstAt, w.First, w.FirstStep, w.FirstBy
			} else {
				v.FirstApprox, v.FirstBy = true, ""
			}
		}
		if before[i][1] < 0 && v.ExcusedAt >= 0 {
			if w.ExcusedAt >= 0 && w.ExcusedAt <= v.ExcusedAt {
				v.ExcusedAt, v.ExcusedFirst, v.ExcusedStep, v.ExcusedBy = w.ExcusedAt, w.ExcusedFirst, w.ExcusedStep, w.ExcusedBy
			} else {
				v.ExcusedApprox, v.ExcusedBy = true, ""
			}
		}
	}
}

// runToPoint runs to p: to p.t, doing the first p.next actions only
// (more may be due at p.t: they come after the check point).
func (s *Session) runToPoint(p point) {
	for s.next < p.next {
		a := s.script.Actions[s.next]
		s.advance(a.At)
		s.do(a)
		s.next++
	}
	s.advance(p.t)
}

const maxStepLines = 8

// stepText describes a step by its log lines (at most maxStepLines).
func stepText(step uint64, lines []string) string {
	var b strings.Builder
	b.WriteString("step " + strconv.FormatUint(step, 10))
	if len(lines) == 0 {
		b.WriteString(" (nothing logged)")
		return b.String()
	}
	for i, l := range lines[:min(maxStepLines, len(lines))] {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(" · ")
		}
		b.WriteString(strings.TrimSpace(l))
	}
	if len(lines) > maxStepLines {
		b.WriteString(" · (" + strconv.Itoa(len(lines)-maxStepLines) + " more)")
	}
	return b.String()
}
