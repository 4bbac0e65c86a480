package sim

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestScenarios runs every scenario of testdata/ on a fresh cluster.
// `go test ./core/sim -rewrite` regenerates the expected outputs. The
// commands are those of Interpreter.
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if !strings.HasSuffix(path, ".txt") {
			t.Skip("not a scenario")
		}
		in := NewInterpreter(Config{Seed: 1})
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return in.Exec(commandOf(d))
		})
	})
}

// commandOf converts a datadriven command.
func commandOf(d *datadriven.TestData) Command {
	cmd := Command{Name: d.Cmd, Input: d.Input}
	for _, a := range d.CmdArgs {
		cmd.Args = append(cmd.Args, Arg{Key: a.Key, Vals: a.Vals})
	}
	return cmd
}
