package registry

// splitmix is a small deterministic generator (SplitMix64). Its state is
// part of the Registry, so two registries seeded alike produce the same
// UIDs and names. It is the default IDSource.
type splitmix struct{ s uint64 }

func (r *splitmix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const hexDigits = "0123456789abcdef"

// UID returns a version-4 UUID string drawn from the generator.
func (r *splitmix) UID() string {
	var b [16]byte
	a, c := r.next(), r.next()
	for i := 0; i < 8; i++ {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	return FormatUUID(b)
}

// FormatUUID returns 16 random bytes as a version-4 UUID in its canonical
// text form (the version and variant bits are set here).
func FormatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return string(out)
}

// NameAlphabet is Kubernetes' alphabet for generated name suffixes: no
// vowels (no words) and no look-alike characters.
const NameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// NameSuffix returns n characters from NameAlphabet.
func (r *splitmix) NameSuffix(n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = NameAlphabet[r.next()%uint64(len(NameAlphabet))]
	}
	return string(out)
}
