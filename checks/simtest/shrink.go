package simtest

// Shrink looks for a shorter schedule that fails the same invariant: it
// cuts the schedule at the failure (a safety failure needs nothing after
// it), then drops items one at a time, last first, keeping each drop after
// which the run still fails, until a whole pass drops nothing or budget
// runs are spent. It returns the smallest failing run found (the
// original's if nothing could go) and the number of runs it made.
func Shrink(res *Result, budget int, opts Options) (*Result, int) {
	if res.Failure == nil {
		return res, 0
	}
	want := res.Failure.Invariant()
	best := res
	runs := 0
	try := func(s *Schedule) bool {
		runs++
		o := opts
		if best.Failure.Phase == "safety" {
			o.StopAt = best.Failure.At
		}
		r := Run(s, o)
		if r.Failure == nil || r.Failure.Invariant() != want {
			return false
		}
		best = r
		return true
	}
	cur := cut(res.Schedule, res.Failure)
	if len(cur.Items) < len(res.Schedule.Items) || cur.Active != res.Schedule.Active {
		if !try(cur) {
			cur = res.Schedule
		}
	}
	for changed := true; changed && runs < budget; {
		changed = false
		for i := len(cur.Items) - 1; i >= 0 && runs < budget; i-- {
			if c := cut(cur.Without(i), best.Failure); try(c) {
				cur, changed = c, true
				i = min(i, len(cur.Items))
			}
		}
	}
	return best, runs
}

// cut drops the items after a safety failure's time.
func cut(s *Schedule, f *Failure) *Schedule {
	if f == nil || f.Phase != "safety" {
		return s
	}
	c := *s
	c.Items = nil
	for _, it := range s.Items {
		if it.At <= f.At {
			c.Items = append(c.Items, it)
		}
	}
	return &c
}
