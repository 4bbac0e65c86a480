package simapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/core/sim"
)

// ABIVersion is the version of the request and answer format; the module
// exports it so that a page can refuse a module it does not understand.
const ABIVersion = 1

// Grid is the period, in virtual milliseconds, of the invariant checks;
// the timeline's step.
const Grid = 1000

// compactEvery is core/sim's default compaction period in milliseconds:
// the session reads the store's write log just before each compaction.
const compactEvery = int64(5 * time.Minute / time.Millisecond)

// Script is what a session replays: everything needed to rebuild the
// cluster at any time. It is what the page puts in its URL.
type Script struct {
	Seed uint64 `json:"seed"`
	// Strategy is the scheduler's resource strategy: "LeastAllocated"
	// (the default), "MostAllocated" or "BalancedAllocation".
	Strategy string   `json:"strategy,omitempty"`
	Actions  []Action `json:"actions"`
}

// Action is one user action: a core/sim scenario command (a line, and a
// body for apply) made at virtual time At, in milliseconds since the
// start. Actions are in time order.
type Action struct {
	At   int64  `json:"at"`
	Line string `json:"line"`
	Body string `json:"body,omitempty"`
}

// Request is one call. Cmd names the command; the other fields are its
// arguments (unused ones are left out).
type Request struct {
	Cmd    string  `json:"cmd"`
	Script *Script `json:"script,omitempty"`
	// T is a virtual time in milliseconds since the start (load, run).
	T int64 `json:"t,omitempty"`
	// Line and Body are a scenario command (exec).
	Line string `json:"line,omitempty"`
	Body string `json:"body,omitempty"`
	// Pod ("namespace/name"), or Node and Slot (the Slot-th pod drawn in
	// the node's box), select a pod (pod); Node a node (node).
	Pod  string `json:"pod,omitempty"`
	Node string `json:"node,omitempty"`
	Slot int    `json:"slot,omitempty"`
	// YAML is the manifests to check (validate).
	YAML string `json:"yaml,omitempty"`
	// From, Runs, Faults (explore: runs From+1 .. From+Runs); A and B,
	// two strategies (compare).
	From   int    `json:"from,omitempty"`
	Runs   int    `json:"runs,omitempty"`
	Faults int    `json:"faults,omitempty"`
	A      string `json:"a,omitempty"`
	B      string `json:"b,omitempty"`
	// MaxCheckPods bounds the pods for which invariants are checked
	// (config; default DefaultMaxCheckPods).
	MaxCheckPods int `json:"maxCheckPods,omitempty"`
	// Check (run) checks the invariants at T even off the grid, so that
	// a jump to a violation's exact time shows it.
	Check bool `json:"check,omitempty"`
	// MaxSteps bounds the events a load or run processes (0: none). One
	// that runs out answers with State.Partial set and the cursor where
	// it stopped (perhaps inside a virtual instant); the same run again
	// goes on from there. The outcome is
	// the same as one unbounded run's: this only cuts a long run (a big
	// cluster's first seconds) into calls short enough for the page to
	// show progress between them.
	MaxSteps int `json:"maxSteps,omitempty"`
}

// DefaultMaxCheckPods is how many pods a cluster may have for the
// invariants to be checked every second: past it the checks would cost
// more than the simulation.
const DefaultMaxCheckPods = 2000

// DefaultPerStepPods is how many pods a cluster may have for the
// invariants to be checked after every step that writes, not only on the
// grid: then a violation that clears within a grid second is seen too.
// At 100 nodes and 2,000 pods that costs 3.5 times the grid's checks
// (docs/benchmarks.md); on the examples' clusters it costs less than the
// grid, whose checks run every second whether anything changed or not.
const DefaultPerStepPods = 200

// Session is one playground: a script, the cluster it is replayed into,
// and what is tracked along the way. The zero Session is not usable: use
// New.
type Session struct {
	script Script
	// in runs the script's commands; c is its cluster.
	in *sim.Interpreter
	c  *sim.Cluster
	// next is the index of the first action not yet replayed.
	// Invariant: every action before it has At <= the cursor.
	next int
	// down and partitioned are the nodes the script crashed or cut off
	// (and did not restart or heal).
	down, partitioned map[string]bool
	// faultAt is when the script first injected a fault (virtual ms), -1
	// if it has not: from then on the invariants' caveats apply.
	faultAt      int64
	inv          *tracker
	maxCheckPods int
	// last is the last check point passed (both kinds of invariants
	// evaluated): a violation first seen at a check point arose after it.
	last point
	// exact: a violation first seen at a check point is located to its
	// exact step by a replay (locate). quiet: no checks at all; perStep:
	// checks after every step. The replays locate makes are quiet up to
	// the last check point, then check per step.
	exact, quiet, perStep bool
	// perStepPods: an exact session checks after every step that
	// writes while the cluster has at most this many pods (small, as of
	// the last grid or action check point).
	perStepPods int
	small       bool
	// only, if not nil, are the invariants evaluated (by index): a
	// replay evaluates only those it locates.
	only map[int]bool
	// by says what the last transition was (perStep only): the log lines
	// of a step, an action's command, or the clock moving.
	by string
	// limited: the current call may process only left more events
	// (Request.MaxSteps); stopped: it ran out before its time.
	// interrupted: a runUntil(until) was cut short, and then is what was
	// to follow it (see advance).
	// stepCheckedPods is the most pods a check after a step saw.
	stepCheckedPods               int
	limited, stopped, interrupted bool
	left                          int
	until                         int64
	then                          int
}

