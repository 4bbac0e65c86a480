package simtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegressions replays every scenario of testdata/regressions with
// every check (Replay), and compares the outputs the file gives. A
// scenario whose header names a bug ("# bug: ...") that still fails is
// skipped with the bug's name: it documents a known core bug (its
// expected outputs are the correct ones), and passes on its own once the
// bug is fixed.
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
			res, err := Replay(string(data), Options{NoWorkarounds: true})
			if err != nil {
				t.Fatal(err)
			}
			bug := ""
			for _, l := range strings.Split(string(data), "\n") {
				if b, ok := strings.CutPrefix(l, "# bug: "); ok {
					bug = b
				}
			}
			failed := res.Failure != nil || len(res.Mismatches) > 0
			why := strings.Join(res.Mismatches, "\n")
			if res.Failure != nil {
				why = res.Failure.String() + why
			}
			switch {
			case failed && bug != "":
				t.Skipf("known bug still present: %s\n%s", bug, why)
			case failed:
				t.Fatalf("%s: %s", f, why)
			case bug != "":
				t.Logf("%s passes: %s looks fixed (remove its workaround, see doc.go)", f, bug)
			}
		})
	}
}
