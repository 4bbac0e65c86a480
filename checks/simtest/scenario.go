package simtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/sim"
)

// ScenarioText renders a run's transcript as a core/sim scenario file (the
// datadriven format of core/sim/testdata): the commands in order, each
// with the output it gave; consecutive grid ticks become one
// "tick D every=1s", which core/sim runs as the same sequence of steps.
// The header says how it was found; a "# simtest:" line carries what
// Replay needs to judge it as the runner did.
func ScenarioText(res *Result, header string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		b.WriteString("# " + l + "\n")
	}
	s := res.Schedule
	fmt.Fprintf(&b, "# simtest: seed=%d calm=%v liveness=%v\n\n", s.Seed, s.Calm,
		res.Failure != nil && res.Failure.Phase == "liveness")
	tr := res.Transcript
	for i := 0; i < len(tr); i++ {
		e := tr[i]
		if e.Line == "tick "+fmtDur(Grid) {
			n := 1
			for i+1 < len(tr) && tr[i+1].Line == e.Line {
				n++
				i++
			}
			fmt.Fprintf(&b, "tick %s every=%s\n----\n\n", fmtDur(time.Duration(n)*Grid), fmtDur(Grid))
			continue
		}
		b.WriteString(e.Line + "\n")
		if e.Body != "" {
			b.WriteString(e.Body + "\n")
		}
		b.WriteString("----\n")
		if e.Out != "" {
			b.WriteString(e.Out)
			if !strings.HasSuffix(e.Out, "\n") {
				b.WriteString("\n")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Replay runs a scenario file as the runner runs a schedule, with every
// check: commands in order, ticks in grid steps with the safety checks
// after each, and the liveness checks at the end if its "# simtest:" line
// says liveness=true. It returns the result (Schedule holds the seed and
// calm flag read from that line); commands other than ticks whose output
// differs from the one the file gives are listed in Result.Mismatches.
func Replay(text string, opts Options) (*Result, error) {
	s := &Schedule{}
	liveness := false
	for _, l := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(l, "# simtest:"); ok {
			for _, f := range strings.Fields(rest) {
				k, v, _ := strings.Cut(f, "=")
				switch k {
				case "seed":
					fmt.Sscanf(v, "%d", &s.Seed)
				case "calm":
					s.Calm = v == "true"
				case "liveness":
					liveness = v == "true"
				}
			}
		}
	}
	cmds, err := sim.ParseScenario(text)
	if err != nil {
		return nil, err
	}
	if len(cmds) == 0 || cmds[0].Name != "init" {
		return nil, fmt.Errorf("a scenario for Replay starts with init")
	}
	s.Init = cmds[0].String()
	res := &Result{Schedule: s, Figures: Figures{Seeds: 1, Evals: map[string]int{}}, Coverage: Coverage{}}
	ss := newSession(s, res, opts)
	for _, cmd := range cmds[1:] {
		if cmd.Name != "tick" {
			setup := ss.now == 0 && (cmd.Name == "add-node" || cmd.Name == "image" || cmd.Name == "apply")
			if setup || classify(cmd.String()) == Setup {
				ss.exec(cmd.String(), cmd.Input)
			} else {
				ss.command(cmd.String(), cmd.Input)
			}
			if cmd.Expected != "" && ss.last != cmd.Expected {
				res.Mismatches = append(res.Mismatches, fmt.Sprintf("line %d: %s:\ngot:\n%swant:\n%s", cmd.Line, cmd, ss.last, cmd.Expected))
			}
			ss.ck.check(ss.now)
			if ss.ck.fail != nil {
				break
			}
			continue
		}
		d, every, err := tickArgs(cmd)
		if err != nil {
			return nil, err
		}
		if every != Grid {
			return nil, fmt.Errorf("line %d: tick every=%s: Replay needs every=%s", cmd.Line, fmtDur(every), fmtDur(Grid))
		}
		for end := ss.now + d; ss.now < end && ss.ck.fail == nil; {
			ss.tick()
		}
		if ss.ck.fail != nil {
			break
		}
	}
	if ss.ck.fail == nil && liveness {
		ss.ck.liveness()
	}
	res.Failure = ss.ck.fail
	res.Figures.Steps = ss.c.Steps()
	res.Figures.Virtual = ss.c.Elapsed()
	return res, nil
}

func tickArgs(cmd sim.Command) (d, every time.Duration, err error) {
	every = -1
	for _, a := range cmd.Args {
		switch {
		case len(a.Vals) == 0:
			d, err = sim.ParseDuration(a.Key)
		case a.Key == "every":
			every, err = sim.ParseDuration(a.Vals[0])
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if every < 0 {
		every = d
	}
	return d, every, nil
}
