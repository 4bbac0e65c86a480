package simtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRegressions replays every scenario of testdata/regressions with
// every check (Replay), and compares the outputs the file gives. A
// scenario whose header names a bug ("# bug: ...") that still fails is
// skipped with the bug's name: it documents a known core bug (its
// expected outputs are the correct ones). Once the bug is fixed the
// scenario passes and the test fails until the "# bug:" line goes, so the
// ledger (docs/bugs.md) cannot keep calling a fixed bug open.
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
			bug := ""
			for _, l := range strings.Split(string(data), "\n") {
				if b, ok := strings.CutPrefix(l, "# bug: "); ok {
					bug = b
				}
			}
			if strings.Contains(string(data), "livelock=true") {
				replayInChild(t, f, bug)
				return
			}
			res, err := Replay(string(data), Options{})
			if err != nil {
				t.Fatal(err)
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
				t.Errorf("%s passes: %s looks fixed: drop its \"# bug:\" line and update docs/bugs.md", f, bug)
			}
		})
	}
}

// childEnv names the scenario TestReplayChild replays.
const childEnv = "SIMTEST_REPLAY_CHILD"

// replayInChild replays a scenario that may never return (a livelock at
// one virtual instant cannot be interrupted) in a child process of this
// test binary, killed after a time limit.
func replayInChild(t *testing.T, file, bug string) {
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestReplayChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+abs)
	out, err := cmd.CombinedOutput()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && bug != "":
		t.Skipf("known bug still present: %s\n(the replay did not finish in 30s)", bug)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		t.Fatalf("%s: the replay did not finish in 30s", file)
	case err != nil && bug != "":
		t.Skipf("known bug still present: %s\n%s", bug, out)
	case err != nil:
		t.Fatalf("%s: %v\n%s", file, err, out)
	case bug != "":
		t.Errorf("%s passes: %s looks fixed: drop its \"# bug:\" line and update docs/bugs.md", file, bug)
	}
}

// TestReplayChild is replayInChild's child: it replays one scenario.
func TestReplayChild(t *testing.T) {
	file := os.Getenv(childEnv)
	if file == "" {
		t.Skip("run by TestRegressions for scenarios that may not return")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(string(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failure != nil || len(res.Mismatches) > 0 {
		t.Fatalf("%v %s", res.Failure, strings.Join(res.Mismatches, "\n"))
	}
}
