package simtest

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/sim"
)

// TestDebugSeed prints one seed's schedule, end state and log (grep with
// DEBUG_GREP): DEBUG_SEED=N go test -run TestDebugSeed -v.
func TestDebugSeed(t *testing.T) {
	seed, err := strconv.ParseUint(os.Getenv("DEBUG_SEED"), 10, 64)
	if err != nil {
		t.Skip("DEBUG_SEED not set")
	}
	s := Generate(seed)
	t.Log(s.Describe())
	res := Run(s, Options{Inspect: func(c *sim.Cluster) {
		t.Log("\n" + c.Describe())
		g := os.Getenv("DEBUG_GREP")
		var b strings.Builder
		for _, l := range c.Log() {
			if g == "" || strings.Contains(l, g) {
				b.WriteString(l + "\n")
			}
		}
		os.WriteFile("/tmp/simtest-debug.log", []byte(b.String()), 0o644)
	}})
	t.Log(res.Failure)
}
