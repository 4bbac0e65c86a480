package control

// rng is a SplitMix64 generator. Its state is part of the machine, so two
// machines seeded alike generate the same names; it is the only state a
// restarted machine cannot rebuild from the store, and losing it is
// harmless (a name already taken is drawn again).
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// nameAlphabet is Kubernetes' alphabet for generated names: no vowels (no
// words) and no look-alike characters.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// appendSuffix appends n characters drawn from nameAlphabet to b.
func (r *rng) appendSuffix(b []byte, n int) []byte {
	for range n {
		b = append(b, nameAlphabet[r.next()%uint64(len(nameAlphabet))])
	}
	return b
}

const hexDigits = "0123456789abcdef"

// hex16 returns 16 hexadecimal digits drawn from the generator.
func (r *rng) hex16() string {
	v := r.next()
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
