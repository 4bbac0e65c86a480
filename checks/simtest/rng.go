package simtest

// rng is splitmix64, as core/sim's: the generator draws everything from
// the seed alone, so a seed names one workload and one schedule.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed ^ 0x5eed5eed5eed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); 0 when n <= 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance returns true with probability percent/100.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

// pick returns one of xs.
func pick[T any](r *rng, xs ...T) T { return xs[r.intn(len(xs))] }
