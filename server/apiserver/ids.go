package apiserver

import (
	"crypto/rand"

	"github.com/capstan-dev/capstan/core/registry"
)

// cryptoIDs draws UIDs and generated names from crypto/rand, which is safe
// for concurrent use: the registry it feeds may serve many requests at once,
// and no two servers sharing an etcd draw the same sequence.
type cryptoIDs struct{}

// UID returns a random version-4 UUID.
func (cryptoIDs) UID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return registry.FormatUUID(b)
}

// NameSuffix returns n characters of registry.NameAlphabet, uniformly.
func (cryptoIDs) NameSuffix(n int) string {
	const a = registry.NameAlphabet
	out := make([]byte, 0, n)
	var buf [16]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:])
		for _, x := range buf {
			// Reject the top of the byte range so every letter is
			// equally likely.
			if int(x) < 256-256%len(a) && len(out) < n {
				out = append(out, a[int(x)%len(a)])
			}
		}
	}
	return string(out)
}