// point is a check point: a cursor and how many actions were done.
type point struct {
	t    int64
	next int
}

// New returns a session with an empty script and seed 1.
func New() *Session {
	s := &Session{maxCheckPods: DefaultMaxCheckPods, perStepPods: DefaultPerStepPods, exact: true}
	s.reset(Script{Seed: 1})
	return s
}

// Call runs one request and returns its answer, a JSON object. It never
// panics: a panic in the simulation becomes {"error": ...}.
func (s *Session) Call(req []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out = errorJSON(fmt.Sprintf("internal error: %v", r))
		}
	}()
	var r Request
	if err := json.Unmarshal(req, &r); err != nil {
		return errorJSON("bad request: " + err.Error())
	}
	v, err := s.call(&r)
	if err != nil {
		return errorJSON(err.Error())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return errorJSON("encoding the answer: " + err.Error())
	}
	return b
}

func errorJSON(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

func (s *Session) call(r *Request) (any, error) {
	switch r.Cmd {
	case "exec", "fork", "export", "script", "explore", "compare":
		// They act at the cursor or on the script: first finish a run
		// a step budget cut short inside an instant.
		s.resume()
	}
	switch r.Cmd {
	case "abi":
		return map[string]int{"abi": ABIVersion}, nil
	case "config":
		if r.MaxCheckPods != 0 {
			s.maxCheckPods = r.MaxCheckPods
		}
		return map[string]int{"maxCheckPods": s.maxCheckPods}, nil
	case "load":
		if r.Script == nil {
			return nil, fmt.Errorf("load: no script")
		}
		if err := checkScript(r.Script); err != nil {
			return nil, err
		}
		s.reset(*r.Script)
		if s.bounded(r.MaxSteps, func() { s.runTo(r.T) }) {
			return s.partialState(), nil
		}
		return s.state(), nil
	case "run":
		if s.bounded(r.MaxSteps, func() { s.seek(r.T) }) {
			return s.partialState(), nil
		}
		if r.Check && s.last != (point{s.now(), s.next}) {
			// Not a grid point: small is left as it is, so that the
			// run goes on as it would have.
			if s.evaluate(s.inv.check) {
				s.last = point{s.now(), s.next}
			}
		}
		return s.state(), nil
	case "exec":
		out, err := s.exec(r.Line, r.Body)
		if err != nil {
			return nil, err
		}
		return map[string]any{"output": out, "state": s.state()}, nil
	case "fork":
		s.script.Actions = s.script.Actions[:s.next]
		return s.state(), nil
	case "state":
		return s.state(), nil
	case "script":
		return s.script, nil
	case "pod":
		return s.pod(r)
	case "node":
		return s.node(r.Node)
	case "validate":
		return validate(r.YAML), nil
	case "describe":
		return map[string]string{"describe": s.c.Describe(), "log": s.c.LogText()}, nil
	case "export":
		text, err := Export(s.script, s.now())
		if err != nil {
			return nil, err
		}
		return map[string]string{"scenario": text}, nil
	case "explore":
		return s.explore(r), nil
	case "compare":
		return s.compare(r)
	}
	return nil, fmt.Errorf("unknown command %q", r.Cmd)
}

// strategyOf parses a strategy name ("" is LeastAllocated).
func strategyOf(name string) (sched.Strategy, error) {
	if name == "" {
		return sched.LeastAllocated, nil
	}
	for _, st := range []sched.Strategy{sched.LeastAllocated, sched.MostAllocated, sched.BalancedAllocation} {
		if st.String() == name {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown strategy %q (want LeastAllocated, MostAllocated or BalancedAllocation)", name)
}

// Config returns the cluster configuration a script runs with: the seed,
// the strategy, and core/sim's defaults otherwise. The scenario replay
// in checks/ uses it too.
func Config(sc Script) (sim.Config, error) {
	st, err := strategyOf(sc.Strategy)
	if err != nil {
		return sim.Config{}, err
	}
	cfg := sim.Config{Seed: sc.Seed, ShareObjects: true}
	cfg.Control.Scheduler.Strategy = st
	return cfg, nil
}

// playable are the commands an action may be: the ones that change the
// cluster now without moving the clock (tick, stabilize and schedule
// would take the timeline's place; init and describe change nothing).
var playable = map[string]bool{
	"add-node": true, "apply": true, "image": true, "scale": true, "set-image": true, "rollout-undo": true,
	"pause": true, "resume": true, "cordon": true, "uncordon": true, "delete": true,
	"crash-node": true, "restart-node": true, "partition": true, "heal": true, "crash-container": true,
	"fail-next-write": true, "restart-control-plane": true, "delay-watch": true, "reorder-watch": true,
}

// faults are the commands after which the invariants' caveats apply: each
// can leave a machine acting on a view that lags the store.
var faults = map[string]bool{
	"crash-node": true, "partition": true, "fail-next-write": true,
	"restart-control-plane": true, "delay-watch": true, "reorder-watch": true,
}

func parseAction(a Action) (sim.Command, error) {
	cmd, err := sim.ParseCommandLine(a.Line)
	if err != nil {
		return cmd, err
	}
	if !playable[cmd.Name] {
		return cmd, fmt.Errorf("%s: not a command the playground can record", cmd.Name)
	}
	cmd.Input = a.Body
	return cmd, nil
}

func checkScript(sc *Script) error {
	if _, err := strategyOf(sc.Strategy); err != nil {
		return err
	}
	last := int64(0)
	for i, a := range sc.Actions {
		if a.At < last {
			return fmt.Errorf("action %d (%s) at %dms comes before the previous one at %dms", i, a.Line, a.At, last)
		}
		last = a.At
		if _, err := parseAction(a); err != nil {
			return fmt.Errorf("action %d: %w", i, err)
		}
	}
	return nil
}

// bounded runs f with at most max events processed (max <= 0: no bound)
// and reports whether it stopped short.
func (s *Session) bounded(max int, f func()) bool {
	s.limited, s.left, s.stopped = max > 0, max, false
	f()
	s.limited = false
	return s.stopped
}

// partialState is the state of a run that stopped short of its time.
func (s *Session) partialState() *State {
	st := s.state()
	st.Partial = true
	return st
}

// reset rebuilds the cluster from the seed, at time 0, no action replayed.
func (s *Session) reset(sc Script) {
	cfg, err := Config(sc)
	if err != nil {
		panic(err) // checked by the caller
	}
	sc.Actions = append([]Action(nil), sc.Actions...)
	s.script = sc
	s.in = sim.NewInterpreter(cfg)
	s.c = s.in.Cluster()
	s.next = 0
	s.down, s.partitioned = map[string]bool{}, map[string]bool{}
	s.faultAt = -1
	s.inv = newTracker(s.c)
	s.last = point{}
	s.small = true
	s.interrupted = false
}

// now is the cursor: virtual milliseconds since the start.
func (s *Session) now() int64 { return int64(s.c.Elapsed() / time.Millisecond) }

// seek moves the cursor to t: forward by running, back by replaying.
func (s *Session) seek(t int64) {
	if t < s.now() || s.interrupted && t < s.until {
		s.reset(s.script)
	}
	s.runTo(t)
}

// runTo runs to t, replaying the actions due on the way.
func (s *Session) runTo(t int64) {
	for s.next < len(s.script.Actions) && s.script.Actions[s.next].At <= t {
		a := s.script.Actions[s.next]
		s.advance(a.At)
		if s.stopped {
			return
		}
		s.do(a)
		s.next++
		s.check()
	}
	s.advance(t)
}

// advance runs the cluster to t along the grid, checking at each point.
// A run cut short by its step budget stops inside one of its runUntil
// calls; the next advance first finishes that one and does what followed
// it (a poll, a check), so that a bounded run makes the very steps and
// checks of an unbounded one.
func (s *Session) advance(t int64) {
	if !s.resume() {
		return
	}
	for s.now() < t {
		g := (s.now()/Grid + 1) * Grid
		if g > t {
			s.runUntil(t)
			s.cut(afterNothing)
			return
		}
		if g%compactEvery == 0 {
			// Read the write log just before the store compacts it.
			s.runUntil(g - 1)
			if s.cut(afterPoll) {
				return
			}
			s.poll()
		}
		s.runUntil(g)
		if s.cut(afterCheck) {
			return
		}
		s.check()
	}
}

// What followed a runUntil that a step budget cut short.
const (
	afterNothing = iota
	afterPoll
	afterCheck
)

// cut reports whether the last runUntil was cut short, remembering what
// was to follow it.
func (s *Session) cut(then int) bool {
	if s.stopped {
		s.then = then
	}
	return s.stopped
}

// resume finishes a runUntil a step budget cut short, and what was to
// follow it; false if the budget cuts it short again.
func (s *Session) resume() bool {
	if !s.interrupted {
		return true
	}
	s.runUntil(s.until)
	if s.stopped {
		return false
	}
	switch s.then {
	case afterPoll:
		s.poll()
	case afterCheck:
		s.check()
	}
	return true
}

// evaluates says whether invariant i is evaluated.
func (s *Session) evaluates(i int) bool { return s.only == nil || s.only[i] }

// runUntil runs the cluster to ms. Checking per step, it steps one
// event at a time (the same steps RunUntil takes) and checks after each,
// then after the clock's last move.
func (s *Session) runUntil(ms int64) {
	end := s.c.Epoch() + api.Time(time.Duration(ms)*time.Millisecond)
	s.interrupted = false
	perStep := s.perStep || (s.exact && s.small)
	if !perStep && !s.limited {
		s.c.RunUntil(end)
		return
	}
	for {
		at, ok := s.c.NextAt()
		if !ok || at > end {
			break
		}
		if s.limited {
			if s.left <= 0 {
				s.stopped, s.interrupted, s.until = true, true, ms
				return
			}
			s.left--
		}
		if !perStep {
			s.c.Step()
			continue
		}
		n, w := len(s.c.Log()), s.c.Writes()
		s.c.Step()
		// A step that wrote nothing cannot break an invariant: they
		// read the store's objects, and the clock only for
		// availability, which time alone can only increase.
		if s.c.Writes() == w {
			continue
		}
		if !s.perStep {
			// Checking per step because the cluster was small: it may
			// have outgrown that within this run (a big apply). Then
			// grid checks, and a replay locating a violation, from
			// here on, as the next check point would decide. (A
			// locating replay, perStep, checks every step at any size.)
			pods := len(s.list("pods"))
			if pods > s.perStepPods {
				s.small, perStep = false, false
				continue
			}
			s.stepCheckedPods = max(s.stepCheckedPods, pods)
		}
		s.by = stepText(s.c.Steps(), s.c.Log()[n:])
		s.inv.check(s)
	}
	if !perStep {
		s.c.RunUntil(end) // the clock's last move
		return
	}
	if w := s.c.Writes(); s.c.Now() < end {
		s.c.RunUntil(end)
		if s.c.Writes() != w {
			s.by = "the clock reaching " + fmtMs(ms) + " (no event)"
			s.inv.check(s)
		}
	}
}

// exec records an action at the cursor (dropping the later ones: a fork)
// and does it.
func (s *Session) exec(line, body string) (string, error) {
	a := Action{At: s.now(), Line: strings.TrimSpace(line), Body: body}
	if _, err := parseAction(a); err != nil {
		return "", err
	}
	s.script.Actions = append(s.script.Actions[:s.next], a)
	out := s.do(a)
	s.next++
	s.check()
	return out, nil
}

// do runs one action's command and notes what it did to nodes.
func (s *Session) do(a Action) string {
	cmd, err := parseAction(a)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	out := s.in.Exec(cmd)
	s.by = "the action " + a.Line
	if strings.Contains(out, "error: ") {
		return out
	}
	if faults[cmd.Name] && s.faultAt < 0 {
		s.faultAt = a.At
	}
	var nodes []string
	for _, arg := range cmd.Args {
		if len(arg.Vals) == 0 {
			nodes = append(nodes, arg.Key)
		}
	}
	if len(nodes) > 0 {
		switch cmd.Name {
		case "crash-node":
			s.down[nodes[0]] = true
		case "restart-node":
			delete(s.down, nodes[0])
		case "partition":
			s.partitioned[nodes[0]] = true
		case "heal":
			delete(s.partitioned, nodes[0])
		}
	}
	return out
}

// check is a check point: every invariant is evaluated now. A
// violation seen for the first time is located to its exact step.
func (s *Session) check() {
	if s.evaluate(s.inv.check) {
		s.last = point{s.now(), s.next}
		s.small = len(s.list("pods")) <= s.perStepPods
	}
}

// poll evaluates the history invariants only (before a compaction).
func (s *Session) poll() { s.evaluate(s.inv.poll) }

// evaluate runs eval, unless the session is quiet, and locates what it
// found. It reports whether it ran.
func (s *Session) evaluate(eval func(*Session)) bool {
	if s.quiet {
		return false
	}
	before := s.inv.firsts()
	eval(s)
	s.located(before)
	return true
}
