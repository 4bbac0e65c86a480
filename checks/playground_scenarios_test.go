package checks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/wasm/simapi"
)

// TestPlaygroundScenarios replays the scenarios exported from the
// playground (testdata/playground/*.txt, the page's Export button) with
// core/sim's interpreter and compares every command's output with the
// one recorded: what was seen in a browser is a regression test. A file
// names its scheduler strategy in a "# strategy=" comment (init cannot).
func TestPlaygroundScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/playground/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("%d exported scenarios in testdata/playground, want at least 3", len(files))
	}
	strategy := regexp.MustCompile(`(?m)^# strategy=(\w+)$`)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := simapi.Script{}
			if m := strategy.FindSubmatch(text); m != nil {
				sc.Strategy = string(m[1])
			}
			cfg, err := simapi.Config(sc)
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := sim.ParseScenario(string(text))
			if err != nil {
				t.Fatal(err)
			}
			in := sim.NewInterpreter(cfg)
			for _, c := range cmds {
				if got := in.Exec(c); got != c.Expected {
					t.Fatalf("%s:%d: %s:\ngot:\n%s\nwant:\n%s", f, c.Line, c, got, c.Expected)
				}
			}
		})
	}
}
