package simnodes_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/capstan-dev/capstan/client/simnodes"
)

// BenchmarkRegister registers 100 simulated nodes (namespace, Node, status,
// Lease each) with a fresh in-memory API server over loopback HTTP.
func BenchmarkRegister(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := newServer(b)
		b.StartTimer()
		sim, err := simnodes.Start(context.Background(), c, simnodes.Options{Count: 100, NamePrefix: fmt.Sprintf("n%d-", i)})
		if err != nil {
			b.Fatal(err)
		}
		sim.Stop()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*100), "µs/node")
}
