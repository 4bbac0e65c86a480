package node

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// compareKeys orders as the joined keys compare, whatever the parts hold:
// separators and characters on either side of '/' in ASCII.
func TestCompareKeysMatchesJoinedKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "a-/.0"
	part := func() string {
		b := make([]byte, rng.IntN(4))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 100000 {
		a := PodRef{Namespace: part(), Name: part(), UID: part()}
		b := PodRef{Namespace: part(), Name: part(), UID: part()}
		if rng.IntN(4) == 0 {
			b.Namespace = a.Namespace
		}
		want := strings.Compare(a.Namespace+"/"+a.Name+"/"+a.UID, b.Namespace+"/"+b.Name+"/"+b.UID)
		if got := compareKeys(&a, &b); got != want {
			t.Fatalf("compareKeys(%+v, %+v) = %d, want %d", a, b, got, want)
		}
	}
}
