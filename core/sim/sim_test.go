package sim

import (
	"os"
	"path/filepath"
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

// TestParseScenarioMatchesDatadriven replays every scenario through
// ParseScenario, as `capstan sim --scenario` does, and expects the
// outputs the datadriven run recorded.
func TestParseScenarioMatchesDatadriven(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) < 25 {
		t.Fatalf("%d scenarios (%v), want at least 25", len(files), err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := ParseScenario(string(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		in := NewInterpreter(Config{Seed: 1})
		for _, cmd := range cmds {
			if got := in.Exec(cmd); got != cmd.Expected {
				t.Errorf("%s:%d: %s:\ngot:\n%s\nwant:\n%s", f, cmd.Line, cmd, got, cmd.Expected)
				break
			}
		}
	}
}
