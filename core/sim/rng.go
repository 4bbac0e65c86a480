package sim

// rng is splitmix64: tiny, fast, and good enough to draw latencies and
// shuffle deliveries. Its whole state is one word, held in the Cluster, so
// a run is a function of its seed.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); 0 when n <= 0.
func (r *rng) intn(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(r.next() % uint64(n))
}

// mix derives an independent seed for a component from the cluster seed.
func mix(seed, salt uint64) uint64 {
	r := rng{s: seed ^ salt}
	return r.next()
}
