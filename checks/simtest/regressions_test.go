package simtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegressions replays every scenario of testdata/regressions with
// every check (Replay). A scenario whose header names a bug ("# bug: ...")
// that still fails is skipped with the bug's name: it documents a known
// core bug, and passes on its own once the bug is fixed.
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob("testdata/regressions/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Replay(string(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			bug := ""
			for _, l := range strings.Split(string(data), "\n") {
				if b, ok := strings.CutPrefix(l, "# bug: "); ok {
					bug = b
				}
			}
			switch {
			case res.Failure != nil && bug != "":
				t.Skipf("known bug still present: %s\n%s", bug, res.Failure)
			case res.Failure != nil:
				t.Fatalf("%s: %s", f, res.Failure)
			case bug != "":
				t.Logf("%s passes: %s looks fixed (remove its workaround, see doc.go)", f, bug)
			}
		})
	}
}
