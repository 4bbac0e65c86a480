package simapi

import (
	"fmt"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/sim"
)

// Export writes a script, run to the cursor t (virtual ms), as a core/sim
// scenario file: "init" with the seed, each action with "tick" commands
// for the time between, a final tick to the cursor, then the state
// ("describe") and the end of the event log, each command followed by the
// output it gives. checks/ replays such files (testdata/playground) with
// core/sim's interpreter and compares every output: a scenario built in
// the page becomes a regression test. The strategy, which "init" cannot
// say, is in a "# strategy=" comment that the replay reads.
func Export(sc Script, t int64) (string, error) {
	if err := checkScript(&sc); err != nil {
		return "", err
	}
	cfg, err := Config(sc)
	if err != nil {
		return "", err
	}
	in := sim.NewInterpreter(cfg)
	var b strings.Builder
	st := sc.Strategy
	if st == "" {
		st = "LeastAllocated"
	}
	fmt.Fprintf(&b, "# Exported from the capstan playground: seed %d, %d actions, run to %s.\n", sc.Seed, len(sc.Actions), sim.FormatDuration(ms(t)))
	fmt.Fprintf(&b, "# strategy=%s\n\n", st)
	run := func(line, body string) {
		cmd, err := sim.ParseCommandLine(line)
		if err != nil {
			panic(err) // lines here are checked or generated
		}
		cmd.Input = body
		out := in.Exec(cmd)
		b.WriteString(line + "\n")
		if body != "" {
			b.WriteString(strings.TrimRight(body, "\n") + "\n")
		}
		if out == "" {
			b.WriteString("----\n\n")
			return
		}
		b.WriteString("----\n----\n" + out + "----\n----\n\n")
	}
	run(fmt.Sprintf("init seed=%d", sc.Seed), "")
	at := int64(0)
	tick := func(to int64) {
		if to > at {
			run("tick "+sim.FormatDuration(ms(to-at)), "")
			at = to
		}
	}
	for _, a := range sc.Actions {
		if a.At > t {
			break
		}
		tick(a.At)
		run(a.Line, a.Body)
	}
	tick(t)
	run("describe", "")
	run("describe log last=200", "")
	return b.String(), nil
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
